"""Import time and resident memory after import, each in a fresh interpreter.

Every sample is its own ``python -c`` process: install the network guard (it imports
only ``socket``, which every subject imports anyway), start the clock, run the import
statement, stop the clock, read ``VmRSS`` from ``/proc/self/status`` (psutil
elsewhere) before anything else is imported. Subjects are interleaved round by
round; one untimed pass first compiles any missing ``.pyc``. Medians are reported.

Each probe also lists the ``opentelemetry`` modules its import statement loaded, and
whether OpenTelemetry is installed at all (looked up after the list is taken, without
importing it). For ``composio_router`` the list must be empty even when it is installed
(``nox -s bench`` installs the ``otel`` extra and the OpenTelemetry SDK): the SDK looks
for OpenTelemetry only at a client's first call. :func:`opentelemetry_check` runs that
check on its own: ``python -m benchmarks.imports``.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from typing import Any

from .backend import ROOT, child_env

SUBJECTS: dict[str, str] = {
    "baseline": "pass",
    "composio_router": "import composio_router\nfrom composio_router import AsyncComposio",
    "raw": "import aiohttp, orjson",
    "official": "import composio\nfrom composio import Composio",
}

_PROBE = """\
import sys, time
{path}
from benchmarks import netguard
netguard.install()
t0 = time.perf_counter()
{stmt}
elapsed = time.perf_counter() - t0
rss = None
try:
    with open('/proc/self/status') as fh:
        for line in fh:
            if line.startswith('VmRSS:'):
                rss = int(line.split()[1]) / 1024
except OSError:
    import psutil
    rss = psutil.Process().memory_info().rss / 2**20
mods = len(sys.modules)
otel = sorted(m for m in sys.modules if m == "opentelemetry" or m.startswith("opentelemetry."))
import importlib.util, json
otel_installed = importlib.util.find_spec("opentelemetry") is not None  # finds, imports nothing
print(json.dumps({{"import_s": elapsed, "rss_mb": rss, "modules": mods,
                  "otel_loaded": otel, "otel_installed": otel_installed}}))
"""


def probe(subject: str, official_path: str | None = None, timeout: float = 120.0) -> dict[str, Any]:
    path = f"sys.path.insert(0, {official_path!r})" if subject == "official" and official_path else ""
    code = _PROBE.format(path=path, stmt=SUBJECTS[subject])
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=child_env()
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"import probe for {subject} failed: {proc.stderr[-1500:]}")
    data: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    data["process_wall_s"] = wall
    return data


def measure(
    subjects: list[str], repeats: int, official_path: str | None = None, *, warmup: bool = True
) -> dict[str, Any]:
    samples: dict[str, list[dict[str, Any]]] = {s: [] for s in subjects}
    errors: dict[str, str] = {}
    for _ in range(repeats + (1 if warmup else 0)):  # the first pass compiles .pyc, warms the page cache
        for s in subjects:
            if s in errors:
                continue
            try:
                samples[s].append(probe(s, official_path))
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                errors[s] = str(exc)
    if warmup:
        samples = {s: rows[1:] for s, rows in samples.items()}
    live = [s for s in subjects if s not in errors and samples[s]]
    out: dict[str, Any] = {}
    for s in live:
        rows = samples[s]
        out[s] = {
            "import_ms": statistics.median(r["import_s"] for r in rows) * 1e3,
            "rss_mb": statistics.median(r["rss_mb"] for r in rows),
            "process_wall_ms": statistics.median(r["process_wall_s"] for r in rows) * 1e3,
            "modules": rows[-1]["modules"],
            "repeats": len(rows),
            # Every sample's, merged: what importing this subject pulled in of OpenTelemetry.
            "opentelemetry_installed": any(r["otel_installed"] for r in rows),
            "opentelemetry_imported": sorted({m for r in rows for m in r["otel_loaded"]}),
        }
    for s, err in errors.items():
        out[s] = {"error": err}
    return out


def opentelemetry_check() -> dict[str, Any]:
    """Whether ``import composio_router`` loads OpenTelemetry (it must not), in a fresh interpreter.

    ``installed`` says whether the check proves anything: without OpenTelemetry installed
    nothing could be loaded anyway.
    """
    row = probe("composio_router")
    return {"installed": row["otel_installed"], "imported": row["otel_loaded"],
            "ok": row["otel_installed"] and not row["otel_loaded"]}


def main() -> int:
    from . import netguard

    netguard.install()
    result = opentelemetry_check()
    if not result["installed"]:
        print("opentelemetry is not installed: nothing to prove (pip install '.[otel]' opentelemetry-sdk)")
        return 1
    print(f"import composio_router, opentelemetry installed: imported {result['imported'] or 'no opentelemetry module'}")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())

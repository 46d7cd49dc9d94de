"""Instructions per execute, counted by valgrind (callgrind): the client's cost without the noise.

    python -m benchmarks.instructions                    # async SDK, SDK without OpenTelemetry, raw
    python -m benchmarks.instructions --calls 500 --subjects async,raw

CPU seconds per call on a shared 2-core machine vary by +-20% from run to run, which hides
a change of a few percent. callgrind counts the instructions the client process executes
instead: the same count for the same code and input, whatever else the machine does. Each
subject runs twice under callgrind, with ``--warmup`` and with ``--warmup + --calls``
sequential executes against the emulator (its own process, 0 ms latency, loopback); the
difference divided by ``--calls`` is the instructions per execute, free of start-up and
import costs. Ratios are to ``raw`` (aiohttp + orjson, the floor).

Subjects: ``async`` (``AsyncComposio`` as installed), ``no_otel`` (the same with
OpenTelemetry unimportable, as without the ``otel`` extra), ``raw``. About 40 s each:
Python under valgrind runs some 50 times slower. Needs ``valgrind`` on PATH.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys

from . import netguard
from .backend import ROOT, backend, child_env

SUBJECTS = ("async", "no_otel", "raw")

# What each subject runs in its own process: the benchmark clients, after the network guard.
_WORKER = """
import asyncio, sys
sys.path.insert(0, {root!r})
from benchmarks import netguard
netguard.install()
if {no_otel!r}:
    sys.modules["opentelemetry"] = None  # as if the otel extra were not installed
from benchmarks.clients import AsyncSDKClient, RawClient

async def main():
    client = await ({client}({url!r})).open()
    try:
        session = await client.create("bench-user")
        for _ in range({calls}):
            await session.execute("UTILS_ECHO", {{"a": 1}})
    finally:
        await client.aclose()

asyncio.run(main())
"""


def worker_code(subject: str, url: str, calls: int) -> str:
    """The program one subject runs: ``calls`` sequential executes against ``url``."""
    return _WORKER.format(
        root=ROOT, url=url, calls=calls, no_otel=subject == "no_otel",
        client="RawClient" if subject == "raw" else "AsyncSDKClient",
    )


def count(subject: str, url: str, calls: int) -> int:
    """Instructions the whole client process executed for ``calls`` executes."""
    code = worker_code(subject, url, calls)
    proc = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c", code],
        capture_output=True, text=True, cwd=ROOT, env=child_env(), timeout=900,
    )
    found = re.search(r"Collected : (\d+)", proc.stderr)
    if proc.returncode != 0 or found is None:
        raise RuntimeError(f"{subject}: callgrind run failed: {proc.stderr[-1500:]}")
    return int(found.group(1))


def measure(subjects: list[str], calls: int, warmup: int) -> dict[str, float]:
    """Instructions per execute for each subject."""
    with backend(0.0) as server:
        return {s: (count(s, server.url, warmup + calls) - count(s, server.url, warmup)) / calls for s in subjects}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.instructions", description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=500, help="executes counted (default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=50, help="executes before them (default: %(default)s)")
    parser.add_argument("--subjects", default=",".join(SUBJECTS), help="comma-separated, of: " + ", ".join(SUBJECTS))
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    subjects = [s for s in args.subjects.split(",") if s]
    if unknown := [s for s in subjects if s not in SUBJECTS]:
        parser.error(f"unknown subjects: {unknown}")
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: nothing measured (apt-get install valgrind)", file=sys.stderr)
        return 2
    netguard.install()
    per_call = measure(subjects, args.calls, args.warmup)
    if args.json:
        print(json.dumps(per_call))
        return 0
    raw = per_call.get("raw")
    for subject, n in per_call.items():
        ratio = f"{n / raw:.3f}x raw" if raw else ""
        print(f"{subject:8} {n:>12,.0f} instructions per execute  {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

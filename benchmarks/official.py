"""The official ``composio`` SDK: install it (opt-in), find it, and fence it in.

Install procedure (``python -m benchmarks --install-official``, or
``python -m benchmarks.official install``):

1. ``pip install --no-deps --target <dir> composio==0.30.0``: its metadata declares
   ``certifi>=2026.10.19``, which the package index here does not carry;
2. read ``Requires-Dist`` from the installed ``composio-0.30.0.dist-info/METADATA``
   and ``pip install --target <dir>`` all of them except ``certifi`` (an older
   certifi still arrives through ``requests``/``httpx``).

``<dir>`` is ``$COMPOSIO_BENCH_OFFICIAL_DIR`` or ``<repo>/.nox/bench-official/composio-<version>``
(git-ignored), so the project's own environment is never touched; only the worker
processes that measure the official SDK put it on ``sys.path``. An installation
importable from the running environment is used as is.

Fencing (every process that imports it): the network guard first; then
``COMPOSIO_BASE_URL`` and the client's ``base_url`` point at the local backend;
``allow_tracking=False``; and because that flag is a ``ContextVar`` that worker
threads do not inherit, the telemetry endpoints (``composio.core.models._telemetry``:
``METRIC_ENDPOINT``/``ERROR_ENDPOINT``, posted with ``httpx`` from a daemon thread)
are rewritten to the local backend, which answers them with a 404. The posts are
counted and reported. Anything that would still try another host meets the guard.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from email.parser import Parser
from pathlib import Path
from typing import Any

from .backend import ROOT

__all__ = ["OFFICIAL_VERSION", "fence", "find", "install", "worker_env"]

OFFICIAL_VERSION = "0.30.0"
SKIP_REQUIREMENTS = frozenset({"certifi"})


def target_dir(version: str = OFFICIAL_VERSION) -> Path:
    env = os.environ.get("COMPOSIO_BENCH_OFFICIAL_DIR")
    if env:
        return Path(env)
    return Path(ROOT) / ".nox" / "bench-official" / f"composio-{version}"


def find(version: str = OFFICIAL_VERSION) -> dict[str, Any] | None:
    """Where the official SDK can be imported from: ``{"path": dir or None, "version": ...}``."""
    target = target_dir(version)
    if (target / "composio" / "__init__.py").exists():
        return {"path": str(target), "version": _dist_version(target) or version}
    if importlib.util.find_spec("composio") is not None:
        from importlib.metadata import PackageNotFoundError
        from importlib.metadata import version as dist_version

        try:
            found = dist_version("composio")
        except PackageNotFoundError:
            found = "unknown"
        return {"path": None, "version": found}
    return None


def _dist_version(target: Path) -> str | None:
    for meta in target.glob("composio-*.dist-info/METADATA"):
        return Parser().parsestr(meta.read_text(encoding="utf-8"), headersonly=True).get("Version")
    return None


def requirements(target: Path) -> list[str]:
    """``Requires-Dist`` of the installed composio, minus certifi and extras-only entries."""
    metas = list(target.glob("composio-*.dist-info/METADATA"))
    if not metas:
        raise RuntimeError(f"no composio metadata under {target}")
    message = Parser().parsestr(metas[0].read_text(encoding="utf-8"), headersonly=True)
    reqs: list[str] = []
    for req in message.get_all("Requires-Dist") or []:
        spec, _, marker = req.partition(";")
        if "extra" in marker:
            continue
        name = spec.strip().split()[0]
        for sep in "<>=!~[(":
            name = name.split(sep, 1)[0]
        if name.strip().lower() in SKIP_REQUIREMENTS:
            continue
        reqs.append(spec.strip().replace(" ", ""))
    return reqs


def install(version: str = OFFICIAL_VERSION, *, quiet: bool = True) -> dict[str, Any]:
    """Install the official SDK into its own target directory; return :func:`find`'s answer."""
    target = target_dir(version)
    target.parent.mkdir(parents=True, exist_ok=True)
    pip = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check"]
    if quiet:
        pip.append("--quiet")
    subprocess.run([*pip, "--no-deps", "--upgrade", "--target", str(target), f"composio=={version}"], check=True)
    reqs = requirements(target)
    subprocess.run([*pip, "--upgrade", "--target", str(target), *reqs], check=True)
    found = find(version)
    if found is None:
        raise RuntimeError("composio installed but not importable")
    return {**found, "requirements": reqs}


def worker_env(found: dict[str, Any], url: str) -> dict[str, str]:
    """Extra environment for a worker that measures the official SDK."""
    env = {
        "COMPOSIO_BASE_URL": url,
        "COMPOSIO_API_KEY": "bench-key",
        "COMPOSIO_LOGGING_LEVEL": "error",
        "COMPOSIO_BENCH_BACKEND_URL": url,
        # Belt and braces for any SDK version that reads these.
        "COMPOSIO_DISABLE_TELEMETRY": "true",
        "COMPOSIO_TELEMETRY_DISABLED": "true",
        "DO_NOT_TRACK": "1",
    }
    if found.get("path"):
        env["COMPOSIO_BENCH_OFFICIAL_PATH"] = found["path"]
    return env


_telemetry_posts = [0]


def fence(url: str) -> None:
    """In a worker, after the guard: make ``composio`` importable and its telemetry local.

    Call before the first ``import composio`` (or right after: the endpoints are read
    at post time).
    """
    from . import netguard

    if not netguard.installed():
        raise RuntimeError("install the network guard before importing composio")
    path = os.environ.get("COMPOSIO_BENCH_OFFICIAL_PATH")
    if path and path not in sys.path:
        sys.path.insert(0, path)
    os.environ["COMPOSIO_BASE_URL"] = url
    import composio.core.models._telemetry as telemetry

    telemetry.TELEMETRY_URL = url + "/_bench_telemetry/v1"
    telemetry.METRIC_ENDPOINT = telemetry.TELEMETRY_URL + "/metrics/invocations"
    telemetry.ERROR_ENDPOINT = telemetry.TELEMETRY_URL + "/errors"
    real_push = telemetry._push

    def counted_push(event: Any) -> None:
        _telemetry_posts[0] += 1
        real_push(event)

    telemetry._push = counted_push


def telemetry_posts() -> int:
    return _telemetry_posts[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.official")
    parser.add_argument("command", choices=["install", "where"])
    parser.add_argument("--version", default=OFFICIAL_VERSION)
    args = parser.parse_args(argv)
    if args.command == "install":
        print(install(args.version, quiet=False))
    else:
        print(find(args.version))
    return 0


if __name__ == "__main__":
    sys.exit(main())

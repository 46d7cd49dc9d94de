"""Run scripts (documentation snippets, example programs) one after another, offline.

``python tests/docs/script_worker.py JOBS.json RESULTS.json``. Each job is ``{"id",
"path", "env", "timeout", "kind"}``: the script runs as ``__main__`` (``runpy.run_path``) in a
fresh namespace and a fresh working directory, with ``env`` applied to ``os.environ`` for
its run, its output captured, and an alarm at ``timeout`` seconds. A script that exits
with ``SystemExit(0)`` passed; any other exception failed, with its traceback.

Before anything else, the benchmarks' network guard is installed: a connection or DNS
look-up to anything but loopback fails before it is sent. The SDK and the emulator's
client libraries are imported once up front, so that a job costs its own run only; each
job still starts from a clean ``__main__`` namespace.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import runpy
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from benchmarks import netguard  # noqa: E402

netguard.install()
sys.path.remove(str(ROOT))

import aiohttp  # noqa: E402, F401  (warm imports: every script uses them)
import anyio  # noqa: E402, F401

import composio_router  # noqa: E402
import composio_router.session  # noqa: E402, F401


class ScriptTimeout(Exception):
    pass


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise ScriptTimeout("the script ran past its time limit")


def run(job: dict[str, object]) -> dict[str, object]:
    env = dict(job["env"])  # type: ignore[call-overload]
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    out = io.StringIO()
    blocked_before = len(netguard.blocked())
    started = time.perf_counter()
    error = None
    cwd = os.getcwd()
    argv = sys.argv
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, float(job["timeout"]))  # type: ignore[arg-type]
    try:
        with tempfile.TemporaryDirectory() as workdir, contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            os.chdir(workdir)
            sys.argv = [str(job["path"])]  # as `python script.py` would see it
            try:
                runpy.run_path(str(job["path"]), run_name="__main__")
            except SystemExit as exc:
                if exc.code not in (None, 0):
                    error = f"SystemExit({exc.code!r})"
            finally:
                os.chdir(cwd)
                sys.argv = argv
    except BaseException:
        error = traceback.format_exc()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return {
        "id": job["id"],
        "ok": error is None,
        "error": error,
        "output": out.getvalue()[-20_000:],
        "seconds": round(time.perf_counter() - started, 3),
        "blocked": netguard.blocked()[blocked_before:],
    }


def main() -> int:
    jobs = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    results = [run(job) for job in jobs]
    Path(sys.argv[2]).write_text(json.dumps(results), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

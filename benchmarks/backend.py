"""The local backend: the Tool Router emulator in its own process, on loopback.

A separate process so that the server's CPU never lands in the measuring process's
``process_time()`` (it still shares the machine's cores: that is stated in the
report). Started as ``python -m benchmarks.backend --latency S``, which installs the
network guard and then runs ``python -m composio_router emulator`` in-process.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

from . import netguard

__all__ = ["Backend", "backend", "child_env", "cpu_seconds"]

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for every child process: this checkout first on sys.path, no proxies."""
    env = dict(os.environ)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        env.pop(name, None)
    env["NO_PROXY"] = env["no_proxy"] = "*"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (ROOT, env.get("PYTHONPATH", "")) if p)
    env.setdefault("PYTHONHASHSEED", "0")
    # Bytecode is written, as an installed package has it: with PYTHONDONTWRITEBYTECODE set
    # (some sandboxes set it) every import probe would compile the edited modules from
    # source and time the compiler (about 20 ms here), not the import.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if extra:
        env.update(extra)
    return env


class Backend(NamedTuple):
    url: str
    pid: int
    latency: float
    log_path: str

    def log_tail(self, lines: int = 20) -> str:
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as fh:
                return "".join(fh.readlines()[-lines:])
        except OSError:
            return ""


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds a process has used so far (Linux ``/proc``; else psutil)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil

        times = psutil.Process(pid).cpu_times()
        return float(times.user + times.system)
    except Exception:
        return None


@contextmanager
def backend(latency: float = 0.0, *, startup_timeout: float = 20.0) -> Iterator[Backend]:
    """Start an emulator process with ``latency`` seconds per request; yield its URL and pid."""
    log = tempfile.NamedTemporaryFile(prefix="bench-backend-", suffix=".log", delete=False)  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.backend", "--latency", repr(latency)],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env=child_env(),
        cwd=ROOT,
    )
    try:
        url = _wait_for_url(proc, startup_timeout, log.name)
        # Keep draining stdout so the server never blocks on a full pipe.
        threading.Thread(target=_drain, args=(proc.stdout,), daemon=True).start()
        yield Backend(url, proc.pid, latency, log.name)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()
        if not os.environ.get("BENCH_KEEP_BACKEND_LOG"):
            with contextlib.suppress(OSError):
                os.unlink(log.name)


def _drain(stream: object) -> None:
    try:
        for _ in stream:  # type: ignore[attr-defined]
            pass
    except (OSError, ValueError):
        pass


def _wait_for_url(proc: subprocess.Popen[str], timeout: float, log_path: str) -> str:
    assert proc.stdout is not None
    result: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if "listening on" in line:
                result.append(line.strip().rsplit(" ", 1)[-1])
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    if not result:
        proc.kill()
        with open(log_path, encoding="utf-8", errors="replace") as fh:
            err = fh.read()
        raise RuntimeError(f"the emulator did not start within {timeout} s: {err[-2000:]}")
    url = result[0]
    host = url.split("//", 1)[-1].rsplit(":", 1)[0]
    if not netguard.is_loopback_host(host):
        raise RuntimeError(f"the emulator is not on loopback: {url}")
    return url


def main(argv: list[str] | None = None) -> int:
    netguard.install()
    parser = argparse.ArgumentParser(prog="python -m benchmarks.backend")
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    from composio_router.__main__ import main as cli

    return cli(["emulator", "--host", "127.0.0.1", "--port", str(args.port), "--latency", str(args.latency)])


if __name__ == "__main__":
    sys.exit(main())

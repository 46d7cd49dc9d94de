"""The local backend: the Tool Router emulator in its own process, on loopback.

A separate process so that the server's CPU never lands in the measuring process's
``process_time()`` (it still shares the machine's cores: that is stated in the
report). Started as ``python -m benchmarks.backend --latency S``, which installs the
network guard and then runs ``python -m composio_router emulator`` in-process.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from . import netguard

__all__ = ["backend", "child_env"]

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for every child process: this checkout first on sys.path, no proxies."""
    env = dict(os.environ)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        env.pop(name, None)
    env["NO_PROXY"] = env["no_proxy"] = "*"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (ROOT, env.get("PYTHONPATH", "")) if p)
    env.setdefault("PYTHONHASHSEED", "0")
    if extra:
        env.update(extra)
    return env


@contextmanager
def backend(latency: float = 0.0, *, startup_timeout: float = 20.0) -> Iterator[str]:
    """Start an emulator process with ``latency`` seconds per request; yield its URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.backend", "--latency", repr(latency)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
        cwd=ROOT,
    )
    try:
        url = _wait_for_url(proc, startup_timeout)
        # Keep draining stderr so a chatty server never blocks on a full pipe.
        threading.Thread(target=_drain, args=(proc.stderr,), daemon=True).start()
        threading.Thread(target=_drain, args=(proc.stdout,), daemon=True).start()
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _drain(stream: object) -> None:
    try:
        for _ in stream:  # type: ignore[attr-defined]
            pass
    except (OSError, ValueError):
        pass


def _wait_for_url(proc: subprocess.Popen[str], timeout: float) -> str:
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
        err = proc.stderr.read() if proc.stderr is not None else ""
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

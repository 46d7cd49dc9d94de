"""Smoke test of the benchmark harness: the network guard, and one tiny run.

Loopback only and bounded: everything runs in subprocesses (so the guard never
patches this test process), the harness in ``--quick`` mode with two clients.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import anyio
import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.skipif(not (ROOT / "benchmarks" / "runner.py").exists(), reason="benchmarks/ not present"),
    pytest.mark.slow,
]


def _run_python(code: str, timeout: float = 15) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT,
    )


def test_netguard_refuses_before_sending() -> None:
    # The real calls are replaced by recorders *before* the guard wraps them, so the
    # test sees whether the guard let anything through to them: it must not.
    proc = _run_python(
        """
        import json, socket
        reached = []
        real_gai = socket.getaddrinfo
        socket.socket.connect = lambda self, addr: reached.append(("connect", addr))
        socket.socket.connect_ex = lambda self, addr: reached.append(("connect_ex", addr)) or 0
        socket.getaddrinfo = lambda host, *a, **k: reached.append(("getaddrinfo", host)) or real_gai("127.0.0.1", 9)
        socket.create_connection = lambda addr, *a, **k: reached.append(("create_connection", addr))
        socket.gethostbyname = lambda host: reached.append(("gethostbyname", host)) or "127.0.0.1"
        from benchmarks import netguard
        netguard.install()
        outcome = {}
        def attempt(name, fn):
            try:
                fn()
                outcome[name] = "allowed"
            except OSError as exc:
                outcome[name] = type(exc).__name__
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        attempt("connect", lambda: s.connect(("10.255.255.1", 9)))
        attempt("connect_ex", lambda: s.connect_ex(("10.255.255.1", 9)))
        attempt("getaddrinfo", lambda: socket.getaddrinfo("example.com", 443))
        attempt("create_connection", lambda: socket.create_connection(("93.184.216.34", 80), timeout=1))
        attempt("gethostbyname", lambda: socket.gethostbyname("example.com"))
        s.close()
        blocked_before_loopback = list(reached)
        s2 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        attempt("loopback", lambda: s2.connect(("127.0.0.1", 9)))
        attempt("localhost_lookup", lambda: socket.getaddrinfo("localhost", 9))
        s2.close()
        print(json.dumps({"outcome": outcome, "reached_before": blocked_before_loopback,
                          "reached_after": reached, "blocked": netguard.blocked()}))
        """
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    outcome = data["outcome"]
    for name in ("connect", "connect_ex", "create_connection"):
        assert outcome[name] == "BlockedConnection", (name, outcome)
    for name in ("getaddrinfo", "gethostbyname"):
        assert outcome[name] == "BlockedLookup", (name, outcome)
    assert data["reached_before"] == [], "the guard let a refused call reach the real socket function"
    assert outcome["loopback"] == "allowed"
    assert outcome["localhost_lookup"] == "allowed"
    assert len(data["blocked"]) == 5


def test_netguard_blocks_asyncio_paths() -> None:
    proc = _run_python(
        """
        import asyncio, json, socket
        reached = []
        real_gai = socket.getaddrinfo
        # Recorders stand in for the real calls, so nothing can leave even if the guard failed.
        socket.socket.connect = lambda self, addr: reached.append(("connect", addr))
        socket.getaddrinfo = lambda host, *a, **k: reached.append(("getaddrinfo", host)) or real_gai("127.0.0.1", 9)
        from benchmarks import netguard
        netguard.install()
        async def main():
            out = {}
            for name, host in (("ip", "10.255.255.1"), ("name", "example.com")):
                try:
                    await asyncio.wait_for(asyncio.open_connection(host, 9), 5)
                    out[name] = "allowed"
                except OSError as exc:
                    out[name] = type(exc).__name__
            out["reached"] = reached
            return out
        print(json.dumps(asyncio.run(main())))
        """
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out == {"ip": "BlockedConnection", "name": "BlockedLookup", "reached": []}


def test_quick_run_produces_the_json_structure(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--no-official", "--kinds", "async,raw",
         "--profile", "never", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "composio_router" in proc.stdout and "raw aiohttp" in proc.stdout
    latest = tmp_path / "latest-quick.json"
    data = json.loads(latest.read_text())
    assert data["meta"]["mode"] == "quick"
    for section in ("imports", "calls", "batch", "burst", "rows", "targets"):
        assert section in data, section
    for subject in ("composio_router", "raw", "baseline"):
        assert data["imports"][subject]["import_ms"] >= 0
        assert data["imports"][subject]["rss_mb"] > 0
    # OpenTelemetry is installed here (the test extra), yet the import loads none of it.
    assert data["imports"]["composio_router"]["opentelemetry_installed"] is True
    assert data["imports"]["composio_router"]["opentelemetry_imported"] == []
    assert data["targets"]["import_no_otel"] == "PASS"
    for kind in ("async", "raw"):
        calls = data["calls"][kind]
        assert "error" not in calls, calls
        for op in ("create", "search", "execute"):
            assert calls[op]["latency_ms"] > 0 and calls[op]["cpu_ms"] >= 0
        assert set(calls["throughput"]) == {"1", "20", "100"}
        assert all(t["errors"] == 0 for t in calls["throughput"].values())
        assert calls["netguard_blocked"] == []
    batch = data["batch"]["async"]
    for kind in ("remote", "local", "mixed"):
        assert batch[f"batch_{kind}_ms"] > 0
        assert batch[f"batch_{kind}_errors"] == 0
    for kind in ("async", "raw"):
        assert data["burst"][kind]["errors"] == 0
        assert data["burst"][kind]["completed"] == data["burst"][kind]["calls"]
    assert set(data["targets"]) >= {"import_time", "import_rss", "execute_cpu", "throughput_100", "burst_errors"}
    assert all(v in ("PASS", "MISS", "n/a") for v in data["targets"].values())


def test_telemetry_benchmark_runs() -> None:
    # benchmarks/telemetry.py, tiny: one round of a few calls per configuration.
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.telemetry", "--calls", "20", "--rounds", "1"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    for config in ("without", "api_only", "sdk_memory"):
        [line] = [line for line in lines if line.split()[:1] == [config]]
        assert line.endswith("x without"), line
    assert any(line.startswith("target: api_only <= 1.05x without: ") for line in lines)


def test_import_check_finds_no_opentelemetry() -> None:
    # `python -m benchmarks.imports`: with OpenTelemetry installed, importing the SDK loads none of it.
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.imports"], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert "imported no opentelemetry module" in proc.stdout


@pytest.mark.anyio
async def test_instruction_count_worker_runs() -> None:
    # benchmarks/instructions.py: the code each subject runs under callgrind, run here without
    # valgrind (Python under it takes ~20 s per run) against a real emulator, for each subject.
    from benchmarks import instructions
    from benchmarks.backend import child_env
    from benchmarks.clients import API_KEY
    from composio_router.testing import Emulator

    async with Emulator(api_key=API_KEY) as emulator:
        for subject in instructions.SUBJECTS:
            code = instructions.worker_code(subject, emulator.url, calls=2)
            proc = await anyio.run_process([sys.executable, "-c", code], cwd=ROOT, env=child_env(), check=False)
            assert proc.returncode == 0, f"{subject}: {proc.stderr.decode()[-2000:]}"
        assert len(emulator.journal.find(method="POST", path="/api/v3.1/tool_router/session/*/execute")) == 6
    bad = subprocess.run(
        [sys.executable, "-m", "benchmarks.instructions", "--subjects", "nope"],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )
    assert bad.returncode == 2 and "unknown subjects" in bad.stderr

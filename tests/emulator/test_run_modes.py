"""Ways to run the emulator: in a thread (from sync code or from an event loop) and as a
command-line server."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import aiohttp
import pytest

from composio_router_emulator import Emulator

from ..conftest import API_KEY
from .conftest import new_session

ROOT = Path(__file__).resolve().parents[2]


def test_running_in_thread_from_sync_code() -> None:
    with Emulator.running_in_thread(api_key=API_KEY) as emu:
        ca = emu.connect_account("user-1", "gmail", alias="main")
        req = urllib.request.Request(
            f"{emu.url}/api/v3.1/connected_accounts/{ca}", headers={"x-api-key": API_KEY}
        )
        with urllib.request.urlopen(req, timeout=5) as resp:
            assert resp.status == 200
            assert b'"ACTIVE"' in resp.read()
        emu.set_account_status(ca, "EXPIRED")
        assert emu.connected_account(ca)["status"] == "EXPIRED"
        assert emu.mailbox("user-1") == [] and emu.issues("user-1") == []
        assert len(emu.journal.find(path="/api/v3.1/connected_accounts/*")) == 1
    with pytest.raises(RuntimeError):
        _ = Emulator().url  # not started


@pytest.mark.anyio
async def test_thread_emulator_used_from_an_event_loop() -> None:
    with Emulator.running_in_thread() as emu:
        async with aiohttp.ClientSession(emu.url, headers={"x-api-key": "k"}) as http:
            sid = (await new_session(http))["session_id"]
            assert sid in emu.sessions
            ca = await asyncio.to_thread(emu.connect_account, "user-1", "github")
            emu.complete_link(ca)


@pytest.mark.parametrize(
    "args",
    [
        ["-c", "from composio_router_emulator.cli import serve; serve(port=0)"],
        ["-m", "composio_router_emulator", "--port", "0"],
        ["-m", "composio_router", "emulator", "--port", "0"],
    ],
    ids=["serve", "python -m composio_router_emulator", "python -m composio_router emulator"],
)
def test_cli_serve_prints_one_line_and_stops_on_sigterm(args: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()
        assert line.startswith("Tool Router emulator listening on http://127.0.0.1:")
        url = line.rsplit(" ", 1)[1].strip()
        with urllib.request.urlopen(f"{url}/healthz", timeout=5) as resp:
            assert resp.status == 200
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
        assert proc.returncode == 0, err
        assert out == b""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()

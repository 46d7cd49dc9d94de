"""FastAPI: the shipped recipe (``examples/fastapi_app.py``) under real uvicorn, and the per-request mistake.

The app runs in a uvicorn subprocess on loopback, with the network guard installed,
against the emulator of this test. Concurrent clients each send a batch; every answer
must be a 200 with its results in order, the log must hold no "Unclosed" line, and a
Ctrl-C must shut the server down cleanly (the lifespan closes the client).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import re
import signal
import sys
import warnings
from pathlib import Path
from typing import Any

import aiohttp
import anyio
import httpx
import pytest
from fastapi import FastAPI

from composio_router import AsyncComposio
from composio_router.testing import Emulator

from ..conftest import TELEMETRY_OFF
from . import EXECUTE

pytestmark = pytest.mark.anyio

REPO = Path(__file__).resolve().parents[2]
SERVER = (
    "from benchmarks import netguard; netguard.install()\n"
    "import uvicorn\n"
    "uvicorn.run('examples.fastapi_app:app', host='127.0.0.1', port=0, log_level='info')\n"
)
CLIENTS, CALLS = 20, 10


async def test_example_app_under_uvicorn(emulator: Emulator, api_key: str) -> None:
    env = {**os.environ, **TELEMETRY_OFF, "COMPOSIO_API_KEY": api_key, "COMPOSIO_BASE_URL": emulator.url,
           "PYTHONWARNINGS": "default"}  # a ResourceWarning would show in the log
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SERVER, cwd=REPO, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    assert proc.stdout is not None
    log: list[str] = []

    async def read_until(text: str) -> str:
        with anyio.fail_after(20):
            while True:
                line = (await proc.stdout.readline()).decode()  # type: ignore[union-attr]
                if not line:
                    raise AssertionError("the server exited:\n" + "".join(log))
                log.append(line)
                if text in line:
                    return line

    try:
        running = await read_until("Uvicorn running on")
        port = re.search(r"http://127\.0\.0\.1:(\d+)", running)
        assert port is not None, running
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port.group(1)}") as http:
            async with http.post("/sessions", json={"user_id": "u1", "toolkits": ["utils"]}) as resp:
                assert resp.status == 200, await resp.text()
                session_id = (await resp.json())["session_id"]

            async def client(i: int) -> tuple[int, Any]:
                calls = [{"tool_slug": "UTILS_ECHO", "arguments": {"client": i, "n": n}} for n in range(CALLS)]
                async with http.post(f"/sessions/{session_id}/batch", json={"calls": calls}) as resp:
                    return resp.status, await resp.json()

            answers = await asyncio.gather(*(client(i) for i in range(CLIENTS)))
            for i, (status, body) in enumerate(answers):
                assert status == 200, body
                assert [r["data"]["arguments"] for r in body["results"]] == [{"client": i, "n": n} for n in range(CALLS)]
                assert [r["index"] for r in body["results"]] == list(range(CALLS))

            message = {"role": "assistant", "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "UTILS_ECHO", "arguments": '{"x": 1}'}},
                {"id": "c2", "type": "function", "function": {"name": "UTILS_ECHO", "arguments": "{bad"}},
            ]}
            async with http.post(f"/sessions/{session_id}/tool_calls", json=message) as resp:
                assert resp.status == 200
                answered = await resp.json()
            assert [(a["role"], a["tool_call_id"]) for a in answered] == [("tool", "c1"), ("tool", "c2")]
            too_many = [{"tool_slug": "UTILS_ECHO"}] * 21
            async with http.post(f"/sessions/{session_id}/batch", json={"calls": too_many}) as resp:
                assert resp.status == 422

        proc.send_signal(signal.SIGINT)
        with anyio.fail_after(15):
            rest = await proc.stdout.read()
            code = await proc.wait()
        log.append(rest.decode())
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    text = "".join(log)
    assert code == 0, text
    assert "Application shutdown complete" in text, text
    assert "Unclosed" not in text and "unclosed" not in text, text
    assert "Traceback" not in text and "ERROR" not in text, text
    assert len(emulator.journal.find(method="POST", path=EXECUTE)) == CLIENTS * CALLS + 1  # "{bad" never sent


async def test_a_client_per_request_left_open_warns_once_each_and_logs_nothing(
    emulator: Emulator, api_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = FastAPI()

    @app.post("/leaky")
    async def leaky() -> dict[str, str]:
        composio = AsyncComposio(api_key=api_key, base_url=emulator.url)  # the mistake: per request, never closed
        session = await composio.create(user_id="u")
        return {"session_id": session.session_id}

    caplog.set_level(logging.WARNING)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
            for _ in range(5):
                assert (await http.post("/leaky")).status_code == 200
        gc.collect()
        await asyncio.sleep(0.05)  # the SDK's quiet closes run on this loop
        gc.collect()
    ours = [w for w in caught if w.category is ResourceWarning and "unclosed AsyncComposio" in str(w.message)]
    assert len(ours) == 5
    assert "lifespan" in str(ours[0].message) and "aclose()" in str(ours[0].message)
    assert ours[0].filename.endswith("_transport.py")  # filterable as composio_router's
    assert not [w for w in caught if "Unclosed" in str(w.message)]
    assert "Unclosed" not in caplog.text

"""MCP tests: real MCP clients against a session's ``mcp.url`` on the emulator.

Loopback only. The client libraries here (mcp, openai-agents, langchain-mcp-adapters) and
their dependencies have telemetry or tracing that could reach out: it is switched off
through their environment variables *before* any of them is imported, and the benchmarks'
in-process network guard (``benchmarks/netguard.py``) is installed, so a connection or DNS
look-up to anything but loopback fails before it is sent. The guard stays installed for
the rest of the test process, which only ever talks to loopback anyway.

Fixtures (besides the shared ones of ``tests/conftest.py``):

``http``         raw aiohttp client on ``emulator`` that sends the API key
``new_session``  creates a Tool Router session (raw wire) and returns its JSON
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from benchmarks import netguard

TELEMETRY_OFF = {
    "OPENAI_AGENTS_DISABLE_TRACING": "1",  # openai-agents exports traces to OpenAI
    "OPENAI_AGENTS_TRACE_INCLUDE_SENSITIVE_DATA": "0",
    "LANGCHAIN_TRACING_V2": "false",  # LangSmith
    "LANGSMITH_TRACING": "false",
    "LANGCHAIN_CALLBACKS_BACKGROUND": "false",
    "DO_NOT_TRACK": "1",
    "ANONYMIZED_TELEMETRY": "false",
}
for _name, _value in TELEMETRY_OFF.items():
    os.environ[_name] = _value
netguard.install()

P = "/api/v3.1/tool_router/session"
USER = "user-1"
NewSession = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
async def http(emulator: Any, api_key: str) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(emulator.url, headers={"x-api-key": api_key}) as session:
        yield session


@pytest.fixture
def new_session(http: aiohttp.ClientSession) -> NewSession:
    async def create(**config: Any) -> dict[str, Any]:
        body = {"user_id": USER, **config}
        async with http.post(P, json=body) as resp:
            payload = await resp.json()
            assert resp.status == 201, payload
            return payload  # type: ignore[no-any-return]

    return create

"""MCP tests: real MCP clients against a session's ``mcp.url`` on the emulator.

Loopback only. The client libraries here (mcp, openai-agents, langchain-mcp-adapters) and
their dependencies have telemetry or tracing that could reach out: ``tests/conftest.py``
switches it off through their environment variables *before* any of them is imported, and
installs the benchmarks' in-process network guard (``benchmarks/netguard.py``), so a
connection or DNS look-up to anything but loopback fails before it is sent.

Fixtures (besides the shared ones of ``tests/conftest.py``):

``http``         raw aiohttp client on ``emulator`` that sends the API key
``new_session``  creates a Tool Router session (raw wire) and returns its JSON
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest

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

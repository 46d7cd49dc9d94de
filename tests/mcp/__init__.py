"""Tests of the emulator's MCP endpoint with real MCP clients (see conftest.py)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

EMAIL = {"recipient_email": "ops@example.com", "subject": "Status", "body": "All green."}
ISSUE = {"owner": "acme", "repo": "widgets", "title": "Crash on start"}


@contextlib.asynccontextmanager
async def official_client(url: str, api_key: str, **session_kwargs: Any) -> AsyncIterator[Any]:
    """An initialized ``mcp.ClientSession`` over the official streamable HTTP client."""
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async with (
        httpx.AsyncClient(headers={"x-api-key": api_key}, timeout=30) as http,
        streamable_http_client(url, http_client=http) as (read, write, _),
        ClientSession(read, write, **session_kwargs) as client,
    ):
        client.init_result = await client.initialize()
        yield client


def envelope(result: Any) -> dict[str, Any]:
    """The classic tool envelope ``{data, error, successful}`` a tools/call result carries."""
    (block,) = result.content
    return json.loads(block.text)  # type: ignore[no-any-return]


def search_args(use_case: str) -> dict[str, Any]:
    return {"queries": [{"use_case": use_case}]}


def multi_args(*items: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "tools": [{"tool_slug": slug, "arguments": args} for slug, args in items],
        "sync_response_to_workbench": False,
    }

"""The OpenAI Agents SDK's ``MCPServerStreamableHttp``, driven directly (no model)."""

from __future__ import annotations

import json

import pytest

from composio_router_emulator import Emulator

from . import EMAIL, ISSUE, multi_args, search_args
from .conftest import USER, NewSession

pytestmark = [
    pytest.mark.anyio,
    # openai-agents 0.24 calls mcp's deprecated streamablehttp_client: its warning, not ours.
    pytest.mark.filterwarnings("ignore:Use `streamable_http_client` instead:DeprecationWarning"),
]


async def test_agents_sdk_lists_searches_runs_and_multi_executes(
    emulator: Emulator, new_session: NewSession, api_key: str
) -> None:
    from agents.mcp import MCPServerStreamableHttp

    emulator.connect_account(USER, "gmail")
    emulator.connect_account(USER, "github")
    s = await new_session(preload={"tools": ["GMAIL_SEND_EMAIL"]})
    params = {"url": s["mcp"]["url"], "headers": {"x-api-key": api_key}, "timeout": 30}
    async with MCPServerStreamableHttp(params=params, name="composio") as server:  # type: ignore[arg-type]
        tools = await server.list_tools()
        assert [t.name for t in tools] == [*s["tool_router_tools"], "GMAIL_SEND_EMAIL"]
        assert tools[-1].inputSchema["required"] == ["recipient_email", "body"]

        found = await server.call_tool(
            "COMPOSIO_SEARCH_TOOLS", search_args("create a github issue")
        )
        assert not found.isError
        results = json.loads(found.content[0].text)["data"]["results"]  # type: ignore[union-attr]
        assert "GITHUB_CREATE_ISSUE" in results[0]["primary_tool_slugs"]

        sent = await server.call_tool("GMAIL_SEND_EMAIL", EMAIL)
        assert not sent.isError and emulator.mailbox(USER)[0]["subject"] == "Status"

        both = await server.call_tool(
            "COMPOSIO_MULTI_EXECUTE_TOOL",
            multi_args(
                ("GITHUB_CREATE_ISSUE", ISSUE),
                ("GITHUB_CREATE_ISSUE", {**ISSUE, "title": "Second"}),
            ),
        )
        assert not both.isError
        assert [i["number"] for i in emulator.issues(USER)] == [1, 2]

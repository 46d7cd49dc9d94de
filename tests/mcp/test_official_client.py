"""The official ``mcp`` Python SDK client (``ClientSession`` over streamable HTTP)."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from composio_router_emulator import Emulator

from . import EMAIL, ISSUE, envelope, multi_args, official_client, search_args
from .conftest import USER, NewSession

pytestmark = pytest.mark.anyio


async def test_lists_searches_runs_and_multi_executes(
    emulator: Emulator, new_session: NewSession, api_key: str
) -> None:
    from mcp.shared.exceptions import McpError

    emulator.connect_account(USER, "gmail")
    emulator.connect_account(USER, "github")
    s = await new_session(preload={"tools": ["GMAIL_SEND_EMAIL", "GITHUB_LIST_ISSUES"]})
    async with official_client(s["mcp"]["url"], api_key) as client:
        assert client.init_result.protocolVersion == "2025-11-25"
        assert client.init_result.capabilities.tools is not None

        listed = await client.list_tools()
        tools = {t.name: t for t in listed.tools}
        # The same set, in the same order, as GET …/tools (meta tools, then preloaded ones).
        assert list(tools) == [*s["tool_router_tools"], "GMAIL_SEND_EMAIL", "GITHUB_LIST_ISSUES"]
        assert listed.nextCursor is None
        catalog = emulator.catalog
        send = tools["GMAIL_SEND_EMAIL"]
        assert send.inputSchema == catalog.tools["GMAIL_SEND_EMAIL"].input_schema
        assert send.title == "Send email"
        assert send.annotations is not None
        assert send.annotations.readOnlyHint is False and send.annotations.openWorldHint is True
        assert send.annotations.destructiveHint is False  # a create only adds
        issues = tools["GITHUB_LIST_ISSUES"].annotations
        assert issues is not None and issues.readOnlyHint and issues.idempotentHint
        search_hints = tools["COMPOSIO_SEARCH_TOOLS"].annotations
        assert search_hints is not None and search_hints.readOnlyHint is True

        found = await client.call_tool("COMPOSIO_SEARCH_TOOLS", search_args("send an email"))
        assert found.isError is False
        result = envelope(found)
        assert result["successful"] is True
        assert "GMAIL_SEND_EMAIL" in result["data"]["results"][0]["primary_tool_slugs"]
        assert found.structuredContent == result

        sent = await client.call_tool("GMAIL_SEND_EMAIL", EMAIL)
        assert sent.isError is False and envelope(sent)["data"]["labelIds"] == ["SENT"]
        assert [m["to"] for m in emulator.mailbox(USER)] == ["ops@example.com"]

        both = await client.call_tool(
            "COMPOSIO_MULTI_EXECUTE_TOOL",
            multi_args(("GITHUB_CREATE_ISSUE", ISSUE), ("GMAIL_SEND_EMAIL", EMAIL)),
        )
        data = envelope(both)["data"]
        assert both.isError is False and data["success_count"] == 2
        assert [i["title"] for i in emulator.issues(USER)] == ["Crash on start"]
        assert len(emulator.mailbox(USER)) == 2

        # A tool that fails is a result with isError, not a protocol error.
        bad = await client.call_tool("GMAIL_SEND_EMAIL", {**EMAIL, "recipient_email": "nobody"})
        assert bad.isError is True and "Invalid recipient" in envelope(bad)["error"]
        # A tool the session does not have is a protocol error (-32602).
        with pytest.raises(McpError) as err:
            await client.call_tool("NOT_A_TOOL", {})
        assert err.value.error.code == -32602
        assert (await client.send_ping()) is not None

    calls = [
        e
        for e in emulator.journal.find("POST", "/tool_router/*/mcp")
        if e.body.get("method") == "tools/call"
    ]
    assert [c.body["params"]["name"] for c in calls][:4] == [
        "COMPOSIO_SEARCH_TOOLS",
        "GMAIL_SEND_EMAIL",
        "COMPOSIO_MULTI_EXECUTE_TOOL",
        "GMAIL_SEND_EMAIL",
    ]
    assert all(c.headers["x-api-key"] == "<redacted>" for c in calls)
    # The client ended its MCP session on the way out.
    assert [e.status for e in emulator.journal.find("DELETE", "/tool_router/*/mcp")] == [204]


async def test_tools_list_pages_and_tells_listeners_about_changes(
    api_key: str,
) -> None:
    import aiohttp
    import mcp.types as types

    async with (
        Emulator(api_key=api_key, mcp_page_size=4) as emu,
        aiohttp.ClientSession(emu.url, headers={"x-api-key": api_key}) as http,
    ):
        async with http.post(
            "/api/v3.1/tool_router/session",
            json={"user_id": USER, "toolkits": {"enable": ["text"]}, "preload": {"tools": "all"}},
        ) as resp:
            s = await resp.json()
        changed = anyio.Event()

        async def on_message(message: Any) -> None:
            if isinstance(message, types.ServerNotification) and isinstance(
                message.root, types.ToolListChangedNotification
            ):
                changed.set()

        async def all_names(client: Any) -> list[str]:
            names: list[str] = []
            cursor = None
            for _ in range(10):
                page = await client.list_tools(params=types.PaginatedRequestParams(cursor=cursor))
                assert len(page.tools) <= 4
                names += [t.name for t in page.tools]
                cursor = page.nextCursor
                if cursor is None:
                    return names
            raise AssertionError("tools/list never ended")

        async with official_client(s["mcp"]["url"], api_key, message_handler=on_message) as client:
            names = await all_names(client)
            text_tools = [t for t in emu.catalog.tools if t.startswith("TEXT_")]
            assert names == [*s["tool_router_tools"], *text_tools]

            # Updating the session changes its tools: listeners on the GET stream hear it.
            async with http.patch(
                f"/api/v3.1/tool_router/session/{s['session_id']}",
                json={"preload": {"tools": ["TEXT_UPPERCASE"]}},
            ) as resp:
                assert resp.status == 200
            with anyio.fail_after(5):
                await changed.wait()
            assert await all_names(client) == [*s["tool_router_tools"], "TEXT_UPPERCASE"]

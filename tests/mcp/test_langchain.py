"""``langchain-mcp-adapters``' ``MultiServerMCPClient`` with the SDK's ``mcp_config``."""

from __future__ import annotations

import json
from typing import Any

import pytest

from composio_router import AsyncComposio
from composio_router.providers import mcp_config
from composio_router_emulator import Emulator

from . import EMAIL, ISSUE, multi_args, search_args
from .conftest import USER

pytestmark = pytest.mark.anyio


def _text(output: Any) -> str:
    """A LangChain tool's output (a string, or content blocks) as the envelope's JSON text."""
    if isinstance(output, tuple):  # (content, artifact)
        output = output[0]
    if isinstance(output, list):
        output = "".join(b["text"] if isinstance(b, dict) else str(b) for b in output)
    return str(output)


async def test_langchain_adapters_list_search_run_and_multi_execute(
    emulator: Emulator, client: AsyncComposio
) -> None:
    from langchain_mcp_adapters.client import MultiServerMCPClient

    emulator.connect_account(USER, "gmail")
    emulator.connect_account(USER, "github")
    session = await client.create(user_id=USER, preload=["GMAIL_SEND_EMAIL"])
    config = mcp_config(session).to_dict()
    assert config["transport"] == "streamable_http" and "x-api-key" in config["headers"]

    mcp = MultiServerMCPClient({"composio": config})  # type: ignore[dict-item]
    tools = {t.name: t for t in await mcp.get_tools()}
    assert set(tools) >= {
        "COMPOSIO_SEARCH_TOOLS",
        "COMPOSIO_MULTI_EXECUTE_TOOL",
        "GMAIL_SEND_EMAIL",
    }

    found = json.loads(
        _text(await tools["COMPOSIO_SEARCH_TOOLS"].ainvoke(search_args("send an email")))
    )
    assert "GMAIL_SEND_EMAIL" in found["data"]["results"][0]["primary_tool_slugs"]

    sent = json.loads(_text(await tools["GMAIL_SEND_EMAIL"].ainvoke(EMAIL)))
    assert sent["successful"] is True and len(emulator.mailbox(USER)) == 1

    both = json.loads(
        _text(
            await tools["COMPOSIO_MULTI_EXECUTE_TOOL"].ainvoke(
                multi_args(("GITHUB_CREATE_ISSUE", ISSUE), ("GMAIL_SEND_EMAIL", EMAIL))
            )
        )
    )
    assert both["data"]["success_count"] == 2
    assert len(emulator.issues(USER)) == 1 and len(emulator.mailbox(USER)) == 2

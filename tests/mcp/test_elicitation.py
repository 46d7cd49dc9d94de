"""Tools that need approval: MCP elicitation when the client can ask the user, the
session's ``no_elicitation_support_fallback`` when it cannot (official ``mcp`` client)."""

from __future__ import annotations

from typing import Any

import pytest

from composio_router_emulator import Emulator

from . import EMAIL, ISSUE, envelope, multi_args, official_client
from .conftest import USER, NewSession

pytestmark = pytest.mark.anyio

APPROVE_GMAIL = {"toolkits": {"require_approval": ["gmail"]}}


def answering(*actions: str) -> tuple[Any, list[Any]]:
    """An elicitation callback that gives ``actions`` in turn, and the questions it saw."""
    import mcp.types as types

    asked: list[Any] = []

    async def callback(context: Any, params: Any) -> Any:
        asked.append(params)
        return types.ElicitResult(action=actions[len(asked) - 1], content={"note": "ok"})

    return callback, asked


async def test_the_answer_decides(
    emulator: Emulator, new_session: NewSession, api_key: str
) -> None:
    emulator.connect_account(USER, "gmail")
    s = await new_session(**APPROVE_GMAIL)
    callback, asked = answering("accept", "decline")
    async with official_client(s["mcp"]["url"], api_key, elicitation_callback=callback) as client:
        ran = await client.call_tool("GMAIL_SEND_EMAIL", EMAIL)
        assert ran.isError is False
        assert len(emulator.mailbox(USER)) == 1
        refused = await client.call_tool("GMAIL_SEND_EMAIL", EMAIL)
        assert refused.isError is True
        assert "not approved by the user (decline)" in envelope(refused)["error"]
        assert len(emulator.mailbox(USER)) == 1
        # Tools that need no approval are not asked about.
        plain = await client.call_tool("TEXT_UPPERCASE", {"text": "a"})
        assert plain.isError is False
    assert len(asked) == 2
    assert "GMAIL_SEND_EMAIL" in asked[0].message
    assert asked[0].requestedSchema["type"] == "object"


async def test_multi_execute_asks_for_each_item_that_needs_it(
    emulator: Emulator, new_session: NewSession, api_key: str
) -> None:
    emulator.connect_account(USER, "gmail")
    emulator.connect_account(USER, "github")
    s = await new_session(**APPROVE_GMAIL)
    callback, asked = answering("decline")
    async with official_client(s["mcp"]["url"], api_key, elicitation_callback=callback) as client:
        both = await client.call_tool(
            "COMPOSIO_MULTI_EXECUTE_TOOL",
            multi_args(("GITHUB_CREATE_ISSUE", ISSUE), ("GMAIL_SEND_EMAIL", EMAIL)),
        )
    data = envelope(both)["data"]
    assert [r["response"]["successful"] for r in data["results"]] == [True, False]
    assert len(asked) == 1 and emulator.mailbox(USER) == [] and len(emulator.issues(USER)) == 1


@pytest.mark.parametrize(("fallback", "runs"), [(None, False), ("deny", False), ("allow", True)])
async def test_without_the_capability_the_fallback_applies(
    emulator: Emulator, new_session: NewSession, api_key: str, fallback: str | None, runs: bool
) -> None:
    emulator.connect_account(USER, "gmail")
    extra = {"experimental": {"no_elicitation_support_fallback": fallback}} if fallback else {}
    s = await new_session(**APPROVE_GMAIL, **extra)
    async with official_client(s["mcp"]["url"], api_key) as client:  # no elicitation callback
        result = await client.call_tool("GMAIL_SEND_EMAIL", EMAIL)
    assert result.isError is (not runs)
    assert len(emulator.mailbox(USER)) == (1 if runs else 0)
    if not runs:
        assert "no_elicitation_support_fallback is deny" in envelope(result)["error"]


async def test_permissions_ask_once_and_always_deny(
    emulator: Emulator, new_session: NewSession, api_key: str
) -> None:
    ca = emulator.connect_account(USER, "gmail")
    s = await new_session(
        experimental={
            "permissions": {
                "default": "ask_once_per_session",
                "overrides": {f"GMAIL_CREATE_EMAIL_DRAFT:{ca}": "always_deny"},
            }
        }
    )
    callback, asked = answering("accept")
    async with official_client(s["mcp"]["url"], api_key, elicitation_callback=callback) as client:
        for _ in range(2):
            assert (await client.call_tool("GMAIL_SEND_EMAIL", EMAIL)).isError is False
        denied = await client.call_tool("GMAIL_CREATE_EMAIL_DRAFT", EMAIL)
    assert len(asked) == 1  # once per session, then remembered
    assert len(emulator.mailbox(USER)) == 2
    assert (
        denied.isError is True
        and "denied by this session's permissions" in envelope(denied)["error"]
    )

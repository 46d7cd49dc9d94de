"""The tool catalogue endpoints, and the shape of a search answer (with inline custom tools)."""

from __future__ import annotations

import aiohttp
import pytest

from composio_router_emulator import Emulator

from .conftest import P, assert_error, call, new_session


@pytest.mark.anyio
async def test_tool_endpoints(http: aiohttp.ClientSession) -> None:
    status, tool = await call(
        http, "GET", "/api/v3.1/tools/GMAIL_SEND_EMAIL?toolkit_versions[gmail]=20250101_00"
    )
    assert (
        status == 200 and tool["slug"] == "GMAIL_SEND_EMAIL" and tool["toolkit"]["slug"] == "gmail"
    )
    status, tool = await call(http, "GET", "/api/v3.1/tools/COMPOSIO_SEARCH_TOOLS")
    assert status == 200 and tool["toolkit"]["slug"] == "composio"
    status, payload = await call(http, "GET", "/api/v3.1/tools/NOPE")
    assert status == 404
    assert_error(payload, 404, "Tool_NotFound")
    status, page = await call(http, "GET", "/api/v3.1/tools?toolkit_slug=github&limit=2")
    assert status == 200 and page["total_items"] == 5 and len(page["items"]) == 2
    status, page = await call(http, "GET", "/api/v3.1/tools?tool_slugs=TEXT_REVERSE,CALCULATOR_ADD")
    assert [t["slug"] for t in page["items"]] == ["TEXT_REVERSE", "CALCULATOR_ADD"]
    status, page = await call(http, "GET", "/api/v3.1/tools", params={"query": "send email"})
    assert page["items"][0]["slug"] == "GMAIL_SEND_EMAIL"


@pytest.mark.anyio
async def test_search_shape_and_inline_customs(emulator: Emulator, http: aiohttp.ClientSession) -> None:
    sid = (await new_session(http))["session_id"]
    emulator.connect_account("user-1", "gmail")
    custom = {
        "slug": "lookup_order",
        "name": "Lookup order",
        "description": "Look up a shop order by its order number",
        "input_schema": {"type": "object", "properties": {"order_id": {"type": "string"}}},
    }
    status, r = await call(
        http,
        "POST",
        f"{P}/{sid}/search",
        json={
            "queries": [
                {
                    "use_case": "send an email with gmail to a colleague",
                    "known_fields": "recipient_email:ana@example.com",
                },
                {"use_case": "list open pull requests in a github repository"},
                {"use_case": "look up shop order 42"},
            ],
            "model": "gpt-4o",
            "experimental": {"custom_tools": [custom]},
        },
    )
    assert status == 200
    assert r["success"] is True and r["error"] is None
    assert [x["index"] for x in r["results"]] == [1, 2, 3]
    assert r["results"][0]["primary_tool_slugs"][0] == "GMAIL_SEND_EMAIL"
    assert r["results"][1]["primary_tool_slugs"][0] == "GITHUB_LIST_PULL_REQUESTS"
    assert r["results"][2]["primary_tool_slugs"][0] == "LOCAL_LOOKUP_ORDER"
    statuses = {s["toolkit"]: s for s in r["toolkit_connection_statuses"]}
    assert statuses["gmail"]["has_active_connection"] is True
    assert statuses["github"]["has_active_connection"] is False
    assert "COMPOSIO_MANAGE_CONNECTIONS" in statuses["github"]["status_message"]
    schema = r["tool_schemas"]["GMAIL_SEND_EMAIL"]
    assert (
        schema["hasFullSchema"] is True
        and "recipient_email" in schema["input_schema"]["properties"]
    )
    withheld = [s for s in r["tool_schemas"].values() if not s["hasFullSchema"]]
    assert withheld and withheld[0]["schemaRef"]["tool"] == "COMPOSIO_GET_TOOL_SCHEMAS"
    assert set(r["time_info"]) == {"current_time_utc", "current_time_utc_epoch_seconds", "message"}
    assert set(r["session"]) == {"id", "generate_id", "instructions"}
    assert isinstance(r["next_steps_guidance"], list)

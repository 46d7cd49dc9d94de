from __future__ import annotations

import aiohttp
import pytest

from composio_router_emulator import Emulator

from .conftest import P, assert_error, call, new_session

pytestmark = pytest.mark.anyio

DEFAULT_META = [
    "COMPOSIO_SEARCH_TOOLS",
    "COMPOSIO_GET_TOOL_SCHEMAS",
    "COMPOSIO_MULTI_EXECUTE_TOOL",
    "COMPOSIO_MANAGE_CONNECTIONS",
    "COMPOSIO_REMOTE_WORKBENCH",
    "COMPOSIO_REMOTE_BASH_TOOL",
]


async def test_create_echoes_the_response_form(emulator: Emulator, http: aiohttp.ClientSession) -> None:
    body = await new_session(
        http,
        toolkits={"enable": ["gmail", "github"]},
        tools={
            "gmail": {"disable": ["GMAIL_DELETE_MESSAGE"]},
            "github": {"tags": {"enable": ["readOnlyHint"]}},
        },
        tags=["readOnlyHint", "createHint"],
        manage_connections={"enable": True, "callback_url": "https://app.example/done"},
        workbench={"enable": True, "enable_proxy_execution": False, "sandbox_size": "medium"},
        preload={"tools": ["GMAIL_SEND_EMAIL"]},
        experimental={"assistive_prompt_config": {"user_timezone": "Europe/Berlin"}},
    )
    sid = body["session_id"]
    assert sid.startswith("trs_")
    assert body["mcp"] == {"type": "http", "url": f"{emulator.url}/tool_router/{sid}/mcp"}
    assert body["tool_router_tools"] == DEFAULT_META
    assert body["config_version"] == 1
    assert body["warnings"] == []
    cfg = body["config"]
    assert cfg["user_id"] == "user-1"
    assert cfg["toolkits"] == {"enabled": ["gmail", "github"]}
    assert cfg["tools"] == {
        "gmail": {"disabled": ["GMAIL_DELETE_MESSAGE"]},
        "github": {"tags": {"enabled": ["readOnlyHint"]}},
    }
    assert cfg["tags"] == {"enabled": ["readOnlyHint", "createHint"]}
    assert cfg["manage_connections"]["enabled"] is True
    assert cfg["manage_connections"]["callback_url"] == "https://app.example/done"
    assert cfg["workbench"]["proxy_execution_enabled"] is False
    assert cfg["workbench"]["sandbox_size"] == "medium"
    assert "enable_proxy_execution" not in cfg["workbench"]
    assert cfg["preload"] == {"tools": ["GMAIL_SEND_EMAIL"]}
    assert cfg["search"] == {"enable": True}
    assert cfg["execute"] == {"enable_multi_execute": True}
    assert cfg["instant"] == {"return_instant_charge": False, "return_prices_in_search": False}
    assert "Europe/Berlin" in body["experimental"]["assistive_prompt"]
    assert sid in emulator.sessions


async def test_meta_tools_follow_the_config(http: aiohttp.ClientSession) -> None:
    body = await new_session(
        http,
        search={"enable": False},
        execute={"enable_multi_execute": False},
        workbench={"enable": False},
        manage_connections={"enable": True, "enable_wait_for_connections": True},
        proxy_execute={"enable": True},
        experimental={"submit_feedback": {"enable": True}},
        instant=False,
    )
    assert body["tool_router_tools"] == [
        "COMPOSIO_MANAGE_CONNECTIONS",
        "COMPOSIO_WAIT_FOR_CONNECTIONS",
        "COMPOSIO_SUBMIT_FEEDBACK",
        "COMPOSIO_PROXY_EXECUTE",
    ]
    assert body["config"]["instant"] is False
    assert body["config"]["proxy_execute"] == {"enable": True}


async def test_retrieve_has_no_assistive_prompt(http: aiohttp.ClientSession) -> None:
    created = await new_session(http)
    status, body = await call(http, "GET", f"{P}/{created['session_id']}")
    assert status == 200
    assert body["config"] == created["config"]
    assert not (body.get("experimental") or {}).get("assistive_prompt")


async def test_unknown_session_is_404_everywhere(http: aiohttp.ClientSession) -> None:
    for method, suffix, body in [
        ("GET", "", None),
        ("PATCH", "", {}),
        ("DELETE", "", None),
        ("POST", "/execute", {"tool_slug": "TEXT_UPPERCASE"}),
        ("GET", "/tools", None),
        ("GET", "/toolkits", None),
    ]:
        status, payload = await call(http, method, f"{P}/trs_nope{suffix}", json=body)
        assert status == 404, suffix
        assert_error(payload, 404, "ToolRouter_SessionNotFound")


async def test_patch_bumps_version_archives_and_removes_with_null(
    http: aiohttp.ClientSession,
) -> None:
    sid = (await new_session(http, toolkits={"enable": ["gmail"]}, tags=["readOnlyHint"]))[
        "session_id"
    ]
    status, body = await call(
        http,
        "PATCH",
        f"{P}/{sid}",
        json={
            "toolkits": None,
            "manage_connections": {"enable_wait_for_connections": True},
            "expected_config_version": 1,
        },
    )
    assert status == 200, body
    assert body["config_version"] == 2
    assert "toolkits" not in body["config"]
    assert body["config"]["tags"] == {"enabled": ["readOnlyHint"]}
    assert body["config"]["manage_connections"]["enable_wait_for_connections"] is True
    assert "COMPOSIO_WAIT_FOR_CONNECTIONS" in body["tool_router_tools"]
    # Leaf null: back to the default.
    status, body = await call(
        http,
        "PATCH",
        f"{P}/{sid}",
        json={"tags": None, "manage_connections": {"enable_wait_for_connections": None}},
    )
    assert status == 200
    assert body["config_version"] == 3
    assert "tags" not in body["config"]
    assert body["config"]["manage_connections"]["enable_wait_for_connections"] is False
    # Stale precondition -> 409 and nothing changes.
    status, payload = await call(
        http,
        "PATCH",
        f"{P}/{sid}",
        json={"search": {"enable": False}, "expected_config_version": 1},
    )
    assert status == 409
    assert_error(payload, 409, "ToolRouter_SessionConfigConflict")
    status, body = await call(http, "GET", f"{P}/{sid}")
    assert body["config_version"] == 3 and body["config"]["search"] == {"enable": True}
    # History: newest first, the live config once at the top.
    status, hist = await call(http, "GET", f"{P}/{sid}/config_history")
    assert status == 200
    assert [i["version"] for i in hist["items"]] == [3, 2, 1]
    assert [i["is_current"] for i in hist["items"]] == [True, False, False]
    assert hist["items"][2]["config"]["toolkits"] == {"enabled": ["gmail"]}
    assert hist["total_items"] == 3 and hist["current_page"] == 1 and hist["next_cursor"] is None
    status, page = await call(http, "GET", f"{P}/{sid}/config_history?limit=2")
    assert [i["version"] for i in page["items"]] == [3, 2] and page["total_pages"] == 2
    status, page2 = await call(
        http, "GET", f"{P}/{sid}/config_history", params={"cursor": page["next_cursor"]}
    )
    assert [i["version"] for i in page2["items"]] == [1] and page2["current_page"] == 2
    assert page2["next_cursor"] is None


async def test_patch_rejects_user_id_and_bad_values(http: aiohttp.ClientSession) -> None:
    sid = (await new_session(http))["session_id"]
    for body in (
        {"user_id": "other"},
        {"expected_config_version": 0},
        {"toolkits": {"enable": ["nope"]}},
        {"experimental": {"submit_feedback": {}}},
    ):
        status, _payload = await call(http, "PATCH", f"{P}/{sid}", json=body)
        assert status == 400, body


async def test_delete_then_404(http: aiohttp.ClientSession) -> None:
    sid = (await new_session(http))["session_id"]
    status, body = await call(http, "DELETE", f"{P}/{sid}")
    assert status == 200
    assert body == {"session_id": sid, "deleted": True}
    for method, suffix in [("GET", ""), ("DELETE", ""), ("GET", "/tools")]:
        status, _payload = await call(http, method, f"{P}/{sid}{suffix}")
        assert status == 404
    status, _ = await call(
        http,
        "POST",
        f"{P}/{sid}/execute",
        json={"tool_slug": "TEXT_UPPERCASE", "arguments": {"text": "a"}},
    )
    assert status == 404


CUSTOM = {
    "slug": "lookup_order",
    "name": "Lookup order",
    "description": "Find an order in the shop database by id",
    "input_schema": {
        "type": "object",
        "properties": {"order_id": {"type": "string"}},
        "required": ["order_id"],
    },
}


async def test_custom_tools_are_echoed_with_final_slugs(http: aiohttp.ClientSession) -> None:
    ext = {**CUSTOM, "slug": "draft_reply", "extends_toolkit": "gmail", "preload": True}
    kit = {
        "slug": "crm",
        "name": "CRM",
        "description": "In-house CRM",
        "tools": [{**CUSTOM, "slug": "find-contact"}],
    }
    body = await new_session(
        http, experimental={"custom_tools": [CUSTOM, ext], "custom_toolkits": [kit]}
    )
    echo = body["experimental"]
    assert [t["slug"] for t in echo["custom_tools"]] == [
        "LOCAL_LOOKUP_ORDER",
        "LOCAL_GMAIL_DRAFT_REPLY",
    ]
    assert echo["custom_tools"][0]["original_slug"] == "lookup_order"
    assert echo["custom_tools"][1]["extends_toolkit"] == "gmail"
    assert echo["custom_tools"][1]["preload"] is True
    assert echo["custom_toolkits"][0]["tools"][0]["slug"] == "LOCAL_CRM_FIND-CONTACT"
    assert echo["custom_toolkits"][0]["tools"][0]["original_slug"] == "find-contact"
    sid = body["session_id"]
    status, tools = await call(http, "GET", f"{P}/{sid}/tools")
    slugs = [t["slug"] for t in tools["items"]]
    assert slugs == [
        *DEFAULT_META,
        "LOCAL_LOOKUP_ORDER",
        "LOCAL_GMAIL_DRAFT_REPLY",
        "LOCAL_CRM_FIND-CONTACT",
    ]
    # Attach replaces the remembered customs (and echoes them); plain GET does not echo.
    status, attached = await call(
        http, "POST", f"{P}/{sid}/attach", json={"experimental": {"custom_tools": [CUSTOM]}}
    )
    assert status == 200
    assert [t["slug"] for t in attached["experimental"]["custom_tools"]] == ["LOCAL_LOOKUP_ORDER"]
    status, tools = await call(http, "GET", f"{P}/{sid}/tools")
    assert [t["slug"] for t in tools["items"]][-1] == "LOCAL_LOOKUP_ORDER"
    status, attached = await call(http, "POST", f"{P}/{sid}/attach", json={})
    assert status == 200
    status, got = await call(http, "GET", f"{P}/{sid}")
    assert not (got.get("experimental") or {}).get("custom_tools")


async def test_tools_listing_shape_preload_and_pagination(http: aiohttp.ClientSession) -> None:
    sid = (
        await new_session(
            http, toolkits={"enable": ["calculator", "text"]}, preload={"tools": "all"}
        )
    )["session_id"]
    status, page = await call(http, "GET", f"{P}/{sid}/tools?limit=5")
    assert status == 200
    assert page["total_items"] == 6 + 4 + 4 and page["total_pages"] == 3
    seen = list(page["items"])
    while page["next_cursor"]:
        status, page = await call(
            http, "GET", f"{P}/{sid}/tools", params={"cursor": page["next_cursor"]}
        )
        seen += page["items"]
    assert len(seen) == 14 and len({t["slug"] for t in seen}) == 14
    tool = next(t for t in seen if t["slug"] == "CALCULATOR_ADD")
    for key in (
        "slug",
        "name",
        "description",
        "input_parameters",
        "output_parameters",
        "toolkit",
        "version",
        "available_versions",
        "tags",
        "scopes",
        "no_auth",
        "is_deprecated",
        "deprecated",
    ):
        assert key in tool
    assert tool["input_parameters"]["required"] == ["a", "b"]
    assert set(tool["toolkit"]) == {"slug", "name", "logo"}
    assert tool["no_auth"] is True and "readOnlyHint" in tool["tags"]
    assert tool["deprecated"]["displayName"] == tool["name"]
    meta_tool = seen[0]
    assert meta_tool["toolkit"]["slug"] == "composio"
    status, payload = await call(http, "GET", f"{P}/{sid}/tools", params={"cursor": "not-a-cursor"})
    assert status == 400
    assert_error(payload, 400, "ToolRouter_InvalidCursor")


async def test_preload_warning(http: aiohttp.ClientSession) -> None:
    body = await new_session(
        http,
        toolkits={"enable": ["github", "gmail", "slack", "calculator", "text", "utils"]},
        preload={"tools": "all"},
    )
    assert body["warnings"][0]["code"] == "PRELOAD_TOOLS_HIGH_CONTEXT_USAGE"

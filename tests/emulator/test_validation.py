"""Strict request validation: the emulator rejects what the S3 contract rejects."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from .conftest import P, assert_error, call, new_session

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"user_id": "u", "surprise": 1}, "surprise"),
        ({"user_id": "u", "workbench": {"enable": True, "sandbox": "x"}}, "sandbox"),
        ({"user_id": "u", "toolkits": {"enable": ["gmail"], "extra": []}}, "extra"),
        ({"user_id": 5}, "user_id"),
        ({"user_id": ""}, "user_id"),
        ({}, "user_id"),
        ({"user_id": "u", "search": {"enable": 1}}, "search.enable"),
        (
            {"user_id": "u", "multi_account": {"enable": True, "max_accounts_per_toolkit": "5"}},
            "max_accounts_per_toolkit",
        ),
        (
            {"user_id": "u", "multi_account": {"enable": True, "max_accounts_per_toolkit": 5.0}},
            "max_accounts_per_toolkit",
        ),
        (
            {"user_id": "u", "multi_account": {"enable": True, "max_accounts_per_toolkit": 11}},
            "max_accounts_per_toolkit",
        ),
        ({"user_id": "u", "toolkits": None}, "toolkits"),
        ({"user_id": "u", "manage_connections": {"callback_url": None}}, "callback_url"),
        ({"user_id": "u", "workbench": {"enable": None}}, "workbench.enable"),
        ({"user_id": "u", "workbench": {"sandbox_size": "huge"}}, "sandbox_size"),
        ({"user_id": "u", "workbench": {"auto_offload_threshold": 0}}, "auto_offload_threshold"),
        ({"user_id": "u", "tags": ["readOnlyHint", "sparkly"]}, "sparkly"),
        (
            {"user_id": "u", "toolkits": {"enable": ["gmail"], "disable": ["github"]}},
            "mutually exclusive",
        ),
        ({"user_id": "u", "toolkits": {"require_approval": []}}, "require_approval"),
        ({"user_id": "u", "instant": True}, "instant"),
        ({"user_id": "u", "proxy_execute": {}}, "enable"),
        ({"user_id": "u", "experimental": {"fast_mode": "yes"}}, "fast_mode"),
    ],
)
async def test_create_rejects_non_conformant_bodies(
    http: aiohttp.ClientSession, body: dict[str, Any], needle: str
) -> None:
    status, payload = await call(http, "POST", P, json=body)
    assert status == 400, payload
    err = assert_error(payload, 400, "ToolRouter_ValidationError")
    assert any(needle in msg for msg in err["errors"]), err["errors"]


async def test_semantic_create_errors(http: aiohttp.ClientSession) -> None:
    cases = [
        ({"toolkits": {"enable": ["gmial"]}}, "gmial"),
        ({"tools": {"gmail": {"enable": ["GMAIL_SEND_EMAILS"]}}}, "GMAIL_SEND_EMAILS"),
        ({"preload": {"tools": "all"}}, "positive allowlist"),
        ({"preload": {"tools": ["NOPE_TOOL"]}}, "NOPE_TOOL"),
        ({"connected_accounts": {"gmail": ["ca_doesnotexist"]}}, "ca_doesnotexist"),
        (
            {"proxy_execute": {"enable": False}, "workbench": {"enable_proxy_execution": True}},
            "conflicts",
        ),
    ]
    for extra, needle in cases:
        status, payload = await call(http, "POST", P, json={"user_id": "u", **extra})
        assert status == 400, extra
        assert needle in " ".join(payload["error"]["errors"]), payload


async def test_other_endpoints_are_closed_and_strict(http: aiohttp.ClientSession) -> None:
    sid = (await new_session(http))["session_id"]
    cases: list[tuple[str, dict[str, Any], str]] = [
        (
            "execute",
            {"tool_slug": "TEXT_UPPERCASE", "arguments": {"text": "a"}, "session_id": sid},
            "session_id",
        ),
        ("execute", {"tool_slug": "TEXT_UPPERCASE", "arguments": None}, "arguments"),
        ("execute", {"tool_slug": ""}, "tool_slug"),
        (
            "execute",
            {"tool_slug": "TEXT_UPPERCASE", "enable_auto_workbench_offload": "true"},
            "enable_auto_workbench_offload",
        ),
        ("execute_meta", {"slug": "COMPOSIO_PROXY_EXECUTE"}, "slug"),
        ("execute_meta", {"slug": "COMPOSIO_SEARCH_TOOLS", "account": "x"}, "account"),
        ("search", {"queries": []}, "queries"),
        ("search", {"queries": [{"use_case": "x"}] * 8}, "queries"),
        ("search", {"queries": [{"use_case": "x", "known_fields": None}]}, "known_fields"),
        ("search", {"queries": [{"use_case": "x"}], "search_strategy": "deep"}, "search_strategy"),
        ("link", {"toolkit": "gmail", "alias": None}, "alias"),
        (
            "proxy_execute",
            {"toolkit_slug": "github", "endpoint": "/x", "method": "TRACE"},
            "method",
        ),
        (
            "proxy_execute",
            {
                "toolkit_slug": "github",
                "endpoint": "/x",
                "method": "GET",
                "parameters": [{"name": "a", "in": "header", "value": "b"}],
            },
            "in",
        ),
        (
            "proxy_execute",
            {
                "toolkit_slug": "github",
                "endpoint": "/x",
                "method": "POST",
                "binary_body": {"url": "u", "base64": "b"},
            },
            "exactly one",
        ),
        ("attach", {"experimental": {"assistive_prompt_config": {}}}, "assistive_prompt_config"),
        (
            "mounts/files/upload_url",
            {"mount_relative_path": "a.txt", "session_id": sid},
            "session_id",
        ),
        ("mounts/files/upload_url", {"mount_relative_path": "../etc/passwd"}, ".."),
    ]
    for endpoint, body, needle in cases:
        status, payload = await call(http, "POST", f"{P}/{sid}/{endpoint}", json=body)
        assert status == 400, (endpoint, body, payload)
        assert needle in " ".join(payload["error"]["errors"]), (endpoint, payload)


async def test_custom_tool_definitions_are_validated(http: aiohttp.ClientSession) -> None:
    good = {
        "slug": "ok",
        "name": "n",
        "description": "d",
        "input_schema": {"type": "object", "properties": {}},
    }
    bad_cases = [
        ({**good, "slug": "has space"}, "slug"),
        ({**good, "name": ""}, "name"),
        ({**good, "description": "x" * 5121}, "description"),
        ({**good, "input_schema": {"type": "string"}}, "input_schema"),
        ({**good, "extends_toolkit": "nosuchkit"}, "nosuchkit"),
        ({**good, "slug": "x" * 60}, "60"),
        ({**good, "slug": "LOCAL_twice"}, "LOCAL_"),
        ({**good, "color": "red"}, "color"),
    ]
    for tool, needle in bad_cases:
        status, payload = await call(
            http, "POST", P, json={"user_id": "u", "experimental": {"custom_tools": [tool]}}
        )
        assert status == 400, tool
        assert needle in " ".join(payload["error"]["errors"]), payload


async def test_query_strings_are_strict(http: aiohttp.ClientSession) -> None:
    sid = (await new_session(http))["session_id"]
    bad = [
        f"{P}/{sid}/toolkits?limit=51",
        f"{P}/{sid}/toolkits?limit=0",
        f"{P}/{sid}/toolkits?limit=5.0",
        f"{P}/{sid}/toolkits?limit=abc",
        f"{P}/{sid}/toolkits?is_connected=True",
        f"{P}/{sid}/toolkits?is_connected=1",
        f"{P}/{sid}/toolkits?toolkits=gmail&toolkits=github",
        f"{P}/{sid}/toolkits?colour=red",
        f"{P}/{sid}/tools?limit=501",
        f"{P}/{sid}/config_history?limit=101",
        f"{P}/{sid}/mounts/files/items?limit=501",
        f"{P}/{sid}/mounts/files/items?session_id={sid}",
        f"{P}/{sid}?verbose=true",
        "/api/v3.1/tools/WEATHER_GET_FORECAST?include_pricing=yes",
    ]
    for path in bad:
        status, payload = await call(http, "GET", path)
        assert status == 400, path
        assert_error(payload, 400)
    for path in (f"{P}/{sid}/toolkits?limit=50&is_connected=false", f"{P}/{sid}/tools?limit=500"):
        status, _ = await call(http, "GET", path)
        assert status == 200, path


async def test_body_framing_rules(http: aiohttp.ClientSession) -> None:
    sid = (await new_session(http))["session_id"]
    status, payload = await call(
        http, "POST", P, data=b'{"user_id": "u",', headers={"content-type": "application/json"}
    )
    assert status == 400 and "JSON" in payload["error"]["message"]
    status, payload = await call(
        http, "POST", P, data=b"[1, 2]", headers={"content-type": "application/json"}
    )
    assert status == 400 and "object" in payload["error"]["message"]
    status, payload = await call(
        http, "POST", P, data=b'{"user_id": "u"}', headers={"content-type": "text/plain"}
    )
    assert status == 400 and "Content-Type" in payload["error"]["message"]
    status, payload = await call(
        http,
        "POST",
        P,
        data=b'{"user_id": "u", "n": NaN}',
        headers={"content-type": "application/json"},
    )
    assert status == 400
    status, payload = await call(http, "GET", f"{P}/{sid}", json={"x": 1})
    assert status == 400 and "no body" in payload["error"]["message"]
    status, payload = await call(
        http, "POST", f"{P}/{sid}/execute?debug=1", json={"tool_slug": "TEXT_UPPERCASE"}
    )
    assert status == 400 and "debug" in payload["error"]["message"]

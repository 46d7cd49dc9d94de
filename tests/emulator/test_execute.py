from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from composio_router_emulator import Emulator

from .conftest import P, assert_error, call, new_session

pytestmark = pytest.mark.anyio


async def execute(
    http: aiohttp.ClientSession, sid: str, slug: str, arguments: Any = None, **extra: Any
) -> tuple[int, Any]:
    body = {"tool_slug": slug, **extra}
    if arguments is not None:
        body["arguments"] = arguments
    return await call(http, "POST", f"{P}/{sid}/execute", json=body)


def assert_completed(result: dict[str, Any]) -> dict[str, Any]:
    assert result["result_type"] == "completed", result
    assert result["error"] is None
    assert result["log_id"].startswith("log_")
    return result["data"]  # type: ignore[no-any-return]


def assert_failed(result: dict[str, Any], needle: str) -> None:
    assert result["result_type"] == "failed", result
    assert result["data"] == {}
    assert needle in result["error"]
    assert result["log_id"].startswith("log_")


async def test_no_auth_tools_run_deterministically(http: aiohttp.ClientSession) -> None:
    sid = (await new_session(http))["session_id"]
    status, r1 = await execute(http, sid, "WEATHER_GET_FORECAST", {"city": "Lisbon", "days": 3})
    assert status == 200
    data = assert_completed(r1)
    assert len(data["forecast"]) == 3
    _, r2 = await execute(http, sid, "WEATHER_GET_FORECAST", {"city": "lisbon", "days": 3})
    assert r2["data"]["forecast"] == data["forecast"]
    _, r = await execute(http, sid, "CALCULATOR_EVALUATE", {"expression": "(2 + 3) * 4"})
    assert assert_completed(r) == {"expression": "(2 + 3) * 4", "result": 20}
    _, r = await execute(http, sid, "TEXT_WORD_COUNT", {"text": "one two three"})
    assert assert_completed(r)["words"] == 3
    _, r = await execute(http, sid, "UTILS_ECHO", {"anything": [1, {"x": None}]})
    assert assert_completed(r) == {"arguments": {"anything": [1, {"x": None}]}}
    _, r = await execute(http, sid, "UTILS_FAIL", {"message": "boom"})
    assert_failed(r, "boom")
    _, r = await execute(http, sid, "CALCULATOR_DIVIDE", {"a": 1, "b": 0})
    assert_failed(r, "division by zero")
    _, r = await execute(http, sid, "CALCULATOR_EVALUATE", {"expression": "__import__('os')"})
    assert_failed(r, "unsupported expression")


async def test_bad_arguments_are_tool_level_failures(http: aiohttp.ClientSession) -> None:
    sid = (await new_session(http))["session_id"]
    _, r = await execute(http, sid, "WEATHER_GET_FORECAST", {})
    assert_failed(r, "missing required argument 'city'")
    _, r = await execute(http, sid, "WEATHER_GET_FORECAST", {"city": 5})
    assert_failed(r, "city")
    _, r = await execute(http, sid, "WEATHER_GET_FORECAST", {"city": "x", "days": 99})
    assert_failed(r, "days")
    _, r = await execute(http, sid, "WEATHER_GET_FORECAST", {"city": "x", "colour": "red"})
    assert_failed(r, "colour")


async def test_auth_toolkits_need_an_active_connection(
    emulator: Emulator, http: aiohttp.ClientSession
) -> None:
    sid = (await new_session(http))["session_id"]
    args = {"recipient_email": "ana@example.com", "subject": "Hi", "body": "Hello"}
    _, r = await execute(http, sid, "GMAIL_SEND_EMAIL", args)
    assert_failed(r, "No active connection found for toolkit 'gmail'")
    assert emulator.mailbox("user-1") == []
    ca = emulator.connect_account("user-1", "gmail", status="INITIATED")
    _, r = await execute(http, sid, "GMAIL_SEND_EMAIL", args)
    assert r["result_type"] == "failed"
    emulator.set_account_status(ca, "ACTIVE")
    _, r = await execute(http, sid, "GMAIL_SEND_EMAIL", args)
    data = assert_completed(r)
    assert data["labelIds"] == ["SENT"]
    mailbox = emulator.mailbox("user-1")
    assert [m["to"] for m in mailbox] == ["ana@example.com"]
    _, r = await execute(http, sid, "GMAIL_FETCH_EMAILS", {"query": "hello"})
    assert assert_completed(r)["messages"][0]["messageId"] == data["id"]


async def test_account_selection(emulator: Emulator, http: aiohttp.ClientSession) -> None:
    sid = (await new_session(http))["session_id"]
    emulator.connect_account("user-1", "github", alias="work")
    emulator.connect_account("user-1", "github", alias="personal")
    args = {"owner": "acme", "repo": "api", "title": "Bug"}
    _, r = await execute(http, sid, "GITHUB_CREATE_ISSUE", args)
    assert_failed(r, "Multiple connected accounts")
    _, r = await execute(http, sid, "GITHUB_CREATE_ISSUE", args, account="personal")
    assert assert_completed(r)["issue"]["user"] == {"login": "personal"}
    _, r = await execute(http, sid, "GITHUB_CREATE_ISSUE", args, account="nobody")
    assert_failed(r, "not found")
    assert [i["title"] for i in emulator.issues("user-1")] == ["Bug"]


async def test_request_level_errors(http: aiohttp.ClientSession) -> None:
    sid = (
        await new_session(
            http,
            toolkits={"enable": ["weather"]},
            tools={"weather": {"enable": ["WEATHER_GET_CURRENT"]}},
        )
    )["session_id"]
    status, payload = await execute(http, sid, "NOPE_TOOL", {})
    assert status == 400
    assert_error(payload, 400, "ToolRouter_ToolNotFound")
    for slug in ("GMAIL_SEND_EMAIL", "WEATHER_GET_FORECAST"):
        status, payload = await execute(http, sid, slug, {})
        assert status == 400
        assert_error(payload, 400, "ToolRouter_ToolNotAllowed")
    status, payload = await execute(http, sid, "LOCAL_LOOKUP_ORDER", {})
    assert status == 400
    err = assert_error(payload, 400, "ToolRouter_CustomToolNotExecutable")
    assert "SDK process" in err["message"]
    status, r = await execute(http, sid, "WEATHER_GET_CURRENT", {"city": "Oslo"})
    assert status == 200 and r["result_type"] == "completed"


async def test_approval_flow(http: aiohttp.ClientSession) -> None:
    sid = (await new_session(http, toolkits={"enable": ["text"], "require_approval": ["text"]}))[
        "session_id"
    ]
    args = {"text": "abc"}
    _, r = await execute(http, sid, "TEXT_UPPERCASE", args)
    assert r["result_type"] == "input_required"
    assert "data" not in r and "log_id" not in r
    ((req_id, req),) = r["input_requests"].items()
    assert (
        req["type"] == "elicitation"
        and req["mode"] == "form"
        and req["requested_schema"]["type"] == "object"
    )
    _, r2 = await execute(
        http,
        sid,
        "TEXT_UPPERCASE",
        args,
        input_responses={req_id: {"action": "accept"}},
        request_state=r["request_state"],
    )
    assert assert_completed(r2) == {"text": "ABC"}
    _, r3 = await execute(
        http,
        sid,
        "TEXT_UPPERCASE",
        args,
        input_responses={req_id: {"action": "decline"}},
        request_state=r["request_state"],
    )
    assert r3["result_type"] == "failed"
    status, _ = await execute(
        http,
        sid,
        "TEXT_UPPERCASE",
        args,
        input_responses={req_id: {"action": "accept"}},
        request_state="rs_forged",
    )
    assert status == 400


def multi(tools: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "slug": "COMPOSIO_MULTI_EXECUTE_TOOL",
        "arguments": {"tools": tools, "sync_response_to_workbench": False},
    }


async def test_multi_execute_runs_items_concurrently_in_order(
    emulator: Emulator, http: aiohttp.ClientSession
) -> None:
    sid = (await new_session(http))["session_id"]
    items = [{"tool_slug": "UTILS_SLEEP", "arguments": {"seconds": 0.3}} for _ in range(5)]
    status, r = await call(http, "POST", f"{P}/{sid}/execute_meta", json=multi(items))
    assert status == 200
    data = assert_completed(r)
    assert [x["index"] for x in data["results"]] == [0, 1, 2, 3, 4]
    assert data["total_count"] == 5 and data["success_count"] == 5 and data["error_count"] == 0
    spans = [
        (x["response"]["data"]["started"], x["response"]["data"]["finished"])
        for x in data["results"]
    ]
    # Every sleep started before any of them finished: they overlapped on the server.
    assert max(s for s, _ in spans) < min(f for _, f in spans)
    entry = emulator.journal.find("POST", f"{P}/*/execute_meta")[-1]
    assert entry.duration < 5 * 0.3


async def test_multi_execute_partial_failure_and_custom_items(http: aiohttp.ClientSession) -> None:
    sid = (await new_session(http))["session_id"]
    items = [
        {"tool_slug": "TEXT_UPPERCASE", "arguments": {"text": "a"}},
        {"tool_slug": "LOCAL_MY_TOOL", "arguments": {}},
        {"tool_slug": "GMAIL_SEND_EMAIL", "arguments": {"recipient_email": "a@b.c", "body": "x"}},
        {"tool_slug": "TEXT_REVERSE", "arguments": {"text": "ab"}},
    ]
    # Through /execute with the meta slug: same payload as execute_meta (§6).
    status, r = await call(
        http,
        "POST",
        f"{P}/{sid}/execute",
        json={"tool_slug": "COMPOSIO_MULTI_EXECUTE_TOOL", "arguments": {"tools": items}},
    )
    assert status == 200
    assert r["result_type"] == "failed"
    assert r["error"] == "2 out of 4 tools failed"
    res = r["data"]["results"]
    assert [x["tool_slug"] for x in res] == [i["tool_slug"] for i in items]
    assert res[0]["response"] == {"successful": True, "data": {"text": "A"}}
    assert "SDK process" in res[1]["error"] and res[1]["response"]["successful"] is False
    assert "No active connection" in res[2]["response"]["error"]
    assert res[3]["response"]["data"] == {"text": "ba"}
    assert r["data"]["error_count"] == 2 and r["data"]["success_count"] == 2


async def test_multi_execute_cap(emulator: Emulator, http: aiohttp.ClientSession) -> None:
    sid = (await new_session(http))["session_id"]
    emulator.multi_execute_limit = 3
    items = [{"tool_slug": "TEXT_UPPERCASE", "arguments": {"text": "a"}}] * 4
    status, payload = await call(http, "POST", f"{P}/{sid}/execute_meta", json=multi(items))
    assert status == 400
    assert_error(payload, 400, "ToolRouter_MultiExecuteLimitExceeded")
    status, _ = await call(http, "POST", f"{P}/{sid}/execute_meta", json=multi(items[:3]))
    assert status == 200


async def test_execute_meta_rules(http: aiohttp.ClientSession) -> None:
    sid = (await new_session(http))["session_id"]
    status, payload = await call(
        http, "POST", f"{P}/{sid}/execute_meta", json={"slug": "GMAIL_SEND_EMAIL"}
    )
    assert status == 400
    status, payload = await call(
        http, "POST", f"{P}/{sid}/execute_meta", json={"slug": "COMPOSIO_WAIT_FOR_CONNECTIONS"}
    )
    assert status == 400
    assert_error(payload, 400, "ToolRouter_ToolNotAllowed")
    status, r = await call(
        http,
        "POST",
        f"{P}/{sid}/execute_meta",
        json={"slug": "COMPOSIO_REMOTE_WORKBENCH", "arguments": {"code_to_execute": "print(1)"}},
    )
    data = assert_completed(r)
    assert (
        data["stdout"] == ""
        and "not emulated" in data["stderr"]
        and isinstance(data["results"], str)
    )
    status, r = await call(
        http,
        "POST",
        f"{P}/{sid}/execute_meta",
        json={"slug": "COMPOSIO_REMOTE_BASH_TOOL", "arguments": {"command": "ls"}},
    )
    data = assert_completed(r)
    assert (
        data["stdoutLines"] == 0 and data["stderrLines"] == 1 and "not emulated" in data["stderr"]
    )
    status, r = await call(
        http,
        "POST",
        f"{P}/{sid}/execute_meta",
        json={"slug": "COMPOSIO_REMOTE_BASH_TOOL", "arguments": {}},
    )
    assert r["result_type"] == "failed" and "command" in r["error"]


async def test_search_meta_and_schemas(http: aiohttp.ClientSession) -> None:
    sid = (await new_session(http))["session_id"]
    _, r = await call(
        http,
        "POST",
        f"{P}/{sid}/execute_meta",
        json={
            "slug": "COMPOSIO_SEARCH_TOOLS",
            "arguments": {
                "queries": [{"use_case": "send an email with gmail"}],
                "session": {"generate_id": True},
            },
        },
    )
    data = assert_completed(r)
    assert data["results"][0]["primary_tool_slugs"][0] == "GMAIL_SEND_EMAIL"
    assert data["session"]["generate_id"] is True
    _, r = await call(
        http,
        "POST",
        f"{P}/{sid}/execute",
        json={
            "tool_slug": "COMPOSIO_GET_TOOL_SCHEMAS",
            "arguments": {
                "tool_slugs": ["GITHUB_LIST_ISSUES", "NOPE"],
                "include": ["input_schema", "output_schema"],
            },
        },
    )
    data = assert_completed(r)
    ref = data["tool_schemas"]["GITHUB_LIST_ISSUES"]
    assert (
        ref["hasFullSchema"] is True
        and "owner" in ref["input_schema"]["properties"]
        and "output_schema" in ref
    )
    assert data["not_found"] == ["NOPE"] and data["success"] is False


async def test_manage_connections_creates_links(emulator: Emulator, http: aiohttp.ClientSession) -> None:
    sid = (await new_session(http))["session_id"]
    emulator.connect_account("user-1", "slack")
    _, r = await call(
        http,
        "POST",
        f"{P}/{sid}/execute_meta",
        json={
            "slug": "COMPOSIO_MANAGE_CONNECTIONS",
            "arguments": {"toolkits": ["github", "slack", "weather", "nope"]},
        },
    )
    data = assert_completed(r)
    res = data["results"]
    assert res["github"]["status"] == "initiated" and res["github"]["redirect_url"].startswith(
        f"{emulator.url}/link/lt_"
    )
    assert res["slack"]["status"] == "active"
    assert res["weather"]["status"] == "active"
    assert res["nope"]["status"] == "failed"
    assert data["summary"] == {
        "total_toolkits": 4,
        "active_connections": 2,
        "initiated_connections": 1,
        "failed_connections": 1,
    }
    emulator.complete_link(res["github"]["connected_account_id"])
    _, r = await execute(http, sid, "GITHUB_GET_REPOSITORY", {"owner": "acme", "repo": "api"})
    assert assert_completed(r)["full_name"] == "acme/api"


async def test_wait_feedback_and_proxy_meta_tools(
    emulator: Emulator, http: aiohttp.ClientSession
) -> None:
    sid = (
        await new_session(
            http,
            manage_connections={"enable_wait_for_connections": True},
            proxy_execute={"enable": True},
            experimental={"submit_feedback": {"enable": True}},
        )
    )["session_id"]
    ca = emulator.connect_account("user-1", "github", status="INITIATED")
    _, r = await call(
        http,
        "POST",
        f"{P}/{sid}/execute_meta",
        json={"slug": "COMPOSIO_WAIT_FOR_CONNECTIONS", "arguments": {"toolkits": ["github"]}},
    )
    data = assert_completed(r)
    assert data["results"]["github"] == {"status": "INITIATED", "connected_account_id": ca}
    assert data["all_connected"] is False
    _, r = await execute(http, sid, "COMPOSIO_SUBMIT_FEEDBACK", {"feedback": "great"})
    assert "message" in assert_completed(r)
    emulator.complete_link(ca)
    _, r = await execute(
        http,
        sid,
        "COMPOSIO_PROXY_EXECUTE",
        {"toolkit_slug": "github", "endpoint": "/user", "method": "GET"},
    )
    data = assert_completed(r)
    assert data["status"] == 200 and data["data"]["endpoint"] == "/user"

"""The MCP endpoint on the raw wire: what a broken or hostile client gets, for each era.

Legacy revisions (``initialize`` + ``Mcp-Session-Id``) and the stateless 2026-07-28
revision are both served; every refusal is the JSON-RPC error the MCP spec prescribes, and
the emulator keeps serving afterwards.
"""

from __future__ import annotations

import base64
from typing import Any

import aiohttp
import orjson
import pytest

from composio_router_emulator import Emulator

from . import EMAIL
from .conftest import USER, NewSession

pytestmark = pytest.mark.anyio

ACCEPT_BOTH = {"Accept": "application/json, text/event-stream"}
MODERN = "2026-07-28"


async def post(
    http: aiohttp.ClientSession,
    url: str,
    body: Any,
    *,
    sid: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any, aiohttp.typedefs.LooseHeaders]:
    """One POST; returns (status, JSON body or SSE messages or text, response headers)."""
    h = {**ACCEPT_BOTH, "Content-Type": "application/json", **(headers or {})}
    if sid is not None:
        h["Mcp-Session-Id"] = sid
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    async with http.post(url, data=data, headers=h) as resp:
        text = await resp.text()
        if resp.content_type == "application/json":
            return resp.status, orjson.loads(text), resp.headers
        if resp.content_type == "text/event-stream":
            events = [
                orjson.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")
            ]
            return resp.status, events, resp.headers
        return resp.status, text, resp.headers


def req(method: str, params: dict[str, Any] | None = None, msg_id: int | str = 1) -> dict[str, Any]:
    msg: dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id, "method": method}
    if params is not None:
        msg["params"] = params
    return msg


async def initialize(
    http: aiohttp.ClientSession, url: str, version: str = "2025-11-25", **caps: Any
) -> tuple[str, dict[str, Any]]:
    params = {
        "protocolVersion": version,
        "capabilities": caps,
        "clientInfo": {"name": "raw", "version": "1"},
    }
    status, body, headers = await post(http, url, req("initialize", params))
    assert status == 200, body
    sid = headers["Mcp-Session-Id"]
    status, _, _ = await post(
        http, url, {"jsonrpc": "2.0", "method": "notifications/initialized"}, sid=sid
    )
    assert status == 202
    return sid, body["result"]


def error_of(body: Any, code: int) -> dict[str, Any]:
    assert body["jsonrpc"] == "2.0" and body["error"]["code"] == code, body
    return body["error"]  # type: ignore[no-any-return]


@pytest.fixture
async def url(new_session: NewSession) -> str:
    s = await new_session(preload={"tools": ["GMAIL_SEND_EMAIL"]})
    return s["mcp"]["url"]  # type: ignore[no-any-return]


# --- authentication and the Tool Router session ---------------------------------------------


async def test_the_api_key_is_required(emulator: Emulator, url: str) -> None:
    async with aiohttp.ClientSession() as anonymous:
        status, body, _ = await post(anonymous, url, req("initialize", {}))
        assert status == 401 and "x-api-key" in error_of(body, -32001)["message"]
        status, body, _ = await post(
            anonymous, url, req("initialize", {}), headers={"x-api-key": "wrong"}
        )
        assert status == 401 and error_of(body, -32001)["message"] == "Invalid API key"


async def test_unknown_and_deleted_tool_router_sessions_are_404(
    emulator: Emulator, http: aiohttp.ClientSession, url: str
) -> None:
    status, body, _ = await post(http, f"{emulator.url}/tool_router/trs_nope/mcp", req("ping"))
    assert status == 404 and "trs_nope" in body["error"]["message"]
    sid, _ = await initialize(http, url)
    trs = url.split("/")[-2]
    async with http.delete(f"/api/v3.1/tool_router/session/{trs}") as resp:
        assert resp.status == 200
    status, _, _ = await post(http, url, req("tools/list"), sid=sid)
    assert status == 404


# --- JSON-RPC shape ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, -32700),
        (b"", 400, -32700),
        ({"id": 1, "method": "ping"}, 400, -32600),  # no jsonrpc member
        ({"jsonrpc": "2.0", "id": None, "method": "ping"}, 400, -32600),  # null id
        ({"jsonrpc": "2.0", "id": True, "method": "ping"}, 400, -32600),
        ({"jsonrpc": "2.0", "id": 1, "method": 7}, 400, -32600),
        ({"jsonrpc": "2.0", "id": 1, "method": "ping", "params": [1]}, 400, -32602),
        ("a string", 400, -32600),
    ],
)
async def test_malformed_messages(
    http: aiohttp.ClientSession, url: str, body: Any, status: int, code: int
) -> None:
    sid, _ = await initialize(http, url)
    got, answer, _ = await post(http, url, body, sid=sid)
    assert got == status
    error_of(answer, code)
    # The refusal cost nothing: the same MCP session still answers a valid request.
    got, answer, _ = await post(http, url, req("ping", msg_id="after"), sid=sid)
    assert got == 200, answer
    assert answer == {"jsonrpc": "2.0", "id": "after", "result": {}}


async def test_unknown_methods_and_wrong_params(http: aiohttp.ClientSession, url: str) -> None:
    sid, _ = await initialize(http, url)
    status, body, _ = await post(http, url, req("resources/list"), sid=sid)
    assert status == 200 and error_of(body, -32601)["message"] == "Method not found: resources/list"
    status, body, _ = await post(http, url, req("tools/list", {"cursor": "!!"}), sid=sid)
    assert status == 200
    error_of(body, -32602)
    for params in ({"name": 5}, {}, {"name": "GMAIL_SEND_EMAIL", "arguments": [1]}):
        status, events, _ = await post(http, url, req("tools/call", params), sid=sid)
        assert status == 200
        error_of(events[-1], -32602)
    status, body, _ = await post(
        http, url, req("initialize", {"protocolVersion": "2025-11-25"}, 9), sid=sid
    )
    # A second initialize is a new session, not an error: clients reconnect that way.
    assert status == 200 and body["result"]["protocolVersion"] == "2025-11-25"


# --- sessions ------------------------------------------------------------------------------


async def test_session_header_rules(
    http: aiohttp.ClientSession, url: str, new_session: NewSession
) -> None:
    status, body, _ = await post(http, url, req("tools/list"))
    assert status == 400 and "Mcp-Session-Id" in error_of(body, -32600)["message"]
    status, _, _ = await post(http, url, req("tools/list"), sid="not-a-session")
    assert status == 404
    sid, _ = await initialize(http, url)
    other = (await new_session())["mcp"]["url"]
    status, _, _ = await post(http, other, req("tools/list"), sid=sid)
    assert status == 404  # an id of another Tool Router session is unknown there
    async with http.delete(url) as resp:
        assert resp.status == 400  # DELETE without the header
    async with http.delete(url, headers={"Mcp-Session-Id": sid}) as resp:
        assert resp.status == 204
    status, _, _ = await post(http, url, req("tools/list"), sid=sid)
    assert status == 404
    async with http.delete(url, headers={"Mcp-Session-Id": sid}) as resp:
        assert resp.status == 404


async def test_batches_only_where_the_revision_allows_them(
    http: aiohttp.ClientSession, url: str
) -> None:
    old, _ = await initialize(http, url, "2025-03-26")
    status, replies, _ = await post(
        http, url, [req("ping", msg_id=1), req("tools/list", msg_id=2)], sid=old
    )
    assert status == 200 and [r["id"] for r in replies] == [1, 2]
    assert "tools" in replies[1]["result"]
    status, _, _ = await post(
        http, url, [{"jsonrpc": "2.0", "method": "notifications/initialized"}], sid=old
    )
    assert status == 202
    status, body, _ = await post(http, url, [], sid=old)
    assert status == 400
    error_of(body, -32600)
    new, _ = await initialize(http, url, "2025-06-18")
    status, body, _ = await post(http, url, [req("ping")], sid=new)
    assert status == 400 and "batches" in error_of(body, -32600)["message"]
    status, body, _ = await post(http, url, [req("initialize", {})])
    assert status == 400


@pytest.mark.parametrize(
    ("asked", "agreed", "title", "annotations"),
    [
        ("2025-11-25", "2025-11-25", True, True),
        ("2025-06-18", "2025-06-18", True, True),
        ("2025-03-26", "2025-03-26", False, True),
        ("2024-11-05", "2024-11-05", False, False),
        ("1999-01-01", "2025-11-25", True, True),  # unknown: the newest legacy one
    ],
)
async def test_version_negotiation(
    http: aiohttp.ClientSession, url: str, asked: str, agreed: str, title: bool, annotations: bool
) -> None:
    sid, result = await initialize(http, url, asked)
    assert result["protocolVersion"] == agreed
    assert result["serverInfo"]["name"] and result["capabilities"]["tools"] == {"listChanged": True}
    _status, body, _ = await post(
        http, url, req("tools/list"), sid=sid, headers={"MCP-Protocol-Version": agreed}
    )
    tool = body["result"]["tools"][-1]
    assert tool["name"] == "GMAIL_SEND_EMAIL"
    assert ("title" in tool) is title and ("annotations" in tool) is annotations


# --- HTTP rules ----------------------------------------------------------------------------


async def test_http_rules(http: aiohttp.ClientSession, url: str) -> None:
    sid, _ = await initialize(http, url)
    async with http.post(url, data=b"{}", headers={"Content-Type": "text/plain"}) as resp:
        assert resp.status == 415
    status, _, _ = await post(http, url, req("ping"), sid=sid, headers={"Accept": "text/html"})
    assert status == 406
    status, _, _ = await post(
        http, url, req("ping"), sid=sid, headers={"Origin": "https://evil.example"}
    )
    assert status == 403
    status, body, _ = await post(
        http, url, req("ping"), sid=sid, headers={"Origin": "http://localhost:3000"}
    )
    assert status == 200 and body["result"] == {}
    async with http.get(url, headers={"Mcp-Session-Id": sid, "Accept": "application/json"}) as resp:
        assert resp.status == 406
    async with http.put(url) as resp:
        assert resp.status == 405
    # JSON only: even tools/call answers as JSON; SSE only: even initialize streams.
    status, body, headers = await post(
        http,
        url,
        req("tools/call", {"name": "TEXT_UPPERCASE", "arguments": {"text": "a"}}),
        sid=sid,
        headers={"Accept": "application/json"},
    )
    assert status == 200 and body["result"]["isError"] is False
    status, events, headers = await post(
        http,
        url,
        req("initialize", {"protocolVersion": "2025-06-18", "capabilities": {}}),
        headers={"Accept": "text/event-stream"},
    )
    assert (
        headers["Content-Type"] == "text/event-stream"
        and events[0]["result"]["protocolVersion"] == "2025-06-18"
    )


async def test_faults_and_the_journal_cover_the_endpoint(
    emulator: Emulator, http: aiohttp.ClientSession, url: str
) -> None:
    sid, _ = await initialize(http, url)
    emulator.faults.add("/tool_router/*/mcp", method="POST", status=503)
    status, _, _ = await post(http, url, req("ping"), sid=sid)
    assert status == 503
    status, body, _ = await post(http, url, req("ping", msg_id="after"), sid=sid)
    assert status == 200 and body["id"] == "after"
    pings = [
        e for e in emulator.journal.find("POST", "/tool_router/*/mcp") if e.body["method"] == "ping"
    ]
    assert [e.status for e in pings] == [503, 200]
    async with http.get("/healthz") as resp:
        assert resp.status == 200

    # tools/call runs inside the MCP endpoint's request, never as a request to /execute: a
    # fault on */execute does not see it, one on the MCP path does (docs/guides/testing.md).
    call = {"name": "TEXT_UPPERCASE", "arguments": {"text": "a"}}
    emulator.faults.add("*/execute", status=503, times=None)
    status, events, _ = await post(http, url, req("tools/call", call, "through"), sid=sid)
    assert status == 200 and events[-1]["result"]["isError"] is False
    emulator.faults.clear()
    emulator.faults.add("/tool_router/*/mcp", method="POST", status=503)
    status, _, _ = await post(http, url, req("tools/call", call, "faulted"), sid=sid)
    assert status == 503
    calls = [
        e
        for e in emulator.journal.find("POST", "/tool_router/*/mcp")
        if e.body["method"] == "tools/call"
    ]
    assert [(e.body["id"], e.status) for e in calls] == [("through", 200), ("faulted", 503)]
    assert emulator.journal.find(path="*/execute") == []


# --- 2026-07-28 (stateless) --------------------------------------------------------------------


def modern(
    method: str,
    params: dict[str, Any] | None = None,
    caps: dict[str, Any] | None = None,
    msg_id: int = 1,
) -> tuple[dict[str, Any], dict[str, str]]:
    meta = {
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": caps or {},
        "io.modelcontextprotocol/clientInfo": {"name": "raw", "version": "1"},
    }
    body = req(method, {**(params or {}), "_meta": meta}, msg_id)
    headers = {"MCP-Protocol-Version": MODERN, "Mcp-Method": method}
    if method == "tools/call":
        headers["Mcp-Name"] = (params or {})["name"]
    return body, headers


async def test_modern_requests_need_no_session(
    emulator: Emulator, http: aiohttp.ClientSession, url: str
) -> None:
    emulator.connect_account(USER, "gmail")
    body, headers = modern("server/discover")
    status, answer, reply_headers = await post(http, url, body, headers=headers)
    assert status == 200 and "Mcp-Session-Id" not in reply_headers
    result = answer["result"]
    assert result["resultType"] == "complete" and MODERN in result["supportedVersions"]
    assert "2025-11-25" in result["supportedVersions"] and result["capabilities"]["tools"]
    assert result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"]

    body, headers = modern("tools/list")
    status, answer, _ = await post(http, url, body, headers=headers)
    listing = answer["result"]
    assert listing["ttlMs"] == 0 and listing["cacheScope"] == "private"
    assert listing["tools"][-1]["name"] == "GMAIL_SEND_EMAIL"

    body, headers = modern("tools/call", {"name": "GMAIL_SEND_EMAIL", "arguments": EMAIL})
    status, answer, _ = await post(http, url, body, headers=headers)
    assert status == 200 and answer["result"]["isError"] is False
    assert answer["result"]["resultType"] == "complete" and len(emulator.mailbox(USER)) == 1

    # A non-ASCII tool name travels base64-encoded in Mcp-Name: decoded before comparing.
    body, headers = modern("tools/call", {"name": "NOT_A_TOOL_é"})
    headers["Mcp-Name"] = "=?base64?" + base64.b64encode("NOT_A_TOOL_é".encode()).decode() + "?="
    status, answer, _ = await post(http, url, body, headers=headers)
    assert status == 400 and error_of(answer, -32602)


async def test_modern_validation_ladder(http: aiohttp.ClientSession, url: str) -> None:
    body, headers = modern("tools/list")
    status, answer, _ = await post(http, url, body, headers={**headers, "Mcp-Method": "tools/call"})
    assert status == 400
    error_of(answer, -32020)
    body, headers = modern("tools/call", {"name": "TEXT_UPPERCASE", "arguments": {"text": "a"}})
    status, answer, _ = await post(http, url, body, headers={**headers, "Mcp-Name": "OTHER"})
    assert status == 400
    error_of(answer, -32020)
    body, headers = modern("tools/list")
    body["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = "2099-01-01"
    status, answer, _ = await post(
        http, url, body, headers={**headers, "MCP-Protocol-Version": "2099-01-01"}
    )
    assert status == 400
    data = error_of(answer, -32022)["data"]
    assert data["requested"] == "2099-01-01" and MODERN in data["supported"]
    status, answer, _ = await post(http, url, req("tools/list", {}), headers=headers)
    assert status == 400
    error_of(answer, -32602)  # no _meta envelope
    for method in ("ping", "resources/list", "initialize"):
        body, headers = modern(method)
        status, answer, _ = await post(http, url, body, headers=headers)
        assert status in (400, 404), (method, answer)
    body, headers = modern("ping")
    status, answer, _ = await post(http, url, body, headers=headers)
    assert status == 404
    error_of(answer, -32601)
    status, answer, _ = await post(http, url, [body], headers=headers)
    assert status == 400
    error_of(answer, -32600)
    status, _, _ = await post(
        http, url, {"jsonrpc": "2.0", "method": "notifications/cancelled"}, headers=headers
    )
    assert status == 202
    for method in ("GET", "DELETE"):
        async with http.request(method, url, headers={"MCP-Protocol-Version": MODERN}) as resp:
            assert resp.status == 405 and resp.headers["Allow"] == "POST"


async def test_modern_approval_travels_in_the_result(
    emulator: Emulator, http: aiohttp.ClientSession, new_session: NewSession
) -> None:
    emulator.connect_account(USER, "gmail")
    url = (await new_session(toolkits={"require_approval": ["gmail"]}))["mcp"]["url"]
    can_ask = {"elicitation": {"form": {}}}
    body, headers = modern("tools/call", {"name": "GMAIL_SEND_EMAIL", "arguments": EMAIL}, can_ask)
    status, answer, _ = await post(http, url, body, headers=headers)
    result = answer["result"]
    assert status == 200 and result["resultType"] == "input_required"
    ((key, question),) = result["inputRequests"].items()
    assert question["method"] == "elicitation/create" and question["params"]["mode"] == "form"
    assert emulator.mailbox(USER) == []

    for action, sent in (("decline", 0), ("accept", 1)):
        params = {
            "name": "GMAIL_SEND_EMAIL",
            "arguments": EMAIL,
            "inputResponses": {key: {"action": action, "content": {"note": "fine"}}},
            "requestState": result["requestState"],
        }
        body, headers = modern("tools/call", params, can_ask, msg_id=2)
        status, answer, _ = await post(http, url, body, headers=headers)
        assert answer["result"]["isError"] is (action != "accept")
        assert len(emulator.mailbox(USER)) == sent

    tampered = {**params, "requestState": "rs_forged"}
    body, headers = modern("tools/call", tampered, can_ask, msg_id=3)
    status, answer, _ = await post(http, url, body, headers=headers)
    assert status == 400
    error_of(answer, -32602)

    # A client that cannot elicit gets the session's fallback (deny by default).
    body, headers = modern("tools/call", {"name": "GMAIL_SEND_EMAIL", "arguments": EMAIL})
    status, answer, _ = await post(http, url, body, headers=headers)
    assert answer["result"]["isError"] is True and len(emulator.mailbox(USER)) == 1

"""MCP's Streamable HTTP transport at each session's ``mcp.url``
(``/tool_router/{session_id}/mcp``): POST for messages, GET for the standalone stream,
DELETE to end a session.

Authentication is the API's (``x-api-key``, checked by the middleware before these
handlers run). Then, in order: the ``Origin`` check (DNS rebinding), the Tool Router
session (404 when unknown or deleted), the era (a modern ``MCP-Protocol-Version`` header
means 2026-07-28; anything else is the legacy, ``initialize``-based transport), the legacy
``Mcp-Session-Id`` (400 when missing, 404 when unknown or ended), and the message itself.

Answers are JSON, except that a legacy ``tools/call`` from a client that accepts
``text/event-stream`` is answered on an SSE stream: that is where an ``elicitation/create``
question can travel before the result. A client that accepts only one of the two types
gets that one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from typing import Any

import orjson
from aiohttp import web

from .._runtime import RUNTIME, Runtime
from .._state import StoredSession
from .approval import elicit_over, fallback
from .dispatch import dispatch
from .modern import modern_post
from .protocol import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    LEGACY_VERSIONS,
    PARSE_ERROR,
    Incoming,
    Revision,
    RpcError,
    can_elicit_form,
    classify,
    error_message,
    initialize_result,
    negotiate,
    result_message,
)
from .sessions import MCP_SESSIONS, McpSession
from .wire import JSON_CT, Sse, accepted, accepts, http_error, id_of, origin_ok, reply

__all__ = ["MCP_PATH", "mcp_delete", "mcp_get", "mcp_post"]

log = logging.getLogger("composio_router_emulator")

MCP_PATH = "/tool_router/{session_id}/mcp"
# Keep-alive comments on an idle GET stream; a write is also how a vanished client is noticed.
_KEEPALIVE = 15.0


# --- shared checks -------------------------------------------------------------------------


def _front_door(request: web.Request) -> tuple[Runtime, StoredSession] | web.Response:
    """Checks common to every method: Origin, then the Tool Router session."""
    if not origin_ok(request):
        return http_error(403, INVALID_REQUEST, "Forbidden: the Origin header is not allowed")
    rt = request.app[RUNTIME]
    sid = request.match_info["session_id"]
    session = rt.state.sessions.get(sid)
    if session is None:
        return http_error(404, INVALID_REQUEST, f"Tool router session {sid} not found")
    return rt, session


def _modern_header(request: web.Request) -> str | None:
    """The ``MCP-Protocol-Version`` header when it names no legacy revision (2026-07-28 or
    an unknown one, which the modern path answers with UnsupportedProtocolVersion)."""
    value = request.headers.get("mcp-protocol-version")
    return value if value is not None and value not in LEGACY_VERSIONS else None


def _legacy_session(request: web.Request, session: StoredSession) -> McpSession | web.Response:
    sid = request.headers.get("mcp-session-id")
    if not sid:
        return http_error(
            400, INVALID_REQUEST, "Bad Request: send the Mcp-Session-Id header (initialize first)"
        )
    mcp = request.app[MCP_SESSIONS].get(sid, session.session_id)
    if mcp is None:
        return http_error(404, INVALID_REQUEST, "Session not found: initialize a new MCP session")
    return mcp


# --- POST ----------------------------------------------------------------------------------


async def mcp_post(request: web.Request) -> web.StreamResponse:
    door = _front_door(request)
    if isinstance(door, web.Response):
        return door
    rt, session = door
    if request.content_type != JSON_CT:
        return http_error(415, INVALID_REQUEST, "Unsupported Media Type: send application/json")
    json_ok, sse_ok = accepts(request)
    if not (json_ok or sse_ok):
        return http_error(
            406, INVALID_REQUEST, "Not Acceptable: accept application/json and text/event-stream"
        )
    raw = await request.read()  # already read (and cached) by the middleware
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return http_error(400, PARSE_ERROR, "Parse error: the body is not valid JSON")
    modern = _modern_header(request)
    if modern is not None:
        return await modern_post(request, rt, session, body, modern, json_ok)
    return await _legacy_post(request, rt, session, body, json_ok, sse_ok)


async def _answer(
    rt: Runtime,
    session: StoredSession,
    revision: Revision,
    msg: Incoming,
    approve: Any,
) -> dict[str, Any]:
    """The JSON-RPC response to one legacy request: a result, or an error in the body."""
    assert msg.method is not None
    try:
        result = await dispatch(
            rt.engine,
            session,
            revision,
            msg.method,
            msg.params,
            approve=approve,
            page_size=rt.mcp_page_size,
        )
    except RpcError as exc:
        return error_message(msg.id, exc.code, exc.message, exc.data)
    except Exception:  # a bug must answer this request, not take the endpoint down
        log.exception("MCP %s crashed", msg.method)
        return error_message(msg.id, INTERNAL_ERROR, "Internal error")
    return result_message(msg.id, result)


async def _legacy_post(
    request: web.Request,
    rt: Runtime,
    session: StoredSession,
    body: Any,
    json_ok: bool,
    sse_ok: bool,
) -> web.StreamResponse:
    if isinstance(body, dict) and body.get("method") == "initialize":
        return await _initialize(request, session, body, json_ok)
    if isinstance(body, list) and any(
        isinstance(m, dict) and m.get("method") == "initialize" for m in body
    ):
        return http_error(400, INVALID_REQUEST, "Invalid Request: initialize cannot be batched")
    mcp = _legacy_session(request, session)
    if isinstance(mcp, web.Response):
        return mcp
    revision = Revision(mcp.version)
    if isinstance(body, list):
        if not revision.batches:
            return http_error(
                400,
                INVALID_REQUEST,
                f"Invalid Request: protocol version {mcp.version} does not allow JSON-RPC batches",
            )
        return await _batch(request, rt, session, mcp, revision, body, json_ok)
    try:
        msg = classify(body)
    except RpcError as exc:
        return http_error(exc.http_status, exc.code, exc.message, msg_id=id_of(body))
    if msg.kind != "request":
        _take(mcp, msg)
        return accepted()
    if msg.method == "tools/call" and sse_ok:
        return await _streamed_call(request, rt, session, mcp, revision, msg)
    out = await _answer(rt, session, revision, msg, fallback(session))
    return await reply(request, out, json_ok)


def _take(mcp: McpSession, msg: Incoming) -> None:
    """A notification, or the client's answer to one of our requests."""
    if msg.kind == "response":
        assert msg.id is not None
        future = mcp.pending.get(msg.id)
        if future is not None and not future.done():
            future.set_result(msg.raw)
    elif msg.method == "notifications/initialized":
        mcp.initialized = True
    # Any other notification (cancelled, roots/list_changed, progress) needs no action here.


async def _initialize(
    request: web.Request, session: StoredSession, body: dict[str, Any], json_ok: bool
) -> web.StreamResponse:
    try:
        msg = classify(body)
    except RpcError as exc:
        return http_error(exc.http_status, exc.code, exc.message, msg_id=id_of(body))
    if msg.kind != "request":
        return http_error(400, INVALID_REQUEST, "Invalid Request: initialize must be a request")
    requested = msg.params.get("protocolVersion")
    capabilities = msg.params.get("capabilities", {})
    if type(requested) is not str or not isinstance(capabilities, dict):
        out = error_message(
            msg.id,
            INVALID_PARAMS,
            "Invalid params: protocolVersion (string) and capabilities (object)",
        )
        return await reply(request, out, json_ok)
    version = negotiate(requested)
    mcp = request.app[MCP_SESSIONS].create(session.session_id, version, capabilities)
    out = result_message(msg.id, initialize_result(version))
    return await reply(request, out, json_ok, headers={"Mcp-Session-Id": mcp.id})


async def _streamed_call(
    request: web.Request,
    rt: Runtime,
    session: StoredSession,
    mcp: McpSession,
    revision: Revision,
    msg: Incoming,
) -> web.StreamResponse:
    """A legacy tools/call answered on its own SSE stream, where questions can go first."""
    sse = await Sse(request).open()
    asks = revision.elicitation and can_elicit_form(mcp.capabilities)
    approve = elicit_over(sse.send, mcp, revision) if asks else fallback(session)
    out = await _answer(rt, session, revision, msg, approve)
    with contextlib.suppress(ConnectionResetError):
        await sse.send(out)
    return await sse.close()


async def _batch(
    request: web.Request,
    rt: Runtime,
    session: StoredSession,
    mcp: McpSession,
    revision: Revision,
    body: list[Any],
    json_ok: bool,
) -> web.StreamResponse:
    """A 2025-03-26 batch: each member answered in order; only notifications = 202."""
    if not body:
        return http_error(400, INVALID_REQUEST, "Invalid Request: empty batch")
    outs: list[dict[str, Any]] = []
    for member in body:
        try:
            msg = classify(member)
        except RpcError as exc:
            outs.append(error_message(id_of(member), exc.code, exc.message))
            continue
        if msg.kind != "request":
            _take(mcp, msg)
            continue
        outs.append(await _answer(rt, session, revision, msg, fallback(session)))
    if not outs:
        return accepted()
    return await reply(request, outs, json_ok)


# --- GET and DELETE ------------------------------------------------------------------------


def _not_in_modern() -> web.Response:
    # 2026-07-28 has no GET stream and no sessions to end (transport, "Backward Compatibility").
    return web.Response(status=405, headers={"Allow": "POST"})


async def mcp_get(request: web.Request) -> web.StreamResponse:
    """The legacy standalone SSE stream: server messages unrelated to a request (here,
    ``notifications/tools/list_changed`` after the session is updated)."""
    door = _front_door(request)
    if isinstance(door, web.Response):
        return door
    _, session = door
    if _modern_header(request) is not None:
        return _not_in_modern()
    if not accepts(request)[1]:
        return http_error(406, INVALID_REQUEST, "Not Acceptable: accept text/event-stream")
    mcp = _legacy_session(request, session)
    if isinstance(mcp, web.Response):
        return mcp
    if mcp.stream is not None:
        return http_error(
            409, INVALID_REQUEST, "Conflict: this MCP session already has a GET stream"
        )
    queue: asyncio.Queue[Mapping[str, Any] | None] = asyncio.Queue()
    mcp.stream = queue
    sse = await Sse(request).open()
    try:
        while True:
            try:
                message = await asyncio.wait_for(queue.get(), _KEEPALIVE)
            except TimeoutError:
                await sse.keepalive()
                continue
            if message is None:
                break
            await sse.send(message)
    except ConnectionResetError:
        pass  # the client went away
    finally:
        if mcp.stream is queue:
            mcp.stream = None
    return await sse.close()


async def mcp_delete(request: web.Request) -> web.StreamResponse:
    """End a legacy MCP session; its id is unknown (404) from then on."""
    door = _front_door(request)
    if isinstance(door, web.Response):
        return door
    _, session = door
    if _modern_header(request) is not None:
        return _not_in_modern()
    mcp = _legacy_session(request, session)
    if isinstance(mcp, web.Response):
        return mcp
    request.app[MCP_SESSIONS].end(mcp)
    return web.Response(status=204)

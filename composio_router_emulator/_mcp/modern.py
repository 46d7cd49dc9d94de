"""The 2026-07-28 (stateless) side of the endpoint: no ``initialize`` and no session; each
POST carries its protocol version and the client's capabilities in ``params._meta``, mirrored
in headers that must agree with the body (transport spec, "Server Validation")."""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from .._runtime import Runtime
from .._state import StoredSession
from .approval import fallback
from .dispatch import dispatch
from .protocol import (
    ALL_VERSIONS,
    HEADER_MISMATCH,
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    META_CAPABILITIES,
    META_VERSION,
    METHOD_NOT_FOUND,
    MODERN_VERSIONS,
    PARSE_ERROR,
    UNSUPPORTED_PROTOCOL_VERSION,
    Incoming,
    Revision,
    RpcError,
    can_elicit_form,
    classify,
    error_message,
    modern_result,
    result_message,
)
from .wire import accepted, http_error, id_of, reply

__all__ = ["modern_post"]

log = logging.getLogger("composio_router_emulator")

# A 2026-07-28 error's HTTP status (streamable-http, "Request Metadata"); others are 200.
_MODERN_STATUS = {
    PARSE_ERROR: 400,
    INVALID_REQUEST: 400,
    INVALID_PARAMS: 400,
    HEADER_MISMATCH: 400,
    UNSUPPORTED_PROTOCOL_VERSION: 400,
    METHOD_NOT_FOUND: 404,
}


def _decode_header(value: str | None) -> str | None:
    """An ``Mcp-Name`` value, with the ``=?base64?…?=`` sentinel decoded."""
    if value is None or not (value.startswith("=?base64?") and value.endswith("?=")):
        return value
    try:
        return base64.b64decode(value[9:-2], validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None


def _ladder(request: web.Request, msg: Incoming) -> tuple[str, Mapping[str, Any]]:
    """The 2026-07-28 request checks, first failure wins: the ``_meta`` envelope, the
    headers that mirror the body, then the version. Returns (version, capabilities)."""
    meta = msg.params.get("_meta")
    if not isinstance(meta, dict) or META_VERSION not in meta or META_CAPABILITIES not in meta:
        raise RpcError(
            INVALID_PARAMS,
            f"params._meta must carry {META_VERSION!r} and {META_CAPABILITIES!r}",
        )
    version = meta[META_VERSION]
    if request.headers.get("mcp-protocol-version") != version:
        raise RpcError(HEADER_MISMATCH, "MCP-Protocol-Version header does not match params._meta")
    if request.headers.get("mcp-method") != msg.method:
        raise RpcError(HEADER_MISMATCH, "Mcp-Method header does not match the body's method")
    if msg.method == "tools/call":
        name = msg.params.get("name")
        if name is not None and _decode_header(request.headers.get("mcp-name")) != name:
            raise RpcError(HEADER_MISMATCH, "Mcp-Name header does not match params.name")
    if version not in MODERN_VERSIONS:
        raise RpcError(
            UNSUPPORTED_PROTOCOL_VERSION,
            "Unsupported protocol version",
            data={"supported": list(ALL_VERSIONS), "requested": version},
        )
    capabilities = meta[META_CAPABILITIES]
    if not isinstance(capabilities, dict):
        raise RpcError(INVALID_PARAMS, f"params._meta[{META_CAPABILITIES!r}] must be an object")
    return version, capabilities


async def modern_post(
    request: web.Request,
    rt: Runtime,
    session: StoredSession,
    body: Any,
    header_version: str,
    json_ok: bool,
) -> web.StreamResponse:
    """A stateless request: no session, everything it needs is in the request."""
    if isinstance(body, dict) and "method" in body and "id" not in body:
        # Nothing in this revision needs a client notification; accept and drop it.
        if header_version not in MODERN_VERSIONS:
            return http_error(
                400,
                UNSUPPORTED_PROTOCOL_VERSION,
                "Unsupported protocol version",
                data={"supported": list(ALL_VERSIONS), "requested": header_version},
            )
        return accepted()
    try:
        msg = classify(body)
        if msg.kind != "request":
            raise RpcError(
                INVALID_REQUEST, "Invalid Request: send one JSON-RPC request", http_status=400
            )
    except RpcError as exc:
        return http_error(400, exc.code, exc.message, msg_id=id_of(body))
    try:
        version, capabilities = _ladder(request, msg)
        # The client is asked through the result (input_required) when it can elicit.
        approve = None if can_elicit_form(capabilities) else fallback(session)
        assert msg.method is not None
        result = await dispatch(
            rt.engine,
            session,
            Revision(version),
            msg.method,
            msg.params,
            approve=approve,
            page_size=rt.mcp_page_size,
        )
    except RpcError as exc:
        out = error_message(msg.id, exc.code, exc.message, exc.data)
        return await reply(request, out, json_ok, status=_MODERN_STATUS.get(exc.code, 200))
    except Exception:
        log.exception("MCP %s crashed", msg.method)
        return await reply(
            request, error_message(msg.id, INTERNAL_ERROR, "Internal error"), json_ok
        )
    return await reply(request, result_message(msg.id, modern_result(result)), json_ok)

"""``tools/list`` and ``tools/call`` on a Tool Router session.

The list is the session's own (``GET …/tools``: its meta tools, then its preloaded app
tools) as MCP ``Tool`` objects, with annotations derived from the tools' tags. A call runs
through :meth:`Engine.execute`, exactly as ``POST …/execute`` does, so its effects on the
emulator's world (a sent e-mail, a created issue, a connection link) are the same.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

import orjson

from .. import _meta_tools as meta
from .._engine import Approver, Engine
from .._state import StoredSession
from .._wire import ApiError
from .protocol import INVALID_PARAMS, Revision, RpcError

__all__ = ["call_tool", "list_tools"]

_HINTS = ("readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint")
# The meta tools carry no tags in the catalog; what they do is known, so say it.
_META_HINTS: dict[str, tuple[str, ...]] = {
    meta.SEARCH: ("readOnlyHint", "idempotentHint"),
    meta.SCHEMAS: ("readOnlyHint", "idempotentHint"),
    meta.MULTI: ("destructiveHint", "openWorldHint"),
    meta.MANAGE: ("idempotentHint",),
    meta.WAIT: ("readOnlyHint", "idempotentHint"),
    meta.WORKBENCH: ("destructiveHint", "openWorldHint"),
    meta.BASH: ("destructiveHint", "openWorldHint"),
    meta.FEEDBACK: (),
    meta.PROXY: ("destructiveHint", "openWorldHint"),
}
# Tool-level errors (the request was fine, the tool is not callable here) that MCP calls
# protocol errors: "Unknown tools" are -32602 (server/tools, "Error Handling").
_UNKNOWN_TOOL_SLUGS = frozenset(
    {
        "ToolRouter_ToolNotFound",
        "ToolRouter_ToolNotAllowed",
        "ToolRouter_CustomToolNotExecutable",
        "ToolRouter_ValidationError",
    }
)


def tool_annotations(tool: Mapping[str, Any]) -> dict[str, Any]:
    """MCP ``ToolAnnotations`` from the §3.1 tags a tool carries.

    A tagged tool states all four hints (a missing tag is a false claim, not "unknown"); an
    update is destructive in MCP's sense (it overwrites), a create is not (it only adds).
    """
    slug = tool["slug"]
    tags = set(_META_HINTS[slug]) if slug in _META_HINTS else set(tool.get("tags") or ())
    out: dict[str, Any] = {"title": tool["name"]}
    if tags & {*_HINTS, "createHint", "updateHint"} or slug in _META_HINTS:
        read_only = "readOnlyHint" in tags
        out["readOnlyHint"] = read_only
        if not read_only:
            out["destructiveHint"] = bool(tags & {"destructiveHint", "updateHint"})
        out["idempotentHint"] = "idempotentHint" in tags
        out["openWorldHint"] = "openWorldHint" in tags
    return out


def mcp_tool(tool: Mapping[str, Any], revision: Revision) -> dict[str, Any]:
    schema = dict(tool["input_parameters"] or {})
    schema.setdefault("type", "object")  # MCP requires an object schema at the root
    out: dict[str, Any] = {
        "name": tool["slug"],
        "description": tool["description"],
        "inputSchema": schema,
    }
    if revision.titles:
        out["title"] = tool["name"]
    if revision.annotations:
        out["annotations"] = tool_annotations(tool)
    return out


def _cursor_offset(cursor: Any) -> int:
    if cursor is None:
        return 0
    try:
        if type(cursor) is not str:
            raise ValueError
        data = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        offset = data["offset"]
        if type(offset) is not int or offset < 0:
            raise ValueError
    except (ValueError, TypeError, KeyError, binascii.Error, orjson.JSONDecodeError):
        raise RpcError(INVALID_PARAMS, f"Invalid cursor {cursor!r}") from None
    return offset


def list_tools(
    engine: Engine,
    session: StoredSession,
    params: Mapping[str, Any],
    revision: Revision,
    page_size: int,
) -> dict[str, Any]:
    # Inline custom tools (LOCAL_…) are left out: they run in the SDK process that defined
    # them, and the backend refuses to execute them (ToolRouter_CustomToolNotExecutable).
    tools = engine.session_tools(session, customs=False)
    start = _cursor_offset(params.get("cursor"))
    page = tools[start : start + page_size]
    result: dict[str, Any] = {"tools": [mcp_tool(t, revision) for t in page]}
    if start + page_size < len(tools):
        token = orjson.dumps({"offset": start + page_size})
        result["nextCursor"] = base64.urlsafe_b64encode(token).decode().rstrip("=")
    if revision.modern:
        # CacheableResult: the list follows the session's config, which can change any time.
        result.update(ttlMs=0, cacheScope="private")
    return result


def _envelope(result: Mapping[str, Any]) -> dict[str, Any]:
    # The classic tool envelope that the MCP path returns (spec §7).
    ok = result.get("result_type") == "completed"
    # A call a session hook blocked says why in `message` (spec §13): the agent reads `error`.
    error = result.get("error") or result.get("message")
    return {"data": result.get("data") or {}, "error": error, "successful": ok}


def _call_result(result: Mapping[str, Any], revision: Revision) -> dict[str, Any]:
    envelope = _envelope(result)
    out: dict[str, Any] = {
        "content": [{"type": "text", "text": orjson.dumps(envelope).decode()}],
        "isError": not envelope["successful"],
    }
    if revision.titles:
        out["structuredContent"] = envelope
    return out


def _input_required(result: Mapping[str, Any], revision: Revision) -> dict[str, Any]:
    """The engine's §3.7 ``input_required`` as a 2026-07-28 ``InputRequiredResult``: the
    question becomes an ``elicitation/create`` input request under the same key."""
    requests = {}
    for key, question in result["input_requests"].items():
        params = {
            "mode": question.get("mode", "form"),
            "message": question["message"],
            "requestedSchema": question["requested_schema"],
        }
        requests[key] = {"method": "elicitation/create", "params": params}
    out: dict[str, Any] = {"resultType": "input_required", "inputRequests": requests}
    if result.get("request_state"):
        out["requestState"] = result["request_state"]
    return out


def _input_responses(params: Mapping[str, Any]) -> dict[str, Any] | None:
    """A 2026-07-28 retry's ``inputResponses`` as the engine's ``input_responses``."""
    answers = params.get("inputResponses")
    if answers is None:
        return None
    if not isinstance(answers, dict):
        raise RpcError(INVALID_PARAMS, "inputResponses must be an object")
    out = {}
    for key, answer in answers.items():
        action = answer.get("action") if isinstance(answer, dict) else None
        if action not in ("accept", "decline", "cancel"):
            raise RpcError(INVALID_PARAMS, f"inputResponses.{key}: not an elicitation result")
        out[key] = {"action": action, "content": answer.get("content") or {}}
    return out


async def call_tool(
    engine: Engine,
    session: StoredSession,
    params: Mapping[str, Any],
    revision: Revision,
    approve: Approver | None,
) -> dict[str, Any]:
    """Run one tool. A tool that fails is an ``isError`` result; a call the protocol
    rejects (unknown tool, malformed params) is an :class:`RpcError`."""
    name = params.get("name")
    if type(name) is not str or not name:
        raise RpcError(INVALID_PARAMS, "Invalid params: name must be a non-empty string")
    arguments = params.get("arguments", {})
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        raise RpcError(INVALID_PARAMS, "Invalid params: arguments must be an object")
    state = params.get("requestState")
    if state is not None and type(state) is not str:
        raise RpcError(INVALID_PARAMS, "Invalid params: requestState must be a string")
    try:
        result = await engine.execute(
            session,
            name,
            arguments,
            input_responses=_input_responses(params) if revision.modern else None,
            request_state=state if revision.modern else None,
            approve=approve,
        )
    except ApiError as exc:
        if exc.status == 400 and exc.slug in _UNKNOWN_TOOL_SLUGS:
            raise RpcError(INVALID_PARAMS, exc.message) from None
        # Anything else (a batch over the size limit, say) is this tool call failing.
        result = {"result_type": "failed", "data": {}, "error": exc.message}
    if result.get("result_type") == "input_required":
        return _input_required(result, revision)
    return _call_result(result, revision)

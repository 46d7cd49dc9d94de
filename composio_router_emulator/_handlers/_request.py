"""Reading a request, shared by every handler: the runtime, the validated JSON body, the
closed query, and the session named in the path (a 404 when it does not exist)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .._runtime import BODY, RUNTIME, Runtime
from .._state import StoredSession
from .._validation import Schema, validate
from .._wire import ApiError, QuerySpec, bad_request, parse_query

__all__ = ["path_session", "read_body", "read_query", "runtime_of"]


def runtime_of(request: web.Request) -> Runtime:
    return request.app[RUNTIME]


def read_body(request: web.Request, schema: Schema, *, patch: bool = False) -> dict[str, Any]:
    """The body the middleware parsed (§1.5), validated against ``schema``; 400 on the first error."""
    body: dict[str, Any] = request[BODY]
    errs = validate(schema, body, patch=patch)
    if errs:
        raise bad_request(errs[0], errs)
    return body


def read_query(
    request: web.Request, spec: QuerySpec, bracket_maps: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The query parsed against ``spec``; query sets are closed, so an unknown key is a 400."""
    return parse_query(request.query, spec, bracket_maps=bracket_maps)


def path_session(rt: Runtime, request: web.Request) -> StoredSession:
    sid = request.match_info["session_id"]
    s = rt.state.sessions.get(sid)
    if s is None:
        raise ApiError(404, f"Tool router session {sid} not found", "ToolRouter_SessionNotFound")
    return s

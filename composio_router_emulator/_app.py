"""The aiohttp application: one middleware (journal, faults, latency, auth, body rules,
error envelope, ``x-request-id``) in front of the endpoint handlers.

A single middleware keeps the hot path short: benchmarks drive thousands of requests per
second through it on a small machine.
"""

from __future__ import annotations

import asyncio
import hmac
import itertools
import logging
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from aiohttp import web

from ._faults import Fault
from ._handlers import ROUTES, Auth
from ._inflight import INFLIGHT, InFlight
from ._journal import REDACTED, SENSITIVE_HEADERS, JournalEntry
from ._mcp import MCP_SESSIONS, McpSessions, http_error
from ._runtime import BODY, REQUEST_ID, RUNTIME, Runtime
from ._wire import (
    JSON_CT,
    ApiError,
    bad_request,
    error_payload,
    error_response,
    generic_message,
    generic_slug,
    json_response,
)

__all__ = ["build_app"]

log = logging.getLogger("composio_router_emulator")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_AUTH: dict[Any, Auth] = {}
# Request ids: a random per-process prefix plus a counter (cheaper than uuid4 per request).
_RID_PREFIX = os.urandom(8).hex()
_rid_counter = itertools.count(1)


def _next_request_id() -> str:
    return f"{_RID_PREFIX}{next(_rid_counter):016x}"


_CREDENTIAL_HEADERS = ("x-api-key", "x-user-api-key", "x-org-api-key")
_MALFORMED = b'{"result_type": "completed", "data": {"messages": [{"id": "18e2f4c9'
_EXTRA_KEY = "x_emulator_unknown_field"
_EXTRA_VALUE = {"note": "unknown field injected by the emulator", "level": 1}
# Free-form payloads: injecting keys there would change user data, not the envelope.
_OPAQUE = frozenset(
    {
        "input_parameters",
        "output_parameters",
        "input_schema",
        "output_schema",
        "requested_schema",
        "arguments",
        "data",
        "headers",
        "params",
        "state",
        "val",
        "body",
        "content",
    }
)
# Maps keyed by data (slugs, ids): their values are records, the map itself is not.
_MAPS = frozenset(
    {
        "tool_schemas",
        "tools",
        "auth_configs",
        "connected_accounts",
        "memory",
        "input_requests",
        "prices",
        "overrides",
    }
)


def _with_extra(value: Any, key: str | None) -> Any:
    if type(value) is dict:
        if key in _OPAQUE:
            return value
        out = {k: _with_extra(v, None if key in _MAPS else k) for k, v in value.items()}
        if key not in _MAPS:
            out[_EXTRA_KEY] = dict(_EXTRA_VALUE)
        return out
    if type(value) is list:
        return [_with_extra(v, None) for v in value]
    return value


def _add_extra_fields(resp: web.StreamResponse) -> web.StreamResponse:
    if not isinstance(resp, web.Response) or resp.content_type != JSON_CT:
        return resp
    body = resp.body
    if not isinstance(body, bytes) or not body:
        return resp
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return resp
    new = json_response(_with_extra(payload, None), resp.status)
    for k, v in resp.headers.items():
        if k.lower() not in ("content-type", "content-length"):
            new.headers[k] = v
    return new


def _fault_response(fault: Fault, request_id: str) -> web.Response:
    if fault.body is not None:
        status = fault.status or 200
        if any(k.lower() == "content-type" for k in fault.headers):
            return web.Response(status=status, body=fault.body)
        ct = "text/html" if fault.body.lstrip().startswith(b"<") else "application/octet-stream"
        return web.Response(status=status, body=fault.body, content_type=ct)
    if fault.action == "malformed":
        return web.Response(status=fault.status or 200, body=_MALFORMED, content_type=JSON_CT)
    assert fault.status is not None
    payload = error_payload(
        fault.status,
        generic_message(fault.status),
        generic_slug(fault.status),
        request_id,
        errors=None,
    )
    return json_response(payload, fault.status)


async def _truncated(request: web.Request, resp: web.StreamResponse) -> web.StreamResponse:
    """Send the headers and half the body, with a Content-Length for all of it, then hang up."""
    body = resp.body if isinstance(resp, web.Response) and isinstance(resp.body, bytes) else b""
    stream = web.StreamResponse(status=resp.status, headers=resp.headers)
    stream.content_length = len(body)
    await stream.prepare(request)
    await stream.write(body[: len(body) // 2])
    if request.transport is not None:
        request.transport.close()
    return stream


def _check_auth(request: web.Request, rt: Runtime, policy: Auth) -> None:
    headers = request.headers
    present = [(name, headers[name]) for name in _CREDENTIAL_HEADERS if name in headers]
    if len(present) > 1:
        names = ", ".join(n for n, _ in present)
        raise ApiError(
            401, f"Send exactly one credential header, got: {names}", "Auth_MultipleCredentials"
        )
    if not present:
        raise ApiError(401, "Missing API key: send the x-api-key header", "Auth_MissingApiKey")
    name, value = present[0]
    if name == "x-org-api-key" or (name == "x-user-api-key" and policy != "api_or_user"):
        raise ApiError(
            401,
            f"The {name} header is not accepted by this endpoint; use x-api-key",
            "Auth_CredentialNotAccepted",
        )
    expected = rt.api_key if name == "x-api-key" else rt.user_api_key
    ok = bool(value.strip()) and (
        expected is None or hmac.compare_digest(value.encode(), expected.encode())
    )
    if not ok:
        raise ApiError(401, "Invalid API key", "Auth_InvalidApiKey")


_INVALID = object()  # marker: the body was not valid JSON


def _parse_body(request: web.Request, raw: bytes, parsed: Any) -> None:
    """Body rules of §1.5, checked before any handler runs."""
    method = request.method
    if method in ("GET", "DELETE", "HEAD"):
        if raw or "content-type" in request.headers:
            raise bad_request(f"{method} requests carry no body and no Content-Type")
        request[BODY] = None
        return
    if request.query_string:
        keys = ", ".join(sorted(set(request.query)))
        raise bad_request(f"query.{keys}: unknown query parameter(s) '{keys}'")
    if request.content_type != JSON_CT:
        raise bad_request("Content-Type must be application/json")
    if parsed is _INVALID or not raw:
        raise bad_request("Request body is not valid JSON")
    if type(parsed) is not dict:
        raise bad_request("Request body must be a JSON object")
    request[BODY] = parsed


async def _dispatch(
    request: web.Request, handler: Handler, rt: Runtime, raw: bytes, parsed: Any
) -> web.StreamResponse:
    exc = request.match_info.http_exception
    try:
        if exc is not None:
            if exc.status == 405:
                raise ApiError(
                    405,
                    f"Method {request.method} not allowed on {request.path}",
                    "MethodNotAllowed",
                )
            raise ApiError(404, f"No route for {request.method} {request.path}", "NotFound")
        policy = _AUTH.get(request.match_info.handler, "api")
        if policy == "mcp":
            try:
                _check_auth(request, rt, "api")
            except ApiError as err:  # same rule as the API, answered the JSON-RPC way
                return http_error(err.status, -32001, err.message)
            return await handler(request)
        if policy in ("api", "api_or_user"):
            _check_auth(request, rt, policy)
            _parse_body(request, raw, parsed)
        return await handler(request)
    except ApiError as err:
        return error_response(err, request[REQUEST_ID])
    except web.HTTPException as http_exc:
        mapped = ApiError(http_exc.status, http_exc.reason or generic_message(http_exc.status))
        return error_response(mapped, request[REQUEST_ID])
    except Exception:
        log.exception("emulator handler crashed on %s %s", request.method, request.path)
        return error_response(ApiError(500, "Internal emulator error"), request[REQUEST_ID])


def _journal_headers(request: web.Request) -> dict[str, str]:
    return {
        k.lower(): (REDACTED if k.lower() in SENSITIVE_HEADERS else v)
        for k, v in request.headers.items()
    }


def _parse_json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _INVALID


@web.middleware
async def _pipeline(request: web.Request, handler: Handler) -> web.StreamResponse:
    request.app[INFLIGHT].enter()  # so that Emulator.stop() can cancel it instead of waiting
    rt = request.app[RUNTIME]
    started = time.monotonic()
    incoming = request.headers.get("x-request-id")
    request_id = (
        incoming
        if incoming and len(incoming) <= 128 and incoming.isprintable()
        else _next_request_id()
    )
    request[REQUEST_ID] = request_id
    raw = await request.read() if request.body_exists else b""
    parsed = _parse_json(raw)  # once, for both the handler and the journal
    fault = rt.faults.take(request.method, request.path)
    status = 0
    replayed = False
    try:
        if fault is not None and fault.delay:
            await asyncio.sleep(fault.delay)
        mcp = request.path.endswith("/mcp") and request.path.startswith("/tool_router/")
        if rt.latency > 0 and (mcp or request.path.startswith("/api/")):
            await asyncio.sleep(rt.latency)
        if fault is not None and fault.short_circuits:
            if fault.action == "drop":
                if request.transport is not None:
                    request.transport.close()
                return web.Response(status=499)  # never delivered: the connection is gone
            resp: web.StreamResponse = _fault_response(fault, request_id)
        else:
            store = rt.idempotency
            key = store.key_of(request) if store is not None else None
            if store is not None and key is not None:
                resp, replayed = await store.run(
                    key, request, raw, request_id, lambda: _dispatch(request, handler, rt, raw, parsed)
                )
            else:
                resp = await _dispatch(request, handler, rt, raw, parsed)
            if fault is not None and fault.action == "drop_after":
                # It ran (the state changed), and the answer is lost on the way back.
                status = resp.status
                if request.transport is not None:
                    request.transport.close()
                return web.Response(status=499)
            # The global switch is about the REST API's forward compatibility; MCP's schema
            # is not ours to extend, so only an explicit fault touches its answers.
            if (rt.extra_fields and not mcp) or (
                fault is not None and fault.action == "extra_fields"
            ):
                resp = _add_extra_fields(resp)
        resp.headers["x-request-id"] = request_id
        if fault is not None:
            resp.headers.update(fault.headers)
            if fault.action == "truncate":
                status = resp.status
                return await _truncated(request, resp)
        status = resp.status
        return resp
    finally:
        rt.journal.append(
            JournalEntry(
                method=request.method,
                path=request.path,
                query_string=request.query_string,
                query={k: v for k, v in request.query.items()},
                headers=_journal_headers(request),
                body=None if parsed is _INVALID else parsed,
                status=status,
                started=started,
                finished=time.monotonic(),
                replayed=replayed,
            )
        )


def build_app(rt: Runtime) -> web.Application:
    app = web.Application(middlewares=[_pipeline], client_max_size=64 * 1024 * 1024)
    app[RUNTIME] = rt
    app[INFLIGHT] = InFlight()  # per app: a restarted emulator starts with none
    app[MCP_SESSIONS] = McpSessions()
    for method, path, handler, auth in ROUTES:
        app.router.add_route(method, path, handler)
        _AUTH[handler] = auth
    return app

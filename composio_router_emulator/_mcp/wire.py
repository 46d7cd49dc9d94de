"""HTTP details shared by both eras of the MCP endpoint: JSON-RPC errors as HTTP
refusals, content negotiation (``Accept``), the ``Origin`` guard, and SSE responses."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import orjson
from aiohttp import web

from .._runtime import REQUEST_ID
from .protocol import error_message

__all__ = [
    "JSON_CT",
    "SSE_CT",
    "Sse",
    "accepted",
    "accepts",
    "http_error",
    "id_of",
    "origin_ok",
    "reply",
]

JSON_CT = "application/json"
SSE_CT = "text/event-stream"
_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


def http_error(
    status: int, code: int, message: str, *, msg_id: str | int | None = None, data: Any = None
) -> web.Response:
    """A transport-level refusal: an HTTP error status with a JSON-RPC error body."""
    body = orjson.dumps(error_message(msg_id, code, message, data))
    return web.Response(status=status, body=body, content_type=JSON_CT)


def json_response(
    payload: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.Response(
        status=status, body=orjson.dumps(payload), content_type=JSON_CT, headers=headers
    )


def accepted() -> web.Response:
    return web.Response(status=202)


def accepts(request: web.Request) -> tuple[bool, bool]:
    """(JSON acceptable, SSE acceptable). No Accept header accepts both."""
    header = request.headers.get("accept")
    if header is None:
        return True, True
    types = {part.split(";", 1)[0].strip().lower() for part in header.split(",")}
    anything = "*/*" in types
    return (
        anything or JSON_CT in types or "application/*" in types,
        anything or SSE_CT in types or "text/*" in types,
    )


def origin_ok(request: web.Request) -> bool:
    """DNS-rebinding guard (transport spec, "Security"): a browser page may only reach the
    endpoint from loopback or from the emulator's own host."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = urlsplit(origin).hostname or ""
    own = urlsplit(f"//{request.host}").hostname or ""
    return host in _LOOPBACK_NAMES or host.startswith("127.") or host == own


class Sse:
    """One ``text/event-stream`` response; writes are serialised (concurrent elicitations)."""

    def __init__(self, request: web.Request, headers: Mapping[str, str] | None = None) -> None:
        self.request = request
        self.response = web.StreamResponse(
            headers={
                "Content-Type": SSE_CT,
                "Cache-Control": "no-cache, no-transform",
                "X-Accel-Buffering": "no",
                # The middleware adds it after the handler, too late for a streamed answer.
                "x-request-id": request[REQUEST_ID],
                **(headers or {}),
            }
        )
        self._lock = asyncio.Lock()
        self.broken = False

    async def open(self) -> Sse:
        await self.response.prepare(self.request)
        return self

    async def _write(self, chunk: bytes) -> None:
        if self.broken:
            raise ConnectionResetError("the client closed the stream")
        async with self._lock:
            try:
                await self.response.write(chunk)
            except (ConnectionError, RuntimeError):  # RuntimeError: aiohttp's closed transport
                self.broken = True
                raise ConnectionResetError("the client closed the stream") from None

    async def send(self, message: Mapping[str, Any]) -> None:
        await self._write(b"event: message\ndata: " + orjson.dumps(message) + b"\n\n")

    async def keepalive(self) -> None:
        await self._write(b": keep-alive\n\n")

    async def close(self) -> web.StreamResponse:
        if not self.broken:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self.response.write_eof()
        return self.response


async def reply(
    request: web.Request,
    messages: list[dict[str, Any]] | dict[str, Any],
    json_ok: bool,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> web.StreamResponse:
    """Answer with JSON when the client takes it, else as SSE events."""
    if json_ok:
        return json_response(messages, status, headers)
    sse = await Sse(request, headers).open()
    with contextlib.suppress(ConnectionResetError):
        for message in messages if isinstance(messages, list) else [messages]:
            await sse.send(message)
    return await sse.close()


def id_of(body: Any) -> str | int | None:
    value = body.get("id") if isinstance(body, dict) else None
    return value if type(value) in (str, int) else None

"""Optional idempotency-key deduplication, the way a gateway or a server that honours keys would.

The real backend does not deduplicate executions (spec §1.8), so the emulator does not
either unless asked: ``Emulator(idempotency_header="Idempotency-Key")``. Then a POST or
PATCH carrying that header runs once; a repeat with the same key, method and path gets
the first answer back (marked ``Idempotent-Replayed: true``) without running anything,
and a repeat that arrives while the first is still running waits for it. Reusing a key
with a different body is a 422. Answers of 5xx are not kept, so a retry can run again.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable

import attrs
from aiohttp import web

from ._wire import ApiError, error_response

__all__ = ["IdempotencyStore"]

_Key = tuple[str, str, str]  # (key, method, path)


@attrs.frozen
class _Stored:
    fingerprint: str
    status: int
    content_type: str
    body: bytes


class IdempotencyStore:
    """Answers by key, for one emulator. Lives on the emulator's event loop."""

    def __init__(self, header: str) -> None:
        self.header = header
        self._answers: dict[_Key, _Stored] = {}
        self._running: dict[_Key, asyncio.Future[None]] = {}

    def key_of(self, request: web.Request) -> str | None:
        if request.method not in ("POST", "PATCH"):
            return None
        return request.headers.get(self.header) or None

    async def run(
        self,
        key: str,
        request: web.Request,
        raw: bytes,
        request_id: str,
        handle: Callable[[], Awaitable[web.StreamResponse]],
    ) -> tuple[web.StreamResponse, bool]:
        """The response, and whether it is a replay of an earlier one."""
        slot: _Key = (key, request.method, request.path)
        fingerprint = hashlib.sha256(raw).hexdigest()
        while (running := self._running.get(slot)) is not None:
            await asyncio.shield(running)
        stored = self._answers.get(slot)
        if stored is not None:
            if stored.fingerprint != fingerprint:
                err = ApiError(
                    422,
                    f"Idempotency key {key!r} was already used with a different request body",
                    "IdempotencyKey_Reused",
                )
                return error_response(err, request_id), False
            replay = web.Response(status=stored.status, body=stored.body, content_type=stored.content_type)
            replay.headers["Idempotent-Replayed"] = "true"
            return replay, True
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._running[slot] = done
        try:
            resp = await handle()
            body = resp.body if isinstance(resp, web.Response) else None
            if resp.status < 500 and isinstance(body, bytes):
                self._answers[slot] = _Stored(fingerprint, resp.status, resp.content_type, body)
            return resp, False
        finally:
            del self._running[slot]
            done.set_result(None)

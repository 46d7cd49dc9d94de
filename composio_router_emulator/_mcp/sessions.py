"""The legacy-era MCP sessions (``Mcp-Session-Id``) of one running app.

A session belongs to one Tool Router session: it remembers the negotiated revision and the
client's capabilities, the answers the server is waiting for (elicitation requests sent on
a response stream), and the client's standalone GET stream, where list changes go.
Modern (2026-07-28) requests carry all of this themselves and never touch this store.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import attrs
from aiohttp import web

__all__ = ["MCP_SESSIONS", "McpSession", "McpSessions"]

# Enough for any test or benchmark; past it the oldest session is forgotten (its client
# then gets the 404 that tells it to initialize again), so the store cannot grow forever.
MAX_SESSIONS = 10_000


@attrs.define(eq=False)
class McpSession:
    id: str
    tool_router_session: str
    version: str
    capabilities: Mapping[str, Any]
    initialized: bool = False
    # Answers the server awaits, by the id of the request it sent (elicitation/create).
    pending: dict[str | int, asyncio.Future[Mapping[str, Any]]] = attrs.field(factory=dict)
    # The standalone GET stream's queue (None = no stream open); None in it ends the stream.
    stream: asyncio.Queue[Mapping[str, Any] | None] | None = None
    _ids: itertools.count[int] = attrs.field(factory=lambda: itertools.count(1))

    def next_request_id(self) -> str:
        return f"emu-{next(self._ids)}"

    def push(self, message: Mapping[str, Any]) -> None:
        """Send a server message on the GET stream, if the client opened one."""
        if self.stream is not None:
            self.stream.put_nowait(message)

    def close(self) -> None:
        if self.stream is not None:
            self.stream.put_nowait(None)
        for future in self.pending.values():
            if not future.done():
                future.cancel()


class McpSessions:
    """The sessions by id, oldest first."""

    def __init__(self) -> None:
        self._by_id: OrderedDict[str, McpSession] = OrderedDict()

    def create(
        self, tool_router_session: str, version: str, capabilities: Mapping[str, Any]
    ) -> McpSession:
        while len(self._by_id) >= MAX_SESSIONS:
            _, oldest = self._by_id.popitem(last=False)
            oldest.close()
        # Visible ASCII only (transport spec); unguessable, since it is all a client shows.
        session = McpSession(secrets.token_hex(16), tool_router_session, version, capabilities)
        self._by_id[session.id] = session
        return session

    def get(self, session_id: str, tool_router_session: str) -> McpSession | None:
        session = self._by_id.get(session_id)
        if session is None or session.tool_router_session != tool_router_session:
            return None  # an id of another Tool Router session is as unknown as a forged one
        return session

    def end(self, session: McpSession) -> None:
        self._by_id.pop(session.id, None)
        session.close()

    def of(self, tool_router_session: str) -> list[McpSession]:
        return [s for s in self._by_id.values() if s.tool_router_session == tool_router_session]

    def tools_changed(self, tool_router_session: str) -> None:
        """A PATCH changed what tools/list returns: tell the clients that listen."""
        note = {"jsonrpc": "2.0", "method": "notifications/tools/list_changed"}
        for session in self.of(tool_router_session):
            session.push(note)

    def session_deleted(self, tool_router_session: str) -> None:
        for session in self.of(tool_router_session):
            self.end(session)

    def __len__(self) -> int:
        return len(self._by_id)


MCP_SESSIONS = web.AppKey("composio_router_emulator_mcp_sessions", McpSessions)

"""The MCP endpoint of every session (``mcp.url``): MCP's Streamable HTTP transport on the
emulator's own aiohttp app, with no MCP library.

| Module | Owns |
|---|---|
| ``transport`` | the routes (POST/GET/DELETE), era routing, the legacy ``initialize`` sessions |
| ``modern`` | 2026-07-28 requests: the ``_meta`` envelope and header checks, stateless |
| ``wire`` | HTTP refusals as JSON-RPC errors, ``Accept``, ``Origin``, SSE responses |
| ``protocol`` | revisions and what each allows, message classification, error codes |
| ``dispatch`` | the method table |
| ``tools`` | ``tools/list`` (annotations, pages) and ``tools/call`` through the engine |
| ``approval`` | asking the user: elicitation over SSE, or the session's fallback |
| ``sessions`` | the legacy sessions of one app |
"""

from __future__ import annotations

from .sessions import MCP_SESSIONS, McpSessions
from .transport import MCP_PATH, mcp_delete, mcp_get, mcp_post
from .wire import http_error

__all__ = [
    "MCP_PATH",
    "MCP_SESSIONS",
    "McpSessions",
    "http_error",
    "mcp_delete",
    "mcp_get",
    "mcp_post",
]

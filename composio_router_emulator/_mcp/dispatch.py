"""The method table: which JSON-RPC methods each era answers, and with what.

``initialize`` and the notifications are the transport's business (they create or touch a
legacy session); everything that produces a result goes through :func:`dispatch`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._engine import Approver, Engine
from .._state import StoredSession
from .protocol import INVALID_REQUEST, METHOD_NOT_FOUND, Revision, RpcError, discover_result
from .tools import call_tool, list_tools

__all__ = ["dispatch"]


async def dispatch(
    engine: Engine,
    session: StoredSession,
    revision: Revision,
    method: str,
    params: Mapping[str, Any],
    *,
    approve: Approver | None,
    page_size: int,
) -> dict[str, Any]:
    """The result of one request, or :class:`RpcError`."""
    if method == "tools/list":
        return list_tools(engine, session, params, revision, page_size)
    if method == "tools/call":
        return await call_tool(engine, session, params, revision, approve)
    if revision.modern:
        if method == "server/discover":
            return discover_result()
        # 2026-07-28 removed ping and the handshake; both are unknown methods there.
    else:
        if method == "ping":
            return {}
        if method == "initialize":
            raise RpcError(INVALID_REQUEST, "This MCP session is already initialized")
    # Only the tools capability is advertised: resources, prompts, logging and completion
    # requests are unknown methods, as the spec prescribes for unadvertised capabilities.
    raise RpcError(METHOD_NOT_FOUND, f"Method not found: {method}")

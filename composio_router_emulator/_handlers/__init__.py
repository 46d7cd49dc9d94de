"""The endpoint handlers, one module per part of the spec, and the route table that maps
method and path to handler and credential policy (the one place routes are listed).

Each handler validates strictly, acts on the in-memory state and answers the documented
shape with the documented success code (spec §2).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Literal

from aiohttp import web

from .._mcp import MCP_PATH, mcp_delete, mcp_get, mcp_post
from .._wire import json_response
from .connections import (
    create_link,
    create_link_non_session,
    get_connected_account,
    link_page,
    list_connected_accounts,
)
from .execution import execute, execute_meta, proxy_execute
from .files import delete_file, download_url, list_files, storage, upload_url
from .sessions import (
    attach_session,
    config_history,
    create_session,
    delete_session,
    patch_session,
    retrieve_session,
)
from .tools import get_tool, list_session_tools, list_toolkits, list_tools, search

__all__ = ["ROUTES", "Auth"]

# Which credentials a route takes (§1.3): x-api-key only, x-api-key or x-user-api-key, or
# none (the emulator's own pages: link landing, presigned storage, health). "mcp" is
# x-api-key too, on a JSON-RPC endpoint: its body rules and error shape are MCP's.
Auth = Literal["api", "api_or_user", "mcp", "none"]
HandlerFn = Callable[[web.Request], Awaitable[web.StreamResponse]]
P = "/api/v3.1/tool_router/session"


async def health(request: web.Request) -> web.StreamResponse:
    """The emulator's liveness probe (not part of the spec)."""
    return json_response({"status": "ok", "emulator": "composio-tool-router"})


# Order as in spec §2, then the supporting endpoints (§4.18) and the emulator's own pages.
ROUTES: list[tuple[str, str, HandlerFn, Auth]] = [
    ("POST", P, create_session, "api"),
    ("GET", P + "/{session_id}", retrieve_session, "api"),
    ("PATCH", P + "/{session_id}", patch_session, "api"),
    ("DELETE", P + "/{session_id}", delete_session, "api"),
    ("POST", P + "/{session_id}/attach", attach_session, "api"),
    ("GET", P + "/{session_id}/config_history", config_history, "api"),
    ("POST", P + "/{session_id}/execute", execute, "api"),
    ("POST", P + "/{session_id}/execute_meta", execute_meta, "api"),
    ("POST", P + "/{session_id}/link", create_link, "api"),
    ("POST", P + "/{session_id}/proxy_execute", proxy_execute, "api_or_user"),
    ("POST", P + "/{session_id}/search", search, "api"),
    ("GET", P + "/{session_id}/toolkits", list_toolkits, "api"),
    ("GET", P + "/{session_id}/tools", list_session_tools, "api"),
    ("GET", P + "/{session_id}/mounts/{mount_id}/items", list_files, "api"),
    ("POST", P + "/{session_id}/mounts/{mount_id}/upload_url", upload_url, "api"),
    ("POST", P + "/{session_id}/mounts/{mount_id}/download_url", download_url, "api"),
    ("POST", P + "/{session_id}/mounts/{mount_id}/delete", delete_file, "api"),
    ("POST", "/api/v3.1/connected_accounts/link", create_link_non_session, "api"),
    ("GET", "/api/v3.1/connected_accounts/{account_id}", get_connected_account, "api_or_user"),
    ("GET", "/api/v3.1/connected_accounts", list_connected_accounts, "api_or_user"),
    ("GET", "/api/v3.1/tools/{tool_slug}", get_tool, "api_or_user"),
    ("GET", "/api/v3.1/tools", list_tools, "api_or_user"),
    ("POST", MCP_PATH, mcp_post, "mcp"),
    ("GET", MCP_PATH, mcp_get, "mcp"),
    ("DELETE", MCP_PATH, mcp_delete, "mcp"),
    ("GET", "/link/{token}", link_page, "none"),
    ("PUT", "/_storage/{token}", storage, "none"),
    ("GET", "/_storage/{token}", storage, "none"),
    ("GET", "/healthz", health, "none"),
]

"""A scriptable hostile server on 127.0.0.1, for misbehaviour the emulator's faults cannot script.

The emulator answers a fault with one fixed body; a walk over pages needs a server whose
every page differs (a cursor that never repeats and never ends). This server answers a
session create with a valid session, then serves pages from a callback.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web

SESSION_ID = "trs_hostile1"
BASE = "/api/v3.1/tool_router/session"

Pages = Callable[[str, int, str | None], Awaitable[dict[str, Any]]]
"""``(resource, page_number, cursor) -> page JSON``; resource is tools, toolkits, files or history."""


def session_json(session_id: str = SESSION_ID) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "mcp": {"type": "http", "url": f"http://127.0.0.1/tool_router/{session_id}/mcp"},
        "tool_router_tools": ["COMPOSIO_SEARCH_TOOLS"],
        "config": {"user_id": "user-1"},
        "config_version": 1,
    }


@asynccontextmanager
async def hostile_server(pages: Pages) -> AsyncIterator[tuple[str, list[str]]]:
    """Serve on a free loopback port; yields ``(base_url, request log)``."""
    seen: list[str] = []
    counts: dict[str, int] = {}

    async def create(request: web.Request) -> web.Response:
        seen.append(f"{request.method} {request.path}")
        return web.json_response(session_json(), status=201)

    def paged(resource: str) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handler(request: web.Request) -> web.Response:
            seen.append(f"{request.method} {request.path_qs}")
            counts[resource] = counts.get(resource, 0) + 1
            return web.json_response(await pages(resource, counts[resource], request.query.get("cursor")))

        return handler

    app = web.Application()
    app.router.add_post(BASE, create)
    app.router.add_get(f"{BASE}/{{sid}}/tools", paged("tools"))
    app.router.add_get(f"{BASE}/{{sid}}/toolkits", paged("toolkits"))
    app.router.add_get(f"{BASE}/{{sid}}/mounts/{{mount}}/items", paged("files"))
    app.router.add_get(f"{BASE}/{{sid}}/config_history", paged("history"))
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        await runner.cleanup()


def endless(delay: float = 0.0, items: int = 0) -> Pages:
    """Pages that never end: a new cursor every time, after ``delay`` seconds each."""

    async def pages(resource: str, number: int, cursor: str | None) -> dict[str, Any]:
        await asyncio.sleep(delay)
        return page(resource, number, f"cursor-{number}", items)

    return pages


def page(resource: str, number: int, next_cursor: str | None, items: int = 0) -> dict[str, Any]:
    """One page of ``resource`` holding ``items`` plausible items."""
    if resource == "tools":
        made: list[dict[str, Any]] = [{"slug": f"T_{number}_{i}"} for i in range(items)]
    elif resource == "toolkits":
        made = [{"slug": f"tk{number}_{i}", "name": "x"} for i in range(items)]
    elif resource == "files":
        made = [{"mount_relative_path": f"f{number}_{i}", "sandbox_mount_prefix": "/mnt/files"} for i in range(items)]
    else:
        made = [{"version": number, "config": {"user_id": "user-1"}} for i in range(items)]
    body: dict[str, Any] = {"items": made}
    if next_cursor is not None:
        body["next_cursor"] = next_cursor
    return body

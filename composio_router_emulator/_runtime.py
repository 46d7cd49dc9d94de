"""The mutable runtime one emulator instance shares with its request handlers."""

from __future__ import annotations

from typing import Any

import attrs
from aiohttp import web

from ._engine import Engine
from ._faults import Faults
from ._idempotency import IdempotencyStore
from ._journal import Journal
from ._state import State

__all__ = ["BODY", "REQUEST_ID", "RUNTIME", "Runtime"]


@attrs.define(eq=False)
class Runtime:
    state: State
    engine: Engine
    journal: Journal
    faults: Faults
    api_key: str | None = None
    user_api_key: str | None = None
    latency: float = 0.0
    extra_fields: bool = False
    auto_complete_after_polls: int | None = None
    url: str = ""
    idempotency: IdempotencyStore | None = None
    # Tools per tools/list page on the MCP endpoint (the rest follow by cursor).
    mcp_page_size: int = 100


RUNTIME = web.AppKey("composio_router_emulator_runtime", Runtime)


def _request_key(name: str) -> Any:
    # aiohttp >= 3.12 warns on plain string keys in request storage; older ones lack RequestKey.
    factory = getattr(web, "RequestKey", None)
    return factory(name, object) if factory is not None else name


BODY: Any = _request_key("composio_router_body")
REQUEST_ID: Any = _request_key("composio_router_request_id")

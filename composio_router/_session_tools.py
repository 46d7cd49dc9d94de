"""A session's tool schemas: every page of ``GET …/tools``, plus its custom tools, cached.

Providers convert these schemas, modifiers look up a tool's toolkit in them, and strict
mode reads them to strip nulls. One fetch serves all of that for the session's life,
until ``refresh`` or an ``update`` (which may change the tool set) drops it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._retry import Idempotency
from ._transport import encode_query
from .models._converter import structure_response
from .models._unset import Unset
from .models.pages import Page
from .models.tools import Tool, ToolkitRef
from .pagination import PageWalk

if TYPE_CHECKING:
    from ._transport import Transport
    from .custom_tools import CustomToolRegistry, RegisteredCustomTool

__all__ = ["SessionTools"]

_TOOLS_PAGE = 500  # the largest page GET …/tools serves (spec §4.13)


class SessionTools:
    """The cached tool list of one session."""

    __slots__ = ("_cached", "_path", "_registry", "_transport")

    def __init__(self, transport: Transport, session_path: str, registry: CustomToolRegistry | None) -> None:
        self._transport = transport
        self._path = session_path
        self._registry = registry
        self._cached: list[Tool] | None = None

    @property
    def cached(self) -> list[Tool] | None:
        """The tools fetched so far, or None before the first fetch (no request is made)."""
        return self._cached

    def invalidate(self) -> None:
        """Forget the cached list: the next :meth:`get` fetches it again."""
        self._cached = None

    async def get(self, *, refresh: bool, timeout: float | None | Unset) -> list[Tool]:
        """The tools, fetched on first use (or when ``refresh``); a copy of the cached list."""
        if self._cached is not None and not refresh:
            return list(self._cached)
        tools: list[Tool] = []
        walk = PageWalk(self._transport.seconds(timeout), "GET …/tools")  # one deadline for every page
        cursor: str | None = None
        while True:
            query = encode_query({"limit": _TOOLS_PAGE, "cursor": cursor})
            data = await self._transport.request(
                "GET", self._path + "/tools", query=query, idempotency=Idempotency.SAFE, timeout=walk.timeout()
            )
            page = structure_response(data, Page[Tool])
            tools.extend(page.items)
            cursor = walk.next_cursor(page.next_cursor)
            if cursor is None:
                break
        if self._registry is not None:
            # Custom tools run here, so their schemas come from here too, even if the
            # server did not list them (it does not persist them, spec §3.5).
            known = {tool.slug for tool in tools}
            tools.extend(_custom_tool_model(t) for t in self._registry.tools() if t.slug not in known)
        self._cached = tools
        return list(tools)


def _custom_tool_model(tool: RegisteredCustomTool) -> Tool:
    """A custom tool described as the server describes its tools, for providers."""
    toolkit = tool.toolkit or "custom"
    return Tool(
        slug=tool.slug,
        name=tool.name,
        description=tool.description,
        input_parameters=tool.input_schema,
        output_parameters=tool.output_schema or {},
        toolkit=ToolkitRef(slug=toolkit, name=toolkit),
        no_auth=tool.extends_toolkit is None,
    )

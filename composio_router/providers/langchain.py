"""LangChain: ``StructuredTool`` objects that run through the session.

Needs ``langchain-core``, imported only when tools are built or calls answered:
``pip install composio-router[langchain]``.

Each tool has both an async ``coroutine`` (``ainvoke``: awaits the session on the
running loop) and a sync ``func`` (``invoke``: from another thread, hands the call to
the loop the tools were built on, so it works from the sync facade, a worker thread
or a LangChain executor thread, but not from the event loop's own thread). The tool
returns the same JSON content as the other providers.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import anyio.from_thread
import anyio.lowlevel

from ..errors import InvalidInputError
from ..models.tools import Tool
from ._base import (
    BaseProvider,
    ToolCallRequest,
    ToolOutput,
    execute_tool_calls,
    parse_arguments,
    to_plain,
)
from ._jsonschema import object_root
from .modifiers import Modifiers

if TYPE_CHECKING:
    from langchain_core.tools import StructuredTool

    from ..session import AsyncSession

__all__ = ["LangChainProvider", "require_langchain"]

_INSTALL_HINT = "the LangChain provider needs langchain-core: pip install 'composio-router[langchain]'"


def require_langchain() -> None:
    """Raise a clear :class:`ImportError` when ``langchain-core`` is missing."""
    try:
        import langchain_core.tools  # noqa: F401
    except ImportError as exc:
        raise ImportError(_INSTALL_HINT) from exc


def _running_loop() -> tuple[Any, int] | None:
    """The running loop's token and thread, to hand sync calls back to it."""
    try:
        return anyio.lowlevel.current_token(), threading.get_ident()
    except Exception:  # not in an async context: sync calls cannot reach a loop
        return None


class LangChainProvider(BaseProvider[list["StructuredTool"]]):
    """``StructuredTool`` objects bound to a session: ``session.tools()`` with this provider.

    Execute ``modifiers`` given to ``tools()`` apply when the tools run (the client's
    own modifiers apply in ``session.execute`` anyway). ``handle_tool_calls`` takes an
    ``AIMessage`` (or its dict form) and returns ``ToolMessage`` objects, in order.
    """

    name = "langchain"

    def convert_tools(
        self, tools: Sequence[Tool], *, modifiers: Modifiers = None, session: AsyncSession | None = None
    ) -> list[StructuredTool]:
        if session is None:
            raise InvalidInputError(
                "LangChain tools run themselves and need a session: use session.tools() or "
                "session.get_provider_tools(LangChainProvider())"
            )
        require_langchain()
        loop = _running_loop()
        return [self._tool(t, session, modifiers, loop) for t in tools]

    def _tool(
        self, tool: Tool, session: AsyncSession, modifiers: Modifiers, loop: tuple[Any, int] | None
    ) -> StructuredTool:
        from langchain_core.tools import StructuredTool

        slug = tool.slug

        async def run(**arguments: Any) -> str:
            [output] = await _execute(session, slug, arguments, modifiers)
            return output.content()

        def run_sync(**arguments: Any) -> str:
            if loop is None:
                raise RuntimeError(
                    f"{slug}: sync invoke() needs tools built inside the event loop (session.tools()); "
                    "use ainvoke() instead"
                )
            token, loop_thread = loop
            if threading.get_ident() == loop_thread:
                # Blocking here would deadlock the loop the call must run on.
                raise RuntimeError(f"{slug}: invoke() was called on the event loop's own thread; use ainvoke()")
            return _run_on(token, run, arguments)

        return StructuredTool(
            name=slug,
            description=tool.description or tool.name or slug,
            args_schema=object_root(tool.input_parameters),
            func=run_sync,
            coroutine=run,
        )

    def parse_tool_calls(self, response: Any) -> list[ToolCallRequest]:
        data = getattr(response, "tool_calls", None)
        if data is None:
            plain = to_plain(response)
            data = plain.get("tool_calls") if isinstance(plain, Mapping) else plain
        calls = []
        for item in data or []:
            item = to_plain(item)
            if not isinstance(item, Mapping):
                continue
            arguments, error = parse_arguments(item.get("args"))
            calls.append(ToolCallRequest(id=item.get("id"), name=str(item.get("name")), arguments=arguments, error=error))
        return calls

    def format_results(self, outputs: Sequence[ToolOutput]) -> list[Any]:
        require_langchain()
        from langchain_core.messages import ToolMessage

        return [
            ToolMessage(
                content=o.content(),
                tool_call_id=o.call.id or "",
                name=o.call.name,
                status="success" if o.successful else "error",
            )
            for o in outputs
        ]


async def _execute(session: AsyncSession, slug: str, arguments: dict[str, Any], modifiers: Modifiers) -> list[ToolOutput]:
    # Through multi_execute like handle_tool_calls: custom tools, modifiers, errors as content.
    call = ToolCallRequest(id=None, name=slug, arguments=arguments)
    return await execute_tool_calls(session, [call], modifiers=modifiers)


def _run_on(token: Any, fn: Any, arguments: dict[str, Any]) -> str:
    async def call() -> str:
        result: str = await fn(**arguments)
        return result

    return anyio.from_thread.run(call, token=token)

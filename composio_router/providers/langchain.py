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

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInputError
from ..models.tools import Tool
from ._base import (
    BaseProvider,
    ToolBinding,
    ToolCallRequest,
    ToolOutput,
    ToolRunner,
    to_plain,
    tool_call,
)
from ._jsonschema import object_root

if TYPE_CHECKING:
    from langchain_core.tools import StructuredTool

__all__ = ["LangChainProvider", "require_langchain"]

_INSTALL_HINT = "the LangChain provider needs langchain-core: pip install 'composio-router[langchain]'"


def require_langchain() -> None:
    """Raise a clear :class:`ImportError` when ``langchain-core`` is missing."""
    try:
        import langchain_core.tools  # noqa: F401
    except ImportError as exc:
        raise ImportError(_INSTALL_HINT) from exc


class LangChainProvider(BaseProvider[list["StructuredTool"]]):
    """``StructuredTool`` objects bound to a session: ``session.tools()`` with this provider.

    Execute ``modifiers`` given to ``tools()`` apply when the tools run (the client's
    own modifiers apply in ``session.execute`` anyway). ``handle_tool_calls`` takes an
    ``AIMessage`` (or its dict form) and returns ``ToolMessage`` objects, in order.
    """

    name = "langchain"

    def convert_tools(self, tools: Sequence[Tool], *, binding: ToolBinding | None = None) -> list[StructuredTool]:
        if binding is None:
            raise InvalidInputError(
                "LangChain tools run themselves and need a session: use session.tools() or "
                "session.get_provider_tools(LangChainProvider())"
            )
        require_langchain()
        return [_structured_tool(t, binding.runner) for t in tools]

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
            calls.append(tool_call(item.get("id"), item.get("name"), item.get("args")))
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


def _structured_tool(tool: Tool, runner: ToolRunner) -> StructuredTool:
    from langchain_core.tools import StructuredTool

    slug = tool.slug

    async def run(**arguments: Any) -> str:
        return (await runner.run(ToolCallRequest(id=None, name=slug, arguments=arguments))).content()

    def run_sync(**arguments: Any) -> str:
        return runner.run_blocking(ToolCallRequest(id=None, name=slug, arguments=arguments)).content()

    return StructuredTool(
        name=slug,
        description=tool.description or tool.name or slug,
        args_schema=object_root(tool.input_parameters),
        func=run_sync,
        coroutine=run,
    )

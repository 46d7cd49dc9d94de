"""LangChain and LangGraph: ``StructuredTool`` objects that run through the session.

Needs ``langchain-core``, imported only when tools are built or calls answered:
``pip install composio-router[langchain]``.

Each tool works from both entry points, from any thread and any event loop,
whichever client built it: ``ainvoke`` awaits (on the owner loop directly, from
another loop without blocking it) and ``invoke`` blocks its thread; either way the
call runs on the loop that owns the client's connection pool. The one thing that
cannot work, a blocking call whose wait blocks that very loop (``graph.invoke`` on
the thread of the ``AsyncComposio`` that built the tools, as in a notebook cell),
raises ``EventLoopBlockedError``: at once on that thread, otherwise within the
client's timeout. The tool returns the same JSON content as the other providers; a
failed call, or input it cannot read, is an error answer (``status="error"``).

:func:`batch_tool_node` is a LangGraph node that runs a model turn's tool calls as
one concurrent batch, where ``ToolNode`` runs one call per tool invocation.
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
    to_plain,
    tool_call,
)

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableLambda
    from langchain_core.tools import BaseTool, StructuredTool

__all__ = ["LangChainProvider", "batch_tool_node", "require_langchain"]

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
        from ._langchain_tools import ComposioTool

        return [ComposioTool.for_tool(t, binding.runner) for t in tools]

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
        from ._langchain_tools import tool_message

        return [tool_message(o) for o in outputs]


def batch_tool_node(
    tools: Sequence[BaseTool], *, messages_key: str = "messages", name: str = "tools"
) -> RunnableLambda[Any, Any]:
    """A LangGraph node that runs every tool call of a model turn as one concurrent batch.

    A drop-in for ``langgraph.prebuilt.ToolNode(tools)`` in a ``StateGraph``: the same
    input and output, in call order. The Composio tools' calls (``session.tools()``
    with :class:`LangChainProvider`) run through ``multi_execute``, one batch per
    session, custom tools in this process; other LangChain tools run beside it.
    Works under both ``graph.invoke`` and ``graph.ainvoke``::

        graph.add_node("tools", batch_tool_node(tools))
    """
    require_langchain()
    from ._langchain_tools import batch_tool_node as build

    return build(tools, messages_key=messages_key, name=name)

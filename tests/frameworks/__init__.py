"""Framework tests: helpers shared by the modules (the fixtures are in this folder's conftest)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import orjson

EXECUTE = "/api/v3.1/tool_router/session/*/execute"


def tool_turn(*calls: tuple[str, dict[str, Any]]) -> Any:
    """A model turn that asks for ``calls`` (name, args), with ids call_0, call_1, ..."""
    from langchain_core.messages import AIMessage

    return AIMessage(
        content="",
        tool_calls=[{"name": name, "args": args, "id": f"call_{i}"} for i, (name, args) in enumerate(calls)],
    )


def scripted_graph(tools: Sequence[Any], turns: Sequence[Any], *, node: Any = None) -> Any:
    """A ReAct-style LangGraph whose "model" answers with ``turns`` in order, then "done".

    The tools run in ``node`` (default: LangGraph's own ``ToolNode(tools)``).
    """
    from langchain_core.messages import AIMessage
    from langgraph.graph import START, MessagesState, StateGraph
    from langgraph.prebuilt import ToolNode, tools_condition

    script = iter([*turns, AIMessage(content="done")])

    def model(state: MessagesState) -> dict[str, Any]:
        return {"messages": [next(script)]}

    graph = StateGraph(MessagesState)
    graph.add_node("model", model)
    graph.add_node("tools", node if node is not None else ToolNode(list(tools)))
    graph.add_edge(START, "model")
    graph.add_conditional_edges("model", tools_condition)
    graph.add_edge("tools", "model")
    return graph.compile()


def ask(text: str = "go") -> dict[str, Any]:
    from langchain_core.messages import HumanMessage

    return {"messages": [HumanMessage(text)]}


def tool_answers(result: dict[str, Any]) -> list[Any]:
    """The ToolMessages of a finished run, in order."""
    from langchain_core.messages import ToolMessage

    return [m for m in result["messages"] if isinstance(m, ToolMessage)]


def payload(content: Any) -> Any:
    """A tool answer's JSON: ``{"successful", "data", "error"}``."""
    return orjson.loads(content if isinstance(content, str | bytes) else content.content)


def named(tools: Sequence[Any]) -> Callable[[str], Any]:
    table = {t.name: t for t in tools}
    return table.__getitem__

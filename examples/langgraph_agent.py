"""A LangGraph agent: a ReAct-style graph whose tools node is the SDK's ``batch_tool_node``.

``LangChainProvider`` makes ``session.tools()`` return LangChain tools bound to the session.
The graph is the one of ``docs/providers/langgraph.md``: the model node asks for tools,
``tools_condition`` routes to the tools node, the answers go back to the model.
``batch_tool_node(tools)`` stands where ``ToolNode(tools)`` would: it runs **all the tool
calls of a model turn as one batch** (one ``multi_execute``; the custom tool in this
process, beside the app tools) and answers with ``ToolMessage`` objects in call order.

Run it against the emulator (offline)::

    python -m composio_router emulator --connect user-42:github   # another terminal
    export COMPOSIO_BASE_URL=http://127.0.0.1:9900 COMPOSIO_API_KEY=emulator-local-key
    python examples/langgraph_agent.py

It needs ``langchain-core`` and ``langgraph``: ``pip install 'composio-router[langchain]'
langgraph``. With ``OPENAI_API_KEY`` set, a real model drives the graph (``ChatOpenAI``,
``OPENAI_MODEL``, default ``gpt-4.1-mini``; ``pip install langchain-openai``). Without it,
``ScriptedModel`` plays the model: a LangChain chat model that answers with the tool
calls a model would make, reading the tools' results, then a final answer. No request then
leaves the machine.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from typing import Any

import anyio
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.prebuilt import tools_condition

from composio_router import AsyncComposio, tool
from composio_router.providers import LangChainProvider, batch_tool_node

USER_ID = "user-42"
TASK = (
    "If it is raining in Lisbon, open an issue in acme/ops asking the platform team's "
    "on-call engineer to check the rain alerts, unless one is open already."
)
# The app tools the model gets directly, besides the meta tools (no search needed).
PRELOAD = ["WEATHER_GET_CURRENT", "GITHUB_LIST_ISSUES", "GITHUB_CREATE_ISSUE"]
ON_CALL = {"platform": "ana", "payments": "bruno"}


@tool
def on_call_engineer(team: str) -> dict[str, str]:
    """The engineer on call for a team this week (our own code, run in this process)."""
    if team not in ON_CALL:
        raise KeyError(f"no team called {team!r}; teams: {sorted(ON_CALL)}")
    return {"team": team, "engineer": ON_CALL[team]}


def openai_model() -> BaseChatModel:
    """The real model (imported only when a key is set)."""
    from langchain_openai import ChatOpenAI  # type: ignore[import-not-found, unused-ignore]

    model: BaseChatModel = ChatOpenAI(model=os.environ.get("OPENAI_MODEL", "gpt-4.1-mini"))
    return model


class ScriptedModel(BaseChatModel):
    """Plays the model offline: a LangChain chat model, so the graph is the same as with a real one.

    Like a model, it decides each turn from the conversation: the tools bound to it
    (``bind_tools``) and the ``ToolMessage`` answers to its earlier calls.
    """

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(
        self, tools: Sequence[dict[str, Any] | type | Any], *, tool_choice: str | None = None, **kwargs: Any
    ) -> Runnable[Any, AIMessage]:
        names = [t.name if isinstance(t, BaseTool) else str(t) for t in tools]
        return self.bind(offered=names, **kwargs)

    def _generate(
        self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        reply = self._reply(messages, set(kwargs.get("offered", ())))
        return ChatResult(generations=[ChatGeneration(message=reply)])

    async def _agenerate(
        self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        return self._generate(messages, stop, **kwargs)

    def _reply(self, messages: list[BaseMessage], offered: set[str]) -> AIMessage:
        turn = 1 + sum(isinstance(m, AIMessage) for m in messages)
        results = {m.tool_call_id: json.loads(str(m.content)) for m in messages if isinstance(m, ToolMessage)}
        if turn == 1:  # three independent look-ups: one turn, so one batch
            return _calls(
                turn,
                (_one(offered, "WEATHER_GET_CURRENT"), {"city": "Lisbon"}),
                (_one(offered, "GITHUB_LIST_ISSUES"), {"owner": "acme", "repo": "ops", "state": "open"}),
                (_one(offered, "ON_CALL_ENGINEER"), {"team": "platform"}),
            )
        weather, issues, on_call = results["call_1_0"], results["call_1_1"], results["call_1_2"]
        failed = [r["error"] for r in (weather, issues, on_call) if not r["successful"]]
        if failed:
            return AIMessage(content=f"I could not finish: {failed[0]}")
        condition = weather["data"]["condition"]
        if turn == 2:
            if "rain" not in condition:
                return AIMessage(content=f"Lisbon: {condition}. No rain, so no issue.")
            if any("rain" in issue["title"].lower() for issue in issues["data"]["issues"]):
                return AIMessage(content="An issue about the rain alerts is open already.")
            engineer = on_call["data"]["engineer"]
            return _calls(turn, (_one(offered, "GITHUB_CREATE_ISSUE"), {
                "owner": "acme", "repo": "ops", "title": f"@{engineer}: check the Lisbon rain alerts",
                "body": f"Lisbon now: {condition}, {weather['data']['temp_c']} °C.",
            }))
        created = results["call_2_0"]
        if not created["successful"]:
            return AIMessage(content=f"I could not open the issue: {created['error']}")
        issue = created["data"]["issue"]
        return AIMessage(
            content=f"Lisbon: {condition}, {weather['data']['temp_c']} °C. "
            f"Opened {issue['repository']}#{issue['number']} for {on_call['data']['engineer']}."
        )


def _calls(turn: int, *calls: tuple[str, dict[str, Any]]) -> AIMessage:
    tool_calls = [{"id": f"call_{turn}_{i}", "name": name, "args": args} for i, (name, args) in enumerate(calls)]
    return AIMessage(content="", tool_calls=tool_calls)


def _one(offered: set[str], suffix: str) -> str:
    """The offered tool whose name ends with ``suffix`` (custom tools get a ``LOCAL_`` prefix)."""
    (name,) = [n for n in offered if n.endswith(suffix)]
    return name


def build_graph(llm: Runnable[Any, Any], tools: Sequence[BaseTool]) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The graph of docs/providers/langgraph.md: model -> (tool calls?) -> tools -> model."""

    async def model(state: MessagesState) -> dict[str, list[BaseMessage]]:
        return {"messages": [await llm.ainvoke(state["messages"])]}

    graph = StateGraph(MessagesState)
    graph.add_node("model", model)
    graph.add_node("tools", batch_tool_node(tools))  # where ToolNode(tools) would go
    graph.add_edge(START, "model")
    graph.add_conditional_edges("model", tools_condition)  # tool calls: go to "tools"
    graph.add_edge("tools", "model")
    return graph.compile()


async def run_agent(task: str, *, model: BaseChatModel) -> str:
    async with AsyncComposio(provider=LangChainProvider()) as composio:  # COMPOSIO_API_KEY, COMPOSIO_BASE_URL
        session = await composio.create(user_id=USER_ID, preload=PRELOAD, custom_tools=[on_call_engineer])
        tools = await session.tools()  # LangChain tools: meta tools, PRELOAD, LOCAL_ON_CALL_ENGINEER
        graph = build_graph(model.bind_tools(tools), tools)
        result = await graph.ainvoke({"messages": [
            SystemMessage("You act for the user through the tools you are given."),
            HumanMessage(task),
        ]})
        for message in result["messages"]:  # the conversation: each turn's calls, then their answers
            if isinstance(message, AIMessage):
                for call in message.tool_calls:
                    print(f"  -> {call['name']}({json.dumps(call['args'], ensure_ascii=False)})")
            elif isinstance(message, ToolMessage):
                print(f"  <- {message.name} [{message.status}]: {str(message.content)[:70]}")
        return str(result["messages"][-1].content)


def main() -> int:
    task = " ".join(sys.argv[1:]) or TASK
    model = openai_model() if os.environ.get("OPENAI_API_KEY") else ScriptedModel()
    print(f"Model: {type(model).__name__}\nTask: {task}")
    answer = anyio.run(lambda: run_agent(task, model=model))
    print(f"Answer: {answer}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""LangGraph: ``ToolNode`` and ``batch_tool_node`` under ``graph.invoke`` and ``graph.ainvoke``.

The graphs are real LangGraph ``StateGraph``s whose "model" is scripted (``scripted_graph``):
the tool calls run through the SDK against the emulator.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from typing import Any

import anyio
import anyio.to_thread
import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool as langchain_tool

import composio_router._portal as portal_module
from composio_router import (
    AsyncComposio,
    AsyncSession,
    EventLoopBlockedError,
    MultiExecuteResult,
    Session,
)
from composio_router.providers import LangChainProvider, batch_tool_node
from composio_router.testing import Emulator

from ..providers import agent_session
from . import EXECUTE, ask, payload, scripted_graph, tool_answers, tool_turn

pytestmark = pytest.mark.anyio

MIXED = tool_turn(
    ("WEATHER_GET_FORECAST", {"city": "Lisbon"}),
    ("LOCAL_SHOUT", {"text": "hi"}),  # a def custom tool: runs in this process
    ("LOCAL_NAP", {"ms": 10}),  # an async def custom tool
    ("UTILS_ECHO", {"message": "x"}),
)


def _check_mixed(result: dict[str, Any]) -> None:
    answers = tool_answers(result)
    assert [a.tool_call_id for a in answers] == ["call_0", "call_1", "call_2", "call_3"]
    assert [payload(a)["successful"] for a in answers] == [True] * 4
    assert payload(answers[0])["data"]["city"] == "Lisbon"
    assert payload(answers[1])["data"] == {"text": "HI"}
    assert result["messages"][-1].content == "done"


@pytest.mark.parametrize("node", ["ToolNode", "batch_tool_node"])
def test_sync_facade_tools_under_invoke_and_ainvoke(sync_agent: Session, node: str) -> None:
    tools = sync_agent.get_provider_tools(LangChainProvider())

    def graph() -> Any:
        return scripted_graph(tools, [MIXED], node=batch_tool_node(tools) if node == "batch_tool_node" else None)

    _check_mixed(graph().invoke(ask()))
    _check_mixed(asyncio.run(graph().ainvoke(ask())))  # issue 13, point 1: failed every remote call


@pytest.mark.parametrize("node", ["ToolNode", "batch_tool_node"])
async def test_async_built_tools_under_ainvoke_and_a_threaded_invoke(agent: AsyncSession, node: str) -> None:
    tools = await agent.get_provider_tools(LangChainProvider())

    def graph() -> Any:
        return scripted_graph(tools, [MIXED], node=batch_tool_node(tools) if node == "batch_tool_node" else None)

    _check_mixed(await graph().ainvoke(ask()))
    _check_mixed(await anyio.to_thread.run_sync(graph().invoke, ask()))


async def test_blocking_invoke_on_the_owner_loop_is_a_typed_error_not_a_hang(
    emulator: Emulator, api_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13, point 2: a notebook cell's ``graph.invoke``, with tools built by AsyncComposio.

    ToolNode runs the tools in worker threads, which wait for this loop while this thread
    blocks it. Every caller that needs the loop meanwhile, from a thread (``invoke``) or
    from another loop (``ainvoke``), fails alike within the client's timeout (0.3 s here;
    the notebook test runs the real 1 s floor).
    """
    monkeypatch.setattr(portal_module, "_MIN_WINDOW", 0.1)
    async with AsyncComposio(api_key=api_key, base_url=emulator.url, timeout=0.3) as client:
        session = await agent_session(client)
        tools = await session.get_provider_tools(LangChainProvider())
        echo = next(t for t in tools if t.name == "UTILS_ECHO")
        others: dict[str, dict[str, Any]] = {"invoke": {}, "ainvoke": {}}

        def caller(entry: str) -> None:
            started = time.perf_counter()
            try:
                if entry == "invoke":
                    echo.invoke({"message": "x"})
                else:
                    asyncio.run(echo.ainvoke({"message": "x"}))
            except Exception as exc:
                others[entry]["error"] = exc
            others[entry]["elapsed"] = time.perf_counter() - started

        threads = [threading.Thread(target=caller, args=(entry,)) for entry in others]
        for thread in threads:
            thread.start()
        turn = tool_turn(("UTILS_ECHO", {"message": "x"}), ("LOCAL_SHOUT", {"text": "y"}))
        started = time.perf_counter()
        with pytest.raises(EventLoopBlockedError, match=r"await graph\.ainvoke") as caught:
            scripted_graph(tools, [turn]).invoke(ask())  # on this loop's own thread
        assert time.perf_counter() - started < 1.5
        assert "did not respond for 0.3 s" in str(caught.value)
        for thread in threads:
            thread.join(timeout=10)
        for outcome in others.values():
            assert isinstance(outcome["error"], EventLoopBlockedError), outcome
            assert 0.25 <= outcome["elapsed"] < 1.5

        # The loop runs again: the abandoned calls never ran, and the advice works.
        assert emulator.journal.find(method="POST", path=EXECUTE) == []
        result = await scripted_graph(tools, [turn]).ainvoke(ask())
        assert [payload(a)["successful"] for a in tool_answers(result)] == [True, True]


async def test_batch_node_on_the_owner_loop_thread_fails_at_once(agent: AsyncSession) -> None:
    tools = await agent.get_provider_tools(LangChainProvider())
    turn = tool_turn(("UTILS_ECHO", {"message": "x"}))
    started = time.perf_counter()
    with pytest.raises(EventLoopBlockedError, match=r"await graph\.ainvoke"):
        scripted_graph(tools, [turn], node=batch_tool_node(tools)).invoke(ask())  # runs on this thread
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize("node", ["ToolNode", "batch_tool_node"])
async def test_malformed_tool_input_is_an_answer_and_the_graph_goes_on(agent: AsyncSession, node: str) -> None:
    tools = await agent.get_provider_tools(LangChainProvider())
    turn = tool_turn(
        ("WEATHER_GET_FORECAST", {"city": 5}),  # the server refuses the type
        ("LOCAL_SHOUT", {"times": "many"}),  # a custom tool: missing and mistyped arguments
        ("NO_SUCH_TOOL", {}),
        ("UTILS_ECHO", {"config": 1, "run_manager": 2}),  # LangChain's own names, intact
    )
    graph = scripted_graph(tools, [turn], node=batch_tool_node(tools) if node == "batch_tool_node" else None)
    result = await graph.ainvoke(ask())
    answers = tool_answers(result)
    assert [a.status for a in answers] == ["error", "error", "error", "success"]
    assert "NO_SUCH_TOOL is not a valid tool" in answers[2].content
    assert payload(answers[3])["data"] == {"arguments": {"config": 1, "run_manager": 2}}
    assert result["messages"][-1].content == "done"


async def test_batch_node_runs_a_turn_as_one_batch(agent: AsyncSession, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    batches: list[int] = []
    multi_execute = agent.multi_execute

    async def counting(calls: Sequence[Any], **kwargs: Any) -> MultiExecuteResult:
        batches.append(len(calls))
        return await multi_execute(calls, **kwargs)

    monkeypatch.setattr(agent, "multi_execute", counting)
    tools = await agent.get_provider_tools(LangChainProvider())

    @langchain_tool
    def add(a: int, b: int) -> int:
        """Add two numbers (a plain LangChain tool, not Composio's)."""
        return a + b

    everything = [*tools, add]
    turn = tool_turn(
        *[("UTILS_SLEEP", {"seconds": 0.1})] * 8, ("LOCAL_NAP", {"ms": 100}), ("add", {"a": 2, "b": 3})
    )
    node = batch_tool_node(everything)
    started = time.perf_counter()
    result = await scripted_graph(everything, [turn], node=node).ainvoke(ask())
    assert time.perf_counter() - started < 0.5  # one round of 0.1 s, not ten
    assert batches == [9]  # one batch for the session's nine calls; `add` ran beside it
    answers = tool_answers(result)
    assert [a.tool_call_id for a in answers] == [f"call_{i}" for i in range(10)]
    assert all(payload(a)["successful"] for a in answers[:9])
    assert answers[9].content == "5" and answers[9].name == "add"
    sleeps = emulator.journal.find(method="POST", path=EXECUTE)
    assert len(sleeps) == 8 and max(e.started for e in sleeps) < min(e.finished for e in sleeps)

    # The same node from the sync entry point, in a worker thread: one batch again.
    batches.clear()
    result = await anyio.to_thread.run_sync(scripted_graph(everything, [turn], node=node).invoke, ask())
    assert batches == [9] and len(tool_answers(result)) == 10


async def test_batch_node_reads_the_inputs_toolnode_reads(agent: AsyncSession) -> None:
    tools = await agent.get_provider_tools(LangChainProvider())
    node = batch_tool_node(tools, messages_key="chat")
    turn = tool_turn(("UTILS_ECHO", {"n": 1}), ("UTILS_ECHO", {"n": 2}))
    history = [HumanMessage("go"), turn]

    as_state = await node.ainvoke({"chat": history})
    assert list(as_state) == ["chat"] and [m.tool_call_id for m in as_state["chat"]] == ["call_0", "call_1"]
    as_list = await node.ainvoke(history)
    assert isinstance(as_list, list) and all(isinstance(m, ToolMessage) for m in as_list)
    sent = await node.ainvoke([{**call, "type": "tool_call"} for call in turn.tool_calls])  # LangGraph's Send
    assert [payload(m)["data"]["arguments"]["n"] for m in sent["chat"]] == [1, 2]
    assert (await node.ainvoke({"chat": [HumanMessage("go"), AIMessage("no tools")]})) == {"chat": []}
    with pytest.raises(ValueError, match="No message"):
        await node.ainvoke({"other": []})
    with pytest.raises(TypeError, match="LangChain tools"):
        batch_tool_node([{"type": "function"}])  # type: ignore[list-item]


def test_the_benchmark_script_runs(emulator_thread: Emulator, api_key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks import langgraph_batch

    monkeypatch.setattr(langgraph_batch, "API_KEY", api_key)
    figures = langgraph_batch.run(url=emulator_thread.url, calls=3, rounds=1)
    assert len(figures) == 4 and all(f["median_ms"] > 0 for f in figures.values())

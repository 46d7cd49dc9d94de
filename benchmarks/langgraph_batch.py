"""A LangGraph tool turn of 10 calls: LangGraph's ``ToolNode`` against ``batch_tool_node``.

    python -m benchmarks.langgraph_batch                 # 50 ms per request, 15 rounds
    python -m benchmarks.langgraph_batch --latency 0.05 --calls 10 --rounds 15

A real ``StateGraph`` whose "model" is scripted asks for ``calls`` tool calls
(``UTILS_ECHO``) in one turn, then answers; the tools node is either LangGraph's own
``ToolNode`` or the SDK's ``batch_tool_node``. Each graph run is timed end to end, from
both entry points: ``await graph.ainvoke`` with tools built on ``AsyncComposio``, and a
blocking ``graph.invoke`` with tools built on the sync facade. The emulator adds
``latency`` seconds to every request and runs in a thread of this process, on
loopback. The variants alternate round by round; the medians (and p90) are reported.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable
from typing import Any

API_KEY = "bench-key-langgraph"


def _graph(tools: list[Any], calls: int, batch: bool) -> Any:
    from langchain_core.messages import AIMessage
    from langgraph.graph import START, MessagesState, StateGraph
    from langgraph.prebuilt import ToolNode, tools_condition

    from composio_router.providers import batch_tool_node

    turn = AIMessage(
        content="", tool_calls=[{"name": "UTILS_ECHO", "args": {"n": i}, "id": f"call_{i}"} for i in range(calls)]
    )

    def model(state: MessagesState) -> dict[str, Any]:
        return {"messages": [AIMessage(content="done") if len(state["messages"]) > 1 else turn]}

    graph = StateGraph(MessagesState)
    graph.add_node("model", model)
    graph.add_node("tools", batch_tool_node(tools) if batch else ToolNode(tools))
    graph.add_edge(START, "model")
    graph.add_conditional_edges("model", tools_condition)
    graph.add_edge("tools", "model")
    return graph.compile()


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 1),
        "p90_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))] * 1000, 1),
    }


def _check(result: dict[str, Any], calls: int) -> None:
    answers = [m for m in result["messages"] if getattr(m, "type", "") == "tool"]
    if len(answers) != calls or any(m.status != "success" for m in answers):
        raise RuntimeError(f"a tool turn failed: {answers}")


async def _async_side(url: str, calls: int, rounds: int) -> dict[str, list[float]]:
    from composio_router import AsyncComposio
    from composio_router.providers import LangChainProvider

    samples: dict[str, list[float]] = {"ToolNode": [], "batch_tool_node": []}
    async with AsyncComposio(api_key=API_KEY, base_url=url, max_retries=0) as composio:
        session = await composio.create(user_id="bench", toolkits=["utils"], preload=["UTILS_ECHO"])
        tools = await session.get_provider_tools(LangChainProvider())
        graphs = {name: _graph(tools, calls, name == "batch_tool_node") for name in samples}
        for graph in graphs.values():  # warm the pool and the code paths
            _check(await graph.ainvoke({"messages": [("user", "go")]}), calls)
        for _ in range(rounds):
            for name, graph in graphs.items():
                started = time.perf_counter()
                _check(await graph.ainvoke({"messages": [("user", "go")]}), calls)
                samples[name].append(time.perf_counter() - started)
    return samples


def _sync_side(url: str, calls: int, rounds: int) -> dict[str, list[float]]:
    from composio_router import Composio
    from composio_router.providers import LangChainProvider

    samples: dict[str, list[float]] = {"ToolNode": [], "batch_tool_node": []}
    with Composio(api_key=API_KEY, base_url=url, max_retries=0) as composio:
        session = composio.create(user_id="bench", toolkits=["utils"], preload=["UTILS_ECHO"])
        tools = session.get_provider_tools(LangChainProvider())
        graphs = {name: _graph(tools, calls, name == "batch_tool_node") for name in samples}
        for graph in graphs.values():
            _check(graph.invoke({"messages": [("user", "go")]}), calls)
        for _ in range(rounds):
            for name, graph in graphs.items():
                started = time.perf_counter()
                _check(graph.invoke({"messages": [("user", "go")]}), calls)
                samples[name].append(time.perf_counter() - started)
    return samples


def run(*, url: str, calls: int = 10, rounds: int = 15) -> dict[str, dict[str, float]]:
    """Per entry point and node: the median and p90 wall time of one graph run (ms)."""
    if calls < 1 or rounds < 1:
        raise ValueError("calls and rounds must be positive")
    sides: dict[str, Callable[[], dict[str, list[float]]]] = {
        "ainvoke (AsyncComposio tools)": lambda: asyncio.run(_async_side(url, calls, rounds)),
        "invoke (sync facade tools)": lambda: _sync_side(url, calls, rounds),
    }
    return {
        f"{side}, {node}": _summary(samples)
        for side, measure in sides.items()
        for node, samples in measure().items()
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the emulator adds per request")
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args(argv)

    from benchmarks import netguard

    netguard.install()
    from composio_router.testing import Emulator

    with Emulator.running_in_thread(api_key=API_KEY, latency=args.latency) as emu:
        figures = run(url=emu.url, calls=args.calls, rounds=args.rounds)
    print(f"{args.calls}-call LangGraph tool turn, {args.latency * 1000:g} ms per request, {args.rounds} rounds")
    for name, figure in figures.items():
        print(f"  {name:<52} median {figure['median_ms']:7.1f} ms   p90 {figure['p90_ms']:7.1f} ms")


if __name__ == "__main__":
    main()

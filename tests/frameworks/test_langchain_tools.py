"""LangChain tools from both entry points, from every thread and loop, whichever client built them.

The rule under test: a tool the SDK hands out works from ``invoke`` and ``ainvoke``,
on any thread and any event loop. The one call that cannot run (its owner loop is
blocked by the caller) fails with ``EventLoopBlockedError``: at once on the owner's
own thread, otherwise within the client's timeout (``test_langgraph.py`` blocks a loop
the way a notebook cell did). Never a hang.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from typing import Any

import anyio
import anyio.to_thread
import pytest
from langchain_core.messages import ToolMessage
from langchain_core.tools import StructuredTool

from composio_router import (
    AsyncComposio,
    AsyncSession,
    ClientClosedError,
    EventLoopBlockedError,
    Session,
)
from composio_router.providers import LangChainProvider
from composio_router.testing import Emulator

from . import named, payload

pytestmark = pytest.mark.anyio


async def test_async_built_tools_work_from_any_thread_and_loop(agent: AsyncSession) -> None:
    tools = await agent.get_provider_tools(LangChainProvider())
    assert all(isinstance(t, StructuredTool) for t in tools)
    weather, shout, nap = (named(tools)(n) for n in ("WEATHER_GET_FORECAST", "LOCAL_SHOUT", "LOCAL_NAP"))

    # On the loop that built them: awaited directly.
    assert payload(await weather.ainvoke({"city": "Lisbon"}))["data"]["city"] == "Lisbon"
    # invoke() in a worker thread (LangChain's and LangGraph's executors do this).
    assert payload(await anyio.to_thread.run_sync(weather.invoke, {"city": "Porto"}))["data"]["city"] == "Porto"

    # ainvoke() on another event loop in another thread: handed over, never blocking that loop.
    def on_another_loop() -> list[Any]:
        async def calls() -> list[Any]:
            ticks = 0

            async def ticker() -> None:
                nonlocal ticks
                while True:
                    await asyncio.sleep(0.01)
                    ticks += 1

            task = asyncio.ensure_future(ticker())
            try:
                return [
                    await weather.ainvoke({"city": "Faro"}),
                    await shout.ainvoke({"text": "hi", "times": 2}),
                    await nap.ainvoke({"ms": 100}),
                    ticks,
                ]
            finally:
                task.cancel()

        return asyncio.run(calls())

    faro, hi, napped, ticks = await anyio.to_thread.run_sync(on_another_loop)
    assert payload(faro)["data"]["city"] == "Faro"
    assert payload(hi)["data"] == {"text": "HI HI"}
    assert payload(napped)["data"] == {"slept_ms": 100}
    assert ticks >= 3  # the caller's loop kept running while it waited


async def test_a_blocking_call_on_the_owner_thread_fails_at_once(agent: AsyncSession) -> None:
    echo = named(await agent.get_provider_tools(LangChainProvider()))("UTILS_ECHO")
    started = time.perf_counter()
    with pytest.raises(EventLoopBlockedError, match="ainvoke") as caught:
        echo.invoke({"message": "x"})  # this thread runs the loop the call needs
    assert time.perf_counter() - started < 0.5
    assert isinstance(caught.value, RuntimeError)  # as the error of the earlier releases was


def test_tools_of_a_closed_loop_say_what_to_do(emulator_thread: Emulator, api_key: str) -> None:
    async def build() -> list[Any]:
        async with AsyncComposio(api_key=api_key, base_url=emulator_thread.url) as client:
            session = await client.create(user_id="u", toolkits=["utils"], preload=["UTILS_ECHO"])
            tools: list[Any] = await session.get_provider_tools(LangChainProvider())
            return tools

    echo = named(asyncio.run(build()))("UTILS_ECHO")
    with pytest.raises(ClientClosedError, match="sync facade"):
        echo.invoke({"message": "x"})
    with pytest.raises(ClientClosedError, match="sync facade"):
        asyncio.run(echo.ainvoke({"message": "x"}))


def test_sync_facade_tools_work_from_any_thread_and_loop(sync_agent: Session) -> None:
    tools = sync_agent.get_provider_tools(LangChainProvider())
    weather, shout, nap = (named(tools)(n) for n in ("WEATHER_GET_FORECAST", "LOCAL_SHOUT", "LOCAL_NAP"))
    assert payload(weather.invoke({"city": "Lisbon"}))["data"]["city"] == "Lisbon"

    async def in_a_loop() -> list[Any]:  # the loop LangGraph's ainvoke runs on (issue 13, point 1)
        return [
            await weather.ainvoke({"city": "Porto"}),
            await shout.ainvoke({"text": "a"}),
            await nap.ainvoke({"ms": 1}),
            await asyncio.to_thread(nap.invoke, {"ms": 1}),
        ]

    answers = asyncio.run(in_a_loop())
    assert [payload(a)["successful"] for a in answers] == [True] * 4
    assert payload(answers[0])["data"]["city"] == "Porto"

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        cities = [f"City{i}" for i in range(16)]
        got = list(pool.map(lambda c: payload(weather.invoke({"city": c}))["data"]["city"], cities))
    assert got == cities


async def test_input_is_read_like_a_model_sends_it_and_never_raises(agent: AsyncSession) -> None:
    tools = await agent.get_provider_tools(LangChainProvider())
    echo, weather = named(tools)("UTILS_ECHO"), named(tools)("WEATHER_GET_FORECAST")

    # Argument names that LangChain itself uses reach the tool intact.
    reserved = {"config": {"a": 1}, "run_manager": 2, "self": 3, "callbacks": 4}
    assert payload(await echo.ainvoke(reserved))["data"] == {"arguments": reserved}
    assert payload(await anyio.to_thread.run_sync(echo.invoke, reserved))["data"] == {"arguments": reserved}
    # A JSON text is read as the arguments.
    assert payload(await echo.ainvoke('{"message": "x"}'))["data"] == {"arguments": {"message": "x"}}

    # Unreadable input and failing calls: an error answer the model sees, not an exception.
    for bad in ("not json", "[1, 2]", '"text"'):
        answer = payload(await echo.ainvoke(bad))
        assert answer["successful"] is False and answer["error"], bad
        assert payload(await anyio.to_thread.run_sync(echo.invoke, bad))["successful"] is False
    call = {"type": "tool_call", "id": "c1", "name": "WEATHER_GET_FORECAST", "args": {"city": 5}}
    message = await weather.ainvoke(call)
    assert isinstance(message, ToolMessage)
    assert (message.status, message.tool_call_id) == ("error", "c1")
    assert payload(message)["successful"] is False
    missing = await named(tools)("LOCAL_SHOUT").ainvoke({**call, "name": "LOCAL_SHOUT", "args": {}})
    assert missing.status == "error" and "text" in payload(missing)["error"]

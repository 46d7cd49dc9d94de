"""LangChain StructuredTools really invoked (sync and async), AIMessage round trip, MCP config."""

from __future__ import annotations

import subprocess
import sys
import time

import anyio
import anyio.to_thread
import orjson
import pytest
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import StructuredTool
from openai.types.responses import ToolParam

from composio_router import AsyncComposio, AsyncSession, InvalidInputError
from composio_router.providers import (
    LangChainProvider,
    McpConfig,
    McpProvider,
    before_execute,
    mcp_config,
)
from composio_router.testing import Emulator

from . import EXECUTE, validate

pytestmark = pytest.mark.anyio


async def test_structured_tools_run_async_and_sync(agent: AsyncSession) -> None:
    tools = await agent.get_provider_tools(LangChainProvider())
    assert all(isinstance(t, StructuredTool) for t in tools)
    by_name = {t.name: t for t in tools}
    assert {"WEATHER_GET_FORECAST", "UTILS_SLEEP", "LOCAL_NAP", "COMPOSIO_SEARCH_TOOLS"} <= by_name.keys()
    weather = by_name["WEATHER_GET_FORECAST"]
    assert weather.description
    assert weather.args["city"]["type"] == "string"
    assert weather.coroutine is not None
    assert weather.func is not None

    result = orjson.loads(await weather.ainvoke({"city": "Lisbon"}))
    assert result["successful"] is True
    assert result["data"]["city"] == "Lisbon"

    # invoke() from a worker thread hands the call to the loop the tools were built on.
    sync_result = await anyio.to_thread.run_sync(by_name["LOCAL_SHOUT"].invoke, {"text": "hey", "times": 2})
    assert orjson.loads(sync_result) == {"successful": True, "data": {"text": "HEY HEY"}, "error": None}

    # A tool-call invocation gives a ToolMessage, as in a LangGraph ToolNode.
    message = await by_name["UTILS_ECHO"].ainvoke({"type": "tool_call", "id": "call_9", "name": "UTILS_ECHO", "args": {"message": "x"}})
    assert isinstance(message, ToolMessage)
    assert message.tool_call_id == "call_9"
    assert orjson.loads(message.content)["data"] == {"arguments": {"message": "x"}}


async def test_sync_invoke_on_the_loop_thread_is_a_clear_error(agent: AsyncSession) -> None:
    [echo] = [t for t in await agent.get_provider_tools(LangChainProvider()) if t.name == "UTILS_ECHO"]
    with pytest.raises(RuntimeError, match="ainvoke"):
        echo.invoke({"message": "x"})


async def test_structured_tools_apply_execute_modifiers(agent: AsyncSession) -> None:
    @before_execute(tools=["WEATHER_GET_FORECAST"])
    def to_porto(slug: str, toolkit: str, arguments: dict[str, object]) -> dict[str, object]:
        return {**arguments, "city": "Porto"}

    tools = await agent.get_provider_tools(LangChainProvider(), modifiers=[to_porto])
    [weather] = [t for t in tools if t.name == "WEATHER_GET_FORECAST"]
    assert orjson.loads(await weather.ainvoke({"city": "Lisbon"}))["data"]["city"] == "Porto"


async def test_aimessage_round_trip_runs_concurrently(agent: AsyncSession, emulator: Emulator) -> None:
    message = AIMessage(
        content="",
        tool_calls=[
            {"name": "UTILS_SLEEP", "args": {"seconds": 0.4}, "id": "call_1"},
            {"name": "UTILS_SLEEP", "args": {"seconds": 0.4}, "id": "call_2"},
            {"name": "LOCAL_NAP", "args": {"ms": 400}, "id": "call_3"},
            {"name": "WEATHER_GET_FORECAST", "args": {}, "id": "call_4"},  # fails: city missing
        ],
    )
    for given in (message, message.model_dump()):
        emulator.journal.clear()
        started = time.perf_counter()
        answers = await agent.handle_tool_calls(given, provider=LangChainProvider())
        assert time.perf_counter() - started < 1.2  # three 0.4 s sleeps in a row would take 1.2 s
        sleeps = [e for e in emulator.journal.find(method="POST", path=EXECUTE) if e.body["tool_slug"] == "UTILS_SLEEP"]
        assert max(e.started for e in sleeps) < min(e.finished for e in sleeps)
        assert all(isinstance(a, ToolMessage) for a in answers)
        assert [a.tool_call_id for a in answers] == ["call_1", "call_2", "call_3", "call_4"]
        assert [a.status for a in answers] == ["success", "success", "success", "error"]
    # The answers continue the conversation as LangChain expects.
    AIMessage.model_validate(message.model_dump())
    ToolMessage.model_validate(answers[0].model_dump())


def test_langchain_tools_need_a_session() -> None:
    with pytest.raises(InvalidInputError, match="session"):
        LangChainProvider().wrap_tools([])


def test_missing_langchain_is_a_clear_import_error() -> None:
    code = (
        "import sys; sys.modules['langchain_core'] = None; sys.modules['langchain_core.tools'] = None\n"
        "from composio_router.providers.langchain import require_langchain\n"
        "try:\n    require_langchain()\nexcept ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "pip install 'composio-router[langchain]'" in out


async def test_mcp_config_is_ready_for_an_mcp_client(agent: AsyncSession, client: AsyncComposio) -> None:
    config = mcp_config(agent)
    assert isinstance(config, McpConfig)
    assert config.transport == "streamable_http"
    assert config.url == agent.mcp.url
    assert config.headers == {"x-api-key": client.options.api_key}
    assert client.options.api_key not in repr(config)
    assert config.to_dict() == {"url": agent.mcp.url, "headers": {"x-api-key": client.options.api_key}, "transport": "streamable_http"}
    assert config.to_mcp_servers()["mcpServers"]["composio"]["type"] == "http"
    validate(ToolParam, config.to_openai_tool())
    assert await agent.get_provider_tools(McpProvider(server_name="tools")) == mcp_config(agent, name="tools")
    with pytest.raises(InvalidInputError):
        await agent.handle_tool_calls({}, provider=McpProvider())


def test_sync_facade_langchain_tools_and_handle_tool_calls() -> None:
    from composio_router import Composio

    with Emulator.running_in_thread(api_key="sync-key-1234") as emu, Composio(api_key="sync-key-1234", base_url=emu.url) as client:
        session = client.create(user_id="u", toolkits=["weather"], preload=["WEATHER_GET_FORECAST"])
        tools = {t.name: t for t in session.get_provider_tools(LangChainProvider())}
        result = orjson.loads(tools["WEATHER_GET_FORECAST"].invoke({"city": "Lisbon"}))  # plain sync invoke
        assert result["data"]["city"] == "Lisbon"
        calls = {"tool_calls": [{"id": "1", "type": "function", "function": {"name": "WEATHER_GET_FORECAST", "arguments": '{"city": "Faro"}'}}]}
        [message] = session.handle_tool_calls(calls)
        assert message["tool_call_id"] == "1"
        assert orjson.loads(message["content"])["data"]["city"] == "Faro"

"""Execute modifiers in execute / multi_execute / handle_tool_calls; tools() per provider; lazy imports."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import orjson
import pytest
from attrs import evolve

from composio_router import AsyncComposio, AsyncSession, ExecuteResult, InvalidInputError, Tool
from composio_router.providers import (
    AnthropicProvider,
    GeminiProvider,
    IdentityProvider,
    OpenAIProvider,
    after_execute,
    before_execute,
    schema_modifier,
)
from composio_router.testing import Emulator

from ..conftest import API_KEY
from . import EXECUTE, agent_session

pytestmark = pytest.mark.anyio


calls_seen: list[tuple[str, str]] = []


@before_execute(tools=["WEATHER_GET_FORECAST"])
def to_porto(slug: str, toolkit: str, arguments: dict[str, Any]) -> dict[str, Any]:
    calls_seen.append((slug, toolkit))
    return {**arguments, "city": "Porto"}


@before_execute(toolkits=["custom"])
async def louder(slug: str, toolkit: str, arguments: dict[str, Any]) -> dict[str, Any]:
    calls_seen.append((slug, toolkit))
    return {**arguments, "times": 3}


@after_execute
def stamp(slug: str, toolkit: str, result: ExecuteResult) -> ExecuteResult:
    return evolve(result, data={**result.data, "stamped": slug})


@after_execute(tools=["UTILS_ECHO"])
async def hide_errors(slug: str, toolkit: str, result: ExecuteResult) -> ExecuteResult:
    return evolve(result, data={"echoed": True, **result.data})


async def test_execute_applies_before_and_after(agent: AsyncSession, emulator: Emulator) -> None:
    calls_seen.clear()
    result = await agent.execute("WEATHER_GET_FORECAST", {"city": "Lisbon"}, modifiers=[to_porto, stamp])
    [request] = emulator.journal.find(method="POST", path=EXECUTE)
    assert request.body["arguments"] == {"city": "Porto"}
    assert result.data["city"] == "Porto"
    assert result.data["stamped"] == "WEATHER_GET_FORECAST"
    assert calls_seen == [("WEATHER_GET_FORECAST", "weather")]
    # Custom tools: by their final slug and their toolkit ("custom" when they have none).
    local = await agent.execute("shout", {"text": "a"}, modifiers=[louder, stamp])
    assert local.data == {"text": "A A A", "stamped": "LOCAL_SHOUT"}
    assert calls_seen[-1] == ("LOCAL_SHOUT", "custom")
    plain = await agent.execute("UTILS_ECHO", {"message": "m"}, modifiers=[to_porto])
    assert plain.data == {"arguments": {"message": "m"}}  # filtered out


async def test_multi_execute_and_iter_apply_them_per_item(agent: AsyncSession, emulator: Emulator) -> None:
    calls: list[Any] = [
        ("WEATHER_GET_FORECAST", {"city": "Lisbon"}),
        {"tool_slug": "LOCAL_SHOUT", "arguments": {"text": "b"}},
        ("UTILS_ECHO", {"message": "m"}),
        ("BROKEN", "not a mapping"),  # left for the batch to report in its slot
    ]
    batch = await agent.multi_execute(calls, modifiers=[to_porto, louder, stamp, hide_errors])
    assert [r.successful for r in batch] == [True, True, True, False]
    assert batch[0].data["city"] == "Porto"
    assert batch[0].data["stamped"] == "WEATHER_GET_FORECAST"
    assert batch[0].result is not None and batch[0].result.data == batch[0].data
    assert batch[1].data == {"text": "B B B", "stamped": "LOCAL_SHOUT"}
    assert batch[2].data == {"echoed": True, "arguments": {"message": "m"}, "stamped": "UTILS_ECHO"}
    assert batch[3].error
    streamed = {item.index: item async for item in agent.iter_multi_execute(calls[:3], modifiers=[to_porto, stamp])}
    assert streamed[0].data["city"] == "Porto"
    assert all("stamped" in streamed[i].data for i in range(3))


async def test_handle_tool_calls_applies_them(agent: AsyncSession) -> None:
    response = {
        "role": "assistant",
        "tool_calls": [
            {"id": "1", "type": "function", "function": {"name": "WEATHER_GET_FORECAST", "arguments": '{"city": "Faro"}'}},
            {"id": "2", "type": "function", "function": {"name": "LOCAL_SHOUT", "arguments": '{"text": "c"}'}},
        ],
    }
    messages = await agent.handle_tool_calls(response, modifiers=[to_porto, louder, stamp])
    first, second = (orjson.loads(m["content"]) for m in messages)
    assert first["data"]["city"] == "Porto"
    assert first["data"]["stamped"] == "WEATHER_GET_FORECAST"
    assert second["data"] == {"text": "C C C", "stamped": "LOCAL_SHOUT"}


async def test_client_level_modifiers_apply_everywhere_first(emulator: Emulator) -> None:
    @schema_modifier(toolkits=["weather"])
    def describe(slug: str, toolkit: str, tool: Tool) -> Tool:
        return evolve(tool, description="Weather, briefly.")

    @after_execute
    def first(slug: str, toolkit: str, result: ExecuteResult) -> ExecuteResult:
        return evolve(result, data={**result.data, "order": ["client"]})

    @after_execute
    def second(slug: str, toolkit: str, result: ExecuteResult) -> ExecuteResult:
        return evolve(result, data={**result.data, "order": [*result.data["order"], "call"]})

    async with AsyncComposio(api_key=API_KEY, base_url=emulator.url, modifiers=[to_porto, first, describe]) as client:
        session = await agent_session(client)
        tools = {t["function"]["name"]: t["function"] for t in await session.tools()}
        assert tools["WEATHER_GET_FORECAST"]["description"] == "Weather, briefly."
        result = await session.execute("WEATHER_GET_FORECAST", {"city": "Lisbon"}, modifiers=[second])
        assert result.data["city"] == "Porto"
        assert result.data["order"] == ["client", "call"]
        [batch_item] = (await session.multi_execute([("WEATHER_GET_FORECAST", {"city": "Braga"})])).results
        assert batch_item.data["city"] == "Porto"


async def test_modifier_errors_propagate(agent: AsyncSession) -> None:
    @before_execute
    def broken(slug: str, toolkit: str, arguments: dict[str, Any]) -> dict[str, Any]:
        raise ZeroDivisionError("bug in user code")

    with pytest.raises(ZeroDivisionError):
        await agent.execute("UTILS_ECHO", {}, modifiers=broken)
    bad_return = before_execute(lambda slug, toolkit, arguments: None)  # type: ignore[arg-type,return-value]
    with pytest.raises(InvalidInputError, match="expected the arguments mapping"):
        await agent.execute("UTILS_ECHO", {}, modifiers=bad_return)
    with pytest.raises(InvalidInputError, match="not a modifier"):
        await agent.execute("UTILS_ECHO", {}, modifiers=[print])  # type: ignore[list-item]


async def test_a_failing_modifier_fails_only_its_slot(session: AsyncSession) -> None:
    @before_execute(tools=["TEXT_REVERSE"])
    def broken_before(tool_slug: str, toolkit: str, arguments: dict[str, Any]) -> dict[str, Any]:
        raise ValueError("bad input hook")

    @after_execute(tools=["TEXT_UPPERCASE"])
    def broken_after(tool_slug: str, toolkit: str, result: Any) -> Any:
        raise ValueError("bad output hook")

    batch = await session.multi_execute(
        [("TEXT_REVERSE", {"text": "ab"}), ("TEXT_UPPERCASE", {"text": "ab"}), ("TEXT_WORD_COUNT", {"text": "a b"})],
        modifiers=[broken_before, broken_after],
    )
    assert "bad input hook" in (batch[0].error or "") and not batch[0].successful
    assert "bad output hook" in (batch[1].error or "") and batch[1].data  # it ran; its data is kept
    assert batch[2].successful


async def test_tools_use_the_client_provider_and_get_provider_tools_converts(agent: AsyncSession, emulator: Emulator) -> None:
    default = await agent.tools()
    assert all(t["type"] == "function" for t in default)
    slugs = {t["function"]["name"] for t in default}
    assert {"WEATHER_GET_FORECAST", "UTILS_SLEEP", "LOCAL_NAP", "LOCAL_SHOUT", "COMPOSIO_SEARCH_TOOLS"} <= slugs
    assert {t["name"] for t in await agent.get_provider_tools(AnthropicProvider())} == slugs
    assert {d["name"] for d in await agent.get_provider_tools(GeminiProvider())} == slugs
    assert {t.slug for t in await agent.get_provider_tools(IdentityProvider())} == slugs
    # One fetch of the schemas for all of them: cached per session.
    assert len(emulator.journal.find(method="GET", path="/api/v3.1/tool_router/session/*/tools")) == 1


async def test_client_provider_choice(emulator: Emulator) -> None:
    async with AsyncComposio(api_key=API_KEY, base_url=emulator.url) as client:
        assert isinstance(client.provider, OpenAIProvider)
    async with AsyncComposio(api_key=API_KEY, base_url=emulator.url, provider=AnthropicProvider()) as client:
        session = await agent_session(client)
        assert all("input_schema" in t for t in await session.tools())
        [block] = await session.handle_tool_calls({"content": [{"type": "tool_use", "id": "t", "name": "UTILS_ECHO", "input": {}}]})
        assert block["type"] == "tool_result"


def test_importing_the_package_imports_no_provider_sdk() -> None:
    code = (
        "import sys, composio_router, composio_router.providers\n"
        "from composio_router.providers import langchain, openai, anthropic, gemini, mcp, openai_responses, openai_agents\n"
        "from composio_router.providers import OpenAIAgentsProvider, batch_tool_node\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in {'openai', 'anthropic', 'google', 'langchain', 'langchain_core', 'pydantic', 'agents', 'langgraph'})\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_importtime_shows_no_provider_sdk() -> None:
    run = subprocess.run([sys.executable, "-X", "importtime", "-c", "import composio_router"], capture_output=True, text=True, check=True)
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in run.stderr.splitlines() if "|" in line}
    assert not imported & {"openai", "anthropic", "google", "langchain", "langchain_core"}

"""The OpenAI Agents SDK: ``OpenAIAgentsProvider`` tools driven by ``Runner.run`` and ``Runner.run_sync``.

The model is scripted (the Agents SDK's ``Model`` interface, no network); the tool calls
it asks for run through the SDK against the emulator.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Sequence
from typing import Any

import anyio
import anyio.to_thread
import orjson
import pytest
from agents import Agent, FunctionTool, ModelResponse, Runner, Usage
from agents.models.interface import Model
from agents.models.openai_responses import Converter
from openai.types.responses import (
    FunctionToolParam,
    ResponseFunctionToolCall,
    ResponseOutputMessage,
    ResponseOutputText,
)

from composio_router import AsyncComposio, AsyncSession, InvalidInputError, Session, tool
from composio_router.providers import OpenAIAgentsProvider
from composio_router.providers.openai_agents import require_openai_agents
from composio_router.testing import Emulator

from ..providers import validate
from . import EXECUTE

pytestmark = pytest.mark.anyio

Turn = str | Sequence[tuple[str, str]]  # the final text, or (tool name, raw JSON arguments) calls


class ScriptedModel(Model):
    """Answers with ``turns`` in order; records what the runner sent it."""

    def __init__(self, turns: Sequence[Turn]) -> None:
        self.turns = list(turns)
        self.inputs: list[Any] = []
        self.tools: list[Any] = []

    async def get_response(self, system_instructions: Any, input: Any, model_settings: Any, tools: Any,
                           output_schema: Any, handoffs: Any, tracing: Any, **_: Any) -> ModelResponse:
        self.inputs.append(input)
        self.tools.append(tools)
        turn = self.turns.pop(0)
        output: list[Any]
        if isinstance(turn, str):
            text = ResponseOutputText(type="output_text", text=turn, annotations=[])
            output = [ResponseOutputMessage(id="msg_1", type="message", role="assistant", status="completed", content=[text])]
        else:
            output = [
                ResponseFunctionToolCall(type="function_call", id=f"fc_{i}", call_id=f"call_{i}", name=name, arguments=raw)
                for i, (name, raw) in enumerate(turn)
            ]
        return ModelResponse(output=output, usage=Usage(), response_id=None)

    def stream_response(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        raise NotImplementedError("the scripted model does not stream")


TURN = [
    ("WEATHER_GET_FORECAST", '{"city": "Lisbon"}'),
    ("LOCAL_SHOUT", '{"text": "hi", "times": null}'),  # strict mode's null for an optional argument
    ("LOCAL_NAP", '{"ms": 5}'),
    ("UTILS_ECHO", "not json"),  # malformed: answered with the error, the run goes on
]


def run_sync(agent: Agent[Any], text: str) -> Any:
    """``Runner.run_sync``, then close the event loop it leaves as this thread's default."""
    try:
        return Runner.run_sync(agent, text)
    finally:
        asyncio.get_event_loop_policy().get_event_loop().close()
        asyncio.set_event_loop(None)


def _outputs(model: ScriptedModel) -> dict[str, Any]:
    """The function_call_output items the runner sent back to the model, by call id."""
    return {
        item["call_id"]: orjson.loads(item["output"])
        for item in model.inputs[-1]
        if isinstance(item, dict) and item.get("type") == "function_call_output"
    }


def _check(model: ScriptedModel, final: Any) -> None:
    assert final == "done"
    out = _outputs(model)
    assert out["call_0"]["data"]["city"] == "Lisbon"
    assert out["call_1"] == {"successful": True, "data": {"text": "HI"}, "error": None}  # null dropped
    assert out["call_2"]["data"] == {"slept_ms": 5}
    assert out["call_3"]["successful"] is False and "JSON" in out["call_3"]["error"]


async def test_runner_run_with_async_built_tools(agent: AsyncSession, emulator: Emulator) -> None:
    tools = await agent.get_provider_tools(OpenAIAgentsProvider())
    assert all(isinstance(t, FunctionTool) for t in tools)
    model = ScriptedModel([TURN, "done"])
    result = await Runner.run(Agent(name="a", model=model, tools=tools), "go")
    _check(model, result.final_output)
    assert {t.name for t in model.tools[0]} == {t.name for t in tools}
    assert len(emulator.journal.find(method="POST", path=EXECUTE)) == 1  # the custom tools ran here

    # Runner.run_sync makes its own loop; from a worker thread, the calls come back to this one.
    model = ScriptedModel([TURN, "done"])
    result = await anyio.to_thread.run_sync(run_sync, Agent(name="a", model=model, tools=tools), "go")
    _check(model, result.final_output)


def test_runner_run_sync_and_run_with_sync_facade_tools(sync_agent: Session) -> None:
    tools = sync_agent.get_provider_tools(OpenAIAgentsProvider())
    model = ScriptedModel([TURN, "done"])
    _check(model, run_sync(Agent(name="a", model=model, tools=tools), "go").final_output)
    model = ScriptedModel([TURN, "done"])
    _check(model, anyio.run(Runner.run, Agent(name="a", model=model, tools=tools), "go").final_output)


@tool
def label(issue: int, labels: dict[str, str]) -> dict[str, Any]:
    """Label an issue (an open map: strict mode cannot express it)."""
    return {"issue": issue, "labels": labels}


async def test_strict_schemas_with_a_per_tool_fallback(client: AsyncComposio) -> None:
    session = await client.create(user_id="u", toolkits=["weather"], preload=["WEATHER_GET_FORECAST"], custom_tools=[label])
    tools = {t.name: t for t in await session.get_provider_tools(OpenAIAgentsProvider())}
    weather, labeller = tools["WEATHER_GET_FORECAST"], tools["LOCAL_LABEL"]
    assert weather.strict_json_schema is True
    assert weather.params_json_schema["additionalProperties"] is False
    assert set(weather.params_json_schema["required"]) == set(weather.params_json_schema["properties"])
    assert labeller.strict_json_schema is False  # this tool only
    assert labeller.params_json_schema["properties"]["labels"]["additionalProperties"] == {"type": "string"}
    loose = await session.get_provider_tools(OpenAIAgentsProvider(strict=False))
    assert not any(t.strict_json_schema for t in loose)

    # What the Agents SDK sends for them is a valid Responses FunctionToolParam.
    for param in Converter.convert_tools(list(tools.values()), []).tools:
        validate(FunctionToolParam, param)

    model = ScriptedModel([[("LOCAL_LABEL", '{"issue": 7, "labels": {"kind": "bug"}}')], "done"])
    result = await Runner.run(Agent(name="a", model=model, tools=list(tools.values())), "go")
    assert result.final_output == "done"
    assert _outputs(model)["call_0"]["data"] == {"issue": 7, "labels": {"kind": "bug"}}


async def test_handle_tool_calls_reads_a_model_response(agent: AsyncSession) -> None:
    response = await ScriptedModel([TURN]).get_response(None, "go", None, [], None, [], None)
    answers = await agent.handle_tool_calls(response, provider=OpenAIAgentsProvider())
    assert [a["call_id"] for a in answers] == ["call_0", "call_1", "call_2", "call_3"]
    assert all(a["type"] == "function_call_output" for a in answers)
    assert orjson.loads(answers[1]["output"])["data"] == {"text": "HI"}
    with pytest.raises(InvalidInputError, match="session"):
        OpenAIAgentsProvider().wrap_tools([])


def test_a_missing_agents_sdk_is_a_clear_import_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # Importing the provider imports no framework: tests/providers checks it in a fresh interpreter.
    monkeypatch.setitem(sys.modules, "agents", None)
    with pytest.raises(ImportError, match=r"pip install 'composio-router\[openai-agents\]'"):
        require_openai_agents()

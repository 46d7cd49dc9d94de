"""The OpenAI Agents SDK: ``OpenAIAgentsProvider`` tools driven by ``Runner.run``,
``Runner.run_sync`` and ``Runner.run_streamed``.

The model is scripted (the Agents SDK's ``Model`` interface, no network), both ways: a
whole ``ModelResponse`` (``get_response``) or a Responses API event stream
(``stream_response``, what ``Runner.run_streamed`` consumes); the tool calls it asks for
run through the SDK against the emulator.
"""

from __future__ import annotations

import asyncio
import itertools
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
    Response,
    ResponseCompletedEvent,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseCreatedEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseFunctionToolCall,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputMessage,
    ResponseOutputText,
    ResponseStreamEvent,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
)

from composio_router import AsyncComposio, AsyncSession, Composio, InvalidInputError, Session, tool
from composio_router.providers import OpenAIAgentsProvider
from composio_router.providers.openai_agents import require_openai_agents
from composio_router.testing import Emulator

from ..providers import shout, validate
from . import EXECUTE

pytestmark = pytest.mark.anyio

Turn = str | Sequence[tuple[str, str]]  # the final text, or (tool name, raw JSON arguments) calls


class ScriptedModel(Model):
    """Answers with ``turns`` in order; records what the runner sent it, and how it asked."""

    def __init__(self, turns: Sequence[Turn]) -> None:
        self.turns = list(turns)
        self.inputs: list[Any] = []
        self.tools: list[Any] = []
        self.streamed: list[bool] = []  # per call: stream_response (True) or get_response

    def _next_output(self, input: Any, tools: Any, *, streamed: bool) -> list[Any]:
        self.inputs.append(input)
        self.tools.append(tools)
        self.streamed.append(streamed)
        turn = self.turns.pop(0)
        if isinstance(turn, str):
            text = ResponseOutputText(type="output_text", text=turn, annotations=[])
            return [ResponseOutputMessage(id="msg_1", type="message", role="assistant", status="completed", content=[text])]
        return [
            ResponseFunctionToolCall(type="function_call", id=f"fc_{i}", call_id=f"call_{i}", name=name, arguments=raw)
            for i, (name, raw) in enumerate(turn)
        ]

    async def get_response(self, system_instructions: Any, input: Any, model_settings: Any, tools: Any,
                           output_schema: Any, handoffs: Any, tracing: Any, **_: Any) -> ModelResponse:
        output = self._next_output(input, tools, streamed=False)
        return ModelResponse(output=output, usage=Usage(), response_id=None)

    async def stream_response(self, system_instructions: Any, input: Any, model_settings: Any, tools: Any,
                              output_schema: Any, handoffs: Any, tracing: Any,
                              **_: Any) -> AsyncIterator[ResponseStreamEvent]:
        """The same turn as the Responses API streams it.

        ``response.created``; per output item ``output_item.added``, its deltas (the
        arguments of a function call, the text of a message, each in two chunks) and
        ``output_item.done``; then ``response.completed``, whose response the runner turns
        into the turn's ``ModelResponse``.
        """
        output = self._next_output(input, tools, streamed=True)
        seq = itertools.count()
        started = Response(
            id=f"resp_{len(self.inputs)}", created_at=0, model="scripted", object="response", output=[],
            parallel_tool_calls=True, tool_choice="auto", tools=[], status="in_progress",
        )
        yield ResponseCreatedEvent(type="response.created", response=started, sequence_number=next(seq))
        for index, item in enumerate(output):
            if isinstance(item, ResponseFunctionToolCall):
                pending = item.model_copy(update={"arguments": "", "status": "in_progress"})
                yield ResponseOutputItemAddedEvent(
                    type="response.output_item.added", item=pending, output_index=index, sequence_number=next(seq)
                )
                for chunk in _halves(item.arguments):
                    yield ResponseFunctionCallArgumentsDeltaEvent(
                        type="response.function_call_arguments.delta", item_id=item.id or item.call_id,
                        output_index=index, delta=chunk, sequence_number=next(seq),
                    )
                yield ResponseFunctionCallArgumentsDoneEvent.model_validate({
                    "type": "response.function_call_arguments.done", "item_id": item.id or item.call_id,
                    "output_index": index, "arguments": item.arguments, "name": item.name,
                    "sequence_number": next(seq),
                })
            else:
                [part] = item.content
                assert isinstance(part, ResponseOutputText)
                pending_message = item.model_copy(update={"content": [], "status": "in_progress"})
                yield ResponseOutputItemAddedEvent(
                    type="response.output_item.added", item=pending_message, output_index=index,
                    sequence_number=next(seq),
                )
                yield ResponseContentPartAddedEvent(
                    type="response.content_part.added", item_id=item.id, output_index=index, content_index=0,
                    part=part.model_copy(update={"text": ""}), sequence_number=next(seq),
                )
                for chunk in _halves(part.text):
                    yield ResponseTextDeltaEvent(
                        type="response.output_text.delta", item_id=item.id, output_index=index, content_index=0,
                        delta=chunk, logprobs=[], sequence_number=next(seq),
                    )
                yield ResponseTextDoneEvent(
                    type="response.output_text.done", item_id=item.id, output_index=index, content_index=0,
                    text=part.text, logprobs=[], sequence_number=next(seq),
                )
                yield ResponseContentPartDoneEvent(
                    type="response.content_part.done", item_id=item.id, output_index=index, content_index=0,
                    part=part, sequence_number=next(seq),
                )
            yield ResponseOutputItemDoneEvent(
                type="response.output_item.done", item=item, output_index=index, sequence_number=next(seq)
            )
        done = started.model_copy(update={"output": output, "status": "completed"})
        yield ResponseCompletedEvent(type="response.completed", response=done, sequence_number=next(seq))


def _halves(text: str) -> list[str]:
    """A stream's deltas: the text in two chunks (one, if it is too short to split)."""
    middle = len(text) // 2
    return [chunk for chunk in (text[:middle], text[middle:]) if chunk]


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


STREAM_USER = "stream-user"
EMAIL = {"recipient_email": "ana@example.com", "subject": "Streamed", "body": "Sent by a streamed run", "cc": None}
ISSUE = {"owner": "acme", "repo": "api", "title": "Filed by a streamed run", "body": None, "labels": None}
STREAM_TURN = [
    ("GMAIL_SEND_EMAIL", orjson.dumps(EMAIL).decode()),
    ("GITHUB_CREATE_ISSUE", orjson.dumps(ISSUE).decode()),
    ("LOCAL_SHOUT", '{"text": "hi", "times": 2}'),  # a custom tool: runs in this process
]
STREAM_SESSION: dict[str, Any] = {
    "user_id": STREAM_USER,
    "toolkits": ["gmail", "github"],
    "preload": ["GMAIL_SEND_EMAIL", "GITHUB_CREATE_ISSUE"],
    "custom_tools": [shout],
}


async def run_streamed(tools: Sequence[Any]) -> tuple[ScriptedModel, Any, list[Any]]:
    """``Runner.run_streamed`` over STREAM_TURN then "done"; every stream event, consumed."""
    model = ScriptedModel([STREAM_TURN, "done"])
    result = Runner.run_streamed(Agent(name="a", model=model, tools=list(tools)), "go")
    events = [event async for event in result.stream_events()]
    return model, result, events


def _check_streamed(model: ScriptedModel, result: Any, events: list[Any], emulator: Emulator) -> None:
    assert model.streamed == [True, True]  # both turns came through stream_response
    assert result.is_complete and result.final_output == "done"

    # The raw Responses events reached the caller as they were streamed.
    raw = [e.data for e in events if e.type == "raw_response_event"]
    assert [e.type for e in raw].count("response.completed") == 2
    assert "".join(e.delta for e in raw if e.type == "response.output_text.delta") == "done"
    streamed_args: dict[str, str] = {}
    for e in raw:
        if e.type == "response.function_call_arguments.delta":
            streamed_args[e.item_id] = streamed_args.get(e.item_id, "") + e.delta
    assert streamed_args == {f"fc_{i}": raw_args for i, (_, raw_args) in enumerate(STREAM_TURN)}

    # The run items: each call announced, then answered; the final message last.
    items = [(e.name, e.item) for e in events if e.type == "run_item_stream_event"]
    called = [item.raw_item.call_id for name, item in items if name == "tool_called"]
    answered = [item.raw_item["call_id"] for name, item in items if name == "tool_output"]
    assert sorted(called) == sorted(answered) == ["call_0", "call_1", "call_2"]
    positions = [name for name, _ in items]
    assert max(i for i, n in enumerate(positions) if n == "tool_called") < positions.index("tool_output")
    assert positions[-1] == "message_output_created"
    outputs = {
        item.raw_item["call_id"]: orjson.loads(item.raw_item["output"]) for name, item in items if name == "tool_output"
    }
    assert outputs == _outputs(model)  # what the stream showed is what went back to the model

    # The app tools ran through the SDK against the emulator, once each; the custom tool here.
    assert all(out["successful"] for out in outputs.values()), outputs
    [sent] = emulator.mailbox(STREAM_USER)
    assert (sent["to"], sent["subject"], sent["body"]) == (EMAIL["recipient_email"], EMAIL["subject"], EMAIL["body"])
    assert outputs["call_0"]["data"]["id"] == sent["id"]
    [issue] = emulator.issues(STREAM_USER)
    assert (issue["repository"], issue["title"]) == ("acme/api", ISSUE["title"])
    assert outputs["call_1"]["data"]["issue"]["number"] == issue["number"]
    assert outputs["call_2"]["data"] == {"text": "HI HI"}
    sent_slugs = sorted(e.body["tool_slug"] for e in emulator.journal.find(method="POST", path=EXECUTE))
    assert sent_slugs == ["GITHUB_CREATE_ISSUE", "GMAIL_SEND_EMAIL"]


async def test_runner_run_streamed_runs_the_tools_through_the_sdk(client: AsyncComposio, emulator: Emulator) -> None:
    emulator.connect_account(STREAM_USER, "gmail")
    emulator.connect_account(STREAM_USER, "github")
    session = await client.create(**STREAM_SESSION)
    tools = await session.get_provider_tools(OpenAIAgentsProvider())
    model, result, events = await run_streamed(tools)
    _check_streamed(model, result, events, emulator)


def test_runner_run_streamed_with_sync_facade_tools(sync_client: Composio, emulator_thread: Emulator) -> None:
    emulator_thread.connect_account(STREAM_USER, "gmail")
    emulator_thread.connect_account(STREAM_USER, "github")
    tools = sync_client.create(**STREAM_SESSION).get_provider_tools(OpenAIAgentsProvider())
    model, result, events = anyio.run(run_streamed, tools)
    _check_streamed(model, result, events, emulator_thread)


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

"""Recorded responses with parallel tool calls, round-tripped through handle_tool_calls.

Each response holds two ``UTILS_SLEEP`` calls (0.4 s, really sleeping in the emulator),
a custom tool that naps 0.4 s in this process, and quick calls with arguments as a
JSON string, empty or null. Run one after the other they would take 1.2 s; the
journal must show the sleeps in flight at once and the whole turn must take well
under that. The answers must be accepted by the provider SDK's own types.
"""

from __future__ import annotations

import time
from typing import Any

import orjson
import pytest
from anthropic.types import Message, MessageParam, ToolResultBlockParam
from google.genai import types as genai_types
from openai.types.chat import (
    ChatCompletion,
    ChatCompletionMessageParam,
    ChatCompletionToolMessageParam,
)
from openai.types.responses import Response, ResponseInputItemParam, ResponseInputParam

from composio_router import AsyncSession
from composio_router.providers import (
    AnthropicProvider,
    GeminiProvider,
    IdentityProvider,
    OpenAIResponsesProvider,
)
from composio_router.testing import Emulator

from . import EXECUTE, validate

pytestmark = pytest.mark.anyio

SLEEP = 0.4
SEQUENTIAL = 3 * SLEEP  # two remote sleeps and one local nap, one after the other

# (id, tool, arguments as the model sent them): the same turn for every provider.
TURN: list[tuple[str, str, Any]] = [
    ("call_a", "UTILS_SLEEP", {"seconds": SLEEP}),
    ("call_b", "WEATHER_GET_FORECAST", {"city": "Lisbon"}),
    ("call_c", "LOCAL_NAP", {"ms": int(SLEEP * 1000)}),
    ("call_d", "UTILS_SLEEP", {"seconds": SLEEP}),
    ("call_e", "UTILS_ECHO", None),  # null / empty arguments
]


def _json_args(args: Any) -> str:
    return "" if args is None else orjson.dumps(args).decode()


def chat_completion() -> ChatCompletion:
    return ChatCompletion.model_validate(
        {
            "id": "chatcmpl-9x",
            "object": "chat.completion",
            "created": 1_717_000_000,
            "model": "gpt-4o-2024-08-06",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "tool_calls",
                    "logprobs": None,
                    "message": {
                        "role": "assistant",
                        "content": None,
                        "refusal": None,
                        "tool_calls": [
                            {"id": cid, "type": "function", "function": {"name": name, "arguments": _json_args(args)}}
                            for cid, name, args in TURN
                        ],
                    },
                }
            ],
            "usage": {"prompt_tokens": 812, "completion_tokens": 97, "total_tokens": 909},
            "system_fingerprint": "fp_1",
        }
    )


def anthropic_message() -> Message:
    content: list[dict[str, Any]] = [{"type": "text", "text": "I'll run these in parallel."}]
    content += [
        {"type": "tool_use", "id": f"toolu_{cid}", "name": name, "input": args if args is not None else {}}
        for cid, name, args in TURN
    ]
    return Message.model_validate(
        {
            "id": "msg_01",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-5",
            "content": content,
            "stop_reason": "tool_use",
            "stop_sequence": None,
            "usage": {"input_tokens": 900, "output_tokens": 120},
        }
    )


def responses_response() -> Response:
    output: list[dict[str, Any]] = [{"type": "reasoning", "id": "rs_1", "summary": []}]
    output += [
        {"type": "function_call", "id": f"fc_{cid}", "call_id": cid, "name": name, "arguments": _json_args(args), "status": "completed"}
        for cid, name, args in TURN
    ]
    return Response.model_validate(
        {
            "id": "resp_1",
            "object": "response",
            "created_at": 1_717_000_000,
            "model": "gpt-4.1",
            "status": "completed",
            "output": output,
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
        }
    )


def gemini_response() -> genai_types.GenerateContentResponse:
    parts: list[dict[str, Any]] = [{"text": "Calling tools."}]
    parts += [{"function_call": {"id": cid, "name": name, "args": args}} for cid, name, args in TURN]
    return genai_types.GenerateContentResponse.model_validate(
        {
            "candidates": [{"content": {"role": "model", "parts": parts}, "finish_reason": "STOP", "index": 0}],
            "model_version": "gemini-2.5-flash",
        }
    )


def _payloads(contents: list[str]) -> list[dict[str, Any]]:
    return [orjson.loads(c) for c in contents]


def _check_payloads(payloads: list[dict[str, Any]]) -> None:
    assert all(p["successful"] for p in payloads), payloads
    assert [set(p) for p in payloads] == [{"successful", "data", "error"}] * len(TURN)
    assert payloads[0]["data"]["slept"] == SLEEP
    assert payloads[1]["data"]["city"] == "Lisbon"
    assert payloads[2]["data"] == {"slept_ms": int(SLEEP * 1000)}
    assert payloads[4]["data"] == {"arguments": {}}


def _check_concurrency(emulator: Emulator, elapsed: float) -> None:
    sleeps = [e for e in emulator.journal.find(method="POST", path=EXECUTE) if e.body["tool_slug"] == "UTILS_SLEEP"]
    assert len(sleeps) == 2
    assert max(e.started for e in sleeps) < min(e.finished for e in sleeps)  # both in flight at once
    assert elapsed < SEQUENTIAL - SLEEP  # and the local nap ran alongside them


async def _round_trip(agent: AsyncSession, emulator: Emulator, response: Any, provider: Any) -> list[Any]:
    emulator.journal.clear()
    started = time.perf_counter()
    messages = await agent.handle_tool_calls(response, provider=provider)
    _check_concurrency(emulator, time.perf_counter() - started)
    assert len(messages) == len(TURN)
    return messages


@pytest.mark.parametrize("form", ["object", "dict"])
async def test_openai_chat_round_trip(agent: AsyncSession, emulator: Emulator, form: str) -> None:
    response = chat_completion()
    given = response if form == "object" else response.model_dump()
    messages = await _round_trip(agent, emulator, given, None)  # the client's default provider
    for message in messages:
        validate(ChatCompletionToolMessageParam, message)
        assert message["role"] == "tool"
    assert [m["tool_call_id"] for m in messages] == [cid for cid, _, _ in TURN]
    _check_payloads(_payloads([m["content"] for m in messages]))
    # The whole next request's history is valid for the SDK.
    history = [
        {"role": "user", "content": "Weather in Lisbon?"},
        response.choices[0].message.model_dump(exclude_none=True),
        *messages,
    ]
    for item in history:
        validate(ChatCompletionMessageParam, item)


@pytest.mark.parametrize("form", ["object", "dict"])
async def test_anthropic_round_trip(agent: AsyncSession, emulator: Emulator, form: str) -> None:
    response = anthropic_message()
    given = response if form == "object" else response.model_dump()
    blocks = await _round_trip(agent, emulator, given, AnthropicProvider())
    for block in blocks:
        validate(ToolResultBlockParam, block)
        assert block["is_error"] is False
    assert [b["tool_use_id"] for b in blocks] == [f"toolu_{cid}" for cid, _, _ in TURN]
    _check_payloads(_payloads([b["content"] for b in blocks]))
    validate(MessageParam, {"role": "user", "content": blocks})
    validate(MessageParam, {"role": "assistant", "content": response.model_dump(exclude_none=True)["content"]})


@pytest.mark.parametrize("form", ["object", "dict"])
async def test_openai_responses_round_trip(agent: AsyncSession, emulator: Emulator, form: str) -> None:
    response = responses_response()
    given = response if form == "object" else response.model_dump()
    items = await _round_trip(agent, emulator, given, OpenAIResponsesProvider())
    for item in items:
        validate(ResponseInputItemParam, item)
        assert item["type"] == "function_call_output"
    assert [i["call_id"] for i in items] == [cid for cid, _, _ in TURN]
    _check_payloads(_payloads([i["output"] for i in items]))
    validate(ResponseInputParam, items)


@pytest.mark.parametrize("form", ["object", "dict", "rest"])
async def test_gemini_round_trip(agent: AsyncSession, emulator: Emulator, form: str) -> None:
    response = gemini_response()
    given: Any = {
        "object": response,
        "dict": response.model_dump(),
        "rest": response.model_dump(mode="json", by_alias=True, exclude_none=True),  # camelCase functionCall
    }[form]
    parts = await _round_trip(agent, emulator, given, GeminiProvider())
    for part in parts:
        validated = genai_types.Part.model_validate(part)
        assert validated.function_response is not None
    assert [p["function_response"]["id"] for p in parts] == [cid for cid, _, _ in TURN]
    assert [p["function_response"]["name"] for p in parts] == [name for _, name, _ in TURN]
    _check_payloads([p["function_response"]["response"] for p in parts])
    genai_types.Content.model_validate({"role": "user", "parts": parts})


async def test_arguments_as_json_string_empty_null_or_broken(agent: AsyncSession, emulator: Emulator) -> None:
    calls = [
        {"id": "1", "type": "function", "function": {"name": "UTILS_ECHO", "arguments": '{"message": "hi"}'}},
        {"id": "2", "type": "function", "function": {"name": "UTILS_ECHO", "arguments": ""}},
        {"id": "3", "type": "function", "function": {"name": "UTILS_ECHO", "arguments": "null"}},
        {"id": "4", "type": "function", "function": {"name": "UTILS_ECHO", "arguments": None}},
        {"id": "5", "type": "function", "function": {"name": "UTILS_ECHO", "arguments": "{oops"}},
        {"id": "6", "type": "function", "function": {"name": "UTILS_ECHO", "arguments": "[1, 2]"}},
        {"id": "7", "type": "function", "function": {"name": "UTILS_ECHO", "arguments": {"message": "dict"}}},
    ]
    messages = await agent.handle_tool_calls({"role": "assistant", "tool_calls": calls})
    payloads = _payloads([m["content"] for m in messages])
    assert [m["tool_call_id"] for m in messages] == ["1", "2", "3", "4", "5", "6", "7"]
    assert [p["successful"] for p in payloads] == [True, True, True, True, False, False, True]
    assert payloads[0]["data"] == {"arguments": {"message": "hi"}}
    assert payloads[1]["data"] == payloads[2]["data"] == payloads[3]["data"] == {"arguments": {}}
    assert "not valid JSON" in payloads[4]["error"]
    assert "JSON object" in payloads[5]["error"]
    assert payloads[6]["data"] == {"arguments": {"message": "dict"}}
    assert len(emulator.journal.find(method="POST", path=EXECUTE)) == 5  # the broken ones were not sent


async def test_failed_calls_are_answers_not_exceptions(agent: AsyncSession) -> None:
    response = anthropic_message().model_dump()
    response["content"] = [
        {"type": "tool_use", "id": "t1", "name": "WEATHER_GET_FORECAST", "input": {}},  # missing city
        {"type": "tool_use", "id": "t2", "name": "NOT_A_REAL_TOOL", "input": {"x": 1}},
        {"type": "tool_use", "id": "t3", "name": "LOCAL_SHOUT", "input": {"text": "ok", "times": 2}},
    ]
    blocks = await agent.handle_tool_calls(response, provider=AnthropicProvider())
    assert [b["is_error"] for b in blocks] == [True, True, False]
    payloads = _payloads([b["content"] for b in blocks])
    assert payloads[0]["error"] and payloads[1]["error"]
    assert payloads[2] == {"successful": True, "data": {"text": "OK OK"}, "error": None}
    for block in blocks:
        validate(ToolResultBlockParam, block)


async def test_no_tool_calls_sends_nothing(agent: AsyncSession, emulator: Emulator) -> None:
    emulator.journal.clear()
    text_only = chat_completion().model_dump()
    text_only["choices"][0]["message"].update(tool_calls=None, content="Sunny.")
    assert await agent.handle_tool_calls(text_only) == []
    assert await agent.handle_tool_calls({"content": [{"type": "text", "text": "hi"}]}, provider=AnthropicProvider()) == []
    assert await agent.handle_tool_calls({"output": []}, provider=OpenAIResponsesProvider()) == []
    assert await agent.handle_tool_calls({"candidates": []}, provider=GeminiProvider()) == []
    assert emulator.journal.find(method="POST", path=EXECUTE) == []


async def test_more_than_twenty_calls_run_as_consecutive_batches_of_twenty(agent: AsyncSession, emulator: Emulator) -> None:
    emulator.journal.clear()
    calls = [{"id": f"c{i}", "name": "UTILS_SLEEP", "arguments": {"seconds": 0.3}} for i in range(21)]
    started = time.perf_counter()
    answers = await agent.handle_tool_calls(calls, provider=IdentityProvider())
    elapsed = time.perf_counter() - started
    assert [a["id"] for a in answers] == [f"c{i}" for i in range(21)]
    assert all(a["successful"] for a in answers)
    requests = sorted(emulator.journal.find(method="POST", path=EXECUTE), key=lambda e: e.started)
    assert len(requests) == 21
    first, last = requests[:20], requests[20]
    assert max(e.started for e in first) < min(e.finished for e in first)  # the first 20 at once
    assert last.started >= max(e.finished for e in first) - 0.05  # the 21st after them
    assert 0.6 <= elapsed < 1.5


async def test_strict_mode_nulls_for_optional_arguments_are_removed(agent: AsyncSession) -> None:
    provider = OpenAIResponsesProvider(strict=True)
    tools = {t["name"]: t for t in await agent.get_provider_tools(provider)}
    weather = tools["WEATHER_GET_FORECAST"]
    assert weather["strict"] is True
    assert weather["parameters"]["required"] == ["city", "days"]
    assert weather["parameters"]["properties"]["days"]["type"] == ["integer", "null"]
    call = {"type": "function_call", "call_id": "c1", "name": "WEATHER_GET_FORECAST", "arguments": '{"city": "Porto", "days": null}'}
    [item] = await agent.handle_tool_calls([call], provider=provider)
    assert orjson.loads(item["output"])["successful"] is True
    assert orjson.loads(item["output"])["data"]["city"] == "Porto"
    validate(ResponseInputItemParam, item)

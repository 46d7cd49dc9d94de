"""Bad input of every kind is refused with a typed error before anything is sent.

Timeouts (a finite number of seconds >= 0, or None), numbers JSON cannot carry (NaN,
infinities), arguments of the wrong type, header values and file paths. Each case checks
the error's type and the emulator's journal: nothing reached the server. A batch with one
bad item still runs the others.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import pytest

from composio_router import (
    APITimeoutError,
    AsyncComposio,
    AsyncSession,
    ComposioError,
    ConfigurationError,
    InvalidInputError,
)
from composio_router.testing import Emulator

pytestmark = pytest.mark.anyio

BAD_SECONDS = [math.nan, math.inf, -math.inf, "5", True, -1, [1]]


async def refused(call: Callable[[], Awaitable[Any]], case: object, error: type[Exception] = InvalidInputError) -> None:
    try:
        with anyio.fail_after(5):  # a value that is not refused might wait forever (a NaN timer)
            await call()
    except error:
        return
    except Exception as exc:  # pragma: no cover - the failure message is the point
        pytest.fail(f"{case!r}: {type(exc).__name__}: {exc} instead of {error.__name__}")
    pytest.fail(f"{case!r}: no {error.__name__} raised")


def nothing_sent(emulator: Emulator) -> None:
    assert list(emulator.journal) == [], "the bad input reached the server"


# -- timeouts -------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", BAD_SECONDS, ids=repr)
def test_client_timeouts_must_be_finite_seconds(value: Any, api_key: str) -> None:
    for option in ("timeout", "connect_timeout"):
        with pytest.raises(ConfigurationError, match=option):
            AsyncComposio(api_key=api_key, base_url="http://127.0.0.1:9", **{option: value})


@pytest.mark.parametrize("value", BAD_SECONDS, ids=repr)
async def test_call_timeouts_must_be_finite_seconds(value: Any, ready_session: AsyncSession, emulator: Emulator) -> None:
    calls: dict[str, Callable[[], Awaitable[Any]]] = {
        "execute": lambda: ready_session.execute("UTILS_ECHO", {}, timeout=value),
        "search": lambda: ready_session.search("email", timeout=value),
        "tools": lambda: ready_session.get_meta_tools(refresh=True, timeout=value),
        "toolkits": lambda: ready_session.toolkits(timeout=value),
        "batch": lambda: ready_session.multi_execute([("UTILS_ECHO", {})], timeout=value),
        "refresh": lambda: ready_session.refresh(timeout=value),
    }
    for name, call in calls.items():
        await refused(call, (name, value))
    nothing_sent(emulator)


@pytest.mark.parametrize("value", [*BAD_SECONDS, 0])
async def test_wait_for_connection_timeout_must_be_positive_seconds(
    value: Any, ready_session: AsyncSession, emulator: Emulator
) -> None:
    request = await ready_session.authorize("github")
    emulator.journal.clear()
    await refused(lambda: request.wait_for_connection(timeout=value), value)
    nothing_sent(emulator)


async def test_a_deadline_already_passed_sends_nothing(ready_session: AsyncSession, emulator: Emulator) -> None:
    await ready_session.execute("UTILS_ECHO", {})  # the pool is warm: a request would go out at once
    emulator.journal.clear()
    with pytest.raises(APITimeoutError) as caught:
        await ready_session.execute("GMAIL_SEND_EMAIL", {"recipient_email": "a@example.com", "body": "b"}, timeout=0)
    assert caught.value.request_sent is False
    nothing_sent(emulator)
    assert emulator.mailbox("user-1") == []


# -- numbers JSON cannot carry ---------------------------------------------------------------------


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf], ids=repr)
async def test_non_finite_numbers_are_refused_naming_where(
    bad: float, ready_session: AsyncSession, emulator: Emulator
) -> None:
    nested = {"a": [1, {"b": bad}]}
    with pytest.raises(InvalidInputError, match=r"arguments\['a'\]\[1\]\['b'\]"):
        await ready_session.execute("UTILS_ECHO", nested)
    with pytest.raises(InvalidInputError, match=r"body\['x'\]"):
        await ready_session.proxy_execute("github", "/repos", "POST", body={"x": bad})
    with pytest.raises(InvalidInputError, match=r"arguments\['tools'\]\[0\]"):
        await ready_session.execute_meta(
            "COMPOSIO_MULTI_EXECUTE_TOOL", {"tools": [{"tool_slug": "UTILS_ECHO", "arguments": {"v": bad}}]}
        )
    nothing_sent(emulator)


async def test_a_batch_item_with_a_non_finite_number_fails_alone(
    ready_session: AsyncSession, emulator: Emulator
) -> None:
    batch = await ready_session.multi_execute([("UTILS_ECHO", {"v": math.nan}), ("UTILS_ECHO", {"v": 1.5})])
    bad, good = batch.results
    assert isinstance(bad.exception, InvalidInputError) and "not a JSON number" in str(bad.exception)
    assert good.successful and good.data
    assert len(emulator.journal) == 1  # only the good item was sent


# -- arguments of the wrong type ---------------------------------------------------------------------


async def test_wrong_argument_types_are_invalid_input(ready_session: AsyncSession, emulator: Emulator) -> None:
    calls: dict[str, Callable[[], Awaitable[Any]]] = {
        "toolkits cursor": lambda: ready_session.toolkits(next_cursor=5),  # type: ignore[arg-type]
        "toolkits search": lambda: ready_session.toolkits(search=["x"]),  # type: ignore[arg-type]
        "files cursor": lambda: ready_session.experimental.files.list(cursor=5),  # type: ignore[arg-type]
        "history cursor": lambda: ready_session.list_config_history(cursor=object()),  # type: ignore[arg-type]
        "search 5": lambda: ready_session.search(5),  # type: ignore[arg-type]
        "search None": lambda: ready_session.search(None),  # type: ignore[arg-type]
        "input_responses str": lambda: ready_session.execute("UTILS_ECHO", {}, input_responses="x"),  # type: ignore[arg-type]
        "input_responses int": lambda: ready_session.execute("UTILS_ECHO", {}, input_responses=5),  # type: ignore[arg-type]
        "request_state int": lambda: ready_session.execute("UTILS_ECHO", {}, request_state=5),  # type: ignore[arg-type]
    }
    for name, call in calls.items():
        await refused(call, name)
    nothing_sent(emulator)


@pytest.mark.parametrize(
    "bad_call",
    [
        {"id": "c1", "type": "function", "function": {"arguments": "{}"}},  # no name
        {"id": "c1", "type": "function", "function": {"name": 7, "arguments": "{}"}},
        {"id": "c1", "type": "function", "function": {"name": ["UTILS_ECHO"], "arguments": "{}"}},
        {"id": "c1", "type": "function", "function": {"name": "", "arguments": "{}"}},
    ],
    ids=["missing", "number", "list", "empty"],
)
async def test_a_malformed_tool_call_fails_only_its_own_answer(
    bad_call: dict[str, Any], ready_session: AsyncSession, emulator: Emulator
) -> None:
    good = {"id": "c2", "type": "function", "function": {"name": "UTILS_ECHO", "arguments": '{"n": 2}'}}
    answers = await ready_session.handle_tool_calls({"tool_calls": [bad_call, good]})
    assert [a["tool_call_id"] for a in answers] == ["c1", "c2"]
    assert '"successful":false' in answers[0]["content"] and "names no tool" in answers[0]["content"]
    assert '"successful":true' in answers[1]["content"]
    sent = [e.body["tool_slug"] for e in emulator.journal.find(method="POST", path="/api/v3.1/tool_router/session/*/execute")]
    assert sent == ["UTILS_ECHO"]  # nothing named "None" or "7" ran


@pytest.mark.parametrize("response", [5, {"tool_calls": 5}, {"choices": 5}, "text"], ids=repr)
@pytest.mark.parametrize("provider", ["OpenAIProvider", "AnthropicProvider", "OpenAIResponsesProvider", "GeminiProvider"])
async def test_a_response_of_the_wrong_shape_is_invalid_input(
    response: object, provider: str, ready_session: AsyncSession, emulator: Emulator
) -> None:
    import composio_router.providers as providers

    before = len(list(emulator.journal))
    chosen = getattr(providers, provider)()
    try:
        answers = await ready_session.handle_tool_calls(response, provider=chosen)
    except InvalidInputError:
        pass  # said as the caller's input: never a bare TypeError or AttributeError
    else:
        assert answers == []  # or read as "no tool calls", which is also true of it
    assert len(list(emulator.journal)) == before


async def test_a_provider_that_is_not_one_is_invalid_input(ready_session: AsyncSession, emulator: Emulator) -> None:
    before = len(list(emulator.journal))
    with pytest.raises(InvalidInputError, match="provider must be a Provider"):
        await ready_session.get_provider_tools(5)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="provider must be a Provider"):
        await ready_session.handle_tool_calls({"tool_calls": []}, provider="openai")  # type: ignore[arg-type]
    assert len(list(emulator.journal)) == before


# -- header values and file paths -----------------------------------------------------------------------


async def test_a_header_injection_in_mimetype_is_refused_first(ready_session: AsyncSession, emulator: Emulator) -> None:
    with pytest.raises(InvalidInputError, match="mimetype"):
        await ready_session.experimental.files.upload(b"hi", remote_path="notes.txt", mimetype="text/plain\r\nX-Injected: 1")
    nothing_sent(emulator)  # not even the upload_url request


@pytest.mark.parametrize("prefix", ["../", "a/../../b", "/etc", ""])
async def test_list_files_applies_the_same_path_rules(prefix: str, ready_session: AsyncSession, emulator: Emulator) -> None:
    with pytest.raises(InvalidInputError, match="path"):  # files.list's prefix is its `path`
        await ready_session.experimental.files.list(prefix)
    nothing_sent(emulator)


async def test_errors_here_are_composio_errors(ready_session: AsyncSession) -> None:
    with pytest.raises(ComposioError):
        await ready_session.search(5)  # type: ignore[arg-type]


async def test_a_non_finite_number_in_a_dataclass_argument_is_refused(
    ready_session: AsyncSession, emulator: Emulator
) -> None:
    import dataclasses

    @dataclasses.dataclass
    class Point:
        x: float

    # orjson serialises dataclasses itself, and would send this NaN as null.
    with pytest.raises(InvalidInputError, match=r"arguments\['p'\]\.x"):
        await ready_session.execute("UTILS_ECHO", {"p": Point(math.nan)})
    nothing_sent(emulator)


async def test_a_providers_own_typed_error_comes_through_as_is(ready_session: AsyncSession) -> None:
    # McpProvider refuses to parse on purpose; its message, not a generic one, must reach the caller.
    from composio_router.providers import McpProvider

    with pytest.raises(InvalidInputError, match="nothing to handle locally"):
        await ready_session.handle_tool_calls({"tool_calls": []}, provider=McpProvider())

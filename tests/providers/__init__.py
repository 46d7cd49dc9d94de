"""Provider tests: output checked against the provider SDKs' own types (test-only deps).

Shared helpers live here; the ``agent`` fixture built on ``agent_session`` is in this
folder's conftest.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any

import anyio
from pydantic import TypeAdapter

from composio_router import AsyncComposio, AsyncSession, tool
from composio_router.testing import Emulator

EXECUTE = "/api/v3.1/tool_router/session/*/execute"
APP_TOOLS = ["WEATHER_GET_FORECAST", "UTILS_SLEEP", "UTILS_ECHO"]


@tool
async def nap(ms: int) -> dict[str, Any]:
    """Sleep asynchronously for ``ms`` milliseconds, in this process."""
    await anyio.sleep(ms / 1000)
    return {"slept_ms": ms}


@tool
def shout(text: str, times: int = 1) -> dict[str, Any]:
    """Upper-case a text (a sync custom tool)."""
    return {"text": " ".join([text.upper()] * times)}


async def agent_session(client: AsyncComposio) -> AsyncSession:
    """A session with the demo app tools preloaded and two custom tools."""
    return await client.create(
        user_id="agent-user", toolkits=["weather", "utils"], preload=APP_TOOLS, custom_tools=[nap, shout]
    )


def assert_overlapped(emulator: Emulator, count: int) -> None:
    """``count`` execute requests reached the emulator and were all in flight at once."""
    requests = emulator.journal.find(method="POST", path=EXECUTE)
    assert len(requests) == count
    assert max(r.started for r in requests) < min(r.finished for r in requests)


def validate(tp: Any, value: Any) -> Any:
    """Validate ``value`` with the SDK's type and refuse keys the type does not declare.

    pydantic ignores unknown TypedDict keys, so they are checked here, recursively.
    """
    TypeAdapter(tp).validate_python(value)
    _known_keys(tp, value)
    return value


def _typeddicts(tp: Any) -> list[Any]:
    origin = typing.get_origin(tp)
    if origin in (typing.Required, typing.NotRequired, typing.Annotated):
        return _typeddicts(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(tp) for t in _typeddicts(arg)]
    if typing.is_typeddict(tp):
        return [tp]
    return []


def _admits_plain_dict(tp: Any) -> bool:
    origin = typing.get_origin(tp)
    if origin in (typing.Required, typing.NotRequired, typing.Annotated):
        return _admits_plain_dict(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return any(_admits_plain_dict(arg) for arg in typing.get_args(tp))
    return tp is dict or origin is dict


def _known_keys(tp: Any, value: Any) -> None:
    candidates = _typeddicts(tp)
    if not candidates or not isinstance(value, Mapping) or _admits_plain_dict(tp):
        return
    # A union of TypedDicts: the one whose literal ``type`` matches, else any that declares every key.
    for td in candidates:
        hints = typing.get_type_hints(td, include_extras=True)
        if set(value) <= set(hints):
            for key, item in value.items():
                _known_keys(hints[key], item)
            return
    raise AssertionError(f"keys {sorted(value)} are not all declared by {[t.__name__ for t in candidates]}")

"""The rest of what ported code touches: a sync facade with nothing async in it, the official
names (``list_config_history``, ``allow_tracking``, ``experimental.tool``), the toolkits
items' ``connection``, ``ensure_connected``, clear errors for misplaced client arguments,
and ``enable_auto_workbench_offload`` on a model's calls."""

from __future__ import annotations

import inspect
from typing import Any

import orjson
import pytest

from composio_router import (
    AsyncComposio,
    AsyncConnectionRequest,
    AsyncSession,
    Composio,
    ConfigurationError,
    InvalidInputError,
    SessionContext,
    tool,
)
from composio_router.models import ConnectedAccount, ToolkitConnectionsDetails
from composio_router.providers import OpenAIProvider
from composio_router.testing import Emulator

EXECUTE = "/api/v3.1/tool_router/session/*/execute"


def _walk(root: object) -> list[str]:
    """Every public callable reachable from ``root`` through SDK objects that is async."""
    found: list[str] = []
    seen: set[int] = set()
    queue: list[tuple[str, object]] = [(type(root).__name__, root)]
    while queue:
        where, obj = queue.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        for name in dir(obj):
            if name.startswith("_"):
                continue
            value = getattr(obj, name)
            if inspect.iscoroutinefunction(value) or inspect.isasyncgenfunction(value):
                found.append(f"{where}.{name}")
            module = getattr(type(value), "__module__", "")
            if module.startswith("composio_router") and not module.startswith("composio_router.models"):
                queue.append((f"{where}.{name}", value))
    return found


def test_nothing_the_sync_client_hands_out_is_async(sync_client: Composio, emulator_thread: Emulator) -> None:
    session = sync_client.create(user_id="u")
    session.experimental.files.upload(b"x", remote_path="a.txt")
    handle = session.experimental.files.download("a.txt")
    request = session.authorize("gmail")
    roots = [sync_client, session, handle, request, sync_client.provider, sync_client.experimental]
    assert [path for root in roots for path in _walk(root)] == []
    assert type(session.experimental.files).__name__ == "SessionFiles"
    assert type(handle).__name__ == "RemoteFileHandle"
    assert type(session.ensure_connected("gmail")).__name__ == "ConnectionRequest"


def test_the_providers_handle_tool_calls_points_to_the_session(sync_client: Composio) -> None:
    # The official SDK runs tool calls on the provider; here the session does.
    with pytest.raises(InvalidInputError, match=r"session\.handle_tool_calls\(response\)"):
        sync_client.provider.handle_tool_calls(user_id="u", response={})


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((OpenAIProvider(),), {}, r"the provider is a keyword argument here: provider=OpenAIProvider\(\.\.\.\)"),
        ((), {"api_key": 1234}, "api_key must be a string or None, got int"),
        ((), {"provider": OpenAIProvider}, r"pass OpenAIProvider\(\)"),
        ((), {"provider": object()}, "lacks wrap_tools"),
        ((), {"allow_tracking": "no"}, "allow_tracking must be True or False"),
        ((), {"default_headers": ["x-team: a"]}, "default_headers must be a mapping"),
        ((), {"http_session": "pool"}, "http_session must be an aiohttp.ClientSession"),
    ],
)
def test_misplaced_client_arguments_say_what_was_expected(
    args: tuple[Any, ...], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Composio(*args, **kwargs) if args else Composio(**{"api_key": "test-key-1234567", **kwargs})


def test_allow_tracking_is_accepted_and_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPOSIO_API_KEY", "test-key-1234567")
    with Composio(allow_tracking=False) as composio:
        assert composio.options.api_key == "test-key-1234567"


@pytest.mark.anyio
async def test_toolkits_items_have_the_official_shape(client: AsyncComposio, emulator: Emulator) -> None:
    emulator.connect_account("u", "gmail")
    session = await client.create(user_id="u", toolkits=["gmail", "github", "weather"])
    page: ToolkitConnectionsDetails = await session.toolkits()
    items = {item.slug: item for item in page.items}
    gmail, github, weather = items["gmail"], items["github"], items["weather"]
    assert gmail.connection is not None and gmail.connection.is_active
    assert gmail.connection.connected_account is not None and gmail.connection.connected_account.status == "ACTIVE"
    assert gmail.connection.auth_config is not None and gmail.connection.auth_config.mode == "OAUTH2"
    assert gmail.logo and gmail.logo == (gmail.meta.logo if gmail.meta else None) and not gmail.is_no_auth
    assert github.connection is not None and not github.connection.is_active
    assert github.connection.connected_account is None
    assert weather.is_no_auth and weather.connection is None
    assert page.total_pages == 1 and page.next_cursor is None
    assert [t.slug async for t in session.iter_toolkits()] == [t.slug for t in page.items]


@pytest.mark.anyio
async def test_ensure_connected(client: AsyncComposio, emulator: Emulator) -> None:
    account_id = emulator.connect_account("u", "gmail")
    session = await client.create(user_id="u")
    connected = await session.ensure_connected("gmail")
    assert isinstance(connected, ConnectedAccount) and connected.id == account_id
    assert await session.ensure_connected("weather") is None  # nothing to connect
    request = await session.ensure_connected("github")
    assert isinstance(request, AsyncConnectionRequest) and request.redirect_url
    emulator.complete_link(request.id)
    assert (await request.wait_for_connection(timeout=5)).status == "ACTIVE"
    assert isinstance(await session.ensure_connected("github"), ConnectedAccount)
    with pytest.raises(InvalidInputError, match="not available"):
        await session.ensure_connected("nonexistent")
    narrow = await client.create(user_id="u", toolkits=["weather"])
    with pytest.raises(InvalidInputError, match="not allowed by its toolkits filter"):
        await narrow.ensure_connected("gmail")


@pytest.mark.anyio
async def test_list_config_history_is_the_official_name(session: AsyncSession) -> None:
    await session.update(search=False)
    history = await session.list_config_history(limit=1)
    assert [(e.version, e.is_current) for e in history.items] == [(2, True)] and history.next_cursor
    assert not hasattr(session, "config_history")


@pytest.mark.anyio
async def test_only_a_models_calls_allow_a_workbench_offload(session: AsyncSession, emulator: Emulator) -> None:
    await session.execute("WEATHER_GET_FORECAST", {"city": "Lisbon"})
    assert "enable_auto_workbench_offload" not in emulator.journal.find(method="POST", path=EXECUTE)[-1].body
    call = {"id": "c1", "type": "function",
            "function": {"name": "WEATHER_GET_FORECAST", "arguments": orjson.dumps({"city": "Porto"}).decode()}}
    await session.handle_tool_calls({"choices": [{"message": {"role": "assistant", "tool_calls": [call]}}]})
    body = emulator.journal.find(method="POST", path=EXECUTE)[-1].body
    assert body["tool_slug"] == "WEATHER_GET_FORECAST" and body["enable_auto_workbench_offload"] is True
    await session.multi_execute([("WEATHER_GET_FORECAST", {"city": "Faro"})])
    assert "enable_auto_workbench_offload" not in emulator.journal.find(method="POST", path=EXECUTE)[-1].body


@pytest.mark.anyio
async def test_a_custom_tools_own_calls_are_not_the_models(client: AsyncComposio, emulator: Emulator) -> None:
    @tool
    async def forecast_twice(city: str, ctx: SessionContext) -> dict[str, Any]:
        """Ask for a forecast on the model's behalf."""
        result = await ctx.execute("WEATHER_GET_FORECAST", {"city": city})
        return {"city": result.data.get("city")}

    session = await client.create(user_id="u", custom_tools=[forecast_twice])
    call = {"id": "c1", "type": "function",
            "function": {"name": "LOCAL_FORECAST_TWICE", "arguments": orjson.dumps({"city": "Braga"}).decode()}}
    [answer] = await session.handle_tool_calls({"choices": [{"message": {"role": "assistant", "tool_calls": [call]}}]})
    assert orjson.loads(answer["content"])["successful"] is True
    [inner] = emulator.journal.find(method="POST", path=EXECUTE)
    assert inner.body["tool_slug"] == "WEATHER_GET_FORECAST" and "enable_auto_workbench_offload" not in inner.body

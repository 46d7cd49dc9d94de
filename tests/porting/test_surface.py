"""The rest of what ported code touches: a sync facade with nothing async in it, the official
names (``list_config_history``, ``allow_tracking`` and the other client options,
``tool_router``, ``experimental.tool``), the toolkits items' ``connection``,
``ensure_connected``, clear errors for misplaced client arguments,
``enable_auto_workbench_offload`` on a model's calls, and mypy catching a dict setting's
misspelled key."""

from __future__ import annotations

import inspect
import tomllib
from pathlib import Path
from typing import Any

import orjson
import pytest
from agents.tool_context import ToolContext

from composio_router import (
    AsyncComposio,
    AsyncConnectionRequest,
    AsyncSession,
    Composio,
    ConfigurationError,
    CustomToolDefinitionError,
    InvalidInputError,
    SessionContext,
    tool,
)
from composio_router.models import ConnectedAccount, ToolkitConnectionsDetails
from composio_router.providers import LangChainProvider, OpenAIAgentsProvider, OpenAIProvider
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


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("environment", "production"),
        ("toolkit_versions", {"github": "20250116_00"}),
        ("toolkit_versions", "latest"),
        ("toolkit_versions", None),
        ("file_download_dir", "/tmp/composio-downloads"),
        ("file_download_dir", Path("/tmp/composio-downloads")),
        ("dangerously_allow_auto_upload_download_files", False),
        ("auto_upload_download_files", False),
        ("sensitive_file_upload_protection", True),
        ("sensitive_file_upload_protection", False),
        ("file_upload_path_deny_segments", [".ssh", "secrets"]),
        ("file_upload_dirs", ["/tmp/uploads"]),
        ("file_upload_dirs", False),
    ],
)
def test_official_client_options_that_change_nothing_are_accepted(
    name: str, value: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COMPOSIO_BASE_URL", raising=False)
    with Composio(api_key="test-key-1234567", **{name: value}) as composio, Composio(api_key="test-key-1234567") as plain:
        assert composio.options == plain.options


def test_a_client_with_every_harmless_official_option_sends_what_a_plain_one_sends(
    emulator_thread: Emulator, api_key: str
) -> None:
    bodies = []
    for official in ({}, {"environment": "staging", "toolkit_versions": {"github": "20250116_00"},
                          "file_download_dir": "/tmp/composio-downloads", "auto_upload_download_files": False,
                          "sensitive_file_upload_protection": False, "file_upload_dirs": False}):
        # environment="staging" with a base_url: the base_url wins, as in the official SDK.
        with Composio(api_key=api_key, base_url=emulator_thread.url, **official) as composio:
            session = composio.create(user_id="u", toolkits=["weather"])
            session.execute("WEATHER_GET_FORECAST", {"city": "Lisbon"})
        bodies.append([(e.method, e.body) for e in emulator_thread.journal.find(path="/api/v3.1/*")])
        emulator_thread.journal.clear()
    assert bodies[0] == bodies[1] and len(bodies[0]) == 2


@pytest.mark.parametrize(
    ("official", "message"),
    [
        ({"environment": "staging"}, r"environment='staging' names a deployment.*as base_url=\.\.\. \(or set COMPOSIO_BASE_URL\)"),
        ({"environment": "local"}, "environment='local' names a deployment"),
        ({"environment": "prod"}, "environment must be 'production', 'staging' or 'local', got 'prod'"),
        ({"dangerously_allow_auto_upload_download_files": True},
         r"dangerously_allow_auto_upload_download_files=True is not supported.*session\.experimental\.files\.upload"),
        ({"auto_upload_download_files": True}, "auto_upload_download_files=True is not supported"),
        ({"toolkit_versions": 20250116}, "toolkit_versions must be a version string, a mapping"),
        ({"toolkit_versions": {"github": 1}}, "toolkit_versions must be"),
        ({"file_download_dir": 5}, "file_download_dir must be a path or None"),
        ({"sensitive_file_upload_protection": "yes"}, "sensitive_file_upload_protection must be True or False"),
        ({"file_upload_path_deny_segments": ".ssh"}, "file_upload_path_deny_segments must be a list"),
        ({"file_upload_dirs": True}, "file_upload_dirs must be a list of directories, False or None"),
    ],
)
def test_official_client_options_that_would_change_something_are_refused(
    official: dict[str, Any], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COMPOSIO_BASE_URL", raising=False)
    with pytest.raises(ConfigurationError, match=message):
        Composio(api_key="test-key-1234567", **official)
    with pytest.raises(ConfigurationError, match=message):
        AsyncComposio(api_key="test-key-1234567", **official)


def test_an_unknown_client_argument_is_still_a_type_error() -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'timout'; did you mean 'timeout'"):
        Composio(api_key="test-key-1234567", timout=5)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'colour'$"):
        AsyncComposio(api_key="test-key-1234567", colour="blue")  # type: ignore[call-arg]


@pytest.mark.anyio
async def test_tool_router_is_the_official_old_name_of_sessions(client: AsyncComposio, emulator: Emulator) -> None:
    assert client.tool_router is client.sessions
    session = await client.tool_router.create(user_id="u", toolkits=["weather"])
    assert (await client.tool_router.use(session.session_id)).session_id == session.session_id
    await client.tool_router.delete(session.session_id)
    assert [e.method for e in emulator.journal.find(path="/api/v3.1/tool_router/session*")] == ["POST", "GET", "DELETE"]


def test_the_sync_tool_router(sync_client: Composio, emulator_thread: Emulator) -> None:
    router = sync_client.tool_router
    assert router is sync_client.tool_router and type(router) is type(sync_client.sessions)
    session = router.create(user_id="u")
    assert router.use(session.session_id).session_id == session.session_id
    assert router.delete(session.session_id).session_id == session.session_id


def test_the_official_experimental_toolkit_says_what_to_write_instead(sync_client: Composio) -> None:
    with pytest.raises(CustomToolDefinitionError, match=r"CustomToolkit\(slug='DEV_TOOLS', name='Dev Tools', description=\.\.\., tools=\[\.\.\.\], preload=True\)"):
        sync_client.experimental.Toolkit(slug="DEV_TOOLS", name="Dev Tools", description="Local dev utilities", preload=True)


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
async def test_tools_that_run_themselves_make_the_models_calls(client: AsyncComposio, emulator: Emulator) -> None:
    # LangChain tools and Agents SDK FunctionTools run when the framework calls them: the calls
    # are the model's, as with handle_tool_calls, so /execute carries the offload flag, as the
    # official SDKs send it from their provider tools' execute function.
    session = await client.create(user_id="u", toolkits=["weather"], preload=["WEATHER_GET_FORECAST"])
    langchain = {t.name: t for t in await session.get_provider_tools(LangChainProvider())}
    assert orjson.loads(await langchain["WEATHER_GET_FORECAST"].ainvoke({"city": "Lisbon"}))["successful"]
    [sent] = emulator.journal.find(method="POST", path=EXECUTE)
    assert sent.body["tool_slug"] == "WEATHER_GET_FORECAST" and sent.body["enable_auto_workbench_offload"] is True

    [agents_tool] = [t for t in await session.get_provider_tools(OpenAIAgentsProvider()) if t.name == "WEATHER_GET_FORECAST"]
    arguments = orjson.dumps({"city": "Porto"}).decode()
    context = ToolContext(context=None, tool_name="WEATHER_GET_FORECAST", tool_call_id="c1", tool_arguments=arguments)
    assert orjson.loads(await agents_tool.on_invoke_tool(context, arguments))["data"]["city"] == "Porto"
    body = emulator.journal.find(method="POST", path=EXECUTE)[-1].body
    assert body["arguments"] == {"city": "Porto"} and body["enable_auto_workbench_offload"] is True
    await session.execute("WEATHER_GET_FORECAST", {"city": "Faro"})  # the application's own call
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


MYPY_SNIPPET = """\
from composio_router import Composio
from composio_router.session_config import ToolkitFilterDict

with Composio() as composio:
    composio.create(user_id="u", toolkits={"enable": ["gmail"]}, sandbox={"enable": True})
    composio.create(user_id="u", toolkits={"enabel": ["gmail"]})  # misspelled key
    composio.create(user_id="u", sandbox={"enable": "yes"})  # bad type
    composio.use("trs_1", experimental={"custom_tool": []})  # misspelled key
    toolkits: ToolkitFilterDict = {"enabel": ["gmail"]}  # misspelled key
"""


def test_mypy_catches_a_misspelled_key_or_a_bad_type_in_a_dict_setting(tmp_path: Path) -> None:
    # The TypedDicts are the type checker's rule too. One file, with the repo's mypy options;
    # third-party packages are read as Any (follow_imports=skip) and composio_router is checked
    # but not reported on (silent), so this takes seconds, not the minute of a cold full run.
    from mypy import api  # in the test extra: never skipped
    options = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())["tool"]["mypy"]
    config = ["[mypy]"] + [f"{k} = {v}" for k, v in options.items() if k not in ("packages", "files")]
    config += ["follow_imports = skip", "[mypy-composio_router.*]", "follow_imports = silent"]
    (tmp_path / "mypy.ini").write_text("\n".join(config) + "\n")
    (tmp_path / "snippet.py").write_text(MYPY_SNIPPET)
    out, err, status = api.run([
        "--config-file", str(tmp_path / "mypy.ini"), "--cache-dir", str(tmp_path / "cache"),
        "--no-error-summary", str(tmp_path / "snippet.py"),
    ])
    assert status == 1, out + err
    errors = {int(line.split(":")[1]): line for line in out.splitlines() if ": error:" in line}
    flagged = [n for n, text in enumerate(MYPY_SNIPPET.splitlines(), 1) if "#" in text]
    assert sorted(errors) == flagged, out  # the correct call on line 5 passes
    assert "ToolkitFilterDict" in errors[6] and "WorkbenchDict" in errors[7]
    assert "UseExperimentalDict" in errors[8] and 'Extra key "enabel"' in errors[9]

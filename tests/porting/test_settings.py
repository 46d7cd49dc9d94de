"""Session settings as the official SDK writes them: dicts, ``sandbox=``, ``execute=``,
``session_preset``, ``mcp=True``, custom tools inside ``experimental`` on ``use`` too; a bad
dict is refused before sending, naming its key path."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from composio_router import (
    AsyncComposio,
    AsyncSession,
    Composio,
    CustomToolkit,
    InvalidInputError,
    MCPDestinationError,
    ToolFilter,
    ToolkitFilter,
    Workbench,
    tool,
)
from composio_router.models import Experimental, ManageConnections, MultiAccount, Preload, TagFilter
from composio_router.testing import Emulator

pytestmark = pytest.mark.anyio
SESSIONS = "/api/v3.1/tool_router/session"


async def _create_body(client: AsyncComposio, emulator: Emulator, **settings: Any) -> dict[str, Any]:
    await client.create(user_id="u", **settings)
    body: dict[str, Any] = emulator.journal.find(method="POST", path=SESSIONS)[-1].body
    return body


async def test_dicts_send_what_the_attrs_classes_send(client: AsyncComposio, emulator: Emulator) -> None:
    as_dicts = await _create_body(
        client, emulator,
        toolkits={"enable": ["gmail", "github"], "require_approval": ["github"]},
        tools={"github": {"disable": ["GITHUB_CLOSE_ISSUE"]}, "gmail": {"tags": {"enable": ["readOnlyHint"]}}},
        tags={"disable": ["destructiveHint"]},
        manage_connections={"enable": True, "wait_for_connections": True},
        sandbox={"enable": True, "sandbox_size": "large", "auto_offload_threshold": 5000},
        multi_account={"enable": True, "max_accounts_per_toolkit": 3},
        preload={"tools": ["GMAIL_FETCH_EMAILS"]},
        experimental={"permissions": {"default": "allow_all"}, "fast_mode": True},
    )
    as_classes = await _create_body(
        client, emulator,
        toolkits=ToolkitFilter(enable=["gmail", "github"], require_approval=["github"]),
        tools={"github": ToolFilter(disable=["GITHUB_CLOSE_ISSUE"]),
               "gmail": ToolFilter(tags=TagFilter(enable=["readOnlyHint"]))},
        tags=TagFilter(disable=["destructiveHint"]),
        manage_connections=ManageConnections(enable=True, enable_wait_for_connections=True),
        workbench=Workbench(enable=True, sandbox_size="large", auto_offload_threshold=5000),
        multi_account=MultiAccount(enable=True, max_accounts_per_toolkit=3),
        preload=Preload(tools=["GMAIL_FETCH_EMAILS"]),
        experimental={"permissions": {"default": "allow_all"}, "fast_mode": True},
    )
    assert as_dicts == as_classes
    assert as_dicts["workbench"] == {"enable": True, "auto_offload_threshold": 5000, "sandbox_size": "large"}
    assert as_dicts["manage_connections"] == {"enable": True, "enable_wait_for_connections": True}


async def test_update_takes_the_official_dicts(session: AsyncSession, emulator: Emulator) -> None:
    await session.update(
        search={"enable": False}, execute={"enable_multi_execute": False}, proxy_execute={"enable": True},
        instant={"return_instant_charge": True}, sandbox=None,
    )
    patch = emulator.journal.find(method="PATCH", path=SESSIONS + "/*")[-1].body
    assert patch == {
        "workbench": None, "search": {"enable": False}, "execute": {"enable_multi_execute": False},
        "instant": {"return_instant_charge": True}, "proxy_execute": {"enable": True},
    }
    assert session.config.search == {"enable": False} and session.config.execute == {"enable_multi_execute": False}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"sandbox": {"sandbox_size": "huge"}}, r"sandbox\.sandbox_size: expected one of 'standard'"),
        ({"workbench": {"enable": "yes"}}, r"workbench\.enable: expected True or False"),
        ({"toolkits": {"enabel": ["gmail"]}}, r"toolkits\.enabel: unknown key; the keys are enable, disable"),
        ({"toolkits": {"enable": ["a"], "disable": ["b"]}}, r"toolkits: .*mutually exclusive"),
        ({"tools": {"gmail": {"tags": ["readOnly"]}}}, r"tools\['gmail'\]\.tags\[0\]: expected one of"),
        ({"manage_connections": {"callback_url": 5}}, r"manage_connections\.callback_url: expected a string"),
        ({"multi_account": {"max_accounts_per_toolkit": 11}}, r"multi_account: .*2 to 10"),
        ({"experimental": {"assistive_prompt": {"user_timezone": 1}}}, r"experimental\.assistive_prompt\.user_timezone"),
        ({"experimental": {"custom_tools": ["not a tool"]}}, r"experimental\.custom_tools\[0\]: expected a CustomTool"),
        ({"experimental": ["not a dict"]}, "experimental: expected Experimental, ExperimentalDict"),
        ({"hooks": [{"type": "before_execute", "id": "h", "applies_to": "all",
                     "handler": {"type": "condition_check", "action": "block"}}]},
         r"hooks\[0\]\.handler: missing required key\(s\) condition"),
        ({"hooks": [{"type": "before_execute", "id": "h", "applies_to": "all",
                     "handler": {"type": "prompt_injection_check", "action": "block"}}]},
         r"hooks\[0\]\.handler\.type: expected one of 'condition_check'"),
        ({"sandbox": {}, "workbench": {}}, "workbench and sandbox are one setting"),
        ({"execute": {}, "multi_execute": True}, "multi_execute and execute are one setting"),
        ({"session_preset": "everything"}, "session_preset: expected one of 'direct_tools'"),
        ({"hooks": [], "experimental": {"session_config_id": "sc_1"}}, "hooks cannot be combined"),
    ],
)
async def test_a_bad_dict_names_its_key_path_before_anything_is_sent(
    client: AsyncComposio, emulator: Emulator, settings: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        await client.create(user_id="u", **settings)
    assert emulator.journal.find(method="POST", path=SESSIONS) == []


async def test_create_only_settings_are_refused_on_update(session: AsyncSession, emulator: Emulator) -> None:
    before = len(emulator.journal)
    with pytest.raises(InvalidInputError, match="session_preset can only be set when the session is created"):
        await session.update(session_preset="direct_tools")  # type: ignore[call-arg]
    with pytest.raises(InvalidInputError, match=r"experimental\.assistive_prompt can only be set"):
        await session.update(experimental={"assistive_prompt": {"user_timezone": "UTC"}})
    assert len(emulator.journal) == before


async def test_the_direct_tools_preset_applies_the_official_defaults(client: AsyncComposio, emulator: Emulator) -> None:
    body = await _create_body(client, emulator, session_preset="direct_tools", toolkits=["weather"])
    assert body == {
        "user_id": "u", "toolkits": {"enable": ["weather"]}, "manage_connections": {"enable": False},
        "workbench": {"enable": False}, "preload": {"tools": "all"}, "search": {"enable": False},
        "execute": {"enable_multi_execute": False},
    }
    # What the caller sets wins over the preset.
    body = await _create_body(
        client, emulator, session_preset="direct_tools", toolkits=["weather"], search=True, sandbox={"enable": True}
    )
    assert body["search"] == {"enable": True} and body["workbench"] == {"enable": True}


async def test_mcp_true_raises_when_the_key_cannot_go_to_the_mcp_origin(
    emulator: Emulator, api_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    # The emulator's MCP URLs name 127.0.0.1; a client that calls it "localhost" has another origin.
    port = emulator.url.rsplit(":", 1)[1]
    async with AsyncComposio(api_key=api_key, base_url=f"http://localhost:{port}") as composio:
        with pytest.raises(MCPDestinationError) as info:
            await composio.create(user_id="u", mcp=True)
        assert info.value.api_origin == f"http://localhost:{port}"
        assert info.value.mcp_origin == f"http://127.0.0.1:{port}"
        with caplog.at_level(logging.WARNING, logger="composio_router"):
            session = await composio.create(user_id="u")
        assert session.mcp.headers == {}
        assert any("pass mcp=True" in r.getMessage() for r in caplog.records)
        with pytest.raises(MCPDestinationError):
            await composio.use(session.session_id, mcp=True)
    async with AsyncComposio(api_key=api_key, base_url=emulator.url) as composio:
        same_origin = await composio.create(user_id="u", mcp=True)
        assert same_origin.mcp.headers == {"x-api-key": api_key}


@tool
def note(title: str) -> dict[str, Any]:
    """Save a note."""
    return {"saved": title}


NOTES = CustomToolkit(slug="notes", name="Notes", description="Local notes", tools=[note])


async def test_use_takes_custom_tools_inside_experimental(client: AsyncComposio, emulator: Emulator) -> None:
    created = await client.create(user_id="u")
    as_keywords = await client.use(created.session_id, custom_tools=[note], custom_toolkits=[NOTES])
    keywords_body = emulator.journal.find(method="POST", path=SESSIONS + "/*/attach")[-1].body
    as_dict = await client.use(created.session_id, experimental={"custom_tools": [note], "custom_toolkits": [NOTES]})
    assert emulator.journal.find(method="POST", path=SESSIONS + "/*/attach")[-1].body == keywords_body
    assert [t.slug for t in as_dict.custom_tools()] == [t.slug for t in as_keywords.custom_tools()]
    assert (await as_dict.execute("LOCAL_NOTES_NOTE", {"title": "x"})).data == {"saved": "x"}
    assert (await client.sessions.use(created.session_id, experimental={"custom_tools": [note]})).custom_tools()
    assert not (await client.use(created.session_id, experimental={})).custom_tools()  # nothing to attach: GET


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"custom_tools": [note], "experimental": {"custom_tools": [note]}}, "custom_tools= or inside experimental, not both"),
        ({"experimental": {"custom_tools": ["not a tool"]}}, r"experimental\.custom_tools\[0\]: expected a CustomTool"),
        ({"experimental": {"custom_tool": [note]}}, r"experimental\.custom_tool: unknown key"),
        ({"experimental": {"assistive_prompt": {"user_timezone": "UTC"}}},
         r"experimental\.assistive_prompt cannot be passed to use\(\)"),
        ({"experimental": [note]}, "use\\(\\)'s experimental takes a dict"),
        ({"experimental": Experimental(fast_mode=True)}, "belongs on create"),
    ],
)
async def test_a_bad_use_experimental_is_refused_before_sending(
    client: AsyncComposio, emulator: Emulator, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        await client.use("trs_1", **kwargs)
    assert len(emulator.journal) == 0


def test_the_sync_use_takes_custom_tools_inside_experimental(sync_client: Composio, emulator_thread: Emulator) -> None:
    created = sync_client.create(user_id="u")
    session = sync_client.use(created.session_id, experimental={"custom_tools": [note], "custom_toolkits": [NOTES]})
    assert {t.slug for t in session.custom_tools()} == {"LOCAL_NOTE", "LOCAL_NOTES_NOTE"}
    assert session.execute("LOCAL_NOTE", {"title": "y"}).data == {"saved": "y"}
    assert emulator_thread.journal.find(method="POST", path=SESSIONS + "/*/attach")
    with pytest.raises(InvalidInputError, match="not both"):
        sync_client.sessions.use(created.session_id, custom_toolkits=[NOTES], experimental={"custom_toolkits": [NOTES]})

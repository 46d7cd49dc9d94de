"""Every session endpoint, end to end over loopback, with the wire checked in the journal."""

from __future__ import annotations

import pytest

from composio_router import AsyncComposio, AsyncSession, InvalidInputError, NotFoundError, Session
from composio_router.models import ManageConnections, SearchResponse, Tool, ToolkitFilter, Workbench
from composio_router.testing import Emulator

SEARCH = "/api/v3.1/tool_router/session/*/search"

pytestmark = pytest.mark.anyio


async def test_create_sends_only_what_was_set(client: AsyncComposio, emulator: Emulator) -> None:
    session = await client.create(
        user_id="user-7",
        toolkits=["github", "gmail"],
        tools={"gmail": ["GMAIL_SEND_EMAIL"]},
        manage_connections=ManageConnections(enable=True, enable_wait_for_connections=False),
        workbench=Workbench(enable=False),
    )
    [entry] = emulator.journal.find(method="POST", path="/api/v3.1/tool_router/session")
    assert entry.status == 201
    assert entry.body == {
        "user_id": "user-7",
        "toolkits": {"enable": ["github", "gmail"]},
        "tools": {"gmail": {"enable": ["GMAIL_SEND_EMAIL"]}},
        "manage_connections": {"enable": True, "enable_wait_for_connections": False},
        "workbench": {"enable": False},
    }
    assert session.session_id
    assert session.user_id == "user-7"
    assert session.config_version == 1
    assert session.config.toolkits is not None and session.config.toolkits.enabled == ["github", "gmail"]
    assert "COMPOSIO_SEARCH_TOOLS" in session.tool_router_tools
    assert "COMPOSIO_REMOTE_WORKBENCH" not in session.tool_router_tools


async def test_minimal_create_body(client: AsyncComposio, emulator: Emulator) -> None:
    await client.sessions.create(user_id="u")
    [entry] = emulator.journal.find(method="POST", path="/api/v3.1/tool_router/session")
    assert entry.body == {"user_id": "u"}
    assert entry.headers["content-type"] == "application/json"
    assert entry.headers["x-api-key"] == "<redacted>"  # sent, and the journal never stores it


async def test_use_retrieves_and_delete_removes(client: AsyncComposio, session: AsyncSession) -> None:
    again = await client.use(session.session_id)
    assert again.session_id == session.session_id
    assert again.config.user_id == "user-1"
    deleted = await client.delete(session.session_id)
    assert deleted.deleted is True and deleted.session_id == session.session_id
    with pytest.raises(NotFoundError) as info:
        await client.use(session.session_id)
    assert info.value.status_code == 404
    with pytest.raises(NotFoundError):
        await session.delete()  # deleting twice is a 404


async def test_mcp_headers_only_for_the_api_origin(session: AsyncSession, client: AsyncComposio) -> None:
    mcp = session.mcp
    assert mcp.type == "http"
    assert mcp.url.startswith(client.options.base_url)
    assert mcp.headers == {"x-api-key": client.options.api_key}
    assert client.options.api_key not in repr(mcp)


async def test_get_meta_tools_follows_pages_and_caches(session: AsyncSession, emulator: Emulator) -> None:
    tools = await session.get_meta_tools()
    assert tools and all(isinstance(t, Tool) for t in tools)
    assert {"COMPOSIO_SEARCH_TOOLS", "COMPOSIO_MULTI_EXECUTE_TOOL"} <= {t.slug for t in tools}
    calls = emulator.journal.find(method="GET", path="/api/v3.1/tool_router/session/*/tools")
    assert calls and calls[0].query["limit"] == "500"
    again = await session.get_meta_tools()
    assert [t.slug for t in again] == [t.slug for t in tools]
    assert len(emulator.journal.find(method="GET", path="/api/v3.1/tool_router/session/*/tools")) == len(calls)
    await session.get_meta_tools(refresh=True)
    assert len(emulator.journal.find(method="GET", path="/api/v3.1/tool_router/session/*/tools")) > len(calls)


async def test_preloaded_tools_are_listed(client: AsyncComposio) -> None:
    session = await client.create(user_id="u", toolkits=["weather"], preload=["WEATHER_GET_FORECAST"])
    slugs = {t.slug for t in await session.get_meta_tools()}
    assert "WEATHER_GET_FORECAST" in slugs
    provided = await session.tools()  # default provider: OpenAI chat completions tools
    assert {t["function"]["name"] for t in provided} == slugs


async def test_search(session: AsyncSession, emulator: Emulator) -> None:
    found = await session.search("send an email", model="gpt-4o")
    [entry] = emulator.journal.find(method="POST", path="/api/v3.1/tool_router/session/*/search")
    assert entry.body == {"queries": [{"use_case": "send an email"}], "model": "gpt-4o"}
    assert found.success
    assert found.results[0].index == 1
    assert "GMAIL_SEND_EMAIL" in found.tool_slugs
    assert found.toolkit_connection_statuses


async def test_search_splits_more_than_seven_queries(session: AsyncSession, emulator: Emulator) -> None:
    queries = [f"weather forecast {i}" for i in range(9)]
    found = await session.search(queries)
    bodies = [e.body for e in emulator.journal.find(method="POST", path="/api/v3.1/tool_router/session/*/search")]
    assert sorted(len(b["queries"]) for b in bodies) == [2, 7]
    assert [r.index for r in found.results] == list(range(1, 10))
    assert [r.use_case for r in found.results] == queries


# A use case that, unfiltered, finds tools of slack, github, linear, gmail and notion.
WIDE = "send a message or create an issue"
NARROW = ["github", "slack"]


def _toolkits_of(found: SearchResponse) -> set[str]:
    """Every toolkit a search answered with: its results, schemas and connection statuses."""
    return (
        {tk for r in found.results for tk in r.toolkits}
        | {schema.toolkit for schema in found.tool_schemas.values()}
        | {status.toolkit for status in found.toolkit_connection_statuses}
    )


async def test_search_narrowed_to_toolkits(session: AsyncSession, emulator: Emulator) -> None:
    wide = await session.search(WIDE)
    assert _toolkits_of(wide) > set(NARROW)  # the filter below has something to remove
    emulator.journal.clear()

    found = await session.search(WIDE, toolkits=NARROW)
    [entry] = emulator.journal.find(method="POST", path=SEARCH)
    assert entry.body == {"queries": [{"use_case": WIDE}], "toolkits": NARROW}
    assert _toolkits_of(found) == set(NARROW)
    assert set(found.tool_slugs) == {"SLACK_SEND_MESSAGE", "GITHUB_CREATE_ISSUE"}


async def test_search_toolkits_travel_in_every_split_request(session: AsyncSession, emulator: Emulator) -> None:
    queries = [f"{WIDE} {i}" for i in range(9)]
    found = await session.search(queries, toolkits=NARROW)
    bodies = [e.body for e in emulator.journal.find(method="POST", path=SEARCH)]
    assert sorted(len(b["queries"]) for b in bodies) == [2, 7]
    assert all(b["toolkits"] == NARROW for b in bodies)
    assert [r.use_case for r in found.results] == queries
    assert all(r.primary_tool_slugs for r in found.results)
    assert _toolkits_of(found) == set(NARROW)


@pytest.mark.parametrize("toolkits", [[], (), "github", [""], ["  "], ["github", None]])
async def test_search_refuses_a_bad_toolkit_filter_before_sending(
    session: AsyncSession, emulator: Emulator, toolkits: object
) -> None:
    emulator.journal.clear()
    with pytest.raises(InvalidInputError, match="toolkits"):
        await session.search(WIDE, toolkits=toolkits)  # type: ignore[arg-type]
    assert emulator.journal.find(path=SEARCH) == []
    assert len(emulator.journal) == 0  # nothing at all was sent


def test_sync_search_narrowed_to_toolkits(sync_session: Session, emulator_thread: Emulator) -> None:
    emulator_thread.journal.clear()
    found = sync_session.search(WIDE, toolkits=NARROW)
    [entry] = emulator_thread.journal.find(method="POST", path=SEARCH)
    assert entry.body == {"queries": [{"use_case": WIDE}], "toolkits": NARROW}
    assert _toolkits_of(found) == set(NARROW)

    emulator_thread.journal.clear()
    split = sync_session.search([WIDE] * 8, toolkits=NARROW)
    bodies = [e.body for e in emulator_thread.journal.find(method="POST", path=SEARCH)]
    assert sorted(len(b["queries"]) for b in bodies) == [1, 7]
    assert all(b["toolkits"] == NARROW for b in bodies)
    assert [r.index for r in split.results] == list(range(1, 9))
    assert _toolkits_of(split) == set(NARROW)

    emulator_thread.journal.clear()
    with pytest.raises(InvalidInputError, match="toolkits"):
        sync_session.search(WIDE, toolkits=[])
    assert len(emulator_thread.journal) == 0


async def test_execute_no_auth_tool(session: AsyncSession, emulator: Emulator) -> None:
    result = await session.execute("WEATHER_GET_FORECAST", {"city": "Lisbon"})
    assert result.successful, result.error
    assert result.result_type == "completed"
    assert result.log_id
    assert result.data
    [entry] = emulator.journal.find(method="POST", path="/api/v3.1/tool_router/session/*/execute")
    assert entry.body == {"tool_slug": "WEATHER_GET_FORECAST", "arguments": {"city": "Lisbon"}}


async def test_execute_without_connection_is_a_failed_result(session: AsyncSession) -> None:
    result = await session.execute("GITHUB_CREATE_ISSUE", {"owner": "acme", "repo": "api", "title": "x"})
    assert not result.successful
    assert result.error and "connection" in result.error.lower()


async def test_execute_with_connected_account_changes_state(session: AsyncSession, emulator: Emulator) -> None:
    emulator.connect_account("user-1", "github")
    created = await session.execute("GITHUB_CREATE_ISSUE", {"owner": "acme", "repo": "api", "title": "Bug"})
    assert created.successful, created.error
    assert any(issue.get("title") == "Bug" for issue in emulator.issues("user-1"))


async def test_execute_meta(session: AsyncSession, emulator: Emulator) -> None:
    result = await session.execute_meta(
        "COMPOSIO_SEARCH_TOOLS", {"queries": [{"use_case": "create a github issue"}]}
    )
    assert result.successful, result.error
    assert "results" in result.data
    [entry] = emulator.journal.find(method="POST", path="/api/v3.1/tool_router/session/*/execute_meta")
    assert entry.body["slug"] == "COMPOSIO_SEARCH_TOOLS"


async def test_remote_multi_execute_meta_tool(session: AsyncSession) -> None:
    result = await session.execute(
        "COMPOSIO_MULTI_EXECUTE_TOOL",
        {"tools": [{"tool_slug": "WEATHER_GET_FORECAST", "arguments": {"city": "Oslo"}},
                   {"tool_slug": "GITHUB_LIST_ISSUES", "arguments": {"owner": "a", "repo": "b"}}],
         "sync_response_to_workbench": False},
    )
    assert result.data["total_count"] == 2
    assert [r["index"] for r in result.data["results"]] == [0, 1]


async def test_authorize_and_link(session: AsyncSession, emulator: Emulator) -> None:
    link = await session.create_auth_link("gmail", "https://app.example.com/done")
    [entry] = emulator.journal.find(method="POST", path="/api/v3.1/tool_router/session/*/link")
    assert entry.status == 201
    assert entry.body == {"toolkit": "gmail", "callback_url": "https://app.example.com/done"}
    assert link.link_token and link.connected_account_id and link.redirect_url.startswith(emulator.url)
    request = await session.authorize("github", alias="work")
    assert request.status == "INITIATED"
    assert request.redirect_url and request.id


async def test_toolkits_page(session: AsyncSession, emulator: Emulator) -> None:
    page = await session.toolkits(limit=2, toolkits=["gmail", "github"], is_connected=False, search="")
    [entry] = emulator.journal.find(method="GET", path="/api/v3.1/tool_router/session/*/toolkits")
    assert entry.query_string.count("toolkits=") == 1
    assert entry.query["toolkits"] == "gmail,github"
    assert entry.query["is_connected"] == "false"
    assert entry.query["limit"] == "2"
    assert {t.slug for t in page.items} == {"gmail", "github"}
    assert page.total_items == 2


async def test_toolkits_iterates_every_page(session: AsyncSession) -> None:
    first = await session.toolkits(limit=2)
    assert first.next_cursor is not None and first.total_pages is not None and first.total_pages > 1
    slugs = [t.slug async for t in session.iter_toolkits(limit=2)]
    assert len(slugs) == first.total_items
    assert len(set(slugs)) == len(slugs)
    second = await session.toolkits(limit=2, next_cursor=first.next_cursor)
    assert second.current_page == 2


async def test_connected_toolkit_state(session: AsyncSession, emulator: Emulator) -> None:
    emulator.connect_account("user-1", "gmail")
    page = await session.toolkits(toolkits=["gmail"])
    [gmail] = page.items
    assert gmail.is_connected and gmail.connected_account is not None
    connected = await session.toolkits(is_connected=True)
    assert "gmail" in {t.slug for t in connected.items}


async def test_proxy_execute(session: AsyncSession, emulator: Emulator) -> None:
    emulator.connect_account("user-1", "github")
    result = await session.proxy_execute(
        "github", "/repos/acme/api", "get", parameters=[{"name": "per_page", "value": 5, "in": "query"}]
    )
    [entry] = emulator.journal.find(method="POST", path="/api/v3.1/tool_router/session/*/proxy_execute")
    assert entry.body == {
        "toolkit_slug": "github", "endpoint": "/repos/acme/api", "method": "GET",
        "parameters": [{"name": "per_page", "type": "query", "value": "5"}],
    }
    assert result.status == 200 and result.successful


async def test_update_and_config_history(session: AsyncSession, emulator: Emulator) -> None:
    await session.update(toolkits=ToolkitFilter(disable=["slack"]))
    assert session.config_version == 2
    assert session.config.toolkits is not None and session.config.toolkits.disabled == ["slack"]
    await session.update(search=False)
    assert session.config_version == 3
    history = await session.list_config_history()
    assert [h.version for h in history.items] == [3, 2, 1]
    assert history.items[0].is_current and not history.items[1].is_current
    all_versions = [h.version async for h in session.iter_config_history(limit=1)]
    assert all_versions == [3, 2, 1]


async def test_refresh(session: AsyncSession, client: AsyncComposio) -> None:
    other = await client.use(session.session_id)
    await other.update(search=False)
    info = await session.refresh()
    assert info.config_version == 2 == session.config_version


async def test_connected_account_lookup(client: AsyncComposio, emulator: Emulator) -> None:
    ca = emulator.connect_account("user-1", "gmail")
    account = await client.get_connected_account(ca)
    assert account.id == ca and account.status == "ACTIVE" and account.toolkit_slug == "gmail"

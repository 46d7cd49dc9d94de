"""multi_execute and custom-tool routing: concurrency, order, isolation, cancellation."""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

import anyio
import attrs
import pytest

from composio_router import (
    AsyncComposio,
    AsyncSession,
    BadRequestError,
    BatchItemResult,
    SessionContext,
    SyncSessionContext,
    ToolNotFoundError,
    tool,
)
from composio_router.testing import Emulator

pytestmark = pytest.mark.anyio
EXECUTE = "/api/v3.1/tool_router/session/*/execute"
EXECUTE_META = "/api/v3.1/tool_router/session/*/execute_meta"


@tool
async def nap(ms: int) -> dict[str, Any]:
    """Sleep asynchronously for ``ms`` milliseconds."""
    await anyio.sleep(ms / 1000)
    return {"slept_ms": ms}


@tool
def blocking_nap(ms: int) -> dict[str, Any]:
    """Sleep in a worker thread for ``ms`` milliseconds."""
    time.sleep(ms / 1000)
    return {"slept_ms": ms, "thread": threading.get_ident()}


@tool
def explode(reason: str) -> dict[str, Any]:
    """Always raises."""
    raise RuntimeError(f"boom: {reason}")


@tool(slug="grep")
def grep_tool(pattern: str) -> dict[str, Any]:
    """Find a pattern (a toy)."""
    return {"matched": pattern}


@tool
async def weather_report(city: str, ctx: SessionContext) -> dict[str, Any]:
    """Ask the remote weather tool through the session context."""
    forecast = await ctx.execute("WEATHER_GET_FORECAST", {"city": city})
    return {"user": ctx.user_id, "forecast": forecast.data, "ok": forecast.successful}


@tool
def sync_weather_report(city: str, ctx: SyncSessionContext) -> dict[str, Any]:
    """The same from a sync tool, which blocks on the session from its worker thread."""
    forecast = ctx.execute("WEATHER_GET_FORECAST", {"city": city})
    return {"ok": forecast.successful}


@tool
async def shout(text: str) -> dict[str, Any]:
    """Upper-case a text."""
    return {"text": text.upper()}


CUSTOMS = [nap, blocking_nap, explode, grep_tool, weather_report, sync_weather_report]


@pytest.fixture
async def local_session(client: AsyncComposio) -> AsyncSession:
    return await client.create(user_id="user-1", custom_tools=CUSTOMS)


def _overlap(items: list[BatchItemResult]) -> bool:
    """Every item started before any item finished: they all ran at the same time."""
    return max(i.started for i in items) < min(i.finished for i in items)


async def test_twenty_async_local_tools_overlap(local_session: AsyncSession, emulator: Emulator) -> None:
    before = len(emulator.journal)
    batch = await local_session.multi_execute([("NAP", {"ms": 50})] * 20)
    assert batch.success_count == 20 and batch.error_count == 0
    assert all(r.local for r in batch.results)
    assert _overlap(batch.results)
    assert len(emulator.journal) == before  # nothing went to the server


async def test_twenty_sync_local_tools_overlap_in_threads(local_session: AsyncSession) -> None:
    batch = await local_session.multi_execute([("BLOCKING_NAP", {"ms": 50})] * 20)
    assert batch.success_count == 20
    assert _overlap(batch.results)
    threads = {r.data["thread"] for r in batch.results}
    assert threading.get_ident() not in threads and len(threads) > 1


async def test_twenty_remote_items_run_concurrently(local_session: AsyncSession, emulator: Emulator) -> None:
    batch = await local_session.multi_execute([("UTILS_SLEEP", {"seconds": 0.05})] * 20)
    assert batch.success_count == 20, [r.error for r in batch.results]
    requests = emulator.journal.find(method="POST", path=EXECUTE)
    assert len(requests) == 20
    assert max(r.started for r in requests) < min(r.finished for r in requests)  # all in flight at once
    assert all(r.body["experimental"]["custom_tools"] for r in requests)  # customs travel on every call


async def test_mixed_batch_order_counts_and_isolation(local_session: AsyncSession, emulator: Emulator) -> None:
    emulator.faults.add(EXECUTE, method="POST", status=500, times=1)  # the first remote item to arrive
    calls: list[Any] = [
        ("NAP", {"ms": 20}),
        {"tool_slug": "UTILS_ECHO", "arguments": {"x": 1}},
        ("EXPLODE", {"reason": "test"}),
        ("NAP", {"ms": "not-an-int"}),
        ("LOCAL_GREP", {"pattern": "a"}),
        ("WEATHER_GET_FORECAST", {"city": "Rome"}),
        "not a call",
    ]
    batch = await local_session.multi_execute(calls)
    assert [r.index for r in batch.results] == list(range(7))
    assert [r.tool_slug for r in batch.results][:6] == [
        "LOCAL_NAP", "UTILS_ECHO", "LOCAL_EXPLODE", "LOCAL_NAP", "LOCAL_GREP", "WEATHER_GET_FORECAST"]
    ok = {r.index for r in batch.results if r.successful}
    assert {0, 4} <= ok
    assert "boom: test" in (batch[2].error or "")
    assert batch[3].error and "ms" in batch[3].error
    assert not batch[6].successful and batch[6].error
    remote = [batch[1], batch[5]]
    assert sum(1 for r in remote if not r.successful) == 1  # exactly one remote 500, in its own slot
    assert any("500" in (r.error or "") for r in remote)
    assert batch.total_count == 7 and batch.success_count + batch.error_count == 7


def _fanout_tasks() -> list[Any]:
    import asyncio

    def ours(task: asyncio.Task[Any]) -> bool:
        code = getattr(task.get_coro(), "cr_code", None)
        return code is not None and code.co_filename.endswith(("fanout.py", "session.py", "_transport.py"))

    return [t for t in asyncio.all_tasks() if not t.done() and ours(t)]


async def test_cancellation_leaves_nothing_running(local_session: AsyncSession) -> None:
    calls = [("NAP", {"ms": 5000})] * 10 + [("UTILS_SLEEP", {"seconds": 5})] * 5
    started = time.monotonic()
    with anyio.move_on_after(0.2) as scope:
        await local_session.multi_execute(calls)
    assert scope.cancelled_caught
    assert time.monotonic() - started < 2  # cancelled promptly, not after the 5 s items
    await anyio.sleep(0)
    assert _fanout_tasks() == []
    # The client is still usable afterwards: cancelled requests released their connections.
    assert (await local_session.execute("UTILS_ECHO", {"after": "cancel"})).successful


async def test_iter_multi_execute_yields_in_completion_order(local_session: AsyncSession) -> None:
    seen = []
    async with contextlib.aclosing(local_session.iter_multi_execute(
        [("NAP", {"ms": 150}), ("NAP", {"ms": 10}), ("NAP", {"ms": 80})]
    )) as stream:
        async for item in stream:
            seen.append(item.index)
    assert seen == [1, 2, 0]


async def test_execute_routes_custom_tools_locally(local_session: AsyncSession, emulator: Emulator) -> None:
    before = len(emulator.journal)
    by_bare = await local_session.execute("grep", {"pattern": "x"})
    by_full = await local_session.execute("LOCAL_GREP", {"pattern": "y"})
    assert by_bare.successful and by_bare.data == {"matched": "x"}
    assert by_full.data == {"matched": "y"}
    failed = await local_session.execute("EXPLODE", {"reason": "r"})
    assert not failed.successful and "boom" in (failed.error or "")
    assert len(emulator.journal) == before


async def test_tool_calls_another_through_its_context(local_session: AsyncSession) -> None:
    result = await local_session.execute("WEATHER_REPORT", {"city": "Porto"})
    assert result.successful, result.error
    assert result.data["user"] == "user-1" and result.data["ok"]
    sync_result = await local_session.execute("SYNC_WEATHER_REPORT", {"city": "Porto"})
    assert sync_result.successful and sync_result.data == {"ok": True}


@pytest.mark.parametrize("endpoint", ["execute", "execute_meta"])
async def test_meta_multi_execute_splits_local_and_remote(
    local_session: AsyncSession, emulator: Emulator, endpoint: str
) -> None:
    arguments = {
        "tools": [
            {"tool_slug": "WEATHER_GET_FORECAST", "arguments": {"city": "Oslo"}},
            {"tool_slug": "LOCAL_NAP", "arguments": {"ms": 10}},
            {"tool_slug": "UTILS_ECHO", "arguments": {"a": 1}},
            {"tool_slug": "EXPLODE", "arguments": {"reason": "x"}},
        ],
        "sync_response_to_workbench": False,
    }
    run = local_session.execute if endpoint == "execute" else local_session.execute_meta
    result = await run("COMPOSIO_MULTI_EXECUTE_TOOL", arguments)
    data = result.data
    assert [r["index"] for r in data["results"]] == [0, 1, 2, 3]
    assert [r["tool_slug"] for r in data["results"]] == ["WEATHER_GET_FORECAST", "LOCAL_NAP", "UTILS_ECHO", "LOCAL_EXPLODE"]
    assert (data["total_count"], data["success_count"], data["error_count"]) == (4, 3, 1)
    assert result.error == "1 out of 4 tools failed" and not result.successful
    path = EXECUTE if endpoint == "execute" else EXECUTE_META
    [remote] = emulator.journal.find(method="POST", path=path)
    assert [t["tool_slug"] for t in remote.body["arguments"]["tools"]] == ["WEATHER_GET_FORECAST", "UTILS_ECHO"]


async def test_meta_batch_item_with_custom_tools_is_routed_locally(client: AsyncComposio, emulator: Emulator) -> None:
    # An agent's COMPOSIO_MULTI_EXECUTE_TOOL that names a custom tool, arriving through
    # multi_execute (the handle_tool_calls path), must not send LOCAL_ tools to the server.
    session = await client.create(user_id="u", custom_tools=[shout])
    meta = {"tools": [{"tool_slug": "LOCAL_SHOUT", "arguments": {"text": "a"}},
                      {"tool_slug": "UTILS_ECHO", "arguments": {"b": 1}}]}
    batch = await session.multi_execute([("COMPOSIO_MULTI_EXECUTE_TOOL", meta)])
    assert batch[0].successful, batch[0].error
    assert [r["response"]["successful"] for r in batch[0].data["results"]] == [True, True]
    [remote] = emulator.journal.find(method="POST", path=EXECUTE)
    assert [t["tool_slug"] for t in remote.body["arguments"]["tools"]] == ["UTILS_ECHO"]
    too_big = {"tools": [{"tool_slug": "UTILS_ECHO", "arguments": {}}] * 21}
    oversized = await session.multi_execute([("COMPOSIO_MULTI_EXECUTE_TOOL", too_big)])
    assert not oversized[0].successful and "at most 20" in (oversized[0].error or "")


async def test_remote_failure_keeps_local_results(local_session: AsyncSession, emulator: Emulator) -> None:
    emulator.faults.add(EXECUTE, method="POST", status=503, times=1)
    result = await local_session.execute("COMPOSIO_MULTI_EXECUTE_TOOL", {"tools": [
        {"tool_slug": "UTILS_ECHO", "arguments": {}}, {"tool_slug": "NAP", "arguments": {"ms": 1}}]})
    results = result.data["results"]
    assert results[0]["response"]["successful"] is False and "503" in results[0]["error"]
    assert results[1]["response"]["successful"] is True


async def test_ambiguous_bare_slug(client: AsyncComposio) -> None:
    from composio_router import CustomToolkit

    @tool(slug="find")
    def find_a(q: str) -> dict[str, Any]:
        """Standalone find."""
        return {}

    @tool(slug="find")
    def find_b(q: str) -> dict[str, Any]:
        """Toolkit find."""
        return {}

    kit = CustomToolkit(slug="dev", name="Dev", description="Dev tools", tools=[find_b])
    session = await client.create(user_id="u", custom_tools=[find_a], custom_toolkits=[kit])
    with pytest.raises(ToolNotFoundError, match="LOCAL_FIND") as info:
        await session.execute("FIND", {"q": "x"})
    assert "LOCAL_DEV_FIND" in str(info.value)
    assert (await session.execute("LOCAL_DEV_FIND", {"q": "x"})).successful


async def test_session_lists_custom_tools_with_final_slugs(local_session: AsyncSession, emulator: Emulator) -> None:
    [create] = emulator.journal.find(method="POST", path="/api/v3.1/tool_router/session")
    sent = {t["slug"] for t in create.body["experimental"]["custom_tools"]}
    assert "NAP" in sent
    slugs = {t.slug for t in local_session.custom_tools()}
    assert {"LOCAL_NAP", "LOCAL_GREP", "LOCAL_WEATHER_REPORT"} <= slugs
    tools = {t.slug: t for t in await local_session.get_meta_tools()}
    assert tools["LOCAL_NAP"].input_parameters["properties"]["ms"]["type"] == "integer"


async def test_backend_refuses_to_run_custom_tools(local_session: AsyncSession, client: AsyncComposio) -> None:
    plain = await client.use(local_session.session_id)  # no custom tools bound: the call goes remote
    with pytest.raises(BadRequestError) as info:
        await plain.execute("LOCAL_NAP", {"ms": 1})
    assert info.value.slug == "ToolRouter_CustomToolNotExecutable"


async def test_use_attaches_custom_tools(local_session: AsyncSession, client: AsyncComposio, emulator: Emulator) -> None:
    reopened = await client.use(local_session.session_id, custom_tools=[grep_tool])
    [attach] = emulator.journal.find(method="POST", path="/api/v3.1/tool_router/session/*/attach")
    assert attach.body == {"experimental": {"custom_tools": [
        {"slug": "grep", "name": attach.body["experimental"]["custom_tools"][0]["name"],
         "description": "Find a pattern (a toy).", "input_schema": attach.body["experimental"]["custom_tools"][0]["input_schema"]}]}}
    assert (await reopened.execute("GREP", {"pattern": "z"})).data == {"matched": "z"}


async def test_local_tool_deadline(client: AsyncComposio) -> None:
    @tool
    async def slow(ms: int) -> dict[str, Any]:
        """Sleep."""
        await anyio.sleep(ms / 1000)
        return {}

    session = await client.create(user_id="u", custom_tools=[slow])
    result = await session.execute("SLOW", {"ms": 2000}, timeout=0.1)
    assert not result.successful and "timed out" in (result.error or "")
    assert attrs.has(type(result))


async def test_batch_deadline_fails_only_the_slow_items(client: AsyncComposio) -> None:
    session = await client.create(user_id="u", custom_tools=[shout])
    started = time.monotonic()
    batch = await session.multi_execute(
        [("UTILS_SLEEP", {"seconds": 3}), ("SHOUT", {"text": "quick"}), ("UTILS_ECHO", {"a": 1})], timeout=0.4
    )
    assert time.monotonic() - started < 2
    assert not batch[0].successful and "did not complete within" in (batch[0].error or "")
    assert batch[1].successful and batch[2].successful


async def test_an_agents_mixed_batch_keeps_the_calls_own_options(client: AsyncComposio, emulator: Emulator) -> None:
    # The remote part of a batch that also names custom tools is the same call: its account,
    # input_responses and request_state go with it.
    session = await client.create(user_id="u", custom_tools=[shout])
    emulator.connect_account("u", "github", alias="work")
    await session.execute(
        "COMPOSIO_MULTI_EXECUTE_TOOL",
        {"tools": [{"tool_slug": "SHOUT", "arguments": {"text": "x"}}, {"tool_slug": "UTILS_ECHO", "arguments": {}}]},
        account="ca_work", input_responses={"q1": {"approve": True}}, request_state="state-1",
    )
    [sent] = emulator.journal.find(method="POST", path=EXECUTE)
    assert sent.body["account"] == "ca_work"
    assert sent.body["input_responses"] == {"q1": {"approve": True}}
    assert sent.body["request_state"] == "state-1"
    assert [t["tool_slug"] for t in sent.body["arguments"]["tools"]] == ["UTILS_ECHO"]

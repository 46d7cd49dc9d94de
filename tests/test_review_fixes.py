"""Regression tests for defects found in review: each names the failure it guards against."""

from __future__ import annotations

import pickle
import time
from typing import Any

import anyio
import attrs
import pytest

from composio_router import (
    APIResponseValidationError,
    AsyncComposio,
    AsyncSession,
    BatchLimitError,
    ConfigurationError,
    InvalidInputError,
    NotFoundError,
    RateLimitError,
    SyncSessionContext,
    after_execute,
    before_execute,
    tool,
)
from composio_router.models import (
    Experimental,
    ManageConnections,
    MultiAccount,
    Permissions,
    Workbench,
)
from composio_router.testing import Emulator

from .conftest import API_KEY

pytestmark = pytest.mark.anyio
EXECUTE = "/api/v3.1/tool_router/session/*/execute"


@tool
async def shout(text: str) -> dict[str, Any]:
    """Upper-case a text."""
    return {"text": text.upper()}


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


async def test_a_failing_modifier_fails_only_its_slot(session: AsyncSession) -> None:
    @before_execute(tools=["TEXT_REVERSE"])
    def broken_before(tool_slug: str, toolkit: str, arguments: dict[str, Any]) -> dict[str, Any]:
        raise ValueError("bad input hook")

    @after_execute(tools=["TEXT_UPPERCASE"])
    def broken_after(tool_slug: str, toolkit: str, result: Any) -> Any:
        raise ValueError("bad output hook")

    batch = await session.multi_execute(
        [("TEXT_REVERSE", {"text": "ab"}), ("TEXT_UPPERCASE", {"text": "ab"}), ("TEXT_WORD_COUNT", {"text": "a b"})],
        modifiers=[broken_before, broken_after],
    )
    assert "bad input hook" in (batch[0].error or "") and not batch[0].successful
    assert "bad output hook" in (batch[1].error or "") and batch[1].data  # it ran; its data is kept
    assert batch[2].successful


async def test_unreadable_response_is_a_composio_error(client: AsyncComposio, session: AsyncSession, emulator: Emulator) -> None:
    emulator.faults.add("/api/v3.1/tool_router/session/*", method="GET", status=200, body=b'{"session_id": "x", "config": 5}')
    with pytest.raises(APIResponseValidationError, match="SessionInfo"):
        await client.use(session.session_id)


async def test_retry_after_beyond_the_deadline_reports_the_server_answer(session: AsyncSession, emulator: Emulator) -> None:
    emulator.faults.add("/api/v3.1/tool_router/session/*/search", status=429, times=3, headers={"retry-after": "30"})
    started = time.monotonic()
    with pytest.raises(RateLimitError):
        await session.search("weather", timeout=2)
    assert time.monotonic() - started < 1.5


def test_config_blocks_refuse_nulls_the_api_rejects() -> None:
    for make in (lambda: Workbench(enable=None), lambda: MultiAccount(enable=None),  # type: ignore[arg-type]
                 lambda: ManageConnections(callback_url=None),  # type: ignore[arg-type]
                 lambda: Experimental(fast_mode=None),  # type: ignore[arg-type]
                 lambda: Permissions(default="bogus")):  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError):
            make()
    assert ManageConnections(enable=None).enable is None  # nullable where the API allows it


async def test_proxy_clash_refused_before_sending(client: AsyncComposio, emulator: Emulator) -> None:
    with pytest.raises(InvalidInputError, match="contradicts"):
        await client.create(user_id="u", proxy_execute=False, workbench=Workbench(enable_proxy_execution=True))
    assert len(emulator.journal) == 0


def test_errors_survive_pickling() -> None:
    original = NotFoundError("404 gone", status_code=404, slug="S", request_id="r")
    copy = pickle.loads(pickle.dumps(original))
    assert (type(copy), copy.status_code, copy.slug, copy.request_id, str(copy)) == (
        NotFoundError, 404, "S", "r", "404 gone")
    assert pickle.loads(pickle.dumps(BatchLimitError(21, 20))).size == 21


def test_credentials_are_refused_in_default_headers() -> None:
    with pytest.raises(ConfigurationError, match="credentials"):
        AsyncComposio(api_key=API_KEY, base_url="http://127.0.0.1:1", default_headers={"X-API-KEY": "other"})


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


@tool
def inner_sync(n: int) -> dict[str, Any]:
    """A sync tool called by other sync tools."""
    time.sleep(0.05)
    return {"n": n}


@tool
def outer_sync(n: int, ctx: SyncSessionContext) -> dict[str, Any]:
    """A sync tool that calls another sync tool through its context."""
    return {"inner": ctx.execute("INNER_SYNC", {"n": n}).data}


async def test_nested_sync_tools_do_not_exhaust_the_thread_limiter(client: AsyncComposio) -> None:
    # 20 outer tools hold every token of the 20-thread limiter; their nested calls must not wait for it.
    session = await client.create(user_id="u", custom_tools=[inner_sync, outer_sync])
    started = time.monotonic()
    batch = await session.multi_execute([("OUTER_SYNC", {"n": i}) for i in range(20)], timeout=10)
    assert batch.success_count == 20, [r.error for r in batch.results]
    assert [r.data["inner"]["n"] for r in batch.results] == list(range(20))
    assert time.monotonic() - started < 5

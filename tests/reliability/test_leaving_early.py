"""Leaving ``iter_multi_execute`` early is safe, however the caller leaves it.

The README's form is a plain ``async for`` (no ``aclosing``). Leaving it by ``break``, by an
exception in the loop body, or by dropping the iterator must leave the caller's task
usable at every later ``await``, log nothing about cancel scopes, and stop the items
still running.
"""

from __future__ import annotations

import gc
import logging
from typing import Any

import anyio
import pytest

from composio_router import AsyncComposio, AsyncSession, Session, tool

pytestmark = pytest.mark.anyio

_cancelled: list[int] = []
_finished: list[int] = []


@tool
async def linger(n: int, seconds: float) -> dict[str, Any]:
    """Sleep on the loop, recording whether it finished or was cancelled."""
    try:
        await anyio.sleep(seconds)
    except anyio.get_cancelled_exc_class():
        _cancelled.append(n)
        raise
    _finished.append(n)
    return {"n": n}


@pytest.fixture
async def lingering(client: AsyncComposio) -> AsyncSession:
    _cancelled.clear()
    _finished.clear()
    return await client.create(user_id="user-1", custom_tools=[linger])


def _calls() -> list[tuple[str, dict[str, Any]]]:
    # One fast item, the rest slow: the loop gets a result while the others still run.
    return [("LINGER", {"n": 0, "seconds": 0})] + [("LINGER", {"n": i, "seconds": 5}) for i in range(1, 6)]


async def _caller_still_works(session: AsyncSession) -> None:
    # Each of these awaits would raise CancelledError in a poisoned task.
    await anyio.sleep(0.01)
    result = await session.execute("UTILS_ECHO", {"after": True})
    assert result.successful
    with anyio.fail_after(2):
        while len(_cancelled) < 5:  # the abandoned items are cancelled, not left running
            await anyio.sleep(0.01)
    assert sorted(_cancelled) == [1, 2, 3, 4, 5] and _finished == [0]


async def test_a_plain_break(lingering: AsyncSession, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    async for item in lingering.iter_multi_execute(_calls()):
        assert item.successful
        break
    gc.collect()  # what eventually finalises the abandoned generator
    await _caller_still_works(lingering)
    assert "cancel scope" not in caplog.text


async def test_an_exception_in_the_loop_body(lingering: AsyncSession, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    async def consume() -> None:
        async for _item in lingering.iter_multi_execute(_calls()):
            raise LookupError("the caller's own error")

    with pytest.raises(LookupError):
        await consume()
    gc.collect()
    await _caller_still_works(lingering)
    assert "cancel scope" not in caplog.text


async def test_dropping_the_iterator(lingering: AsyncSession, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    stream = lingering.iter_multi_execute(_calls())
    first = await stream.__anext__()
    assert first.index == 0
    del stream
    gc.collect()
    await _caller_still_works(lingering)
    assert "cancel scope" not in caplog.text


async def test_aclose_waits_for_the_items_to_stop(lingering: AsyncSession) -> None:
    stream = lingering.iter_multi_execute(_calls())
    await stream.__anext__()
    await stream.aclose()
    assert sorted(_cancelled) == [1, 2, 3, 4, 5]  # already, with no waiting
    await _caller_still_works(lingering)


async def test_leaving_early_many_times_leaks_no_task(lingering: AsyncSession) -> None:
    import asyncio

    before = len(asyncio.all_tasks())
    for _ in range(20):
        async for _item in lingering.iter_multi_execute(_calls()):
            break
    gc.collect()
    with anyio.fail_after(3):
        while len(asyncio.all_tasks()) > before:
            await anyio.sleep(0.01)
    await _caller_still_works_many(lingering)


async def _caller_still_works_many(session: AsyncSession) -> None:
    assert (await session.execute("UTILS_ECHO", {})).successful


def test_sync_break_leaves_the_client_usable(sync_session: Session) -> None:
    for item in sync_session.iter_multi_execute([("UTILS_ECHO", {"n": i}) for i in range(5)]):
        assert item.successful
        break
    assert sync_session.execute("UTILS_ECHO", {"after": True}).successful

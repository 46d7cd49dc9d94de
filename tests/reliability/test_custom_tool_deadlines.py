"""A ``def`` custom tool that overruns ``timeout=`` fails at the deadline, not when it ends.

Its thread cannot be interrupted, so it runs on; its result is discarded. The tests hold
the tool on an event the test sets only after the call has returned: a call that waited
for the tool would see it finished.
"""

from __future__ import annotations

import threading
from typing import Any

import anyio
import pytest

from composio_router import AsyncComposio, CustomToolTimeoutError, Session, tool

pytestmark = pytest.mark.anyio

release = threading.Event()
finished = threading.Event()


@tool
def stubborn(n: int) -> dict[str, Any]:
    """Block the worker thread until the test releases it."""
    release.wait(10)
    finished.set()
    return {"n": n}


@pytest.fixture(autouse=True)
def _fresh_events() -> Any:
    release.clear()
    finished.clear()
    yield
    release.set()  # never leave a worker thread blocked behind the test


async def _until_finished() -> None:
    release.set()
    with anyio.fail_after(5):
        while not finished.is_set():
            await anyio.sleep(0.01)


async def test_execute_fails_at_the_deadline(client: AsyncComposio) -> None:
    session = await client.create(user_id="user-1", custom_tools=[stubborn])
    result = await session.execute("STUBBORN", {"n": 1}, timeout=0.2)
    assert not finished.is_set(), "the call waited for the tool instead of failing at its deadline"
    assert not result.successful and "timed out" in (result.error or "")
    await _until_finished()  # the thread runs on; its result goes nowhere


async def test_a_batch_slot_gets_the_typed_error_at_the_deadline(client: AsyncComposio) -> None:
    session = await client.create(user_id="user-1", custom_tools=[stubborn])
    batch = await session.multi_execute([("STUBBORN", {"n": 1}), ("UTILS_ECHO", {"n": 2})], timeout=0.3)
    assert not finished.is_set()
    slow, quick = batch.results
    assert isinstance(slow.exception, CustomToolTimeoutError) and slow.exception.slug == "LOCAL_STUBBORN"
    assert quick.successful
    await _until_finished()


def test_sync_facade_execute_fails_at_the_deadline(sync_client: Any) -> None:
    session: Session = sync_client.create(user_id="user-1", custom_tools=[stubborn])
    result = session.execute("STUBBORN", {"n": 1}, timeout=0.2)
    assert not finished.is_set()
    assert not result.successful and "timed out" in (result.error or "")
    release.set()
    assert finished.wait(5)

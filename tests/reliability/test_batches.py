"""Nothing lost in a batch (README, "Reliability", point 3).

A 20-item multi-execute mixes remote tools and custom tools (sync and async, some
raising, one too slow, one with bad arguments, one malformed item) while the emulator
answers some of the remote items with a 500, drops the connection of others and holds
one past the batch's deadline. Every other item must come back with its own correct
result, in request order, and each failed slot must carry a typed exception.

Faults match by path, and every remote item POSTs to the same ``…/execute``, so which
items a fault hits depends on arrival order. The tests do not guess: faults are added
with exact ``times=`` counts, and the journal (one entry per remote item, with its
arguments and the status the emulator answered) says which item got which fault. The
expectation for each slot is derived from that, and the counts are checked exactly.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

import anyio
import pytest

from composio_router import (
    APIConnectionError,
    APITimeoutError,
    AsyncComposio,
    AsyncSession,
    BatchItemResult,
    BatchLimitError,
    Composio,
    CustomTool,
    CustomToolError,
    CustomToolTimeoutError,
    InternalServerError,
    InvalidInputError,
    Session,
    tool,
)
from composio_router.testing import Emulator

pytestmark = pytest.mark.anyio

EXECUTE = "/api/v3.1/tool_router/session/*/execute"
BATCH_TIMEOUT = 0.6  # the deadline of the faulted batches: the held item and the slow tool pass it
HELD_FOR = 1.0  # how long the emulator holds one remote item (past BATCH_TIMEOUT, short teardown)

# The exceptions the raising custom tools threw, to check each slot's __cause__ is that object.
RAISED: list[BaseException] = []


@tool
def double(n: int) -> dict[str, Any]:
    """Double a number (sync, runs in a worker thread)."""
    return {"value": n * 2}


@tool
async def shout(text: str) -> dict[str, Any]:
    """Upper-case a text (async)."""
    await anyio.sleep(0)
    return {"text": text.upper() + "!"}


@tool
def broken_sync(reason: str) -> dict[str, Any]:
    """Always raises, from its worker thread."""
    exc = LookupError(f"sync tool broke: {reason}")
    RAISED.append(exc)
    raise exc


@tool
async def broken_async(reason: str) -> dict[str, Any]:
    """Always raises, on the event loop."""
    await anyio.sleep(0)
    exc = ValueError(f"async tool broke: {reason}")
    RAISED.append(exc)
    raise exc


@tool
async def dawdle(seconds: float) -> dict[str, Any]:
    """Sleeps longer than any batch here waits for (cancelled at the deadline)."""
    await anyio.sleep(seconds)
    return {"slept": seconds}


CUSTOMS: list[CustomTool[..., Any]] = [double, shout, broken_sync, broken_async, dawdle]


def _calls() -> list[Any]:
    """The 20-item batch: 13 remote items (each with distinct arguments) and 7 local ones."""
    return [
        ("WEATHER_GET_FORECAST", {"city": "Oslo"}),  # 0
        ("DOUBLE", {"n": 21}),  # 1 sync custom
        ("CALCULATOR_ADD", {"a": 1, "b": 2}),  # 2
        ("BROKEN_ASYNC", {"reason": "slot 3"}),  # 3 raises
        {"tool_slug": "WEATHER_GET_FORECAST", "arguments": {"city": "Lisbon"}},  # 4 mapping form
        ("", {}),  # 5 malformed: no slug
        ("TEXT_UPPERCASE", {"text": "hello"}),  # 6
        ("LOCAL_BROKEN_SYNC", {"reason": "slot 7"}),  # 7 raises, named by its final slug
        ("WEATHER_GET_FORECAST", {"city": "Nairobi"}),  # 8
        ("DAWDLE", {"seconds": 30}),  # 9 async custom, past the deadline
        ("CALCULATOR_MULTIPLY", {"a": 6, "b": 7}),  # 10
        ("SHOUT", {"text": "hi"}),  # 11 async custom
        ("TEXT_REVERSE", {"text": "batch"}),  # 12
        ("DOUBLE", {"n": "not a number"}),  # 13 custom tool, bad arguments
        ("WEATHER_GET_FORECAST", {"city": "Lima"}),  # 14
        ("UTILS_FAIL", {"message": "tool says no"}),  # 15 the tool runs and reports failure
        ("CALCULATOR_EVALUATE", {"expression": "(2 + 3) * 4"}),  # 16
        ("WEATHER_GET_FORECAST", {}),  # 17 remote, missing required argument
        ("TEXT_WORD_COUNT", {"text": "one two three"}),  # 18
        ("WEATHER_GET_FORECAST", {"city": "Tokyo"}),  # 19
    ]


def _slug_and_args(call: Any) -> tuple[str, dict[str, Any]]:
    if isinstance(call, dict):
        return call["tool_slug"], call["arguments"]
    return call[0], call[1]


REMOTE = [0, 2, 4, 6, 8, 10, 12, 14, 15, 16, 17, 18, 19]
EXPECTED_SLUGS = {
    1: "LOCAL_DOUBLE", 3: "LOCAL_BROKEN_ASYNC", 5: "", 7: "LOCAL_BROKEN_SYNC", 9: "LOCAL_DAWDLE",
    11: "LOCAL_SHOUT", 13: "LOCAL_DOUBLE",
}


def _remote_ok(index: int, item: BatchItemResult) -> None:
    """A remote item the emulator answered with 200: its own data (or its own tool failure)."""
    assert item.exception is None, (index, item.error)
    data = item.data
    if index in (0, 4, 8, 14, 19):
        city = _slug_and_args(_calls()[index])[1]["city"]
        assert item.successful and data["city"] == city and len(data["forecast"]) >= 1
    elif index == 2:
        assert item.successful and data == {"result": 3}
    elif index == 6:
        assert item.successful and data == {"text": "HELLO"}
    elif index == 10:
        assert item.successful and data == {"result": 42}
    elif index == 12:
        assert item.successful and data == {"text": "hctab"}
    elif index == 16:
        assert item.successful and data["result"] == 20
    elif index == 18:
        assert item.successful and data["words"] == 3
    elif index == 15:  # a tool-level failure: reported, not raised
        assert not item.successful and item.error == "tool says no"
    elif index == 17:
        assert not item.successful and "city" in (item.error or "")
    else:
        raise AssertionError(f"slot {index} is not remote")
    item.raise_for_error()  # nothing raised: no exception to re-raise


def _failed(item: BatchItemResult, cls: type[Exception]) -> Exception:
    """A failed slot: not successful, error text, an exception of exactly ``cls`` that
    ``raise_for_error`` re-raises as the same object."""
    assert not item.successful
    assert item.error, item
    assert type(item.exception) is cls, (item.index, type(item.exception), item.error)
    assert item.error == str(item.exception)
    with pytest.raises(cls) as info:
        item.raise_for_error()
    assert info.value is item.exception
    return item.exception


def _add_faults(emu: Emulator) -> None:
    # Matched in order by arrival: the first two remote items get a 500, the next two have
    # their connection dropped (read, never run, never answered), the fifth is held past the
    # batch deadline. Execute is unsafe, so none of these is retried: one request per item.
    emu.faults.add(EXECUTE, method="POST", status=500, times=2)
    emu.faults.add(EXECUTE, method="POST", action="drop", times=2)
    emu.faults.add(EXECUTE, method="POST", delay=HELD_FOR, times=1)


def _check_faulted_batch(items: list[BatchItemResult], emu: Emulator, elapsed: float) -> None:
    calls = _calls()
    assert [r.index for r in items] == list(range(20))
    for i, item in enumerate(items):
        want = _slug_and_args(calls[i])[0] if i in REMOTE else EXPECTED_SLUGS[i]
        assert item.tool_slug == want, (i, item.tool_slug)
        assert item.local == (i in EXPECTED_SLUGS and i != 5)

    # Which remote item met which fault: the journal holds one entry per remote request,
    # with its arguments and the status sent (0 = connection dropped, nothing answered).
    # The held item's entry is only written when the emulator finishes it, after the batch.
    entries = emu.journal.find("POST", EXECUTE)
    by_args: dict[tuple[str, str], int] = {}
    for entry in entries:
        key = (entry.body["tool_slug"], repr(entry.body["arguments"]))
        assert key not in by_args, f"{key} was sent twice"
        by_args[key] = entry.status
    outcome: dict[int, int | None] = {}
    for i in REMOTE:
        slug, args = _slug_and_args(calls[i])
        outcome[i] = by_args.pop((slug, repr(args)), None)
    assert by_args == {}, f"requests no batch item made: {by_args}"
    statuses = sorted(outcome.values(), key=lambda s: -1 if s is None else s)
    assert statuses == [None, 0, 0] + [200] * 8 + [500, 500], outcome

    for i, status in outcome.items():
        item = items[i]
        if status == 200:
            _remote_ok(i, item)
        elif status == 500:
            err = _failed(item, InternalServerError)
            assert isinstance(err, InternalServerError) and err.status_code == 500 and err.request_id
        elif status == 0:
            err = _failed(item, APIConnectionError)
            assert isinstance(err, APIConnectionError) and err.request_sent is True
        else:  # held by the emulator until after the deadline
            err = _failed(item, APITimeoutError)
            assert isinstance(err, APITimeoutError) and err.request_sent is not False

    # Local slots: each typed by what went wrong, the raising tools' own exceptions as __cause__.
    assert items[1].successful and items[1].data == {"value": 42} and items[1].exception is None
    assert items[11].successful and items[11].data == {"text": "HI!"}
    err = _failed(items[3], CustomToolError)
    assert isinstance(err.__cause__, ValueError) and "slot 3" in str(err) and err.__cause__ in RAISED
    err = _failed(items[7], CustomToolError)
    assert isinstance(err.__cause__, LookupError) and "slot 7" in str(err) and err.__cause__ in RAISED
    err = _failed(items[9], CustomToolTimeoutError)
    assert isinstance(err, CustomToolTimeoutError) and err.slug == "LOCAL_DAWDLE"
    _failed(items[5], InvalidInputError)
    assert "tool_slug" in (items[5].error or "")
    _failed(items[13], InvalidInputError)
    assert "`n`" in (items[13].error or "")

    ok = sum(1 for r in items if r.successful)
    assert ok == 2 + 8 - sum(1 for i in (15, 17) if outcome[i] == 200)  # two locals, eight answered remotes
    # The batch ended at its deadline, not when the held request or the 30 s tool would have.
    assert BATCH_TIMEOUT - 0.05 <= elapsed < BATCH_TIMEOUT + 0.5


@pytest.fixture
async def mixed_session(fast_client: AsyncComposio, emulator: Emulator) -> AsyncSession:
    session = await fast_client.create(user_id="user-1", custom_tools=CUSTOMS)
    emulator.journal.clear()
    RAISED.clear()
    return session


async def test_faulted_batch_keeps_every_other_result_in_order(
    mixed_session: AsyncSession, emulator: Emulator
) -> None:
    _add_faults(emulator)
    started = time.monotonic()
    batch = await mixed_session.multi_execute(_calls(), timeout=BATCH_TIMEOUT)
    elapsed = time.monotonic() - started
    assert batch.total_count == 20 and len(batch) == 20
    _check_faulted_batch(batch.results, emulator, elapsed)
    assert batch.success_count + batch.error_count == 20 and not batch.successful
    assert len(RAISED) == 2  # each raising tool ran exactly once
    # The client is unharmed: dropped and timed-out connections were not handed back.
    again = await mixed_session.multi_execute([("CALCULATOR_ADD", {"a": 2, "b": 2}), ("DOUBLE", {"n": 4})])
    assert [r.data for r in again.results] == [{"result": 4}, {"value": 8}]


async def test_iter_multi_execute_yields_every_item_once_typed(
    mixed_session: AsyncSession, emulator: Emulator
) -> None:
    _add_faults(emulator)
    seen: list[BatchItemResult] = []
    started = time.monotonic()
    async with contextlib.aclosing(mixed_session.iter_multi_execute(_calls(), timeout=BATCH_TIMEOUT)) as stream:
        async for item in stream:
            seen.append(item)
    elapsed = time.monotonic() - started
    assert sorted(r.index for r in seen) == list(range(20))  # each slot exactly once
    # Completion order: the two deadline casualties (the held request, the slow tool) come last.
    assert {type(r.exception) for r in seen[-2:]} == {APITimeoutError, CustomToolTimeoutError}
    _check_faulted_batch(sorted(seen, key=lambda r: r.index), emulator, elapsed)


async def test_batch_of_only_failures_still_fills_every_slot(
    mixed_session: AsyncSession, emulator: Emulator
) -> None:
    emulator.faults.add(EXECUTE, method="POST", status=503, times=None)
    calls: list[Any] = [("WEATHER_GET_FORECAST", {"city": f"City {i}"}) for i in range(10)]
    calls += [("BROKEN_ASYNC", {"reason": str(i)}) for i in range(5)]
    calls += [("BROKEN_SYNC", {"reason": str(i)}) for i in range(5)]
    batch = await mixed_session.multi_execute(calls)
    assert [r.index for r in batch.results] == list(range(20))
    assert batch.error_count == 20 and batch.success_count == 0
    for item in batch.results[:10]:
        _failed(item, InternalServerError)
    for item in batch.results[10:]:
        err = _failed(item, CustomToolError)
        assert err.__cause__ is not None and err.__cause__ in RAISED
    assert len(emulator.journal.find("POST", EXECUTE)) == 10  # unsafe: each sent once, not retried
    assert len(RAISED) == 10


@pytest.mark.parametrize("size", [21, 40])
async def test_oversized_batch_is_refused_before_anything_runs(
    mixed_session: AsyncSession, emulator: Emulator, size: int
) -> None:
    calls: list[Any] = [("WEATHER_GET_FORECAST", {"city": "Oslo"}), ("BROKEN_SYNC", {"reason": "x"})] * (size // 2)
    calls += [("BROKEN_ASYNC", {"reason": "y"})] * (size % 2)
    with pytest.raises(BatchLimitError) as info:
        await mixed_session.multi_execute(calls)
    assert (info.value.size, info.value.limit) == (size, 20)
    async with contextlib.aclosing(mixed_session.iter_multi_execute(calls)) as stream:
        with pytest.raises(BatchLimitError):
            await anext(stream)  # refused at the first step, before any item is started
    assert len(emulator.journal) == 0 and RAISED == []  # no request sent, no custom tool run


# --- the sync facade ---------------------------------------------------------------------


def test_sync_batch_types_each_failure(sync_fast_client: Composio, emulator_thread: Emulator) -> None:
    session = sync_fast_client.create(user_id="user-1", custom_tools=CUSTOMS)
    emulator_thread.journal.clear()
    RAISED.clear()
    emulator_thread.faults.add(EXECUTE, method="POST", status=500, times=1)
    cities = ["Oslo", "Lisbon", "Nairobi", "Lima", "Tokyo", "Quito", "Hanoi", "Perth"]
    calls: list[Any] = [("WEATHER_GET_FORECAST", {"city": c}) for c in cities]
    calls += [("BROKEN_SYNC", {"reason": "sync facade"}), ("BROKEN_ASYNC", {"reason": "sync facade"})]
    calls += [("DOUBLE", {"n": i}) for i in range(10)]
    batch = session.multi_execute(calls)
    assert [r.index for r in batch.results] == list(range(20))
    [failed_request] = [e for e in emulator_thread.journal.find("POST", EXECUTE) if e.status == 500]
    lost_city = failed_request.body["arguments"]["city"]
    for i, city in enumerate(cities):
        item = batch[i]
        assert item.tool_slug == "WEATHER_GET_FORECAST"
        if city == lost_city:
            _failed(item, InternalServerError)
        else:
            assert item.successful and item.data["city"] == city, item
    for item, cls in ((batch[8], LookupError), (batch[9], ValueError)):
        err = _failed(item, CustomToolError)
        assert type(err.__cause__) is cls and err.__cause__ in RAISED
    assert [batch[10 + i].data for i in range(10)] == [{"value": 2 * i} for i in range(10)]
    assert batch.error_count == 3 and batch.success_count == 17
    assert len(emulator_thread.journal.find("POST", EXECUTE)) == 8


def test_sync_oversized_batch_is_refused_before_anything_runs(
    sync_ready_session: Session, emulator_thread: Emulator
) -> None:
    with pytest.raises(BatchLimitError):
        sync_ready_session.multi_execute([("WEATHER_GET_FORECAST", {"city": "Oslo"})] * 21)
    with pytest.raises(BatchLimitError):
        list(sync_ready_session.iter_multi_execute([("CALCULATOR_ADD", {"a": 1, "b": 1})] * 25))
    assert len(emulator_thread.journal) == 0

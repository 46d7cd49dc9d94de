"""Cancelling a caller leaks nothing (README, "Reliability", point 4).

A caller is cancelled while its request is on the wire (the emulator holds it with a
``delay`` fault, and the test waits for the fault's ``hits`` counter, which goes up
the moment the request arrives) or in the middle of a 20-item batch. Afterwards the
connector holds no connection, no task of the SDK or of aiohttp's client is left
running, and the same client runs the next call. The sync facade is interrupted by a
deadline and by a real SIGINT delivered to the blocked main thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

import composio_router
from composio_router import APITimeoutError, AsyncComposio, AsyncSession, Composio, tool
from composio_router.testing import Emulator
from composio_router_emulator._faults import Fault

from ..conftest import API_KEY

pytestmark = pytest.mark.anyio

EXECUTE = "/api/v3.1/tool_router/session/*/execute"
HOLD = 0.6  # how long the emulator holds a request; every cancel here happens long before
SDK_DIR = Path(composio_router.__path__[0])
AIOHTTP_CLIENT_FILES = ("client.py", "client_reqrep.py", "client_proto.py", "connector.py", "streams.py")

# async custom tools blocked in a batch, and how many saw their cancellation
BLOCKED = {"entered": 0, "cancelled": 0}


@tool
async def wait_forever(tag: str) -> dict[str, Any]:
    """Blocks until cancelled."""
    BLOCKED["entered"] += 1
    try:
        await anyio.sleep_forever()
    finally:
        BLOCKED["cancelled"] += 1
    return {"tag": tag}  # pragma: no cover - never reached


@tool
async def quick(tag: str) -> dict[str, Any]:
    """Returns at once."""
    return {"tag": tag}


# --- helpers -----------------------------------------------------------------------------


def _frames_files(task: asyncio.Task[Any]) -> list[str]:
    """Source files of every coroutine in the task's await chain."""
    files: list[str] = []
    coro: Any = task.get_coro()
    while coro is not None:
        code = getattr(coro, "cr_code", None) or getattr(coro, "ag_code", None) or getattr(coro, "gi_code", None)
        if code is not None:
            files.append(code.co_filename)
        coro = getattr(coro, "cr_await", None) or getattr(coro, "ag_await", None) or getattr(coro, "gi_yieldfrom", None)
    return files


def _client_side(filename: str) -> bool:
    path = Path(filename)
    if SDK_DIR in path.parents:
        return (SDK_DIR / "testing") not in path.parents  # the emulator's handlers are not ours
    return path.parent.name == "aiohttp" and path.name in AIOHTTP_CLIENT_FILES


def sdk_tasks(before: set[asyncio.Task[Any]]) -> list[asyncio.Task[Any]]:
    """Live tasks started since ``before`` that run SDK or aiohttp client code.

    The emulator's own server tasks (aiohttp web handlers, some still sleeping through
    a delay fault whose client has gone) are not counted.
    """
    current = asyncio.current_task()
    return [
        t for t in asyncio.all_tasks()
        if t not in before and t is not current and not t.done()
        and any(_client_side(f) for f in _frames_files(t))
    ]


def acquired(client: AsyncComposio) -> int:
    """Connections the client's pool has handed out and not got back (aiohttp's own count)."""
    http = client._transport._http
    assert http is not None and http.connector is not None
    return len(http.connector._acquired)  # aiohttp's live count


async def until(condition: Callable[[], bool], *, within: float = 2.0) -> None:
    """Poll a condition on the event loop, failing the test after ``within`` seconds."""
    with anyio.fail_after(within):
        while not condition():
            await anyio.sleep(0.002)


async def assert_clean(client: AsyncComposio, before: set[asyncio.Task[Any]]) -> None:
    # A cancelled request's connection is closed (not returned) by aiohttp's cleanup, which
    # may need a loop iteration or two; the bound keeps a real leak from passing.
    await until(lambda: acquired(client) == 0 and not sdk_tasks(before), within=1.0)


async def assert_usable(session: AsyncSession) -> None:
    result = await session.execute("WEATHER_GET_FORECAST", {"city": "Reykjavik"})
    assert result.successful and result.data["city"] == "Reykjavik"
    batch = await session.multi_execute([("CALCULATOR_ADD", {"a": i, "b": 1}) for i in range(20)])
    assert [r.data["result"] for r in batch.results] == [i + 1 for i in range(20)]


@pytest.fixture
async def warm(fast_client: AsyncComposio, ready_session: AsyncSession, emulator: Emulator) -> AsyncSession:
    """The session after one call, so the pool exists and holds an idle connection."""
    assert (await ready_session.execute("CALCULATOR_ADD", {"a": 0, "b": 0})).successful
    emulator.journal.clear()
    return ready_session


# --- a single request --------------------------------------------------------------------


@pytest.mark.parametrize("how", ["cancel_scope", "move_on_after", "task_cancel"])
async def test_cancel_mid_request_leaks_nothing(
    fast_client: AsyncComposio, warm: AsyncSession, emulator: Emulator, how: str
) -> None:
    fault = emulator.faults.add(EXECUTE, method="POST", delay=HOLD)
    before = set(asyncio.all_tasks())
    call = warm.execute("WEATHER_GET_FORECAST", {"city": "Oslo"})
    started = time.monotonic()
    if how == "cancel_scope":
        with anyio.CancelScope() as scope:
            async with anyio.create_task_group() as tg:
                tg.start_soon(_cancel_on_arrival, fault, 1, scope, fast_client)
                await call
        assert scope.cancelled_caught
    elif how == "move_on_after":
        with anyio.move_on_after(0.3) as scope:
            await call
        assert scope.cancelled_caught and fault.hits == 1
    else:
        task = asyncio.get_running_loop().create_task(call)
        await until(lambda: fault.hits == 1)
        assert acquired(fast_client) == 1  # the request holds its connection
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    await assert_clean(fast_client, before)
    # All let go before the emulator would have answered: released by the cancellation, not
    # by the request completing (the held request is journaled only when it ends).
    assert time.monotonic() - started < HOLD
    assert emulator.journal.find("POST", EXECUTE) == []
    await assert_usable(warm)


async def _cancel_on_arrival(fault: Fault, count: int, scope: anyio.CancelScope, client: AsyncComposio) -> None:
    await until(lambda: fault.hits == count)
    assert acquired(client) >= count  # the held requests each hold a connection
    scope.cancel()


# --- a batch -----------------------------------------------------------------------------


@pytest.fixture
async def batch_session(fast_client: AsyncComposio, emulator: Emulator) -> AsyncSession:
    session = await fast_client.create(user_id="user-1", custom_tools=[wait_forever, quick])
    assert (await session.execute("CALCULATOR_ADD", {"a": 0, "b": 0})).successful
    emulator.journal.clear()
    BLOCKED.update(entered=0, cancelled=0)
    return session


def _batch() -> list[Any]:
    """20 items: 14 remote (5 of which the emulator holds), 3 blocked async tools, 3 quick ones."""
    calls: list[Any] = [("WEATHER_GET_FORECAST", {"city": f"City {i}"}) for i in range(14)]
    calls += [("WAIT_FOREVER", {"tag": str(i)}) for i in range(3)]
    calls += [("QUICK", {"tag": str(i)}) for i in range(3)]
    return calls


HELD_IN_BATCH = 5


async def _mid_batch(emulator: Emulator, client: AsyncComposio, before: set[asyncio.Task[Any]]) -> None:
    """Returns once the batch is half done: the fast items answered, the slow ones in flight."""
    await until(lambda: len(emulator.journal.find("POST", EXECUTE)) == 14 - HELD_IN_BATCH)
    await until(lambda: BLOCKED["entered"] == 3)
    # The journal is written before the answer reaches the client: wait for the fast items'
    # connections to come back, leaving exactly the held ones out.
    await until(lambda: acquired(client) == HELD_IN_BATCH)
    # The leak check sees the batch's own tasks while they run (one per unfinished item).
    assert len(sdk_tasks(before)) >= HELD_IN_BATCH + 3


@pytest.mark.parametrize("how", ["cancel_scope", "task_cancel", "iterator_closed"])
async def test_cancel_mid_batch_leaks_nothing(
    fast_client: AsyncComposio, batch_session: AsyncSession, emulator: Emulator, how: str
) -> None:
    emulator.faults.add(EXECUTE, method="POST", delay=HOLD, times=HELD_IN_BATCH)
    before = set(asyncio.all_tasks())
    started = time.monotonic()
    if how == "cancel_scope":
        with anyio.CancelScope() as scope:
            async with anyio.create_task_group() as tg:

                async def cancel_mid_batch() -> None:
                    await _mid_batch(emulator, fast_client, before)
                    scope.cancel()

                tg.start_soon(cancel_mid_batch)
                await batch_session.multi_execute(_batch())
        assert scope.cancelled_caught
    elif how == "task_cancel":
        task = asyncio.get_running_loop().create_task(batch_session.multi_execute(_batch()))
        await _mid_batch(emulator, fast_client, before)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    else:
        # A consumer that stops reading mid-batch: closing the iterator cancels the rest.
        received = []
        async with contextlib.aclosing(batch_session.iter_multi_execute(_batch())) as stream:
            async for item in stream:
                received.append(item)
                if len(received) == 14 - HELD_IN_BATCH + 3:  # every item but the held ones
                    assert acquired(fast_client) == HELD_IN_BATCH and BLOCKED["entered"] == 3
                    assert len(sdk_tasks(before)) >= HELD_IN_BATCH + 3
                    break
        assert all(r.successful for r in received)
    assert BLOCKED == {"entered": 3, "cancelled": 3}  # the custom tools saw the cancellation
    await assert_clean(fast_client, before)
    assert time.monotonic() - started < HOLD  # let go before the held requests would have ended
    await assert_usable(batch_session)


# --- the sync facade ---------------------------------------------------------------------


def _on_loop(sync_client: Composio, fn: Callable[[AsyncComposio], Any]) -> Any:
    """Evaluate ``fn(async_client)`` on the facade's own event-loop thread."""

    async def run() -> Any:
        return fn(sync_client._async)

    return sync_client._portal.call(run)


def _loop_tasks(sync_client: Composio) -> set[asyncio.Task[Any]]:
    """The tasks on the facade's loop (its portal's own among them)."""
    return _on_loop(sync_client, lambda _: set(asyncio.all_tasks()))  # type: ignore[no-any-return]


def _wait_clean(sync_client: Composio, before: set[asyncio.Task[Any]], within: float = 1.0) -> None:
    async def settle() -> None:
        await until(lambda: acquired(sync_client._async) == 0 and not sdk_tasks(before), within=within)

    sync_client._portal.call(settle)


def _assert_sync_usable(session: Any) -> None:
    result = session.execute("WEATHER_GET_FORECAST", {"city": "Reykjavik"})
    assert result.successful and result.data["city"] == "Reykjavik"
    batch = session.multi_execute([("CALCULATOR_ADD", {"a": i, "b": 1}) for i in range(20)])
    assert [r.data["result"] for r in batch.results] == [i + 1 for i in range(20)]


def test_sync_timeout_releases_the_connection(sync_fast_client: Composio, emulator_thread: Emulator) -> None:
    session = sync_fast_client.create(user_id="user-1")
    fault = emulator_thread.faults.add(EXECUTE, method="POST", delay=HOLD)
    before = _loop_tasks(sync_fast_client)
    started = time.monotonic()
    with pytest.raises(APITimeoutError):
        session.execute("WEATHER_GET_FORECAST", {"city": "Oslo"}, timeout=0.2)
    elapsed = time.monotonic() - started
    assert 0.2 <= elapsed < HOLD and fault.hits == 1
    _wait_clean(sync_fast_client, before)
    assert time.monotonic() - started < HOLD  # released by the timeout, not by the answer
    _assert_sync_usable(session)


class Interrupted(BaseException):
    """What the test's SIGINT handler raises (a KeyboardInterrupt stand-in pytest ignores)."""


@pytest.fixture
def sigint_raises() -> Iterator[None]:
    def handler(signum: int, frame: object) -> None:
        raise Interrupted

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _interrupt_when(condition: Callable[[], bool]) -> threading.Thread:
    """A thread that sends SIGINT to the main thread once ``condition`` holds (bounded)."""
    main = threading.main_thread().ident
    assert main is not None and threading.get_ident() == main  # signals are handled there

    def run() -> None:
        deadline = time.monotonic() + 2.0
        while not condition():
            if time.monotonic() > deadline:
                return  # the test then fails: the call is not interrupted
            time.sleep(0.002)
        signal.pthread_kill(main, signal.SIGINT)

    thread = threading.Thread(target=run, name="sigint-sender")
    thread.start()
    return thread


@pytest.mark.parametrize("what", ["execute", "multi_execute"])
def test_sync_call_interrupted_by_sigint(
    sync_fast_client: Composio, emulator_thread: Emulator, sigint_raises: None, what: str
) -> None:
    session = sync_fast_client.create(user_id="user-1", custom_tools=[wait_forever, quick])
    emulator_thread.journal.clear()
    BLOCKED.update(entered=0, cancelled=0)
    call: Callable[[], object]
    if what == "execute":
        fault = emulator_thread.faults.add(EXECUTE, method="POST", delay=HOLD)
        held, call = 1, lambda: session.execute("WEATHER_GET_FORECAST", {"city": "Oslo"})
    else:
        fault = emulator_thread.faults.add(EXECUTE, method="POST", delay=HOLD, times=HELD_IN_BATCH)
        held, call = HELD_IN_BATCH, lambda: session.multi_execute(_batch())

    def in_flight() -> bool:
        return fault.hits == held and (what == "execute" or BLOCKED["entered"] == 3)

    before = _loop_tasks(sync_fast_client)
    sender = _interrupt_when(in_flight)
    started = time.monotonic()
    try:
        with pytest.raises(Interrupted):
            call()
        elapsed = time.monotonic() - started
    finally:
        sender.join(timeout=5)
    assert not sender.is_alive()
    assert elapsed < HOLD  # the blocked caller got control back at once
    # The coroutine on the loop was cancelled with it: connections and tasks let go.
    _wait_clean(sync_fast_client, before)
    assert time.monotonic() - started < HOLD  # released by the cancellation, not by the answer
    if what == "multi_execute":
        assert BLOCKED == {"entered": 3, "cancelled": 3}
    assert _on_loop(sync_fast_client, acquired) == 0
    _assert_sync_usable(session)


def test_closing_the_sync_client_stops_its_thread(emulator_thread: Emulator) -> None:
    client = Composio(api_key=API_KEY, base_url=emulator_thread.url, timeout=5)
    try:
        session = client.create(user_id="user-1")
        emulator_thread.faults.add(EXECUTE, method="POST", delay=HOLD)
        with pytest.raises(APITimeoutError):
            session.execute("WEATHER_GET_FORECAST", {"city": "Oslo"}, timeout=0.1)
        thread = client._portal.thread
        assert thread is not None and thread.is_alive()
    finally:
        client.close()
    assert not thread.is_alive() and client._portal.thread is None
    assert [t for t in threading.enumerate() if t.name.startswith("composio-router-portal")] == []

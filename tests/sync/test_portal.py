"""The facade's event loop: threads, event loops, fork, close, leaks, deadlock guard."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from composio_router import (
    ClientClosedError,
    Composio,
    ComposioError,
    EventLoopBlockedError,
    Session,
    SessionContext,
    tool,
)
from composio_router._portal import PortalDeadlockError, PortalManager
from composio_router.testing import Emulator

from ..conftest import API_KEY

EXECUTE = "/api/v3.1/tool_router/session/*/execute"


def _portal_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("composio-router-portal")]


def test_portal_starts_lazily_and_stops_on_close(emulator_thread: Emulator) -> None:
    before = set(threading.enumerate())
    composio = Composio(api_key=API_KEY, base_url=emulator_thread.url)
    assert composio._portal.thread is None  # nothing started by the constructor
    composio.create(user_id="u")
    thread = composio._portal.thread
    assert thread is not None and thread.is_alive() and thread in _portal_threads()
    composio.close()
    assert not thread.is_alive()
    assert composio.closed
    leftover = [
        t
        for t in set(threading.enumerate()) - before
        if not t.name.startswith(("AnyIO worker thread",))
    ]
    assert leftover == []


def test_close_twice_and_use_after_close(emulator_thread: Emulator) -> None:
    composio = Composio(api_key=API_KEY, base_url=emulator_thread.url)
    session = composio.create(user_id="u")
    request = session.authorize("gmail")
    composio.close()
    composio.close()  # idempotent
    with composio:  # entering a closed client is harmless; using it is not
        pass
    for call in (
        lambda: composio.create(user_id="u"),
        lambda: composio.sessions.delete(session.session_id),
        lambda: session.execute("UTILS_ECHO", {}),
        lambda: list(session.iter_toolkits()),
        request.refresh,
    ):
        with pytest.raises(ClientClosedError):
            call()
    assert issubclass(ClientClosedError, ComposioError)
    assert _portal_threads() == []


def test_close_without_use_and_context_manager(emulator_thread: Emulator) -> None:
    unused = Composio(api_key=API_KEY, base_url=emulator_thread.url)
    unused.close()
    assert unused.closed and unused._portal.thread is None
    with Composio(api_key=API_KEY, base_url=emulator_thread.url) as composio:
        assert composio.create(user_id="u").user_id == "u"
    assert composio.closed and _portal_threads() == []


def test_called_from_a_thread_running_an_event_loop(sync_client: Composio) -> None:
    """A notebook cell: the calling thread already runs a loop; the facade still works."""

    async def cell() -> str:
        session = sync_client.create(user_id="nb")  # blocks this loop briefly, like any sync call
        return session.execute("WEATHER_GET_FORECAST", {"city": "Porto"}).data["city"]

    assert "Porto" in str(asyncio.run(cell()))


def test_sixteen_threads_share_one_client(sync_client: Composio, emulator_thread: Emulator) -> None:
    session = sync_client.create(user_id="shared")
    barrier = threading.Barrier(16)

    def worker(i: int) -> list[int]:
        barrier.wait()
        own = sync_client.create(user_id=f"user-{i}")
        results = [
            session.execute("UTILS_ECHO", {"i": i, "n": n}).data["arguments"]["n"] for n in range(5)
        ]
        results.append(len(list(own.iter_toolkits(limit=5))))
        return results

    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(worker, range(16)))
    assert all(o[:5] == [0, 1, 2, 3, 4] for o in outcomes)
    assert len({o[5] for o in outcomes}) == 1
    assert len(emulator_thread.journal.find(method="POST", path=EXECUTE)) == 80
    assert len(_portal_threads()) == 1  # one loop, one pool for every thread


def test_concurrent_calls_overlap_on_the_loop(sync_client: Composio, emulator_thread: Emulator) -> None:
    session = sync_client.create(user_id="u")

    def nap() -> None:
        session.execute("UTILS_SLEEP", {"seconds": 0.1})

    threads = [threading.Thread(target=nap) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    entries = emulator_thread.journal.find(method="POST", path=EXECUTE)
    assert len(entries) == 8
    assert max(e.started for e in entries) < min(e.finished for e in entries)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_fork_after_use(sync_client: Composio) -> None:
    session = sync_client.create(user_id="parent")
    assert session.execute("UTILS_ECHO", {"who": "parent"}).successful
    parent_thread = sync_client._portal.thread
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: "fork() with threads"
        pid = os.fork()
    if pid == 0:  # the child: a fresh loop, a fresh pool, same client object
        code = 1
        try:
            assert sync_client._portal.thread is None
            child = sync_client.create(user_id="child")
            ok = child.execute("UTILS_ECHO", {"who": "child"}).successful
            # Collecting the inherited pool here once unregistered the parent's sockets from
            # the epoll set both processes share, hanging the parent's next request.
            gc.collect()
            ok = ok and session.execute("UTILS_ECHO", {"who": "child-again"}).successful
            thread = sync_client._portal.thread
            ok = ok and thread is not None and thread is not parent_thread and thread.is_alive()
            sync_client.close()
            code = 0 if ok and not _portal_threads() else 1
        except BaseException:
            code = 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    # The parent is untouched: same loop thread, same pool.
    assert sync_client._portal.thread is parent_thread
    assert session.execute("UTILS_ECHO", {"who": "parent-again"}, timeout=5).successful
    assert session.refresh(timeout=5).session_id == session.session_id


def test_call_from_the_portal_thread_raises_instead_of_deadlocking(sync_client: Composio) -> None:
    sync_client.create(user_id="u")

    async def on_the_loop() -> None:
        sync_client.create(user_id="again")

    started = time.perf_counter()
    with pytest.raises(PortalDeadlockError, match="deadlock") as info:
        sync_client._portal.call(on_the_loop)
    assert isinstance(info.value, RuntimeError) and isinstance(info.value, ComposioError)
    assert time.perf_counter() - started < 5


def test_async_custom_tool_calling_the_sync_client_gets_the_clear_error(emulator_thread: Emulator) -> None:
    with Composio(api_key=API_KEY, base_url=emulator_thread.url) as composio:
        holder: dict[str, Session] = {}

        @tool
        async def misuse(ctx: SessionContext) -> dict[str, Any]:
            """Calls the blocking client from the loop (wrong)."""
            holder["session"].execute("UTILS_ECHO", {})
            return {}

        session = holder["session"] = composio.create(user_id="u", custom_tools=[misuse])
        result = session.execute("LOCAL_MISUSE", {})  # a tool's exception is its result's error
        assert not result.successful
        assert result.error is not None and "deadlock" in result.error
        assert session.execute("UTILS_ECHO", {}).successful  # and the client still works


def _drop(objects: list[Any]) -> None:
    objects.clear()
    gc.collect()


def test_leaked_client_warns_and_stops_its_thread(emulator_thread: Emulator) -> None:
    composio = Composio(api_key=API_KEY, base_url=emulator_thread.url)
    composio.create(user_id="leak")
    assert isinstance(composio.sessions, object)  # a reference cycle through the cached twin
    thread = composio._portal.thread
    assert thread is not None
    held = [composio]
    del composio
    with pytest.warns(ResourceWarning, match="unclosed Composio"):
        _drop(held)
    assert not thread.is_alive()


def test_session_keeps_its_client_alive(emulator_thread: Emulator) -> None:
    def make() -> Session:
        return Composio(api_key=API_KEY, base_url=emulator_thread.url).create(user_id="u")

    session = make()
    gc.collect()
    assert session.execute("UTILS_ECHO", {}).successful  # the client was not collected
    held = [session]
    del session
    with pytest.warns(ResourceWarning, match="unclosed Composio"):
        _drop(held)


def test_portal_manager_iterate_propagates_and_cleans_up() -> None:
    closed: list[bool] = []

    async def aclose() -> None:
        closed.append(True)

    async def numbers(stop: int, fail: bool = False) -> Any:
        try:
            for i in range(stop):
                yield i
            if fail:
                raise KeyError("boom")
        finally:
            closed.append(False)

    manager = PortalManager(aclose)
    try:
        assert list(manager.iterate(numbers, 3)) == [0, 1, 2]
        with pytest.raises(KeyError, match="boom"):
            list(manager.iterate(numbers, 2, fail=True))
        gen = manager.iterate(numbers, 100)
        assert next(gen) == 0
        gen.close()
        assert closed == [False, False, False]
    finally:
        manager.close()
    assert closed[-1] is True and manager.thread is None


def test_iterate_keeps_one_task_across_yields_and_cancels_on_break() -> None:
    """An async generator holding a task group across yields (as iter_multi_execute does)."""
    import anyio

    events: list[str] = []

    async def aclose() -> None:
        pass

    async def racing() -> Any:
        send, receive = anyio.create_memory_object_stream[int](10)

        async def worker(delay: float, value: int) -> None:
            try:
                await anyio.sleep(delay)
                await send.send(value)
            except BaseException:
                events.append(f"cancelled {value}")
                raise

        async with anyio.create_task_group() as tg, send, receive:
            tg.start_soon(worker, 0.01, 1)
            tg.start_soon(worker, 5, 2)
            tg.start_soon(worker, 5, 3)
            async for value in receive:
                yield value
        events.append("never reached")

    manager = PortalManager(aclose)
    try:
        started = time.perf_counter()
        for value in manager.iterate(racing):
            assert value == 1
            break
        assert time.perf_counter() - started < 3
        assert sorted(events) == ["cancelled 2", "cancelled 3"]  # cleanup done before break returns
    finally:
        manager.close()


def test_a_blocked_loop_fails_the_calls_waiting_for_it_instead_of_hanging(
    emulator_thread: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Code on the facade's loop that blocks it (time.sleep in an async tool): a typed error, soon."""
    import composio_router._portal as portal_module

    monkeypatch.setattr(portal_module, "_MIN_WINDOW", 0.1)  # the floor of the wait, 1 s in real use

    @tool
    async def stall(seconds: float) -> dict[str, Any]:
        """Blocks the event loop it runs on: the mistake under test."""
        time.sleep(seconds)
        return {}

    composio = Composio(api_key=API_KEY, base_url=emulator_thread.url, timeout=0.15)
    session = composio.create(user_id="u", custom_tools=[stall])
    loop_thread = composio._portal.thread
    assert loop_thread is not None

    def stalled() -> None:
        with contextlib.suppress(ComposioError):  # it blocked the loop itself: whatever it gets
            session.execute("LOCAL_STALL", {"seconds": 1.0})

    staller = threading.Thread(target=stalled)
    staller.start()
    time.sleep(0.1)
    for call in (lambda: session.execute("UTILS_ECHO", {"n": 1}), lambda: list(session.iter_toolkits()), composio.close):
        started = time.perf_counter()
        with pytest.raises(EventLoopBlockedError, match="async def"):
            call()
        assert time.perf_counter() - started < 0.6  # the client's timeout, not the stall
    staller.join(timeout=5)
    loop_thread.join(timeout=5)  # once free, the loop closed the client and stopped
    assert not loop_thread.is_alive() and composio.closed
    assert not [e for e in emulator_thread.journal.find(method="POST", path=EXECUTE) if e.body.get("arguments") == {"n": 1}]

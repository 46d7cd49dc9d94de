"""`def` custom tools share one thread budget per process, whatever the number of clients.

Before, each client had its own budget of 20 threads: 50 clients created per request
took a process from 42 to 118 threads. Now every client, session and event loop (the
sync facade runs one per client) draws from one pool of ``LOCAL_TOOL_THREADS``.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import anyio
import pytest

from composio_router import AsyncComposio, Composio, SyncSessionContext, tool
from composio_router.execution import LOCAL_TOOL_THREADS
from composio_router.testing import Emulator

from .conftest import API_KEY

_running = 0
_peak = 0
_lock = threading.Lock()


@tool
def busy(ms: int) -> dict[str, Any]:
    """Block the worker thread for a while, counting how many run at once."""
    global _running, _peak
    with _lock:
        _running += 1
        _peak = max(_peak, _running)
    try:
        time.sleep(ms / 1000)
    finally:
        with _lock:
            _running -= 1
    return {"thread": threading.current_thread().name}


@pytest.fixture(autouse=True)
def _reset_peak() -> None:
    global _peak
    _peak = 0


def _tool_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("composio-router-tool")]


@pytest.mark.anyio
async def test_fifty_clients_share_one_budget(emulator: Emulator) -> None:
    threads_before = threading.active_count()

    async def one_request() -> list[str]:
        # A client per request (an anti-pattern, but a common one), each running a full batch.
        async with AsyncComposio(api_key=API_KEY, base_url=emulator.url) as client:
            session = await client.create(user_id="u", custom_tools=[busy])
            batch = await session.multi_execute([("BUSY", {"ms": 20})] * 20, timeout=30)
            assert batch.success_count == 20, [r.error for r in batch.results]
            return [r.data["thread"] for r in batch.results]

    names: list[str] = []

    async def run(i: int) -> None:
        names.extend(await one_request())

    async with anyio.create_task_group() as tg:
        for i in range(50):
            tg.start_soon(run, i)

    assert len(names) == 50 * 20
    assert all(name.startswith("composio-router-tool") for name in names)
    assert len(set(names)) <= LOCAL_TOOL_THREADS
    assert _peak <= LOCAL_TOOL_THREADS
    assert len(_tool_threads()) <= LOCAL_TOOL_THREADS
    # 1,000 sync tool calls from 50 clients grew the process by at most the budget (plus
    # anyio's and asyncio's own pooled threads for DNS and the like).
    assert threading.active_count() - threads_before <= LOCAL_TOOL_THREADS + 5


def test_sync_clients_on_their_own_loops_share_the_budget() -> None:
    # Each sync client runs its own event loop thread: a per-loop budget would multiply.
    with Emulator.running_in_thread(api_key=API_KEY) as emu:
        clients = [Composio(api_key=API_KEY, base_url=emu.url) for _ in range(4)]
        try:
            sessions = [c.create(user_id="u", custom_tools=[busy]) for c in clients]
            results: list[int] = []

            def run(session: Any) -> None:
                batch = session.multi_execute([("BUSY", {"ms": 50})] * 20, timeout=30)
                results.append(batch.success_count)

            workers = [threading.Thread(target=run, args=(s,)) for s in sessions]
            for w in workers:
                w.start()
            for w in workers:
                w.join(timeout=30)
        finally:
            for c in clients:
                c.close()
    assert results == [20, 20, 20, 20]
    assert _peak <= LOCAL_TOOL_THREADS
    assert len(_tool_threads()) <= LOCAL_TOOL_THREADS


@pytest.mark.anyio
async def test_a_call_queued_past_its_deadline_never_starts(emulator: Emulator) -> None:
    started: list[int] = []

    @tool
    def mark(n: int) -> dict[str, Any]:
        """Record that it ran, after holding the thread."""
        started.append(n)
        time.sleep(0.3)
        return {"n": n}

    async with AsyncComposio(api_key=API_KEY, base_url=emulator.url) as client:
        session = await client.create(user_id="u", custom_tools=[mark, busy])
        # Occupy every budget thread, then queue one more call with a short deadline.
        async with anyio.create_task_group() as tg:
            tg.start_soon(lambda: session.multi_execute([("BUSY", {"ms": 600})] * 20, timeout=10))
            while _running < LOCAL_TOOL_THREADS:
                await anyio.sleep(0.01)
            result = await session.execute("MARK", {"n": 1}, timeout=0.1)
        assert not result.successful and "timed out" in (result.error or "").lower()
    await anyio.sleep(0.4)  # long after the budget freed up
    assert started == []


@tool
def inner_sync(n: int) -> dict[str, Any]:
    """A sync tool called by other sync tools."""
    time.sleep(0.05)
    return {"n": n}


@tool
def outer_sync(n: int, ctx: SyncSessionContext) -> dict[str, Any]:
    """A sync tool that calls another sync tool through its context."""
    return {"inner": ctx.execute("INNER_SYNC", {"n": n}).data}


@pytest.mark.anyio
async def test_nested_sync_tools_do_not_exhaust_the_thread_limiter(client: AsyncComposio) -> None:
    # 20 outer tools hold every token of the 20-thread limiter; their nested calls must not wait for it.
    session = await client.create(user_id="u", custom_tools=[inner_sync, outer_sync])
    started = time.monotonic()
    batch = await session.multi_execute([("OUTER_SYNC", {"n": i}) for i in range(20)], timeout=10)
    assert batch.success_count == 20, [r.error for r in batch.results]
    assert [r.data["inner"]["n"] for r in batch.results] == list(range(20))
    assert time.monotonic() - started < 5


def test_an_abandoned_tool_neither_holds_the_exit_nor_the_budget(emulator_thread: Emulator, api_key: str) -> None:
    # 20 tools overrun their deadline and keep running (threads cannot be interrupted).
    # Another client's quick tool must still run, and the process must exit without
    # waiting for them: their threads are daemons, and abandoned ones stop counting.
    import subprocess
    import sys
    import textwrap
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    code = textwrap.dedent(
        f"""
        import time
        from composio_router import Composio, tool

        @tool
        def stuck(n: int) -> dict:
            \"\"\"Sleep far past the deadline.\"\"\"
            time.sleep(60)
            return {{"n": n}}

        @tool
        def quick(n: int) -> dict:
            \"\"\"Answer at once.\"\"\"
            return {{"n": n}}

        with Composio(api_key={api_key!r}, base_url={emulator_thread.url!r}) as first, \\
                Composio(api_key={api_key!r}, base_url={emulator_thread.url!r}) as second:
            stuck_batch = first.create(user_id="u", custom_tools=[stuck]).multi_execute(
                [("STUCK", {{"n": i}}) for i in range(20)], timeout=0.5
            )
            print("stuck timed out:", sum(1 for r in stuck_batch.results if not r.successful))
            result = second.create(user_id="u", custom_tools=[quick]).execute("QUICK", {{"n": 1}}, timeout=5)
            print("quick:", result.successful)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=root, timeout=30,
        env={**__import__("os").environ, "PYTHONPATH": str(root)},
    )  # would take 60 s (and fail the timeout) if the stuck threads held the exit
    assert done.returncode == 0, done.stderr
    assert "stuck timed out: 20" in done.stdout
    assert "quick: True" in done.stdout


def test_an_idle_worker_keeps_nothing_of_its_last_call() -> None:
    # A tool's result (or a call abandoned while queued) must not stay alive in an idle thread.
    import weakref

    from composio_router._tool_threads import ToolThreads

    class Result:
        pass

    threads = ToolThreads(1, "composio-router-tool-test")  # pooled: idles 10 s, as the real pool
    future = threads.submit(Result)
    result = weakref.ref(future.result(timeout=5))
    del future
    deadline = time.monotonic() + 5
    while result() is not None and time.monotonic() < deadline:
        time.sleep(0.01)  # the worker drops its locals right after handing the result over
    assert result() is None, "the idle worker still holds the last result"

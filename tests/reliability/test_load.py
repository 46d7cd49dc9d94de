"""Load and soak (README, "Reliability", point 5). Loopback only, bounded in count and time.

* 1,000 executes started at once through one client whose pool holds 10 connections:
  all complete, each with its own answer, and the emulator never sees more than 10
  requests in flight (computed from the journal's start/finish stamps).
* A soak of a few thousand calls under a seeded random mix of faults: every call ends
  in a result or a :class:`ComposioError` (never anything else), and the memory traced
  after a warm-up stays flat.
"""

from __future__ import annotations

import gc
import random
import time
import tracemalloc
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest

from composio_router import AsyncComposio, AsyncSession, ComposioError
from composio_router.testing import Emulator
from composio_router_emulator._journal import JournalEntry

from ..conftest import API_KEY

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

EXECUTE = "/api/v3.1/tool_router/session/*/execute"
SESSION = "/api/v3.1/tool_router/session/*"
POOL = 10


def max_in_flight(entries: list[JournalEntry]) -> int:
    """The most requests the emulator was handling at one moment.

    A finish and a start with the same stamp count as sequential: a pooled connection
    sends its next request only after it has read the previous answer, which the
    emulator writes after stamping ``finished``.
    """
    events = sorted([(e.started, 1) for e in entries] + [(e.finished, -1) for e in entries],
                    key=lambda ev: (ev[0], ev[1]))
    current = peak = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


def acquired(client: AsyncComposio) -> int:
    http = client._transport._http
    assert http is not None and http.connector is not None
    return len(http.connector._acquired)


async def test_thousand_concurrent_executes_through_a_pool_of_ten(emulator: Emulator) -> None:
    calls = 1000
    async with AsyncComposio(
        api_key=API_KEY, base_url=emulator.url, max_connections=POOL, timeout=30
    ) as client:
        session = await client.create(user_id="load-user")
        emulator.journal.clear()
        # Each request takes the emulator 5 ms, so requests overlap there (the emulator
        # shares this event loop: without a wait each would be handled in one go).
        emulator.latency = 0.005
        answers: list[Any] = [None] * calls
        peak_acquired = 0
        done = anyio.Event()

        async def one(i: int) -> None:
            result = await session.execute("CALCULATOR_ADD", {"a": i, "b": 1000})
            assert result.successful, result.error
            answers[i] = result.data["result"]

        async def watch_pool() -> None:
            nonlocal peak_acquired
            while not done.is_set():
                peak_acquired = max(peak_acquired, acquired(client))
                await anyio.sleep(0.001)

        started = time.monotonic()
        async with anyio.create_task_group() as outer:
            outer.start_soon(watch_pool)
            async with anyio.create_task_group() as tg:
                for i in range(calls):
                    tg.start_soon(one, i)
            done.set()
        elapsed = time.monotonic() - started

        assert answers == [i + 1000 for i in range(calls)]  # each call got its own answer
        entries = emulator.journal.find("POST", EXECUTE)
        assert len(entries) == calls and all(e.status == 200 for e in entries)
        in_flight = max_in_flight(entries)
        assert 1 < in_flight <= POOL, in_flight
        assert 1 < peak_acquired <= POOL, peak_acquired
        assert acquired(client) == 0  # every connection back in the pool
        assert elapsed < 15, elapsed
        print(f"\n1000 executes, pool {POOL}: {elapsed:.2f} s, "
              f"server-side peak in flight {in_flight}, client-side peak acquired {peak_acquired}")


# --- soak --------------------------------------------------------------------------------

SOAK_CALLS = 3000
WARM_UP = 500
SOAK_SECONDS = 12.0  # stop early on a slow machine: the bound is count or time, whichever first
WORKERS = 20
GROWTH_LIMIT = 1024 * 1024  # observed: ~15 KiB over 2,500 calls; a 1 KiB-per-call leak gives 2.6 MB


@pytest.fixture
async def soak_emulator() -> AsyncIterator[Emulator]:
    # A small journal: the emulator's own record of thousands of requests must not count
    # as the client's memory.
    async with Emulator(api_key=API_KEY, journal_limit=20) as emu:
        yield emu


async def test_soak_with_random_faults_keeps_memory_flat(
    soak_emulator: Emulator, fast_backoff: list[float]
) -> None:
    emu = soak_emulator
    rng = random.Random(20240611)
    outcomes: Counter[str] = Counter()
    unexpected: list[str] = []
    wrong: list[str] = []
    counter = 0

    async def one_call(session: AsyncSession, n: int) -> None:
        roll = rng.random()
        # Faults go in right before the call; with 20 workers another call may meet them
        # first, which is fine: every call must still end in a result or a ComposioError.
        if roll < 0.06:
            emu.faults.add(SESSION, method="GET", status=500)  # safe: retried
        elif roll < 0.11:
            emu.faults.add(EXECUTE, method="POST", status=429, headers={"retry-after-ms": "1"})
        elif roll < 0.15:
            emu.faults.add(SESSION, method="GET", action="drop")  # safe: retried
        elif roll < 0.17:
            emu.faults.add(EXECUTE, method="POST", action="malformed")
        elif roll < 0.18:
            emu.faults.add(EXECUTE, method="POST", status=502)  # unsafe: surfaces
        op = rng.random()
        try:
            if op < 0.6:
                result = await session.execute("CALCULATOR_ADD", {"a": n, "b": 1})
                if not result.successful or result.data != {"result": n + 1}:
                    wrong.append(f"execute {n}: {result.data} {result.error}")
            elif op < 0.9:
                info = await session.refresh()
                if info.session_id != session.session_id:
                    wrong.append(f"refresh {n}: {info.session_id}")
            else:
                batch = await session.multi_execute(
                    [("TEXT_UPPERCASE", {"text": f"t{n}"}), ("CALCULATOR_MULTIPLY", {"a": n, "b": 2})]
                )
                for item in batch.results:
                    if item.exception is not None and not isinstance(item.exception, ComposioError):
                        unexpected.append(repr(item.exception))
                    elif item.successful and item.data not in ({"text": f"T{n}"}, {"result": n * 2}):
                        wrong.append(f"batch {n}: {item.data}")
            outcomes["ok"] += 1
        except ComposioError as exc:
            outcomes[type(exc).__name__] += 1
        except Exception as exc:  # the property under test: nothing but ComposioError escapes
            unexpected.append(repr(exc))

    async with AsyncComposio(
        api_key=API_KEY, base_url=emu.url, max_connections=POOL, max_retries=2, timeout=10
    ) as client:
        session = await client.create(user_id="soak-user")
        started = time.monotonic()
        deadline = started + SOAK_SECONDS

        async def run_until(limit: int) -> None:
            """WORKERS concurrent callers until ``limit`` calls in all (or the deadline)."""

            async def worker() -> None:
                nonlocal counter
                while counter < limit and time.monotonic() < deadline:
                    counter += 1
                    await one_call(session, counter)

            async with anyio.create_task_group() as tg:
                for _ in range(WORKERS):
                    tg.start_soon(worker)

        def traced() -> int:
            gc.collect()
            return tracemalloc.get_traced_memory()[0]

        tracemalloc.start()
        try:
            # Measured at rest both times (no call in flight), after the warm-up has filled
            # the pool, caches and free lists.
            await run_until(WARM_UP)
            baseline = traced()
            await run_until(SOAK_CALLS)
            end = traced()
        finally:
            tracemalloc.stop()
        elapsed = time.monotonic() - started
        assert acquired(client) == 0

    total = sum(outcomes.values())
    assert unexpected == [], unexpected[:5]
    assert wrong == [], wrong[:5]
    assert total == counter and total >= 2 * WARM_UP, (total, elapsed)
    assert outcomes["ok"] > 0.8 * total, outcomes
    # The random faults did reach the client: some surfaced as typed errors.
    assert set(outcomes) - {"ok"} <= {"APIResponseValidationError", "InternalServerError",
                                      "RateLimitError", "APIConnectionError"}, outcomes
    assert outcomes["APIResponseValidationError"] > 0 and outcomes["InternalServerError"] > 0, outcomes
    assert len(fast_backoff) > 0  # and some were retried through
    growth = end - baseline
    print(f"\nsoak: {total} calls in {elapsed:.2f} s, {len(fast_backoff)} retries, "
          f"outcomes {dict(outcomes)}, traced memory after warm-up {baseline / 1e6:.2f} MB, "
          f"growth {growth / 1024:.1f} KiB")
    assert growth < GROWTH_LIMIT, f"traced memory grew {growth / 1e6:.2f} MB over {total - WARM_UP} calls"

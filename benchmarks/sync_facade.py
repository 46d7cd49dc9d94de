"""The sync facade's per-call overhead against the async API, in one run, on loopback.

    python -m benchmarks.sync_facade            # starts an emulator in a thread
    python benchmarks/sync_facade.py --calls 5000

Both sides run ``session.execute("UTILS_ECHO", ...)`` sequentially against the same
emulator: the async API from its own event loop, the facade from this thread through
its portal. Each side is timed ``repeats`` times; the median per-call latency is
reported, and the difference is the cost of crossing into the portal's loop and back.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

API_KEY = "bench-key-sync-facade"
ARGS: dict[str, Any] = {"message": "hello"}


async def _async_per_call(url: str, calls: int, repeats: int) -> float:
    from composio_router import AsyncComposio

    samples: list[float] = []
    async with AsyncComposio(api_key=API_KEY, base_url=url, max_retries=0) as composio:
        session = await composio.create(user_id="bench-async")
        for _ in range(min(50, calls)):  # warm the pool and the code paths
            await session.execute("UTILS_ECHO", ARGS)
        for _ in range(repeats):
            started = time.perf_counter()
            for _ in range(calls):
                await session.execute("UTILS_ECHO", ARGS)
            samples.append((time.perf_counter() - started) / calls)
    return statistics.median(samples)


def _sync_per_call(url: str, calls: int, repeats: int) -> float:
    from composio_router import Composio

    samples: list[float] = []
    with Composio(api_key=API_KEY, base_url=url, max_retries=0) as composio:
        session = composio.create(user_id="bench-sync")
        for _ in range(min(50, calls)):
            session.execute("UTILS_ECHO", ARGS)
        for _ in range(repeats):
            started = time.perf_counter()
            for _ in range(calls):
                session.execute("UTILS_ECHO", ARGS)
            samples.append((time.perf_counter() - started) / calls)
    return statistics.median(samples)


def run(*, calls: int = 2000, url: str, repeats: int = 5) -> dict[str, float]:
    """Median per-call latency (µs) of the async API and of the facade, and the difference."""
    if calls < 1 or repeats < 1:
        raise ValueError("calls and repeats must be positive")
    per_repeat = max(1, calls // repeats)
    async_s = asyncio.run(_async_per_call(url, per_repeat, repeats))
    sync_s = _sync_per_call(url, per_repeat, repeats)
    return {
        "calls": float(per_repeat * repeats),
        "async_us_per_call": async_s * 1e6,
        "sync_us_per_call": sync_s * 1e6,
        "overhead_us_per_call": (sync_s - async_s) * 1e6,
        "ratio": sync_s / async_s,
    }


def main() -> None:
    from composio_router.testing import Emulator

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    options = parser.parse_args()
    with Emulator.running_in_thread(api_key=API_KEY) as emulator:
        figures = run(calls=options.calls, url=emulator.url, repeats=options.repeats)
    print(f"sync facade vs async API, execute('UTILS_ECHO'), {int(figures['calls'])} calls each:")
    print(f"  async   {figures['async_us_per_call']:8.1f} µs/call")
    print(f"  sync    {figures['sync_us_per_call']:8.1f} µs/call")
    print(
        f"  overhead {figures['overhead_us_per_call']:7.1f} µs/call  (ratio {figures['ratio']:.2f}x)"
    )


if __name__ == "__main__":
    main()

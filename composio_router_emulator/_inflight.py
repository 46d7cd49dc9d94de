"""The request tasks still running, so that stopping the emulator can cancel them.

On cleanup aiohttp waits for every running handler (up to ``shutdown_timeout``, twice)
before it cancels it. An emulator stopping at the end of a test has nothing worth waiting
for: what is still running is a latency sleep, a "never answer" fault, or a request whose
client already gave up. So :meth:`Emulator.stop` cancels them first, and the graceful
wait that follows finds nothing to wait for.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

__all__ = ["INFLIGHT", "InFlight"]


class InFlight:
    """The tasks of the requests one running app is serving (one instance per app)."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closing = False

    def enter(self) -> None:
        """Track the current request's task until it is done (response written or not)."""
        task = asyncio.current_task()
        if task is None:  # pragma: no cover - aiohttp always runs a request in a task
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if self._closing:
            # It arrived while stopping (between the cancel and the listener closing).
            task.cancel()

    async def cancel_all(self) -> None:
        """Cancel every tracked request task and wait until each has unwound."""
        self._closing = True
        me = asyncio.current_task()
        tasks = [t for t in self._tasks if t is not me and not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            # Bounded: a handler that swallowed the cancellation is left to aiohttp's cleanup.
            await asyncio.wait(tasks, timeout=1.0)

    def __len__(self) -> int:
        return len(self._tasks)


INFLIGHT = web.AppKey("composio_router_emulator_inflight", InFlight)

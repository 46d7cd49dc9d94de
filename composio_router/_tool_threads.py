"""Worker threads for ``def`` custom tools, shared by the whole process.

Hand-written on purpose, small as it is; the usual pools each fail one requirement:

* ``concurrent.futures.ThreadPoolExecutor`` joins its threads at interpreter exit. A tool
  abandoned at its deadline (a thread cannot be interrupted) would hold the process open
  until it returned, and each abandoned call would keep one of the pool's slots for good:
  20 hung tools would starve every ``def`` tool of the process.
* anyio's worker threads and ``CapacityLimiter`` belong to one event loop, and the sync
  facade runs one loop per client, so a per-loop budget grows with every client.

Here the threads are daemons, and the budget bounds the threads *serving callers*: a call
abandoned while it runs stops counting, so a replacement thread can start, and its thread
comes back when the tool finally returns. A call still queued when it is abandoned never
starts. Idle threads exit after a while.
"""

from __future__ import annotations

import collections
import concurrent.futures
import itertools
import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["ToolThreads"]

T = TypeVar("T")
_IDLE_SECONDS = 10.0  # as anyio's worker threads
_numbers = itertools.count(1)


class ToolThreads:
    """Daemon threads running submitted functions; at most ``budget`` serve live callers."""

    def __init__(self, budget: float, name: str) -> None:
        self._budget = budget
        self._name = name
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)
        self._queue: collections.deque[tuple[concurrent.futures.Future[Any], Callable[[], Any]]] = collections.deque()
        self._threads = 0  # alive
        self._idle = 0  # alive and waiting for work
        self._abandoned: set[concurrent.futures.Future[Any]] = set()  # running, nobody waits
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._after_fork)

    @property
    def threads(self) -> int:
        """How many threads are alive (for tests and diagnostics)."""
        return self._threads

    def submit(self, fn: Callable[[], T]) -> concurrent.futures.Future[T]:
        """Run ``fn()`` on a worker thread; its outcome arrives in the future."""
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        with self._lock:
            self._queue.append((future, fn))
            self._spawn_if_needed()
            self._work.notify()
        return future

    def abandon(self, future: concurrent.futures.Future[Any]) -> None:
        """The caller stopped waiting: a queued call never starts, a running one stops counting."""
        if future.cancel():
            return  # it had not started: it never will
        with self._lock:
            if future.running():
                self._abandoned.add(future)
                self._spawn_if_needed()  # its thread no longer counts: the queue may need another

    def _spawn_if_needed(self) -> None:
        # Under the lock. A thread is started when more calls wait than threads are idle
        # (an idle thread already notified still counts as idle until it takes its call),
        # and the threads serving live callers are under the budget.
        serving = self._threads - len(self._abandoned)
        if len(self._queue) > self._idle and serving < self._budget:
            self._threads += 1
            try:
                threading.Thread(target=self._run, name=f"{self._name}_{next(_numbers)}", daemon=True).start()
            except BaseException:  # no thread to count (RuntimeError: can't start new thread)
                self._threads -= 1
                raise

    def _run(self) -> None:
        while True:
            with self._lock:
                self._idle += 1
                while not self._queue:
                    if not self._work.wait(_IDLE_SECONDS) and not self._queue:
                        self._idle -= 1
                        self._threads -= 1
                        return
                self._idle -= 1
                future, fn = self._queue.popleft()
            if not future.set_running_or_notify_cancel():
                del future, fn  # abandoned while queued: nothing of it kept while idle
                continue
            try:
                result = fn()
            except BaseException as exc:  # handed to the caller, whatever it is
                future.set_exception(exc)
            else:
                future.set_result(result)
                del result  # the thread keeps no reference to a result while idle
            with self._lock:
                if future in self._abandoned:
                    self._abandoned.discard(future)
                    if self._threads - len(self._abandoned) > self._budget:
                        self._threads -= 1  # a replacement took its place: stay within the budget
                        return
            del future, fn  # no reference to the last result while idle

    def _after_fork(self) -> None:
        # The parent's threads do not exist in a forked child: start from nothing.
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)
        self._queue.clear()
        self._threads = self._idle = 0
        self._abandoned = set()

"""Running a model's tool calls: ``session.handle_tool_calls`` and self-running framework tools.

Providers only read calls and write answers (:mod:`composio_router.providers`); the
calls run here, through the session's ``multi_execute``, so custom tools, modifiers and
per-call failures behave as in any batch. :class:`SessionToolRunner` is what a
provider's self-running tools (LangChain's, the OpenAI Agents SDK's) call back into,
from whatever thread or event loop the framework calls them on.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from ._config import DEFAULT_TIMEOUT
from ._portal import await_from_other_loop, hand_to_loop, liveness_window, wait_from_thread
from .errors import ClientClosedError, EventLoopBlockedError
from .models._unset import UNSET, Unset
from .models.batch import MAX_BATCH, MultiExecuteResult, ToolCall
from .models.tool_calls import ToolCallRequest, ToolOutput

if TYPE_CHECKING:
    from .modifiers import Modifiers

__all__ = ["BatchRunner", "SessionToolRunner", "execute_tool_calls"]


class BatchRunner(Protocol):
    """``session.multi_execute``, as far as running tool calls needs it."""

    async def __call__(
        self, calls: Sequence[ToolCall], *, modifiers: Modifiers = None, timeout: float | None | Unset = UNSET
    ) -> MultiExecuteResult: ...


async def execute_tool_calls(
    multi_execute: BatchRunner,
    calls: Sequence[ToolCallRequest],
    *,
    modifiers: Modifiers = None,
    timeout: float | None | Unset = UNSET,
) -> list[ToolOutput]:
    """Run ``calls`` through ``multi_execute``; outputs in call order.

    One batch runs every call at once (custom tools in this process, the rest
    remotely). More than 20 calls are split into consecutive batches of 20, each with
    its own ``timeout``, rather than refused: a model's answer is not something the
    caller can shorten. A call with unreadable arguments is answered with an error
    and not sent.
    """
    outputs: list[ToolOutput | None] = [None] * len(calls)
    runnable: list[int] = []
    for i, call in enumerate(calls):
        if call.arguments is None:
            outputs[i] = ToolOutput(call=call, successful=False, data={}, error=call.error or "unreadable arguments")
        else:
            runnable.append(i)
    for start in range(0, len(runnable), MAX_BATCH):
        chunk = runnable[start : start + MAX_BATCH]
        batch = await multi_execute(
            [(calls[i].name, calls[i].arguments) for i in chunk], modifiers=modifiers, timeout=timeout
        )
        for i, item in zip(chunk, batch.results, strict=True):
            outputs[i] = ToolOutput(
                call=calls[i], successful=item.successful, data=item.data, error=item.error, item=item
            )
    return [o for o in outputs if o is not None]


class SessionToolRunner:
    """Runs tool calls for a session's self-running tools (a provider's ``ToolRunner``).

    Made on the event loop that owns the session's client (``session.tools()`` runs
    there): an ``AsyncComposio``'s loop, or the sync facade's background loop. Every
    call runs on that loop, since the connection pool belongs to it, whatever the
    caller: on that loop it is awaited directly; from another thread, or a task on
    another loop (``asyncio.run``, ``Runner.run_sync``, LangGraph's worker threads), it
    is handed over and waited for, blocking only a blocking caller.

    A call that cannot run because the owner loop is blocked raises
    :class:`~composio_router.errors.EventLoopBlockedError`: at once when the caller
    blocks that loop's own thread, otherwise when the loop has not answered for the
    client's timeout. A call after the loop has closed raises ``ClientClosedError``.
    """

    __slots__ = ("_loop", "_modifiers", "_multi_execute", "_thread", "_window")

    def __init__(
        self, multi_execute: BatchRunner, modifiers: Modifiers, *, timeout: float | None | Unset = UNSET
    ) -> None:
        self._multi_execute = multi_execute
        self._modifiers = modifiers
        try:
            self._loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:  # not made in an async context: no loop to hand calls to
            self._loop = None
        self._thread = threading.get_ident()
        # ``timeout`` is the client's default (the calls run with it): the longest a caller
        # waits for an owner loop that does not answer.
        self._window = liveness_window(timeout, DEFAULT_TIMEOUT)

    async def run(self, call: ToolCallRequest) -> ToolOutput:
        """Run one call; awaited from any event loop."""
        [output] = await self.run_calls([call])
        return output

    def run_blocking(self, call: ToolCallRequest) -> ToolOutput:
        """Run one call, blocking this thread (not the owner loop's own thread)."""
        [output] = self.run_calls_blocking([call])
        return output

    async def run_calls(self, calls: Sequence[ToolCallRequest]) -> list[ToolOutput]:
        """Run a turn's calls as one concurrent batch (see :func:`execute_tool_calls`)."""
        loop = self._owner(calls)
        try:
            current: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        if current is loop:
            return await self._execute(calls)
        if threading.get_ident() == self._thread:
            raise self._blocked_now(calls)  # another loop runs on the owner's thread: it is blocked
        started = threading.Event()
        future = hand_to_loop(loop, functools.partial(self._execute, calls), started)
        return await await_from_other_loop(
            future, loop, self._window, started, self._blocked_error(calls), self._gone
        )

    def run_calls_blocking(self, calls: Sequence[ToolCallRequest]) -> list[ToolOutput]:
        """:meth:`run_calls`, blocking this thread until the outputs are in."""
        loop = self._owner(calls)
        if threading.get_ident() == self._thread:
            raise self._blocked_now(calls)
        started = threading.Event()
        future = hand_to_loop(loop, functools.partial(self._execute, calls), started)
        try:
            return wait_from_thread(future, loop, self._window, started, self._blocked_error(calls), self._gone)
        except concurrent.futures.CancelledError:
            raise self._gone() from None

    async def _execute(self, calls: Sequence[ToolCallRequest]) -> list[ToolOutput]:
        return await execute_tool_calls(self._multi_execute, calls, modifiers=self._modifiers)

    def _owner(self, calls: Sequence[ToolCallRequest]) -> asyncio.AbstractEventLoop:
        loop = self._loop
        if loop is None:
            raise ClientClosedError(
                f"{_names(calls)}: these tools were not built inside an event loop; get them from "
                "session.tools() (AsyncComposio) or from the sync facade (Composio)"
            )
        if loop.is_closed():
            raise self._gone()
        if not loop.is_running():
            raise EventLoopBlockedError(
                f"{_names(calls)}: the event loop that built these tools is not running, and their "
                "calls must run on it (its connection pool belongs to it). Call them while it runs "
                "(`await tool.ainvoke(...)` inside it), or build them with the sync facade "
                "(Composio), whose event loop runs in its own thread."
            )
        return loop

    def _blocked_now(self, calls: Sequence[ToolCallRequest]) -> EventLoopBlockedError:
        return EventLoopBlockedError(
            f"{_names(calls)}: this tool call would deadlock. It was made, blocking, on the thread "
            "of the event loop that runs this client, and it must run on that loop. Use the async "
            "entry point there (`await tool.ainvoke(...)`, `await graph.ainvoke(...)`; a notebook "
            "cell can `await`), or build the tools with the sync facade (Composio), whose event "
            "loop runs in its own thread."
        )

    def _blocked_error(self, calls: Sequence[ToolCallRequest]) -> Callable[[float], BaseException]:
        def blocked(window: float) -> EventLoopBlockedError:
            return EventLoopBlockedError(
                f"{_names(calls)}: the call could not run, because the event loop that runs this "
                f"client did not respond for {window:g} s (the call was cancelled). Something blocks "
                "that loop, most often a blocking call on its own thread that waits for this one: "
                "`graph.invoke(...)` or `tool.invoke(...)` in a notebook cell or inside async code, "
                "with tools built by AsyncComposio. Use the async entry point there "
                "(`await graph.ainvoke(...)`), or build the tools with the sync facade (Composio), "
                "whose event loop runs in its own thread."
            )

        return blocked

    @staticmethod
    def _gone() -> ClientClosedError:
        return ClientClosedError(_LOOP_GONE)


_LOOP_GONE = (
    "the event loop these tools were built on has stopped (or their client was closed). The tools "
    "of an AsyncComposio run on the loop that built them: build them on the loop that runs them, "
    "or with the sync facade (Composio), whose loop lives as long as the client"
)


def _names(calls: Sequence[ToolCallRequest]) -> str:
    names = sorted({c.name for c in calls if c.name})
    if not names:
        return "tool call"
    more = f" (and {len(names) - 3} more)" if len(names) > 3 else ""
    return ", ".join(names[:3]) + more

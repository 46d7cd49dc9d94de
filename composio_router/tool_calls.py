"""Running a model's tool calls: ``session.handle_tool_calls`` and self-running framework tools.

Providers only read calls and write answers (:mod:`composio_router.providers`); the
calls run here, through the session's ``multi_execute``, so custom tools, modifiers and
per-call failures behave as in any batch. :class:`SessionToolRunner` is what a
provider's self-running tools (LangChain's) call back into.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import anyio.lowlevel

from .models._unset import UNSET, Unset
from .models.batch import MAX_BATCH, MultiExecuteResult, ToolCall
from .models.tool_calls import ToolCallRequest, ToolOutput

if TYPE_CHECKING:
    from anyio.lowlevel import EventLoopToken

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
    """Runs single tool calls for a session's self-running tools (a provider's ``ToolRunner``).

    Made on the session's event loop. :meth:`run` awaits there; :meth:`run_blocking`,
    from any other thread (a framework's executor thread, the sync facade's caller),
    hands the call to that loop and waits for it.
    """

    __slots__ = ("_loop", "_modifiers", "_multi_execute")

    def __init__(self, multi_execute: BatchRunner, modifiers: Modifiers) -> None:
        self._multi_execute = multi_execute
        self._modifiers = modifiers
        self._loop = _running_loop()

    async def run(self, call: ToolCallRequest) -> ToolOutput:
        [output] = await execute_tool_calls(self._multi_execute, [call], modifiers=self._modifiers)
        return output

    def run_blocking(self, call: ToolCallRequest) -> ToolOutput:
        if self._loop is None:
            raise RuntimeError(
                f"{call.name}: a blocking call needs tools built inside the event loop (session.tools()); "
                "call the tool's async entry point instead (ainvoke() for LangChain tools)"
            )
        token, loop_thread = self._loop
        if threading.get_ident() == loop_thread:
            # Blocking here would deadlock the loop the call must run on.
            raise RuntimeError(
                f"{call.name}: a blocking call was made on the event loop's own thread; call the tool's "
                "async entry point instead (ainvoke() for LangChain tools)"
            )
        import anyio.from_thread  # ~8 ms to import, and only blocking callers need it

        return anyio.from_thread.run(self.run, call, token=token)


def _running_loop() -> tuple[EventLoopToken, int] | None:
    """The running loop's token and thread, to hand blocking calls back to it."""
    try:
        return anyio.lowlevel.current_token(), threading.get_ident()
    except RuntimeError:  # not in an async context: blocking calls cannot reach a loop
        return None

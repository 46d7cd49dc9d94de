"""Concurrent batches: one anyio task group per batch, results kept in request order.

``session.multi_execute`` runs here. Every item is its own call through the session's
:class:`~composio_router.execution.Executor`: a custom tool in this process or one
``POST …/execute``, all in one task group, at most as many at once as the connection
pool carries. Per-item calls rather than one remote meta-tool call, because that is
what lets a remote 500 fail only its own slot, and gives each item its own
``log_id``, account and timing.

An item's failure (an exception in a tool, bad arguments, an HTTP error) is written
into its slot and never cancels its siblings; cancelling the caller cancels them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
from anyio.streams.memory import MemoryObjectSendStream

from ._transport import check_idempotency_key
from .errors import ComposioError, InvalidInputError
from .models._unset import UNSET, Unset
from .models.batch import (
    MAX_BATCH,
    BatchItemResult,
    MultiExecuteResult,
    call_slug,
    check_batch,
    parse_call,
)
from .models.execution import ExecuteResult, ResultType

if TYPE_CHECKING:
    from .custom_tools import RegisteredCustomTool
    from .execution import Executor

__all__ = ["BatchStream", "gather_in_order", "iter_multi_execute", "multi_execute"]

T = TypeVar("T")


async def gather_in_order(factories: Sequence[Callable[[], Awaitable[T]]]) -> list[T]:
    """Run coroutines concurrently; results in input order.

    The first exception cancels the rest and is raised as itself: a task group would
    wrap it in an ``ExceptionGroup``, which no public method may let escape.
    """
    results: list[Any] = [None] * len(factories)
    failures: list[Exception] = []

    async def run(i: int, factory: Callable[[], Awaitable[T]], scope: anyio.CancelScope) -> None:
        try:
            results[i] = await factory()
        except Exception as exc:
            if not failures:
                failures.append(exc)
                scope.cancel()

    async with anyio.create_task_group() as tg:
        for i, factory in enumerate(factories):
            tg.start_soon(run, i, factory, tg.cancel_scope)
    if failures:
        raise failures[0]
    return results


async def _run_item(
    executor: Executor,
    index: int,
    call: object,
    limiter: anyio.CapacityLimiter | None,
    deadline: float,
    idempotency_key: str | None,
) -> BatchItemResult:
    """One slot of a batch. Every failure short of cancellation ends up in the slot, typed."""
    started = time.perf_counter()
    slug = call_slug(call)
    local = False
    result: ExecuteResult | None = None
    error: str | None = None
    exception: Exception | None = None
    key = None if idempotency_key is None else f"{idempotency_key}:{index}"
    with executor.telemetry.tool(
        slug, operation="multi_execute.item", session_id=executor.session_id, index=index
    ) as span:
        try:
            parsed = parse_call(call)
            tool = executor.resolve(parsed.tool_slug)
            local = tool is not None
            if tool is not None:
                slug = tool.slug
                span.set("composio.local", True)
            # The toolkit as the spec names it: the custom tool's, else the slug's prefix.
            span.set("composio.toolkit", (tool.toolkit or "custom") if tool is not None
                     else parsed.tool_slug.split("_", 1)[0].lower())
            if limiter is None:
                result = await _call_item(executor, tool, parsed.tool_slug, parsed.arguments, parsed.account, deadline, key)
            else:
                async with limiter:
                    result = await _call_item(executor, tool, parsed.tool_slug, parsed.arguments, parsed.account, deadline, key)
            span.result(result)
        except ComposioError as exc:
            error, exception = str(exc), exc
            span.exception(exc)
        except Exception as exc:  # a bug must not take the batch down
            error, exception = f"{type(exc).__name__}: {exc}", exc
            span.exception(exc)
    finished = time.perf_counter()
    if result is not None:
        return BatchItemResult(
            index=index, tool_slug=slug, data=result.data, error=result.error, log_id=result.log_id,
            successful=result.successful, local=local, started=started, finished=finished, result=result,
        )
    return BatchItemResult(
        index=index, tool_slug=slug, error=error, local=local, started=started, finished=finished,
        exception=exception,
    )


async def _call_item(
    executor: Executor,
    tool: RegisteredCustomTool | None,
    slug: str,
    arguments: dict[str, Any],
    account: str | None,
    deadline: float,
    idempotency_key: str | None,
) -> ExecuteResult:
    # The batch deadline travels down as each call's own timeout (measured from when the
    # item got its slot) rather than as one more cancel scope per item: the transport and
    # the local runner already bound their work, and a scope costs ~25 us.
    remaining = deadline - anyio.current_time()
    timeout = None if math.isinf(remaining) else max(remaining, 0.0)
    if tool is not None:
        # Raising, not a failed result: the slot keeps the error's type.
        data = await executor.run_local(tool, arguments, timeout)
        return ExecuteResult(data=data, error=None, result_type=ResultType.COMPLETED)
    # Routed, not sent raw: an agent's COMPOSIO_MULTI_EXECUTE_TOOL item that names custom
    # tools is split and merged too (spec §5).
    return await executor.execute(slug, arguments, account=account, timeout=timeout, idempotency_key=idempotency_key)


def _limiter_for(executor: Executor, max_concurrency: int, size: int) -> anyio.CapacityLimiter | None:
    if isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int) or max_concurrency < 1:
        raise InvalidInputError(f"max_concurrency must be a positive integer, got {max_concurrency!r}")
    # Never more in flight than the pool can carry: extra tasks would only queue inside aiohttp.
    tokens = min(max_concurrency, MAX_BATCH, executor.max_connections)
    # A batch that fits needs no limiter: acquiring one is an event-loop round trip per item
    # even when a token is free (measured: part of the 20-tool batch's overhead).
    return None if size <= tokens else anyio.CapacityLimiter(tokens)


def _check_batch_key(idempotency_key: str | None) -> None:
    if idempotency_key is not None:
        check_idempotency_key(idempotency_key)
        check_idempotency_key(f"{idempotency_key}:{MAX_BATCH - 1}")  # the longest derived key


async def multi_execute(
    executor: Executor,
    calls: Sequence[object],
    *,
    max_concurrency: int = MAX_BATCH,
    timeout: float | None | Unset = UNSET,
    idempotency_key: str | None = None,
) -> MultiExecuteResult:
    """See :meth:`AsyncSession.multi_execute`."""
    check_batch(calls)
    _check_batch_key(idempotency_key)
    limiter = _limiter_for(executor, max_concurrency, len(calls))
    deadline = executor.deadline(timeout)
    results: list[BatchItemResult | None] = [None] * len(calls)
    started = time.perf_counter()

    async def slot(i: int, call: object) -> None:
        results[i] = await _run_item(executor, i, call, limiter, deadline, idempotency_key)

    async with anyio.create_task_group() as tg:
        for i, call in enumerate(calls):
            tg.start_soon(slot, i, call)
    done = [r for r in results if r is not None]
    return MultiExecuteResult(results=done, elapsed=time.perf_counter() - started)


def iter_multi_execute(
    executor: Executor,
    calls: Sequence[object],
    *,
    max_concurrency: int = MAX_BATCH,
    timeout: float | None | Unset = UNSET,
    idempotency_key: str | None = None,
) -> BatchStream:
    """Each item's result as it completes (completion order; ``index`` gives the slot).

    Bad input raises here, before anything runs. The batch starts with the first
    ``__anext__`` and its deadline with it.
    """
    check_batch(calls)
    _check_batch_key(idempotency_key)
    limiter = _limiter_for(executor, max_concurrency, len(calls))

    async def run(out: MemoryObjectSendStream[BatchItemResult]) -> None:
        deadline = executor.deadline(timeout)
        errors = 0

        async def slot(i: int, call: object, out: MemoryObjectSendStream[BatchItemResult]) -> None:
            nonlocal errors
            async with out:
                item = await _run_item(executor, i, call, limiter, deadline, idempotency_key)
                errors += not item.successful
                with contextlib.suppress(anyio.BrokenResourceError):  # nobody reads any more
                    await out.send(item)

        # The span lives in the batch's own task (not the consumer's loop) so that every
        # item's span has this parent, however the consumer leaves the loop.
        with executor.telemetry.operation(
            "multi_execute", session_id=executor.session_id, batch_size=len(calls), streamed=True
        ) as span:
            async with out, anyio.create_task_group() as tg:
                for i, call in enumerate(calls):
                    tg.start_soon(slot, i, call, out.clone())
            span.set("composio.batch_errors", errors)

    return BatchStream(run, len(calls))


class BatchStream:
    """A running batch's results as they complete; safe to leave at any point.

    The batch runs in a background task with its own task group; this iterator only
    receives from a memory stream. A consumer's ``async for`` therefore never holds the
    batch's cancel scope, and leaving the loop in any way (``break``, an exception in its
    body, dropping the iterator) cannot cancel the wrong task: an async generator that
    yields inside a task group can, when it is finalised later from another task (the
    idea of trio's ``as_safe_channel``). The items still running are cancelled by
    :meth:`aclose`, or when the iterator is garbage-collected.

    A plain asyncio task rather than a task group of the caller's: there is no scope the
    caller is guaranteed to keep open around a plain ``async for``.
    """

    __slots__ = ("_loop", "_receive", "_run", "_send", "_task")

    def __init__(
        self, run: Callable[[MemoryObjectSendStream[BatchItemResult]], Coroutine[Any, Any, None]], size: int
    ) -> None:
        self._run = run
        self._send, self._receive = anyio.create_memory_object_stream[BatchItemResult](size or 1)
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def __aiter__(self) -> BatchStream:
        return self

    async def __anext__(self) -> BatchItemResult:
        if self._task is None:
            self._loop = asyncio.get_running_loop()
            send = self._send
            self._task = task = self._loop.create_task(self._run(send))
            _RUNNING.add(task)  # the loop keeps only weak references to tasks
            task.add_done_callback(_RUNNING.discard)
            # Closed here too: a task cancelled before its first step never enters its body.
            task.add_done_callback(lambda _: send.close())
        try:
            return await self._receive.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            pass
        await self.aclose()
        raise StopAsyncIteration

    async def aclose(self) -> None:
        """Cancel the items still running and wait until they have stopped. Idempotent."""
        self._receive.close()
        task = self._task
        if task is None:
            self._send.close()
            return
        if not task.done():
            task.cancel()
        # Waited for, not awaited: the task's own cancellation is not the caller's.
        await asyncio.wait([task])
        failure = None if task.cancelled() else task.exception()
        if failure is not None:
            raise failure  # a bug in the batch machinery: items catch their own failures

    def __del__(self) -> None:
        # Dropped without aclose (a plain `async for` left early): stop the batch.
        task, loop, receive = self._task, self._loop, self._receive
        if task is None or loop is None:  # never started: nothing else uses the streams
            receive.close()
            self._send.close()
            return

        def stop() -> None:
            receive.close()
            task.cancel()

        # The collector may run this on any thread; the streams and the task belong to the loop.
        try:
            on_loop = asyncio.get_running_loop() is loop
        except RuntimeError:
            on_loop = False
        if on_loop:
            stop()
        else:
            with contextlib.suppress(RuntimeError):  # the loop is already closed
                loop.call_soon_threadsafe(stop)


_RUNNING: set[asyncio.Task[None]] = set()

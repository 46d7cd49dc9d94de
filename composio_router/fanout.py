"""Concurrent batches: one anyio task group per batch, results kept in request order.

Two shapes of batch go through here:

* :func:`multi_execute` (``session.multi_execute``): every item is its own call, a
  custom tool in this process or one ``POST …/execute``, all in one task group under
  a ``CapacityLimiter`` no larger than the connection pool. Per-item calls, not one
  remote meta-tool call, because that is what lets a remote 500 fail only its own
  slot, and gives each item its own ``log_id``, account and timing.
* :func:`execute_mixed_batch`: an agent's ``COMPOSIO_MULTI_EXECUTE_TOOL`` call that
  names custom tools. The custom items run here while the remote items travel in
  one meta-tool call, and the answers are merged into the §7.2 result shape, as the
  spec describes the official SDKs doing (§5).

An item's failure (an exception in a tool, bad arguments, an HTTP error) is written
into its slot and never cancels its siblings; cancelling the caller cancels them all.
"""

from __future__ import annotations

import math
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import anyio
from anyio.abc import ObjectSendStream
from attrs import field, frozen

from ._transport import check_idempotency_key
from .errors import (
    BatchLimitError,
    ComposioError,
    CustomToolError,
    CustomToolTimeoutError,
    InvalidInputError,
)
from .models._unset import UNSET, Unset
from .models.execution import ExecuteResult, ResultType

if TYPE_CHECKING:
    from .custom_tools import RegisteredCustomTool
    from .session import AsyncSession

__all__ = [
    "MAX_BATCH",
    "BatchItemResult",
    "FailedCall",
    "MultiExecuteResult",
    "ToolCall",
    "execute_mixed_batch",
    "gather_in_order",
    "iter_multi_execute",
    "multi_execute",
    "run_local_tool",
]

MAX_BATCH = 20  # the product's cap per batch (spec §14 #2), checked before anything is sent
MULTI_EXECUTE_SLUG = "COMPOSIO_MULTI_EXECUTE_TOOL"
_LOCAL_THREADS = 20  # worker threads for sync custom tools, per client

T = TypeVar("T")
ToolCall: TypeAlias = "tuple[str, Mapping[str, Any] | None] | Mapping[str, Any]"


@frozen
class BatchItemResult:
    """One item of a batch: where it stood in the request, what it returned, how long it took.

    ``started`` and ``finished`` are ``time.perf_counter()`` readings, comparable across
    the items of one process (to see that they overlapped). ``exception`` is the typed
    error of an item that raised (an :class:`~composio_router.InternalServerError`, an
    :class:`~composio_router.APITimeoutError`, a :class:`~composio_router.CustomToolError`
    ...); a tool that ran and reported failure has ``successful=False`` and ``error`` but
    no exception.
    """

    index: int
    tool_slug: str
    data: dict[str, Any] = field(factory=dict)
    error: str | None = None
    log_id: str | None = None
    successful: bool = False
    local: bool = False
    started: float = 0.0
    finished: float = 0.0
    result: ExecuteResult | None = field(default=None, repr=False)
    exception: Exception | None = field(default=None, repr=False, eq=False)

    @property
    def elapsed(self) -> float:
        """Seconds this item took."""
        return self.finished - self.started

    def raise_for_error(self) -> None:
        """Raise this item's exception, if it raised one."""
        if self.exception is not None:
            raise self.exception


@frozen
class MultiExecuteResult:
    """All results of a batch, in request order."""

    results: list[BatchItemResult]
    elapsed: float = 0.0

    @property
    def total_count(self) -> int:
        return len(self.results)

    @property
    def success_count(self) -> int:
        return sum(1 for r in self.results if r.successful)

    @property
    def error_count(self) -> int:
        return self.total_count - self.success_count

    @property
    def successful(self) -> bool:
        return self.error_count == 0

    def __len__(self) -> int:
        return len(self.results)

    def __getitem__(self, index: int) -> BatchItemResult:
        return self.results[index]


async def gather_in_order(factories: Sequence[Callable[[], Awaitable[T]]]) -> list[T]:
    """Run coroutines concurrently; results in input order; the first exception cancels the rest."""
    results: list[Any] = [None] * len(factories)

    async def run(i: int, factory: Callable[[], Awaitable[T]]) -> None:
        results[i] = await factory()

    async with anyio.create_task_group() as tg:
        for i, factory in enumerate(factories):
            tg.start_soon(run, i, factory)
    return results


def _thread_limiter(session: AsyncSession) -> anyio.CapacityLimiter:
    # Created lazily: a CapacityLimiter binds to the running event loop's backend.
    client = session._client
    if client._local_thread_limiter is None:
        client._local_thread_limiter = anyio.CapacityLimiter(_LOCAL_THREADS)
    return client._local_thread_limiter


def check_meta_batch_size(arguments: Mapping[str, Any]) -> None:
    """Refuse a COMPOSIO_MULTI_EXECUTE_TOOL batch over the cap before it is sent."""
    items = arguments.get("tools")
    if isinstance(items, list) and len(items) > MAX_BATCH:
        raise BatchLimitError(len(items), MAX_BATCH)


async def run_local_tool(
    session: AsyncSession,
    tool: RegisteredCustomTool,
    arguments: Mapping[str, Any],
    *,
    timeout: float | None | Unset = UNSET,
) -> ExecuteResult:
    """Run one custom tool here. Its exception or bad arguments become a failed result."""
    try:
        data = await _run_local_or_raise(session, tool, arguments, timeout)
    except (CustomToolError, InvalidInputError) as exc:
        return ExecuteResult(data={}, error=str(exc), result_type=ResultType.FAILED)
    return ExecuteResult(data=data, error=None, result_type=ResultType.COMPLETED)


async def _run_local_or_raise(
    session: AsyncSession,
    tool: RegisteredCustomTool,
    arguments: Mapping[str, Any],
    timeout: float | None | Unset,
) -> dict[str, Any]:
    """Run one custom tool; raises CustomToolError, CustomToolTimeoutError or InvalidInputError."""
    deadline = session._transport.options.timeout if timeout is UNSET else timeout
    try:
        # An `async def` tool is cancelled at the deadline; a `def` tool cannot be interrupted
        # (threads cannot be killed), so it finishes and is then reported as timed out.
        with anyio.fail_after(deadline):
            return await tool.run(arguments, session=session, thread_limiter=_thread_limiter(session))
    except TimeoutError:
        raise CustomToolTimeoutError(tool.slug, deadline) from None


@frozen
class FailedCall:
    """A batch item that failed before it could run (e.g. its before_execute modifier raised)."""

    tool_slug: str
    error: str


def _normalise_call(call: object) -> tuple[str, dict[str, Any], str | None]:
    """``(slug, arguments)`` or ``{"tool_slug", "arguments", "account"}`` -> parts; raises on a bad item."""
    if isinstance(call, FailedCall):
        raise InvalidInputError(call.error)
    if isinstance(call, Mapping):
        unknown = set(call) - {"tool_slug", "arguments", "account"}
        if unknown:
            raise InvalidInputError(f"unknown key(s) {sorted(unknown)} in a batch item")
        slug, arguments, account = call.get("tool_slug"), call.get("arguments"), call.get("account")
    elif isinstance(call, tuple) and len(call) == 2:
        (slug, arguments), account = call, None
    else:
        raise InvalidInputError(f"a batch item is a (tool_slug, arguments) pair or a mapping, got {call!r}")
    if not isinstance(slug, str) or not slug.strip():
        raise InvalidInputError(f"a batch item needs a non-empty tool_slug, got {slug!r}")
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, Mapping):
        raise InvalidInputError(f"arguments of {slug} must be a mapping, got {type(arguments).__name__}")
    if account is not None and (not isinstance(account, str) or not account):
        raise InvalidInputError(f"account of {slug} must be a non-empty string")
    return slug, dict(arguments), account


def _check_batch_size(calls: Sequence[object]) -> None:
    if isinstance(calls, str | bytes) or not isinstance(calls, Sequence):
        raise InvalidInputError(f"calls must be a list of tool calls, got {type(calls).__name__}")
    if len(calls) > MAX_BATCH:
        raise BatchLimitError(len(calls), MAX_BATCH)


async def _run_item(
    session: AsyncSession,
    index: int,
    call: object,
    limiter: anyio.CapacityLimiter | None,
    deadline: float,
    idempotency_key: str | None = None,
) -> BatchItemResult:
    """One slot of a batch. Every failure short of cancellation ends up in the slot, typed."""
    started = time.perf_counter()
    if isinstance(call, FailedCall):
        slug: object = call.tool_slug
    elif isinstance(call, Mapping):
        slug = call.get("tool_slug")
    else:
        slug = call[0] if isinstance(call, tuple) and call else None
    slug = slug if isinstance(slug, str) else "<invalid>"
    local = False
    result: ExecuteResult | None = None
    error: str | None = None
    exception: Exception | None = None
    key = None if idempotency_key is None else f"{idempotency_key}:{index}"
    try:
        slug, arguments, account = _normalise_call(call)
        registry = session._custom
        local_tool = registry.resolve(slug) if registry is not None else None
        local = local_tool is not None
        call_slug = slug
        if local_tool is not None:
            slug = local_tool.slug
        if limiter is None:
            result = await _call_item(session, local_tool, call_slug, arguments, account, deadline, key)
        else:
            async with limiter:
                result = await _call_item(session, local_tool, call_slug, arguments, account, deadline, key)
    except ComposioError as exc:
        error, exception = str(exc), exc
    except Exception as exc:  # a bug must not take the batch down
        error, exception = f"{type(exc).__name__}: {exc}", exc
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
    session: AsyncSession,
    local_tool: RegisteredCustomTool | None,
    slug: str,
    arguments: dict[str, Any],
    account: str | None,
    deadline: float,
    idempotency_key: str | None,
) -> ExecuteResult:
    # The batch deadline travels down as each call's own timeout (measured from when the
    # item got its slot) rather than as one more cancel scope per item: the transport and
    # run_local_tool already bound their work, and a scope costs ~25 us.
    remaining = deadline - anyio.current_time()
    timeout = None if math.isinf(remaining) else max(remaining, 0.0)
    if local_tool is not None:
        # Raising, not a failed result: the slot keeps the error's type.
        data = await _run_local_or_raise(session, local_tool, arguments, timeout)
        return ExecuteResult(data=data, error=None, result_type=ResultType.COMPLETED)
    # Routed, not sent raw: an agent's COMPOSIO_MULTI_EXECUTE_TOOL item that names custom
    # tools is split and merged here too (spec §5).
    return await session._execute_routed(
        slug, arguments, account=account, timeout=timeout, idempotency_key=idempotency_key
    )


def _limiter_for(session: AsyncSession, max_concurrency: int, size: int) -> anyio.CapacityLimiter | None:
    if isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int) or max_concurrency < 1:
        raise InvalidInputError(f"max_concurrency must be a positive integer, got {max_concurrency!r}")
    # Never more in flight than the pool can carry: extra tasks would only queue inside aiohttp.
    tokens = min(max_concurrency, MAX_BATCH, session._transport.max_connections)
    # A batch that fits needs no limiter: acquiring one is an event-loop round trip per item
    # even when a token is free (measured: part of the 20-tool batch's overhead).
    return None if size <= tokens else anyio.CapacityLimiter(tokens)


def _check_batch_key(idempotency_key: str | None) -> None:
    if idempotency_key is not None:
        check_idempotency_key(idempotency_key)
        check_idempotency_key(f"{idempotency_key}:{MAX_BATCH - 1}")  # the longest derived key


def _deadline(session: AsyncSession, timeout: float | None | Unset) -> float:
    seconds = session._transport.options.timeout if timeout is UNSET else timeout
    return math.inf if seconds is None else anyio.current_time() + seconds


async def multi_execute(
    session: AsyncSession,
    calls: Sequence[ToolCall],
    *,
    max_concurrency: int = MAX_BATCH,
    timeout: float | None | Unset = UNSET,
    idempotency_key: str | None = None,
) -> MultiExecuteResult:
    """See :meth:`AsyncSession.multi_execute`."""
    _check_batch_size(calls)
    _check_batch_key(idempotency_key)
    limiter = _limiter_for(session, max_concurrency, len(calls))
    deadline = _deadline(session, timeout)
    results: list[BatchItemResult | None] = [None] * len(calls)
    started = time.perf_counter()

    async def slot(i: int, call: object) -> None:
        results[i] = await _run_item(session, i, call, limiter, deadline, idempotency_key)

    async with anyio.create_task_group() as tg:
        for i, call in enumerate(calls):
            tg.start_soon(slot, i, call)
    done = [r for r in results if r is not None]
    return MultiExecuteResult(results=done, elapsed=time.perf_counter() - started)


async def iter_multi_execute(
    session: AsyncSession,
    calls: Sequence[ToolCall],
    *,
    max_concurrency: int = MAX_BATCH,
    timeout: float | None | Unset = UNSET,
    idempotency_key: str | None = None,
) -> AsyncGenerator[BatchItemResult, None]:
    """Yield each item's result as it completes (completion order; ``index`` gives the slot).

    Close it early with ``contextlib.aclosing`` to cancel the items still running.
    """
    _check_batch_size(calls)
    _check_batch_key(idempotency_key)
    limiter = _limiter_for(session, max_concurrency, len(calls))
    deadline = _deadline(session, timeout)
    send, receive = anyio.create_memory_object_stream[BatchItemResult](len(calls) or 1)

    async def slot(i: int, call: object, out: ObjectSendStream[BatchItemResult]) -> None:
        async with out:
            await out.send(await _run_item(session, i, call, limiter, deadline, idempotency_key))

    async with anyio.create_task_group() as tg, receive:
        async with send:
            for i, call in enumerate(calls):
                tg.start_soon(slot, i, call, send.clone())
        try:
            async for item in receive:
                yield item
        except GeneratorExit:
            # Closed early (aclose): cancel the items still running and end quietly, rather
            # than let GeneratorExit escape the task group as an exception group.
            tg.cancel_scope.cancel()
            return


def _batch_items(arguments: Mapping[str, Any]) -> list[Any]:
    items = arguments.get("tools")
    if not isinstance(items, list):
        raise InvalidInputError("COMPOSIO_MULTI_EXECUTE_TOOL needs arguments['tools'] to be a list")
    if len(items) > MAX_BATCH:
        raise BatchLimitError(len(items), MAX_BATCH)
    return items


def _entry(index: int, slug: str, successful: bool, data: Mapping[str, Any], error: str | None) -> dict[str, Any]:
    """One merged result in the §7.2 shape."""
    response: dict[str, Any] = {"successful": successful, "data": dict(data)}
    entry: dict[str, Any] = {"index": index, "tool_slug": slug, "response": response}
    if error is not None:
        response["error"] = error
        entry["error"] = error
    return entry


async def execute_mixed_batch(
    session: AsyncSession,
    arguments: Mapping[str, Any],
    *,
    endpoint: str,
    timeout: float | None | Unset = UNSET,
    idempotency_key: str | None = None,
) -> ExecuteResult:
    """Run an agent's multi-execute batch whose items include custom tools (spec §5).

    Custom items run here; the remaining items go in one remote meta-tool call;
    the merged ``data`` is in request order, re-indexed, with recomputed counts.
    If the remote part fails as a whole, each remote item becomes a failed entry:
    the local results are never lost.
    """
    items = _batch_items(arguments)
    registry = session._custom
    assert registry is not None
    entries: list[dict[str, Any] | None] = [None] * len(items)
    local_items: list[tuple[int, RegisteredCustomTool, dict[str, Any]]] = []
    remote_positions: list[int] = []
    for i, item in enumerate(items):
        try:
            slug, args, _account = _normalise_call(item)
            tool = registry.resolve(slug)
        except InvalidInputError as exc:
            raw_slug = item.get("tool_slug") if isinstance(item, Mapping) else None
            entries[i] = _entry(i, str(raw_slug), False, {}, str(exc))
            continue
        if tool is None:
            remote_positions.append(i)
        else:
            local_items.append((i, tool, args))
    log_id: str | None = None

    async def run_local(i: int, tool: RegisteredCustomTool, args: dict[str, Any]) -> None:
        result = await run_local_tool(session, tool, args, timeout=timeout)
        entries[i] = _entry(i, tool.slug, result.successful, result.data, result.error)

    async def run_remote() -> None:
        nonlocal log_id
        remote_args = dict(arguments)
        remote_args["tools"] = [items[i] for i in remote_positions]
        try:
            if endpoint == "execute_meta":
                result = await session._execute_meta_remote(
                    MULTI_EXECUTE_SLUG, remote_args, timeout=timeout, idempotency_key=idempotency_key
                )
            else:
                result = await session._execute_remote(
                    MULTI_EXECUTE_SLUG, remote_args, timeout=timeout, idempotency_key=idempotency_key
                )
        except ComposioError as exc:
            for i in remote_positions:
                entries[i] = _entry(i, str(items[i].get("tool_slug")), False, {}, str(exc))
            return
        log_id = result.log_id
        remote_results = result.data.get("results")
        for position, remote in enumerate(remote_results if isinstance(remote_results, list) else []):
            if not isinstance(remote, Mapping):
                continue
            sub_index = remote.get("index", position)
            if not isinstance(sub_index, int) or not 0 <= sub_index < len(remote_positions):
                continue
            i = remote_positions[sub_index]
            entry = dict(remote)
            entry["index"] = i
            entries[i] = entry
        for i in remote_positions:  # an item the server did not answer for is a failure, not a gap
            if entries[i] is None:
                entries[i] = _entry(i, str(items[i].get("tool_slug")), False, {}, "no result returned for this item")

    async with anyio.create_task_group() as tg:
        for i, tool, args in local_items:
            tg.start_soon(run_local, i, tool, args)
        if remote_positions:
            tg.start_soon(run_remote)

    merged = [e for e in entries if e is not None]
    failed = sum(1 for e in merged if not _entry_successful(e))
    data = {
        "results": merged,
        "total_count": len(merged),
        "success_count": len(merged) - failed,
        "error_count": failed,
    }
    return ExecuteResult(
        data=data,
        error=f"{failed} out of {len(merged)} tools failed" if failed else None,
        log_id=log_id,
        result_type=ResultType.FAILED if failed else ResultType.COMPLETED,
    )


def _entry_successful(entry: Mapping[str, Any]) -> bool:
    response = entry.get("response")
    if isinstance(response, Mapping) and isinstance(response.get("successful"), bool):
        return bool(response["successful"]) and entry.get("error") is None
    return entry.get("error") is None

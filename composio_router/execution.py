"""How one session's tool calls run: here (a custom tool) or on the server.

:class:`Executor` owns every decision about a single call:

* **routing**: a custom tool runs in this process; any other slug goes to the server;
  an agent's ``COMPOSIO_MULTI_EXECUTE_TOOL`` batch that names custom tools is split
  (the custom items run here, the rest in one remote call) and merged back in
  request order, as the spec describes the official SDKs doing (spec §5);
* **the remote call**, one function for ``POST …/execute`` and ``POST …/execute_meta``
  (the endpoint is a parameter: only the body's slug key and the account differ);
* **the local runner**: an ``async def`` tool on the event loop, a ``def`` tool in a
  worker thread, either one bounded by the call's deadline;
* **the thread budget** for ``def`` tools: one pool per process, whatever the number
  of clients, sessions and event loops (see :data:`TOOL_THREADS`).

Batches of many calls are :mod:`.fanout`'s job; it runs each item through an executor.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import math
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, TypeVar

import anyio

from ._checks import check_account, check_arguments, check_finite, check_slug, check_text
from ._retry import Idempotency
from ._tool_threads import ToolThreads
from .errors import (
    BatchLimitError,
    ComposioError,
    CustomToolError,
    CustomToolTimeoutError,
    InvalidInputError,
    ToolNotFoundError,
)
from .models._converter import structure_response
from .models._unset import UNSET, Unset
from .models.batch import MAX_BATCH, parse_call
from .models.execution import ExecuteResult, ResultType

if TYPE_CHECKING:
    from ._transport import Transport
    from .custom_tools import ContextSession, CustomToolRegistry, RegisteredCustomTool
    from .telemetry import Telemetry

__all__ = [
    "LOCAL_TOOL_THREADS",
    "META_TOOL_SLUGS",
    "MULTI_EXECUTE_SLUG",
    "TOOL_THREADS",
    "Endpoint",
    "Executor",
    "model_calls",
]

T = TypeVar("T")
Endpoint: TypeAlias = Literal["execute", "execute_meta"]

MULTI_EXECUTE_SLUG = "COMPOSIO_MULTI_EXECUTE_TOOL"
# The seven slugs execute_meta's request type accepts (spec §4.8).
META_TOOL_SLUGS = frozenset(
    {
        "COMPOSIO_SEARCH_TOOLS",
        MULTI_EXECUTE_SLUG,
        "COMPOSIO_MANAGE_CONNECTIONS",
        "COMPOSIO_WAIT_FOR_CONNECTIONS",
        "COMPOSIO_REMOTE_WORKBENCH",
        "COMPOSIO_REMOTE_BASH_TOOL",
        "COMPOSIO_GET_TOOL_SCHEMAS",
    }
)
# The body key that names the tool, per endpoint (spec §4.7, §4.8).
_SLUG_KEY: dict[Endpoint, str] = {"execute": "tool_slug", "execute_meta": "slug"}

LOCAL_TOOL_THREADS = 20
"""Worker threads for ``def`` custom tools, shared by every client of the process."""


# -- the thread budget ------------------------------------------------------------------------

TOOL_THREADS = ToolThreads(LOCAL_TOOL_THREADS, "composio-router-tool")
"""The process's threads for ``def`` custom tools (see :mod:`._tool_threads`): one budget for
every client, session and event loop (the sync facade runs one loop per client; 50 clients
with a budget each took a process from 42 to 118 threads)."""

# Nested calls (a `def` tool calling another through its SyncSessionContext) get threads of
# their own: their callers hold budget threads while they wait, so 20 such callers would
# wait forever for a 21st.
_NESTED_THREADS = ToolThreads(math.inf, "composio-router-tool-nested")


_IN_SYNC_TOOL: contextvars.ContextVar[bool] = contextvars.ContextVar("composio_router_in_sync_tool", default=False)
"""True in a ``def`` tool's thread; the calls it makes through its context carry it to the loop."""

_MODEL_CALLS: contextvars.ContextVar[bool] = contextvars.ContextVar("composio_router_model_calls", default=False)
"""True while a model's tool calls run (:func:`model_calls`). A context variable, not a
parameter, so it reaches every request of the batch (task groups copy the context) without
threading a flag through the public ``multi_execute``."""


@contextlib.contextmanager
def model_calls() -> Iterator[None]:
    """Within it, calls come from a model (a provider's tool calls): their remote ``/execute``
    requests carry ``enable_auto_workbench_offload``, as the official SDKs send it (spec §4.7),
    so a too-large result becomes a workbench preview. A custom tool's own calls do not."""
    token = _MODEL_CALLS.set(True)
    try:
        yield
    finally:
        _MODEL_CALLS.reset(token)


def _as_sync_tool(fn: Callable[[], T]) -> Callable[[], T]:
    def run() -> T:
        _IN_SYNC_TOOL.set(True)  # in the worker's own copy of the context: it never leaks out
        _MODEL_CALLS.set(False)  # the tool's own calls were not made by the model
        return fn()

    return run


async def _in_worker_thread(fn: Callable[[], T], threads: ToolThreads) -> T:
    context = contextvars.copy_context()  # the tool sees the caller's context variables
    future = threads.submit(functools.partial(context.run, _as_sync_tool(fn)))
    try:
        return await asyncio.wrap_future(future)
    except BaseException:
        threads.abandon(future)  # the deadline, or the caller cancelled: nobody waits any more
        raise


# -- the executor -----------------------------------------------------------------------------


class Executor:
    """Runs the tool calls of one session (see the module docstring)."""

    __slots__ = ("_context", "_path", "_registry", "_transport")

    def __init__(
        self,
        transport: Transport,
        session_path: str,
        registry: CustomToolRegistry | None,
        context: ContextSession,
    ) -> None:
        self._transport = transport
        self._path = session_path
        self._registry = registry if registry else None
        self._context = context  # what a custom tool's SessionContext calls back into

    @property
    def session_id(self) -> str:
        """The session's id (its context's: the session itself), for telemetry attributes."""
        return self._context.session_id

    @property
    def telemetry(self) -> Telemetry:
        """The client's OpenTelemetry hooks (no-ops without OpenTelemetry)."""
        return self._transport.telemetry

    @property
    def max_connections(self) -> int:
        """The connection pool's size: more requests than this at once would only queue."""
        return self._transport.max_connections

    def seconds(self, timeout: float | None | Unset) -> float | None:
        """A call's ``timeout`` argument in seconds (UNSET: the client's default; None: no limit).

        Raises :class:`InvalidInputError` for anything but a finite number >= 0 or None.
        """
        return self._transport.seconds(timeout)

    def deadline(self, timeout: float | None | Unset) -> float:
        """The loop time by which a call given ``timeout`` must end (``inf``: never)."""
        seconds = self.seconds(timeout)
        return math.inf if seconds is None else anyio.current_time() + seconds

    def customs_payload(self) -> dict[str, Any] | None:
        """The ``experimental`` custom-tool definitions every search and execute carries.

        v3.1 sessions do not persist custom tools, so they travel with each call (spec §3.5).
        """
        return self._registry.wire_payload() if self._registry is not None else None

    def resolve(self, slug: str) -> RegisteredCustomTool | None:
        """The custom tool ``slug`` names, or None for a server-side tool.

        Raises :class:`ToolNotFoundError` for an ambiguous bare slug or an unknown ``LOCAL_`` one.
        """
        return self._registry.resolve(slug) if self._registry is not None else None

    # -- routing ------------------------------------------------------------------------------

    async def execute(
        self,
        tool_slug: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        endpoint: Endpoint = "execute",
        account: str | None = None,
        timeout: float | None | Unset = UNSET,
        input_responses: Mapping[str, Any] | None = None,
        request_state: str | None = None,
        idempotency_key: str | None = None,
    ) -> ExecuteResult:
        """Check one call, then run it where it belongs (see the module docstring)."""
        check_slug(tool_slug, "tool_slug" if endpoint == "execute" else "slug")
        if endpoint == "execute_meta" and tool_slug not in META_TOOL_SLUGS:
            raise InvalidInputError(
                f"execute_meta takes one of {sorted(META_TOOL_SLUGS)}, got {tool_slug!r}; "
                f"run other tools with execute()"
            )
        args = check_arguments(arguments)
        check_account(account)
        if input_responses is not None:
            if not isinstance(input_responses, Mapping):
                raise InvalidInputError(
                    f"input_responses must be a mapping of question ids to answers, got {type(input_responses).__name__}"
                )
            check_finite(input_responses, "input_responses")
        check_text(request_state, "request_state")
        if tool_slug == MULTI_EXECUTE_SLUG:
            _check_meta_batch(args)
        if self._registry is not None:
            local = self._registry.resolve(tool_slug)  # never a meta slug: LOCAL_ and COMPOSIO_ differ
            if local is not None:
                return await self.run_local_result(local, args, timeout)
            if tool_slug == MULTI_EXECUTE_SLUG and self._batch_has_local(args):
                return await self._mixed_batch(
                    endpoint, args, timeout, idempotency_key,
                    account=account, input_responses=input_responses, request_state=request_state,
                )
        return await self.remote(
            endpoint, tool_slug, args, account=account, timeout=timeout,
            input_responses=input_responses, request_state=request_state, idempotency_key=idempotency_key,
        )

    def _batch_has_local(self, arguments: Mapping[str, Any]) -> bool:
        items = arguments.get("tools")
        for item in items if isinstance(items, list) else ():
            slug = item.get("tool_slug") if isinstance(item, Mapping) else None
            try:
                if isinstance(slug, str) and self.resolve(slug) is not None:
                    return True
            except ToolNotFoundError:
                return True  # an ambiguous bare slug is a local item that fails in its slot
        return False

    # -- the remote call ----------------------------------------------------------------------

    async def remote(
        self,
        endpoint: Endpoint,
        tool_slug: str,
        arguments: dict[str, Any],
        *,
        account: str | None = None,
        timeout: float | None | Unset = UNSET,
        input_responses: Mapping[str, Any] | None = None,
        request_state: str | None = None,
        idempotency_key: str | None = None,
    ) -> ExecuteResult:
        """One ``POST …/execute`` or ``…/execute_meta``, never retried once it may have run."""
        body: dict[str, Any] = {_SLUG_KEY[endpoint]: tool_slug, "arguments": arguments}
        if account is not None:
            body["account"] = account
        if endpoint == "execute" and _MODEL_CALLS.get():
            # Sent only for a model's calls, as the official SDKs do; execute_meta has no such field.
            body["enable_auto_workbench_offload"] = True
        if input_responses is not None:
            body["input_responses"] = dict(input_responses)
        if request_state is not None:
            body["request_state"] = request_state
        customs = self.customs_payload()
        if customs:
            body["experimental"] = customs
        data = await self._transport.request(
            "POST", f"{self._path}/{endpoint}", body=body, idempotency=Idempotency.UNSAFE,
            timeout=timeout, idempotency_key=idempotency_key,
        )
        return structure_response(data, ExecuteResult)

    # -- the local runner ---------------------------------------------------------------------

    async def run_local(
        self, tool: RegisteredCustomTool, arguments: Mapping[str, Any], timeout: float | None | Unset
    ) -> dict[str, Any]:
        """Run a custom tool here; its result data, or a typed error.

        Raises :class:`InvalidInputError` (bad arguments, before it runs),
        :class:`CustomToolError` (it raised) or :class:`CustomToolTimeoutError`. At the
        deadline an ``async def`` tool is cancelled; a ``def`` tool's thread cannot be
        interrupted, so the call fails at once and the thread's eventual result is discarded.
        """
        seconds = self.seconds(timeout)
        bound = tool.bind(arguments, session=self._context)
        try:
            with anyio.fail_after(seconds):
                if bound.is_async:
                    token = _MODEL_CALLS.set(False)  # the tool's own calls were not made by the model
                    try:
                        return await bound.run_async()
                    finally:
                        _MODEL_CALLS.reset(token)
                threads = _NESTED_THREADS if _IN_SYNC_TOOL.get() else TOOL_THREADS
                return await _in_worker_thread(bound.run_blocking, threads)
        except TimeoutError:
            raise CustomToolTimeoutError(tool.slug, seconds) from None

    async def run_local_result(
        self, tool: RegisteredCustomTool, arguments: Mapping[str, Any], timeout: float | None | Unset
    ) -> ExecuteResult:
        """:meth:`run_local`, its failure as a failed result (what ``execute`` returns)."""
        try:
            data = await self.run_local(tool, arguments, timeout)
        except (CustomToolError, InvalidInputError) as exc:
            return ExecuteResult(data={}, error=str(exc), result_type=ResultType.FAILED)
        return ExecuteResult(data=data, error=None, result_type=ResultType.COMPLETED)

    # -- an agent's batch that names custom tools ---------------------------------------------

    async def _mixed_batch(
        self, endpoint: Endpoint, arguments: Mapping[str, Any], timeout: float | None | Unset,
        idempotency_key: str | None, *, account: str | None, input_responses: Mapping[str, Any] | None,
        request_state: str | None,
    ) -> ExecuteResult:
        """Custom items run here while the rest travel in one remote meta-tool call.

        The merged ``data`` has the §7.2 shape, in request order, re-indexed, with
        recomputed counts. If the remote part fails as a whole, each remote item becomes
        a failed entry: the local results are never lost.
        """
        items: list[Any] = arguments["tools"]  # a list: checked by _batch_has_local
        entries: list[dict[str, Any] | None] = [None] * len(items)
        local_items: list[tuple[int, RegisteredCustomTool, dict[str, Any]]] = []
        remote_positions: list[int] = []
        for i, item in enumerate(items):
            try:
                call = parse_call(item)
                tool = self.resolve(call.tool_slug)
            except InvalidInputError as exc:
                entries[i] = _entry(i, str(_raw_slug(item)), False, {}, str(exc))
                continue
            if tool is None:
                remote_positions.append(i)
            else:
                local_items.append((i, tool, call.arguments))
        log_id: str | None = None

        # Each task records its own failure as entries: nothing may leave the task group, or
        # the caller would get an ExceptionGroup and lose the other items' results.
        async def run_local(i: int, tool: RegisteredCustomTool, args: dict[str, Any]) -> None:
            try:
                result = await self.run_local_result(tool, args, timeout)
            except Exception as exc:  # a bug: still only this item's failure
                entries[i] = _entry(i, tool.slug, False, {}, f"{type(exc).__name__}: {exc}")
                return
            entries[i] = _entry(i, tool.slug, result.successful, result.data, result.error)

        async def run_remote() -> None:
            nonlocal log_id
            remote_args = {**arguments, "tools": [items[i] for i in remote_positions]}
            try:
                # The call's own options go with the remote part: it is that call, minus the
                # items that run here.
                result = await self.remote(
                    endpoint, MULTI_EXECUTE_SLUG, remote_args, account=account, timeout=timeout,
                    input_responses=input_responses, request_state=request_state, idempotency_key=idempotency_key,
                )
            except Exception as exc:
                error = str(exc) if isinstance(exc, ComposioError) else f"{type(exc).__name__}: {exc}"
                for i in remote_positions:
                    entries[i] = _entry(i, str(_raw_slug(items[i])), False, {}, error)
                return
            log_id = result.log_id
            answers = result.data.get("results")
            for position, answer in enumerate(answers if isinstance(answers, list) else []):
                sub_index = answer.get("index", position) if isinstance(answer, Mapping) else None
                if not isinstance(sub_index, int) or not 0 <= sub_index < len(remote_positions):
                    continue
                i = remote_positions[sub_index]
                entries[i] = {**answer, "index": i}
            for i in remote_positions:  # an item the server did not answer for is a failure, not a gap
                if entries[i] is None:
                    entries[i] = _entry(i, str(_raw_slug(items[i])), False, {}, "no result returned for this item")

        async with anyio.create_task_group() as tg:
            for i, tool, args in local_items:
                tg.start_soon(run_local, i, tool, args)
            if remote_positions:
                tg.start_soon(run_remote)

        merged = [e for e in entries if e is not None]
        failed = sum(1 for e in merged if not _entry_successful(e))
        data = {"results": merged, "total_count": len(merged), "success_count": len(merged) - failed,
                "error_count": failed}
        return ExecuteResult(
            data=data,
            error=f"{failed} out of {len(merged)} tools failed" if failed else None,
            log_id=log_id,
            result_type=ResultType.FAILED if failed else ResultType.COMPLETED,
        )


def _check_meta_batch(arguments: Mapping[str, Any]) -> None:
    # Refuse a COMPOSIO_MULTI_EXECUTE_TOOL batch over the cap before it is sent.
    items = arguments.get("tools")
    if isinstance(items, list) and len(items) > MAX_BATCH:
        raise BatchLimitError(len(items), MAX_BATCH)


def _raw_slug(item: object) -> object:
    return item.get("tool_slug") if isinstance(item, Mapping) else None


def _entry(index: int, slug: str, successful: bool, data: Mapping[str, Any], error: str | None) -> dict[str, Any]:
    """One merged result in the §7.2 shape."""
    response: dict[str, Any] = {"successful": successful, "data": dict(data)}
    entry: dict[str, Any] = {"index": index, "tool_slug": slug, "response": response}
    if error is not None:
        response["error"] = error
        entry["error"] = error
    return entry


def _entry_successful(entry: Mapping[str, Any]) -> bool:
    response = entry.get("response")
    if isinstance(response, Mapping) and isinstance(response.get("successful"), bool):
        return bool(response["successful"]) and entry.get("error") is None
    return entry.get("error") is None

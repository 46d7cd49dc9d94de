"""Batches: the forms a caller may pass as a tool call, and what a batch returns.

A batch item is either a ``(tool_slug, arguments)`` pair or a mapping with
``tool_slug``, ``arguments`` and ``account``. :func:`parse_call` checks one item and
returns its parts, raising :class:`InvalidInputError` for a malformed one; the
fan-out records that error in the item's own slot, so one bad item never loses the
others.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

from attrs import field, frozen

from ..errors import BatchLimitError, InvalidInputError
from .execution import ExecuteResult

__all__ = [
    "MAX_BATCH",
    "BatchItemResult",
    "FailedCall",
    "MultiExecuteResult",
    "ParsedCall",
    "ToolCall",
    "call_slug",
    "check_batch",
    "parse_call",
]

MAX_BATCH = 20
"""The product's cap on calls per batch (spec §14 #2), checked before anything is sent."""

ToolCall: TypeAlias = "tuple[str, Mapping[str, Any] | None] | Mapping[str, Any]"
"""One batch item: ``(tool_slug, arguments)`` or ``{"tool_slug", "arguments", "account"}``."""


@frozen
class ParsedCall:
    """A well-formed batch item."""

    tool_slug: str
    arguments: dict[str, Any]
    account: str | None = None


@frozen
class FailedCall:
    """A batch item that failed before it could run (its ``before_execute`` modifier raised).

    It keeps its place in the batch, and the batch reports ``error`` in its slot.
    """

    tool_slug: str
    error: str


def parse_call(call: object) -> ParsedCall:
    """The parts of one batch item; raises :class:`InvalidInputError` for a malformed one."""
    if isinstance(call, ParsedCall):
        return call
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
    return ParsedCall(slug, dict(arguments), account)


def call_slug(call: object) -> str:
    """The slug a batch item names, for its slot, even when the item is malformed."""
    if isinstance(call, ParsedCall | FailedCall):
        slug: object = call.tool_slug
    elif isinstance(call, Mapping):
        slug = call.get("tool_slug")
    else:
        slug = call[0] if isinstance(call, tuple) and call else None
    return slug if isinstance(slug, str) else "<invalid>"


def check_batch(calls: object) -> Sequence[object]:
    """Refuse, before anything is sent, a batch that is not a list or is over :data:`MAX_BATCH`."""
    if isinstance(calls, str | bytes) or not isinstance(calls, Sequence):
        raise InvalidInputError(f"calls must be a list of tool calls, got {type(calls).__name__}")
    if len(calls) > MAX_BATCH:
        raise BatchLimitError(len(calls), MAX_BATCH)
    return calls


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

    @property
    def blocked(self) -> bool:
        """A session hook blocked this call: ``result.block_reason`` says which."""
        return self.result is not None and self.result.blocked

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

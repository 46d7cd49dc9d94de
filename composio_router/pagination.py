"""Cursor pagination (spec §10): follow ``next_cursor`` until the last page, within bounds.

A walk over pages is one call, so one deadline bounds all of it (each page gets what
is left), and a server that never ends cannot keep it going: a cursor seen twice, or
more pages than :data:`MAX_PAGES`, stops it with :class:`APIResponseValidationError`.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Protocol, TypeVar

import anyio

from .errors import APIResponseValidationError

__all__ = ["MAX_PAGES", "PageWalk", "iterate_pages"]

MAX_PAGES = 10_000
"""More pages than any real listing has, even at one item per page."""

T_co = TypeVar("T_co", covariant=True)


class _PageLike(Protocol[T_co]):
    @property
    def items(self) -> Sequence[T_co]: ...

    @property
    def next_cursor(self) -> str | None: ...


class PageWalk:
    """The bookkeeping of one walk: its deadline, the cursors seen, the page count."""

    __slots__ = ("_deadline", "_pages", "_seen", "_what")

    def __init__(self, seconds: float | None, what: str) -> None:
        self._deadline = math.inf if seconds is None else anyio.current_time() + seconds
        self._seen: set[str] = set()
        self._pages = 0
        self._what = what

    def timeout(self) -> float | None:
        """What is left of the walk's deadline, for the next page (0 once it has passed)."""
        if math.isinf(self._deadline):
            return None
        return max(self._deadline - anyio.current_time(), 0.0)

    def next_cursor(self, cursor: str | None) -> str | None:
        """The cursor of the next page, or None at the end; refuses a walk that would not end."""
        self._pages += 1
        if cursor is None:
            return None
        if cursor in self._seen:
            raise APIResponseValidationError(
                f"{self._what}: the server sent the cursor {cursor!r} a second time; "
                "stopped rather than loop over the same pages forever",
                status_code=200,
            )
        if self._pages >= MAX_PAGES:
            raise APIResponseValidationError(
                f"{self._what}: more than {MAX_PAGES} pages; stopped rather than follow cursors forever",
                status_code=200,
            )
        self._seen.add(cursor)
        return cursor


async def iterate_pages(
    fetch: Callable[[str | None, float | None], Awaitable[_PageLike[T_co]]], seconds: float | None, what: str
) -> AsyncIterator[T_co]:
    """Yield every item of every page; a page is fetched only when the caller reaches it.

    ``fetch(cursor, timeout)`` gets one page; ``seconds`` bounds the whole walk, the time
    the caller spends between items included.
    """
    walk = PageWalk(seconds, what)
    cursor: str | None = None
    while True:
        page = await fetch(cursor, walk.timeout())
        for item in page.items:
            yield item
        cursor = walk.next_cursor(page.next_cursor)
        if cursor is None:
            return

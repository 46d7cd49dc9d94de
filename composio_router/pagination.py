"""Cursor pagination (spec §10): follow ``next_cursor`` until the last page."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Protocol, TypeVar

__all__ = ["iterate_pages"]

T_co = TypeVar("T_co", covariant=True)


class _PageLike(Protocol[T_co]):
    @property
    def items(self) -> Sequence[T_co]: ...

    @property
    def next_cursor(self) -> str | None: ...


async def iterate_pages(fetch: Callable[[str | None], Awaitable[_PageLike[T_co]]]) -> AsyncIterator[T_co]:
    """Yield every item of every page; a page is fetched only when the caller reaches it."""
    cursor: str | None = None
    while True:
        page = await fetch(cursor)
        for item in page.items:
            yield item
        if page.next_cursor is None:
            return
        cursor = page.next_cursor

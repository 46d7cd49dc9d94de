"""The page envelope of paginated endpoints (spec §3.6)."""

from __future__ import annotations

from typing import Generic, TypeVar

from attrs import field, frozen

__all__ = ["Page"]

T = TypeVar("T")


def _none_if_empty(cursor: str | None) -> str | None:
    # The wire marks the last page with an absent, null or empty cursor (spec §3.6).
    return cursor or None


@frozen
class Page(Generic[T]):
    """One page. ``next_cursor`` is ``None`` on the last page (absent, null or empty on the wire)."""

    items: list[T] = field(factory=list)
    next_cursor: str | None = field(default=None, converter=_none_if_empty)
    total_pages: int | None = None
    current_page: int | None = None
    total_items: int | None = None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

"""Every walk over pages is bounded as a whole: one deadline, and no endless cursors.

Walks: ``get_meta_tools`` (every page of the session's tools), ``iter_toolkits``,
``experimental.files.iter`` and ``iter_config_history``. A hostile server (``hostile.py``) serves pages
that never end, that repeat a cursor, or that are slow. Each test is itself bounded by
``anyio.fail_after``, so a walk that would not stop fails instead of hanging the suite.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
import pytest

from composio_router import (
    APIResponseValidationError,
    APITimeoutError,
    AsyncComposio,
    AsyncSession,
    pagination,
)

from .hostile import endless, hostile_server, page

pytestmark = pytest.mark.anyio

WALKS: dict[str, Callable[[AsyncSession, float | None], Any]] = {
    "tools": lambda s, t: s.get_meta_tools(timeout=t),
    "toolkits": lambda s, t: _drain(s.iter_toolkits(timeout=t)),
    "files": lambda s, t: _drain(s.experimental.files.iter(timeout=t)),
    "history": lambda s, t: _drain(s.iter_config_history(timeout=t)),
}


async def _drain(items: AsyncIterator[Any]) -> list[Any]:
    return [item async for item in items]


async def _session(base_url: str, api_key: str) -> tuple[AsyncComposio, AsyncSession]:
    client = AsyncComposio(api_key=api_key, base_url=base_url, max_retries=0)
    return client, await client.create(user_id="user-1")


@pytest.mark.parametrize("walk", sorted(WALKS))
async def test_one_deadline_bounds_the_whole_walk(walk: str, api_key: str) -> None:
    # Five pages of 0.3 s each: 1.5 s in all, more than the 0.5 s the call allows.
    async def pages(resource: str, number: int, cursor: str | None) -> dict[str, Any]:
        await asyncio.sleep(0.3)
        return page(resource, number, f"c{number}" if number < 5 else None, items=1)

    async with hostile_server(pages) as (url, seen):
        client, session = await _session(url, api_key)
        async with client:
            with anyio.fail_after(5), pytest.raises(APITimeoutError):
                await WALKS[walk](session, 0.5)
    assert len([r for r in seen if not r.startswith("POST")]) <= 2  # it stopped at the deadline


@pytest.mark.parametrize("walk", sorted(WALKS))
async def test_a_cursor_that_never_ends_is_stopped(walk: str, api_key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pagination, "MAX_PAGES", 50)  # the real cap (10,000) works the same, slower
    async with hostile_server(endless(items=1)) as (url, seen):
        client, session = await _session(url, api_key)
        async with client:
            with anyio.fail_after(10), pytest.raises(APIResponseValidationError, match="pages"):
                await WALKS[walk](session, None)
    assert len(seen) <= 51


@pytest.mark.parametrize("walk", sorted(WALKS))
async def test_a_repeated_cursor_is_stopped(walk: str, api_key: str) -> None:
    async def pages(resource: str, number: int, cursor: str | None) -> dict[str, Any]:
        return page(resource, number, "again", items=1)  # the same cursor, forever

    async with hostile_server(pages) as (url, seen):
        client, session = await _session(url, api_key)
        async with client:
            with anyio.fail_after(5), pytest.raises(APIResponseValidationError, match="second time"):
                await WALKS[walk](session, None)
    assert len(seen) == 3  # create, the first page, the page that repeated its cursor


async def test_a_walk_that_ends_returns_every_item(api_key: str) -> None:
    async def pages(resource: str, number: int, cursor: str | None) -> dict[str, Any]:
        return page(resource, number, f"c{number}" if number < 4 else None, items=2)

    async with hostile_server(pages) as (url, _seen):
        client, session = await _session(url, api_key)
        async with client:
            for walk in WALKS.values():
                assert len(await walk(session, 5)) == 8

"""No public method lets an ``ExceptionGroup`` escape: a concurrent part that fails raises
its own typed ``ComposioError``.

``search`` splits more than seven queries into concurrent requests; when one of them fails
(a 400, a 500, a timeout), the caller gets that request's error, not a group of them.
"""

from __future__ import annotations

from typing import Any

import pytest

from composio_router import (
    APITimeoutError,
    AsyncComposio,
    AsyncSession,
    BadRequestError,
    ComposioError,
    InternalServerError,
    tool,
)
from composio_router.testing import Emulator

pytestmark = pytest.mark.anyio

SEARCH = "/api/v3.1/tool_router/session/*/search"
QUERIES = [f"find tool number {i}" for i in range(15)]  # three concurrent requests


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ({"status": 400}, BadRequestError),
        ({"status": 500, "times": None}, InternalServerError),
        ({"delay": 2.0}, APITimeoutError),
    ],
    ids=["400", "500", "timeout"],
)
async def test_a_failing_search_chunk_raises_its_own_error(
    ready_session: AsyncSession, emulator: Emulator, fault: dict[str, Any], expected: type[ComposioError]
) -> None:
    emulator.faults.add(SEARCH, method="POST", **fault)
    try:
        await ready_session.search(QUERIES, timeout=0.5)
    except BaseExceptionGroup as group:
        pytest.fail(f"an ExceptionGroup escaped: {group!r}")
    except expected:
        pass
    else:
        pytest.fail(f"no {expected.__name__} raised")


async def test_the_whole_search_still_works(ready_session: AsyncSession) -> None:
    found = await ready_session.search(QUERIES)
    assert [r.index for r in found.results] == list(range(1, len(found.results) + 1))


@tool
def broken(x: int) -> dict[str, Any]:
    """A custom tool that fails."""
    raise RuntimeError("broken on purpose")


async def test_an_agents_mixed_batch_with_failures_returns_every_slot(
    fast_client: AsyncComposio, emulator: Emulator
) -> None:
    session = await fast_client.create(user_id="user-1", custom_tools=[broken])
    emulator.faults.add("/api/v3.1/tool_router/session/*/execute", method="POST", status=500, times=None)
    result = await session.execute(
        "COMPOSIO_MULTI_EXECUTE_TOOL",
        {"tools": [{"tool_slug": "BROKEN", "arguments": {"x": 1}}, {"tool_slug": "UTILS_ECHO", "arguments": {}}]},
    )
    assert not result.successful
    assert [entry["index"] for entry in result.data["results"]] == [0, 1]
    assert all(entry.get("error") for entry in result.data["results"])

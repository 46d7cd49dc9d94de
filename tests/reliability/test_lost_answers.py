"""A delete whose answer is lost: the retry finds the session gone, and that is success."""

from __future__ import annotations

import pytest

from composio_router import AsyncComposio, AsyncSession, Composio, NotFoundError
from composio_router.testing import Emulator

pytestmark = pytest.mark.anyio


async def test_session_delete_after_a_lost_answer_succeeds(
    fast_client: AsyncComposio, ready_session: AsyncSession, emulator: Emulator
) -> None:
    emulator.faults.add("*/session/*", method="DELETE", action="drop_after")
    deleted = await ready_session.delete()
    assert deleted.session_id == ready_session.session_id and deleted.deleted
    assert [e.status for e in emulator.journal.find("DELETE", "*/session/*")] == [200, 404]
    assert ready_session.session_id not in emulator.sessions
    with pytest.raises(NotFoundError):  # a delete that finds nothing, with no lost attempt, is a 404
        await ready_session.delete()


async def test_client_delete_after_a_lost_answer_succeeds(
    fast_client: AsyncComposio, ready_session: AsyncSession, emulator: Emulator
) -> None:
    emulator.faults.add("*/session/*", method="DELETE", action="drop_after")
    deleted = await fast_client.delete(ready_session.session_id)
    assert deleted.session_id == ready_session.session_id
    assert len(emulator.journal.find("DELETE", "*/session/*")) == 2


async def test_a_429_then_404_is_still_a_404(fast_client: AsyncComposio, emulator: Emulator) -> None:
    # A 429 means the first attempt did not run, so the 404 is the truth: no such session.
    emulator.faults.add("*/session/*", method="DELETE", status=429, headers={"retry-after-ms": "1"})
    with pytest.raises(NotFoundError):
        await fast_client.delete("trs_missing")
    assert [e.status for e in emulator.journal.find("DELETE", "*/session/*")] == [429, 404]


def test_sync_delete_after_a_lost_answer_succeeds(sync_ready_session: object, emulator_thread: Emulator, sync_fast_client: Composio) -> None:
    from composio_router import Session

    assert isinstance(sync_ready_session, Session)
    emulator_thread.faults.add("*/session/*", method="DELETE", action="drop_after")
    assert sync_ready_session.delete().deleted
    assert [e.status for e in emulator_thread.journal.find("DELETE", "*/session/*")] == [200, 404]

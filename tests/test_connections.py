"""wait_for_connection: success, terminal failure, timeout, and the link page."""

from __future__ import annotations

import aiohttp
import anyio
import pytest

from composio_router import (
    AsyncComposio,
    AsyncSession,
    ConnectionRequestFailedError,
    ConnectionRequestTimeoutError,
)
from composio_router.testing import Emulator

pytestmark = pytest.mark.anyio
POLL = "/api/v3.1/connected_accounts/*"


async def test_wait_succeeds_when_the_user_visits_the_link(session: AsyncSession, emulator: Emulator) -> None:
    request = await session.authorize("gmail")

    async def user() -> None:
        await anyio.sleep(0.15)
        async with aiohttp.ClientSession() as browser, browser.get(request.redirect_url) as page:
            assert page.status == 200

    async with anyio.create_task_group() as tg:
        tg.start_soon(user)
        account = await request.wait_for_connection(timeout=5, poll_interval=0.05)
    assert account.status == "ACTIVE" and request.status == "ACTIVE"
    polls = emulator.journal.find(method="GET", path=POLL)
    assert len(polls) >= 2
    assert all(p.body is None for p in polls)


async def test_wait_with_auto_complete(client: AsyncComposio) -> None:
    async with Emulator(auto_complete_after_polls=3) as emu, AsyncComposio(api_key="k", base_url=emu.url) as composio:
        session = await composio.create(user_id="u")
        request = await session.authorize("github")
        account = await request.wait_for_connection(timeout=5, poll_interval=0.01)
        assert account.status == "ACTIVE"
        assert len(emu.journal.find(method="GET", path=POLL)) == 3


@pytest.mark.parametrize("status", ["FAILED", "EXPIRED", "REVOKED"])
async def test_terminal_status_raises(session: AsyncSession, emulator: Emulator, status: str) -> None:
    request = await session.authorize("gmail")
    emulator.set_account_status(request.id, status)
    with pytest.raises(ConnectionRequestFailedError) as info:
        await request.wait_for_connection(timeout=5, poll_interval=0.01)
    assert info.value.status == status
    assert info.value.connected_account_id == request.id


async def test_inactive_is_not_terminal_and_times_out(session: AsyncSession, emulator: Emulator) -> None:
    request = await session.authorize("gmail")
    emulator.set_account_status(request.id, "INACTIVE")
    with pytest.raises(ConnectionRequestTimeoutError) as info:
        await request.wait_for_connection(timeout=0.3, poll_interval=0.05)
    assert info.value.status == "INACTIVE"
    assert len(emulator.journal.find(method="GET", path=POLL)) >= 3

"""Stopping cancels the requests still running instead of waiting for them.

What is still running when a test stops its emulator is a latency sleep, a fault that never
answers, or a request whose client already gave up; aiohttp's cleanup would wait for each
(``shutdown_timeout``). The tests check the order of events, not the clock: by the time
aiohttp's cleanup begins, the handler has been cancelled (its journal entry, unanswered,
is written when it unwinds), so the cleanup has nothing left to wait for.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import aiohttp
import anyio
import pytest
from aiohttp import web

from composio_router_emulator import Emulator
from composio_router_emulator._inflight import INFLIGHT

from ..conftest import API_KEY
from .conftest import P, call

pytestmark = pytest.mark.anyio


async def _until(condition: Callable[[], bool]) -> None:
    with anyio.fail_after(10):  # a guard against hanging, not a timing assertion
        while not condition():
            await asyncio.sleep(0.005)


@pytest.fixture
def journal_at_cleanup(monkeypatch: pytest.MonkeyPatch) -> dict[Emulator, list[int]]:
    """For each watched emulator, its journal length when aiohttp's cleanup was entered."""
    seen: dict[Emulator, list[int]] = {}
    cleanup = web.AppRunner.cleanup

    async def spy(runner: web.AppRunner) -> None:
        for emu, lengths in seen.items():
            lengths.append(len(emu.journal))
        await cleanup(runner)

    monkeypatch.setattr(web.AppRunner, "cleanup", spy)
    return seen


async def test_stop_cancels_a_request_that_never_answers(
    journal_at_cleanup: dict[Emulator, list[int]],
) -> None:
    emu = Emulator(api_key=API_KEY)
    journal_at_cleanup[emu] = []
    await emu.start()
    fault = emu.faults.add(P, method="POST", delay=3600)
    async with aiohttp.ClientSession(emu.url, headers={"x-api-key": API_KEY}) as http:
        pending = asyncio.create_task(call(http, "POST", P, json={"user_id": "u"}))
        await _until(lambda: fault.hits == 1)  # it is in the handler, sleeping
        await emu.stop()
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await pending  # the client sees the connection close, no answer
    assert journal_at_cleanup[emu] == [1]  # already cancelled when cleanup began
    [entry] = emu.journal
    assert (entry.method, entry.path, entry.status) == ("POST", P, 0)
    assert emu.sessions == {}  # the handler never ran


async def test_stop_cancels_a_request_whose_client_gave_up(
    journal_at_cleanup: dict[Emulator, list[int]],
) -> None:
    emu = Emulator(api_key=API_KEY, latency=3600)
    journal_at_cleanup[emu] = []
    await emu.start()
    arrived = emu.faults.add(P, method="POST", headers={"x-marker": "1"})  # only marks arrival
    async with aiohttp.ClientSession(emu.url, headers={"x-api-key": API_KEY}) as http:
        pending = asyncio.create_task(call(http, "POST", P, json={"user_id": "u"}))
        await _until(lambda: arrived.hits == 1)
        pending.cancel()  # the client gives up and closes its connection
        with pytest.raises(asyncio.CancelledError):
            await pending
    assert len(emu.journal) == 0  # aiohttp leaves the handler running: still in its latency
    await emu.stop()
    assert journal_at_cleanup[emu] == [1]
    assert emu.journal[0].status == 0


async def test_finished_requests_are_not_kept_and_a_restart_serves_again() -> None:
    emu = Emulator(api_key=API_KEY)
    await emu.start()
    async with aiohttp.ClientSession(emu.url, headers={"x-api-key": API_KEY}) as http:
        for _ in range(3):
            status, _ = await call(http, "POST", P, json={"user_id": "u"})
            assert status == 201
    runner = emu._runner
    assert runner is not None
    await _until(lambda: len(runner.app[INFLIGHT]) == 0)  # done tasks leave the set
    await emu.stop()
    # Stopping closed that app's tracker; a restart builds a new app that serves normally.
    await emu.start()
    try:
        async with aiohttp.ClientSession(emu.url) as http:
            status, body = await call(http, "GET", "/healthz")
        assert status == 200 and body["status"] == "ok"
    finally:
        await emu.stop()

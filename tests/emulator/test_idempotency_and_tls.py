"""The emulator's opt-in idempotency store, the drop_after fault, and https serving."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator

import aiohttp
import anyio
import pytest
import trustme

from composio_router_emulator import Emulator

from ..conftest import API_KEY, IDEMPOTENCY_HEADER
from .conftest import P, call, new_session

pytestmark = pytest.mark.anyio
KEY_HEADER = IDEMPOTENCY_HEADER  # the header the shared keyed_emulator deduplicates by


@pytest.fixture
async def keyed_http(keyed_emulator: Emulator) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(keyed_emulator.url, headers={"x-api-key": API_KEY}) as session:
        yield session


def _uppercase(text: str) -> dict[str, object]:
    return {"tool_slug": "TEXT_UPPERCASE", "arguments": {"text": text}}


async def test_a_repeated_key_replays_the_first_answer_without_running(
    keyed_emulator: Emulator, keyed_http: aiohttp.ClientSession
) -> None:
    headers = {KEY_HEADER: "create-1"}
    first = await call(keyed_http, "POST", P, json={"user_id": "u"}, headers=headers)
    again = await call(keyed_http, "POST", P, json={"user_id": "u"}, headers=headers)
    assert first == again and first[0] == 201
    assert len(keyed_emulator.sessions) == 1  # the handler ran once
    assert [e.replayed for e in keyed_emulator.journal.find("POST", P)] == [False, True]
    other = await call(keyed_http, "POST", P, json={"user_id": "u"}, headers={KEY_HEADER: "create-2"})
    assert other[0] == 201 and len(keyed_emulator.sessions) == 2


async def test_a_key_reused_with_another_body_is_refused(
    keyed_emulator: Emulator, keyed_http: aiohttp.ClientSession
) -> None:
    headers = {KEY_HEADER: "k"}
    assert (await call(keyed_http, "POST", P, json={"user_id": "u"}, headers=headers))[0] == 201
    status, body = await call(keyed_http, "POST", P, json={"user_id": "v"}, headers=headers)
    assert status == 422 and body["error"]["slug"] == "IdempotencyKey_Reused"
    assert len(keyed_emulator.sessions) == 1


async def test_concurrent_repeats_wait_for_the_first(keyed_emulator: Emulator, keyed_http: aiohttp.ClientSession) -> None:
    sid = (await new_session(keyed_http))["session_id"]
    keyed_emulator.faults.add(f"{P}/*/execute", delay=0.2)  # the first one is slow; the others arrive meanwhile
    results: list[tuple[int, object]] = []

    async def one() -> None:
        results.append(await call(keyed_http, "POST", f"{P}/{sid}/execute", json=_uppercase("a"),
                                  headers={KEY_HEADER: "same"}))

    async with anyio.create_task_group() as tg:
        for _ in range(3):
            tg.start_soon(one)
    assert len({str(r) for r in results}) == 1 and results[0][0] == 200
    assert sorted(e.replayed for e in keyed_emulator.journal.find("POST", f"{P}/*/execute")) == [False, True, True]


async def test_server_errors_are_not_kept(keyed_emulator: Emulator, keyed_http: aiohttp.ClientSession) -> None:
    keyed_emulator.faults.add(P, status=503)  # answered by the fault: nothing ran, nothing stored
    headers = {KEY_HEADER: "retry-me"}
    assert (await call(keyed_http, "POST", P, json={"user_id": "u"}, headers=headers))[0] == 503
    assert (await call(keyed_http, "POST", P, json={"user_id": "u"}, headers=headers))[0] == 201
    assert len(keyed_emulator.sessions) == 1


async def test_without_the_option_keys_are_ignored(emulator: Emulator, http: aiohttp.ClientSession) -> None:
    for _ in range(2):
        assert (await call(http, "POST", P, json={"user_id": "u"}, headers={KEY_HEADER: "k"}))[0] == 201
    assert len(emulator.sessions) == 2  # the real backend does not deduplicate (spec §1.8)


async def test_drop_after_runs_the_handler_then_hangs_up(emulator: Emulator, http: aiohttp.ClientSession) -> None:
    emulator.faults.add(P, action="drop_after")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        async with http.post(P, json={"user_id": "u"}) as resp:
            await resp.read()
    assert len(emulator.sessions) == 1  # it ran
    assert emulator.journal[-1].status == 201  # what the handler answered, never delivered


async def test_https_with_a_test_certificate() -> None:
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    async with Emulator(api_key=API_KEY, ssl_context=server_ctx) as emu:
        assert emu.url.startswith("https://127.0.0.1:")
        async with aiohttp.ClientSession(headers={"x-api-key": API_KEY}) as http:
            async with http.post(emu.url + P, json={"user_id": "u"}, ssl=client_ctx) as resp:
                assert resp.status == 201
            with pytest.raises(aiohttp.ClientConnectorCertificateError):
                async with http.post(emu.url + P, json={"user_id": "u"}):
                    pass

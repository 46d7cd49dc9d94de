"""Storage transfers keep their first URL's rules; a caller's own pool gets no hidden retries.

* A presigned storage URL that redirects to plain ``http://`` off this machine is not
  followed: the file's contents would cross the network in clear text. Every hop of a
  transfer obeys the rules of its first URL.
* With ``http_session=``, aiohttp's own silent resend of GET and DELETE on a dropped
  keep-alive connection is off too, so the SDK's retry policy is the only one in force:
  ``max_retries=0`` means one request, and a DELETE whose answer was lost succeeds instead
  of reporting the 404 of aiohttp's hidden second attempt.

The redirect target is an address reserved for documentation (203.0.113.0/24); the
suite's network guard refuses any attempt to reach it, and the test checks there was none.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import AsyncIterator

import aiohttp
import pytest
import trustme

from benchmarks import netguard
from composio_router import APIConnectionError, APIStatusError, AsyncComposio
from composio_router.testing import Emulator

pytestmark = pytest.mark.anyio

STORAGE = "/_storage/*"
SESSIONS = "/api/v3.1/tool_router/session"


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_a_storage_redirect_to_plain_http_off_the_machine_is_refused(
    status: int, session: object, emulator: Emulator
) -> None:
    emulator.faults.add(STORAGE, method="PUT", status=status, body=b"", headers={"Location": "http://203.0.113.7/steal"})
    blocked_before = len(netguard.blocked())
    with pytest.raises(APIConnectionError, match="refused a redirect"):
        await session.experimental.files.upload(b"the file's contents", remote_path="secret.txt")  # type: ignore[attr-defined]
    assert netguard.blocked()[blocked_before:] == [], "the SDK tried to follow the redirect"


async def test_a_storage_redirect_that_stays_on_https_rules_is_followed(session: object, emulator: Emulator) -> None:
    # Loopback plain http is the rule the emulator's storage URL already has: followed.
    emulator.faults.add(STORAGE, method="GET", status=307, body=b"", headers={"Location": "/_storage/elsewhere"})
    await session.experimental.files.upload(b"hello", remote_path="notes.txt")  # type: ignore[attr-defined]
    with pytest.raises(APIStatusError):  # the target is no valid presigned URL: storage says no
        await (await session.experimental.files.download("notes.txt")).read()  # type: ignore[attr-defined]
    assert emulator.journal.find(method="GET", path="/_storage/elsewhere"), "the redirect was not followed"


async def test_a_dropped_get_on_a_callers_pool_is_sent_once(emulator: Emulator, api_key: str) -> None:
    async with (
        aiohttp.ClientSession() as http,
        AsyncComposio(api_key=api_key, base_url=emulator.url, http_session=http, max_retries=0) as client,
    ):
        session = await client.create(user_id="user-1")  # warms the pool: the GET reuses a connection
        emulator.journal.clear()
        emulator.faults.add(f"{SESSIONS}/*", method="GET", action="drop", times=1)
        with pytest.raises(APIConnectionError):
            await session.refresh()
    assert len(emulator.journal.find(method="GET")) == 1


async def test_a_lost_delete_answer_on_a_callers_pool_succeeds(emulator: Emulator, api_key: str) -> None:
    async with (
        aiohttp.ClientSession() as http,
        AsyncComposio(api_key=api_key, base_url=emulator.url, http_session=http, max_retries=2) as client,
    ):
        session = await client.create(user_id="user-1")
        emulator.faults.add(f"{SESSIONS}/*", method="DELETE", action="drop_after", times=1)
        deleted = await session.delete()
    assert deleted.session_id == session.session_id


@pytest.mark.parametrize("status", [302, 307])
async def test_a_download_redirect_to_plain_http_off_the_machine_is_refused(
    status: int, session: object, emulator: Emulator
) -> None:
    await session.experimental.files.upload(b"the file's contents", remote_path="secret.txt")  # type: ignore[attr-defined]
    handle = await session.experimental.files.download("secret.txt")  # type: ignore[attr-defined]
    emulator.faults.add(STORAGE, method="GET", status=status, body=b"", headers={"Location": "http://203.0.113.7/steal"})
    blocked_before = len(netguard.blocked())
    with pytest.raises(APIConnectionError, match="refused a redirect"):
        await handle.read()
    assert netguard.blocked()[blocked_before:] == [], "the SDK tried to follow the redirect"


@contextlib.asynccontextmanager
async def https_api_and_plain_http_beside_it(api_key: str) -> AsyncIterator[tuple[Emulator, Emulator, AsyncComposio]]:
    """A TLS emulator (a test CA the client trusts), a plain-http one on loopback, a client of the first."""
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    async with (
        Emulator(api_key=api_key, ssl_context=server_ctx) as tls,
        Emulator(api_key=api_key) as plain,
        AsyncComposio(api_key=api_key, base_url=tls.url, verify=client_ctx) as client,
    ):
        yield tls, plain, client


async def test_a_storage_url_on_https_never_drops_to_plain_http(api_key: str) -> None:
    # The first URL is https (a TLS emulator); its storage redirects to plain http on this
    # very machine. Loopback http is allowed as a first URL, never as a downgrade.
    async with https_api_and_plain_http_beside_it(api_key) as (tls, plain, client):
        session = await client.create(user_id="user-1")
        tls.faults.add(STORAGE, method="PUT", status=307, body=b"", headers={"Location": f"{plain.url}/_storage/x"})
        with pytest.raises(APIConnectionError, match="from https to plain http"):
            await session.experimental.files.upload(b"the file's contents", remote_path="secret.txt")
        assert plain.journal.find(method="PUT") == []


async def test_an_api_call_on_https_never_drops_to_plain_http(api_key: str) -> None:
    # The same first-URL rule for the API: from https, no redirect to plain http, not even on loopback.
    async with https_api_and_plain_http_beside_it(api_key) as (tls, plain, client):
        tls.faults.add(SESSIONS, method="POST", status=307, body=b"", headers={"Location": f"{plain.url}{SESSIONS}"})
        with pytest.raises(APIConnectionError, match="non-https URL from https"):
            await client.create(user_id="user-1")
        assert plain.journal.find(method="POST") == []

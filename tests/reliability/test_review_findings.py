"""Regressions for the defects a review of the reliability work found (one test each)."""

from __future__ import annotations

import asyncio
import threading
import time
import traceback
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from composio_router import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AsyncComposio,
    AsyncSession,
    ComposioError,
    ConfigurationError,
    ConflictError,
    RateLimitError,
    errors,
)
from composio_router.testing import Emulator

from .conftest import API_KEY, IDEMPOTENCY_HEADER

pytestmark = pytest.mark.anyio
SECRET = "sk-review-0123456789abcdef-KEY"


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or current in seen:
            continue
        seen.append(current)
        todo += [current.__cause__, current.__context__]
    return seen


@pytest.fixture
async def garbage_server() -> AsyncIterator[str]:
    """A loopback server that answers every request with an unparseable status line."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 abc nonsense\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()


async def test_no_exception_in_the_chain_carries_the_key(garbage_server: str) -> None:
    # aiohttp's ClientResponseError keeps the request headers; it must not be the context.
    async with AsyncComposio(api_key=SECRET, base_url=garbage_server, max_retries=0) as client:
        with pytest.raises(APIConnectionError) as info:
            await client.create(user_id="u")
    for exc in _chain(info.value):
        assert SECRET not in repr(vars(exc)) + repr(exc) + "".join(traceback.format_exception(exc))
        assert not isinstance(exc, aiohttp.ClientResponseError)


def test_secret_registry_is_safe_across_threads() -> None:
    stop = threading.Event()
    failures: list[BaseException] = []

    def churn() -> None:
        n = 0
        while not stop.is_set():
            key = f"churn-key-{n:08d}-abcdef"
            errors.register_secret(key)
            errors.unregister_secret(key)
            n += 1

    def scrub() -> None:
        try:
            for _ in range(5000):
                errors.scrub_text("a message without secrets, repeated " * 4)
        except BaseException as exc:
            failures.append(exc)

    writer = threading.Thread(target=churn)
    readers = [threading.Thread(target=scrub) for _ in range(2)]
    writer.start()
    for t in readers:
        t.start()
    for t in readers:
        t.join()
    stop.set()
    writer.join()
    assert not failures


async def test_a_closed_client_unregisters_its_key(emulator: Emulator) -> None:
    async with AsyncComposio(api_key=SECRET, base_url=emulator.url) as client:
        assert SECRET in errors._secret_counts
        async with AsyncComposio(api_key=SECRET, base_url=emulator.url):
            pass
        assert SECRET in errors._secret_counts  # still held by the first client
        del client
    assert SECRET not in errors._secret_counts


async def test_a_deeply_nested_error_body_is_still_a_typed_error(emulator: Emulator) -> None:
    async with AsyncComposio(api_key=API_KEY, base_url=emulator.url, max_retries=0) as client:
        emulator.faults.add("*/session", status=422, body=b"[" * 900 + b'"x"' + b"]" * 900,
                            headers={"Content-Type": "application/json"})
        with pytest.raises(APIStatusError) as info:
            await client.create(user_id="u")
    assert info.value.status_code == 422


class _LoopbackOnlyResolver(AbstractResolver):
    """Refuses to resolve anything but localhost: a test that would leave the machine fails."""

    def __init__(self) -> None:
        self.refused: list[str] = []

    async def resolve(self, host: str, port: int = 0, family: int = 0) -> list[ResolveResult]:
        if host != "localhost":
            self.refused.append(host)
            raise OSError(f"refused to resolve {host}")
        return [ResolveResult(hostname=host, host="127.0.0.1", port=port, family=2, proto=0, flags=0)]

    async def close(self) -> None:
        return None


async def test_a_redirect_to_plain_http_off_this_machine_is_refused() -> None:
    async def redirect(request: web.Request) -> web.StreamResponse:
        raise web.HTTPTemporaryRedirect("http://api.invalid/api/v3.1/tool_router/session")

    app = web.Application()
    app.router.add_post("/api/v3.1/tool_router/session", redirect)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    resolver = _LoopbackOnlyResolver()
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=resolver)) as http:
            client = AsyncComposio(api_key=API_KEY, base_url=f"http://127.0.0.1:{port}", http_session=http, max_retries=0)
            with pytest.raises(APIConnectionError, match="refused a redirect"):
                await client.create(user_id="u")
            await client.aclose()
    finally:
        await runner.cleanup()
    assert resolver.refused == []  # refused before any look-up or connection


async def test_hints_never_override_the_safety_rules(keyed_emulator: Emulator, fast_backoff: list[float]) -> None:
    async with AsyncComposio(api_key=API_KEY, base_url=keyed_emulator.url, idempotency_header=IDEMPOTENCY_HEADER) as client:
        session = await client.create(user_id="u")
        keyed_emulator.faults.add("*/session/*", method="PATCH", status=409, times=3, headers={"x-should-retry": "true"})
        with pytest.raises(ConflictError):
            await session.update(search=True, idempotency_key="patch-1")
        assert len(keyed_emulator.journal.find("PATCH", "*/session/*")) == 1
        keyed_emulator.faults.add("*/execute", status=429, times=3, headers={"x-should-retry": "false"})
        with pytest.raises(RateLimitError):
            await session.execute("TEXT_UPPERCASE", {"text": "a"})
        assert len(keyed_emulator.journal.find("POST", "*/execute")) == 1


async def test_a_deadline_that_cuts_an_attempt_off_says_it_may_have_run(
    session: AsyncSession, emulator: Emulator
) -> None:
    emulator.faults.add("*/execute", delay=0.5)
    with pytest.raises(APITimeoutError) as info:
        await session.execute("TEXT_UPPERCASE", {"text": "a"}, timeout=0.15)
    assert info.value.request_sent is True


async def test_one_timeout_bounds_both_hops_of_a_download(session: AsyncSession, emulator: Emulator) -> None:
    await session.upload_file("a.txt", b"hello")
    emulator.faults.add("*/download_url", delay=0.4)
    emulator.faults.add("/_storage/*", method="GET", delay=0.4)
    started = time.monotonic()
    with pytest.raises(APITimeoutError):
        await session.download_file("a.txt", timeout=0.6)
    assert time.monotonic() - started < 0.6 + 0.3  # not 0.4 + 0.6: the second hop got what was left


@pytest.mark.parametrize("url", ["https://api.example:99999", "https://api.example:abc", "https://evil\\@api.example",
                                 "https://user:pw@api.example", "https://api.example/ path"])
def test_unusable_base_urls_are_configuration_errors(url: str) -> None:
    with pytest.raises(ConfigurationError):
        AsyncComposio(api_key=API_KEY, base_url=url)


async def test_verify_and_a_callers_session_conflict() -> None:
    async with aiohttp.ClientSession() as http:
        with pytest.raises(ConfigurationError, match="verify"):
            AsyncComposio(api_key=API_KEY, base_url="https://api.example", http_session=http, verify=False)


async def test_an_echoed_request_id_is_scrubbed(emulator: Emulator) -> None:
    async with AsyncComposio(api_key=SECRET, base_url=emulator.url, max_retries=0) as client:
        emulator.faults.add("*/session", status=400, headers={"x-request-id": SECRET})
        with pytest.raises(ComposioError) as info:
            await client.create(user_id="u")
    assert SECRET not in repr(info.value) and SECRET not in str(info.value.__dict__)



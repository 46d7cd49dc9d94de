"""Every error class, the retry policy by idempotency, Retry-After, deadlines and faults."""

from __future__ import annotations

import pickle
import socket
import time

import pytest

from composio_router import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AsyncComposio,
    AsyncSession,
    AuthenticationError,
    BadRequestError,
    BatchLimitError,
    ClientClosedError,
    ComposioError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from composio_router.testing import Emulator

from .conftest import API_KEY

pytestmark = pytest.mark.anyio

SEARCH = "/api/v3.1/tool_router/session/*/search"
EXECUTE = "/api/v3.1/tool_router/session/*/execute"


@pytest.mark.parametrize(
    ("status", "cls"),
    [(400, BadRequestError), (401, AuthenticationError), (403, PermissionDeniedError), (404, NotFoundError),
     (409, ConflictError), (422, UnprocessableEntityError), (429, RateLimitError), (500, InternalServerError),
     (502, InternalServerError), (418, APIStatusError)],
)
async def test_status_to_class(session: AsyncSession, emulator: Emulator, status: int, cls: type[APIStatusError]) -> None:
    # times=3 with retry-after 0: a 429 is retried (it provably did not run) and still fails.
    emulator.faults.add(EXECUTE, method="POST", status=status, times=3, headers={"retry-after": "0"})
    with pytest.raises(cls) as info:
        await session.execute("WEATHER_GET_FORECAST", {"city": "Oslo"})
    err = info.value
    assert type(err) is cls
    assert isinstance(err, ComposioError)
    assert err.status_code == status
    assert err.request_id  # from the x-request-id header
    assert err.slug and str(status) in str(err)


async def test_envelope_fields_are_parsed(client: AsyncComposio) -> None:
    # A real 404 from the server: the session does not exist.
    with pytest.raises(NotFoundError) as info:
        await client.use("trs_doesNotExist")
    err = info.value
    assert err.code is not None and err.slug and err.message
    assert isinstance(err.body, dict) and "error" in err.body


def test_errors_survive_pickling() -> None:
    original = NotFoundError("404 gone", status_code=404, slug="S", request_id="r")
    copy = pickle.loads(pickle.dumps(original))
    assert (type(copy), copy.status_code, copy.slug, copy.request_id, str(copy)) == (
        NotFoundError, 404, "S", "r", "404 gone")
    assert pickle.loads(pickle.dumps(BatchLimitError(21, 20))).size == 21


async def test_wrong_key_is_authentication_error(emulator: Emulator) -> None:
    async with AsyncComposio(api_key="wrong-key-123", base_url=emulator.url) as composio:
        with pytest.raises(AuthenticationError) as info:
            await composio.create(user_id="u")
    assert "wrong-key-123" not in str(info.value) and "wrong-key-123" not in repr(info.value)


async def test_500_on_execute_is_sent_once(session: AsyncSession, emulator: Emulator) -> None:
    emulator.faults.add(EXECUTE, method="POST", status=500, times=3)
    with pytest.raises(InternalServerError):
        await session.execute("WEATHER_GET_FORECAST", {"city": "Oslo"})
    assert len(emulator.journal.find(method="POST", path=EXECUTE)) == 1


async def test_503_on_search_is_retried(session: AsyncSession, emulator: Emulator) -> None:
    emulator.faults.add(SEARCH, method="POST", status=503, times=2, headers={"retry-after": "0"})
    found = await session.search("weather")
    assert found.success
    statuses = [e.status for e in emulator.journal.find(method="POST", path=SEARCH)]
    assert statuses == [503, 503, 200]
    request_ids = {e.headers["x-request-id"] for e in emulator.journal.find(method="POST", path=SEARCH)}
    assert len(request_ids) == 1  # one logical call, one id across retries


async def test_retries_give_up_after_max_retries(session: AsyncSession, emulator: Emulator) -> None:
    emulator.faults.add(SEARCH, method="POST", status=502, times=5, headers={"retry-after-ms": "1"})
    with pytest.raises(InternalServerError):
        await session.search("weather")
    assert len(emulator.journal.find(method="POST", path=SEARCH)) == 3  # max_retries=2


async def test_429_honours_retry_after_even_on_execute(session: AsyncSession, emulator: Emulator) -> None:
    emulator.faults.add(EXECUTE, method="POST", status=429, times=1, headers={"retry-after": "0.3"})
    started = time.monotonic()
    result = await session.execute("WEATHER_GET_FORECAST", {"city": "Oslo"})
    assert result.successful
    first, second = emulator.journal.find(method="POST", path=EXECUTE)
    assert (first.status, second.status) == (429, 200)
    assert second.started - first.finished >= 0.25  # waited for the hint, not the 0.5 s backoff floor
    assert time.monotonic() - started < 5


async def test_should_retry_false_is_obeyed(session: AsyncSession, emulator: Emulator) -> None:
    emulator.faults.add(SEARCH, method="POST", status=503, times=1, headers={"x-should-retry": "false"})
    with pytest.raises(InternalServerError):
        await session.search("weather")
    assert len(emulator.journal.find(method="POST", path=SEARCH)) == 1


async def test_per_call_timeout_bounds_retries(session: AsyncSession, emulator: Emulator) -> None:
    # Each attempt is slow and fails; the third is still running when the deadline passes.
    emulator.faults.add(SEARCH, method="POST", status=503, times=10, delay=0.2, headers={"retry-after": "0"})
    started = time.monotonic()
    with pytest.raises(APITimeoutError) as info:
        await session.search("weather", timeout=0.5)
    assert isinstance(info.value, APIConnectionError)
    assert time.monotonic() - started < 3
    assert len(emulator.journal.find(method="POST", path=SEARCH)) >= 2  # the cut-off third is journalled when it ends


async def test_a_wait_past_the_deadline_reports_the_answer(session: AsyncSession, emulator: Emulator) -> None:
    emulator.faults.add(SEARCH, method="POST", status=503, times=10, headers={"retry-after": "5"})
    started = time.monotonic()
    with pytest.raises(InternalServerError):  # the server's 503, not a timeout after a futile wait
        await session.search("weather", timeout=0.5)
    assert time.monotonic() - started < 0.5


async def test_retry_after_beyond_the_deadline_reports_the_server_answer(session: AsyncSession, emulator: Emulator) -> None:
    emulator.faults.add("/api/v3.1/tool_router/session/*/search", status=429, times=3, headers={"retry-after": "30"})
    started = time.monotonic()
    with pytest.raises(RateLimitError):
        await session.search("weather", timeout=2)
    assert time.monotonic() - started < 1.5


async def test_slow_response_times_out(session: AsyncSession, emulator: Emulator) -> None:
    emulator.faults.add(EXECUTE, method="POST", delay=2.0)
    with pytest.raises(APITimeoutError):
        await session.execute("WEATHER_GET_FORECAST", {"city": "Oslo"}, timeout=0.2)


async def test_dropped_connection(session: AsyncSession, emulator: Emulator) -> None:
    emulator.faults.add(EXECUTE, method="POST", action="drop")
    with pytest.raises(APIConnectionError):
        await session.execute("WEATHER_GET_FORECAST", {"city": "Oslo"})
    assert len(emulator.journal.find(method="POST", path=EXECUTE)) == 1  # unsafe: not retried
    emulator.faults.add(SEARCH, method="POST", action="drop")
    assert (await session.search("weather")).success  # safe: retried


async def test_malformed_success_body(session: AsyncSession, emulator: Emulator) -> None:
    emulator.faults.add(EXECUTE, method="POST", action="malformed")
    with pytest.raises(APIResponseValidationError) as info:
        await session.execute("WEATHER_GET_FORECAST", {"city": "Oslo"})
    assert info.value.status_code == 200


async def test_unreadable_response_is_a_composio_error(client: AsyncComposio, session: AsyncSession, emulator: Emulator) -> None:
    emulator.faults.add("/api/v3.1/tool_router/session/*", method="GET", status=200, body=b'{"session_id": "x", "config": 5}')
    with pytest.raises(APIResponseValidationError, match="SessionInfo"):
        await client.use(session.session_id)


async def test_truncated_body(session: AsyncSession, emulator: Emulator) -> None:
    emulator.faults.add(EXECUTE, method="POST", action="truncate")
    with pytest.raises(APIConnectionError):
        await session.execute("WEATHER_GET_FORECAST", {"city": "Oslo"})


async def test_html_502_from_a_proxy(session: AsyncSession, emulator: Emulator) -> None:
    emulator.faults.add(EXECUTE, method="POST", status=502, body=b"<html><body>502 Bad Gateway</body></html>")
    with pytest.raises(InternalServerError) as info:
        await session.execute("WEATHER_GET_FORECAST", {"city": "Oslo"})
    assert "Bad Gateway" in str(info.value)
    assert isinstance(info.value.body, str)


async def test_unknown_fields_are_tolerated(session: AsyncSession, emulator: Emulator) -> None:
    for _ in range(6):
        emulator.faults.add("*", action="extra_fields")
    result = await session.execute("WEATHER_GET_FORECAST", {"city": "Oslo"})
    assert result.successful
    assert (await session.search("email")).results
    assert (await session.toolkits()).items
    await session.refresh()
    assert await session.get_meta_tools(refresh=True)


async def test_connection_refused_is_retried_then_raised() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with AsyncComposio(api_key="k", base_url=f"http://127.0.0.1:{port}", max_retries=1) as composio:
        with pytest.raises(APIConnectionError) as info:
            await composio.create(user_id="u")
    assert not isinstance(info.value, APITimeoutError)


async def test_use_after_close(emulator: Emulator) -> None:
    composio = AsyncComposio(api_key=API_KEY, base_url=emulator.url)
    try:
        session = await composio.create(user_id="u")
    finally:
        await composio.aclose()
    await composio.aclose()  # twice is fine
    with pytest.raises(ClientClosedError):
        await session.execute("WEATHER_GET_FORECAST", {"city": "Oslo"})

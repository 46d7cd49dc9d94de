"""Retries that help (README, "Reliability", point 2).

Idempotent calls survive bursts of 5xx and 429, honour ``retry-after-ms`` and
``retry-after`` (seconds or an HTTP date) up to a 60 s cap, back off exponentially with
jitter, and give up with the last error after the configured attempts. A per-call
timeout bounds everything: a server that never answers releases the caller on time.

Most tests run under ``fast_backoff`` (the real policy scaled down); the policy's own
numbers are checked unscaled in the unit tests and in one measured retry.
"""

from __future__ import annotations

import datetime
import email.utils
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
from multidict import CIMultiDict

from composio_router import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AsyncComposio,
    AsyncSession,
    Composio,
    InternalServerError,
    RateLimitError,
    Session,
)
from composio_router._retry import backoff_delay, retry_after_seconds
from composio_router.testing import Emulator, JournalEntry

from ..conftest import API_KEY
from .conftest import TIME_SCALE

pytestmark = pytest.mark.anyio

BASE = "/api/v3.1/tool_router/session"
SEARCH = BASE + "/*/search"
EXECUTE = BASE + "/*/execute"
USER = "user-1"
NEVER = 30.0  # a server "delay" no test waits for
SLACK = 1.0  # generous scheduling allowance on top of a deadline


@dataclass(frozen=True)
class SafeOp:
    """An idempotent call: ``call(client, session)`` works for async and sync objects alike."""

    name: str
    method: str
    path: str
    call: Callable[[Any, Any], Any]

    def __str__(self) -> str:
        return self.name


SAFE_OPS = [
    SafeOp("search", "POST", SEARCH, lambda c, s: s.search("send an email")),
    SafeOp("toolkits", "GET", BASE + "/*/toolkits", lambda c, s: s.toolkits()),
    SafeOp("create", "POST", BASE, lambda c, s: c.create(user_id="user-2")),
    SafeOp("refresh", "GET", BASE + "/trs_*", lambda c, s: s.refresh()),
    SafeOp("delete", "DELETE", BASE + "/trs_*", lambda c, s: s.delete()),
]
SEARCH_OP = SAFE_OPS[0]


def statuses(emu: Emulator, op: SafeOp) -> list[int]:
    return [e.status for e in emu.journal.find(op.method, op.path)]


def gap(first: JournalEntry, second: JournalEntry) -> float:
    """How long the client waited: from the end of one attempt to the start of the next."""
    return second.started - first.finished


def error_body(status: int, message: str) -> bytes:
    return orjson.dumps({"error": {"message": message, "code": status, "slug": "Upstream_Failure",
                                   "status": status}})


def add_last_error(emu: Emulator, path: str, method: str, status: int, message: str) -> None:
    emu.faults.add(path, method=method, status=status, body=error_body(status, message),
                   headers={"Content-Type": "application/json"})


# -- bursts -------------------------------------------------------------------------------------


async def fresh_session(client: AsyncComposio, emu: Emulator) -> AsyncSession:
    """A new session with a clean journal and no faults (each op of a loop gets its own)."""
    emu.faults.clear()
    session = await client.create(user_id=USER)
    emu.journal.clear()
    return session


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
async def test_safe_calls_survive_a_burst(
    fast_client: AsyncComposio, emulator: Emulator, fast_backoff: list[float], status: int
) -> None:
    for op in SAFE_OPS:
        session = await fresh_session(fast_client, emulator)
        fast_backoff.clear()
        emulator.faults.add(op.path, method=op.method, status=status, times=2)  # = max_retries
        await op.call(fast_client, session)
        got = statuses(emulator, op)
        assert got[:2] == [status, status] and len(got) == 3 and 200 <= got[2] < 300, (op.name, got)
        assert len(fast_backoff) == 2, op.name  # no hint in these answers: the backoff decided


@pytest.mark.parametrize(
    ("burst", "last", "cls"),
    [((503, 503), 504, InternalServerError), ((500, 429), 502, InternalServerError),
     ((502, 503), 429, RateLimitError)],
    ids=["503-503-504", "500-429-502", "502-503-429"],
)
async def test_gives_up_with_the_last_error(
    fast_client: AsyncComposio, emulator: Emulator, fast_backoff: list[float],
    burst: tuple[int, int], last: int, cls: type[APIStatusError],
) -> None:
    for op in SAFE_OPS:
        session = await fresh_session(fast_client, emulator)
        for status in burst:
            emulator.faults.add(op.path, method=op.method, status=status)
        add_last_error(emulator, op.path, op.method, last, f"upstream gave up on {op.name}")
        emulator.faults.add(op.path, method=op.method, status=500, times=None)  # never reached
        with pytest.raises(cls) as info:
            await op.call(fast_client, session)
        assert type(info.value) is cls, op.name
        assert info.value.status_code == last, op.name
        assert f"upstream gave up on {op.name}" in str(info.value)
        assert statuses(emulator, op) == [*burst, last], op.name  # exactly max_retries + 1 attempts


@pytest.mark.parametrize("max_retries", [0, 1, 3])
async def test_attempts_follow_max_retries(
    emulator: Emulator, fast_backoff: list[float], max_retries: int
) -> None:
    async with AsyncComposio(api_key=API_KEY, base_url=emulator.url, max_retries=max_retries,
                             timeout=10) as client:
        session = await client.create(user_id=USER)
        emulator.journal.clear()
        emulator.faults.add(SEARCH, method="POST", status=503, times=None)
        with pytest.raises(InternalServerError):
            await session.search("weather")
    assert statuses(emulator, SEARCH_OP) == [503] * (max_retries + 1)
    assert len(fast_backoff) == max_retries  # max_retries=0: one attempt, no wait at all


async def test_connection_failures_of_safe_calls_are_retried(
    ready_session: AsyncSession, emulator: Emulator, fast_backoff: list[float]
) -> None:
    emulator.faults.add(SEARCH, method="POST", action="drop", times=1)
    emulator.faults.add(SEARCH, method="POST", action="truncate", times=1)
    assert (await ready_session.search("weather")).success
    assert len(emulator.journal.find("POST", SEARCH)) == 3
    emulator.faults.add(SEARCH, method="POST", action="drop", times=None)
    with pytest.raises(APIConnectionError) as info:
        await ready_session.search("weather")
    assert info.value.request_sent is True
    assert len(emulator.journal.find("POST", SEARCH)) == 6


# -- the server's wait hints --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "hint"),
    [({"retry-after-ms": "300"}, 0.3), ({"retry-after": "0.3"}, 0.3),
     ({"retry-after-ms": "250", "retry-after": "5"}, 0.25)],
    ids=["retry-after-ms", "retry-after-seconds", "ms-wins-over-seconds"],
)
async def test_wait_hint_is_honoured(
    ready_session: AsyncSession, emulator: Emulator, fast_backoff: list[float],
    headers: dict[str, str], hint: float,
) -> None:
    emulator.faults.add(SEARCH, method="POST", status=503, headers=headers)
    started = time.monotonic()
    assert (await ready_session.search("weather")).success
    elapsed = time.monotonic() - started
    first, second = emulator.journal.find("POST", SEARCH)
    assert (first.status, second.status) == (503, 200)
    assert gap(first, second) >= hint * 0.95  # the hint, not the ~10 ms scaled backoff
    assert elapsed < hint + SLACK
    assert fast_backoff == []  # no backoff was computed: the hint decided


async def test_retry_after_http_date_is_honoured(
    ready_session: AsyncSession, emulator: Emulator, fast_backoff: list[float]
) -> None:
    # HTTP dates have one-second resolution: 1.5 s ahead, truncated, is 0.5-1.5 s away.
    target = time.time() + 1.5
    date = email.utils.format_datetime(datetime.datetime.fromtimestamp(target, datetime.UTC), usegmt=True)
    emulator.faults.add(SEARCH, method="POST", status=429, headers={"retry-after": date})
    started = time.monotonic()
    assert (await ready_session.search("weather")).success
    elapsed = time.monotonic() - started
    first, second = emulator.journal.find("POST", SEARCH)
    assert (first.status, second.status) == (429, 200)
    assert gap(first, second) >= 0.45
    assert time.time() >= int(target) - 0.05  # the retry waited until the date
    assert elapsed < 2.0
    assert fast_backoff == []


@pytest.mark.parametrize(
    "headers",
    [{"retry-after": "3600"}, {"retry-after-ms": "3600000"}, {"retry-after": "60.5"},
     {"retry-after": "-3"}, {"retry-after": "soon"}],
    ids=["an-hour", "an-hour-ms", "just-over-the-cap", "negative", "garbage"],
)
async def test_unusable_hint_falls_back_to_backoff(
    ready_session: AsyncSession, emulator: Emulator, fast_backoff: list[float], headers: dict[str, str]
) -> None:
    emulator.faults.add(SEARCH, method="POST", status=503, headers=headers)
    started = time.monotonic()
    assert (await ready_session.search("weather")).success
    assert time.monotonic() - started < 1.0  # not an hour
    assert statuses(emulator, SEARCH_OP) == [503, 200]
    assert len(fast_backoff) == 1  # the backoff decided instead


async def test_should_retry_header(ready_session: AsyncSession, emulator: Emulator, fast_backoff: list[float]) -> None:
    emulator.faults.add(SEARCH, method="POST", status=503, times=3, headers={"x-should-retry": "false"})
    with pytest.raises(InternalServerError):
        await ready_session.search("weather")
    assert statuses(emulator, SEARCH_OP) == [503]
    emulator.faults.clear()
    emulator.journal.clear()
    # ...and "true" makes a status that is normally final worth another try.
    emulator.faults.add(SEARCH, method="POST", status=400, headers={"x-should-retry": "true"})
    assert (await ready_session.search("weather")).success
    assert statuses(emulator, SEARCH_OP) == [400, 200]


# -- the backoff ------------------------------------------------------------------------------------


async def test_backoff_grows_between_attempts(
    ready_session: AsyncSession, emulator: Emulator, fast_backoff: list[float]
) -> None:
    emulator.faults.add(SEARCH, method="POST", status=503, times=2)
    assert (await ready_session.search("weather")).success
    first_wait, second_wait = fast_backoff
    assert 0.375 / TIME_SCALE <= first_wait <= 0.5 / TIME_SCALE
    assert 0.75 / TIME_SCALE <= second_wait <= 1.0 / TIME_SCALE
    a, b, c = emulator.journal.find("POST", SEARCH)
    assert gap(a, b) >= first_wait * 0.95 and gap(b, c) >= second_wait * 0.95


async def test_real_backoff_is_measured(emulator: Emulator) -> None:
    """Unscaled: the first retry waits 0.375-0.5 s."""
    async with AsyncComposio(api_key=API_KEY, base_url=emulator.url, timeout=10) as client:
        session = await client.create(user_id=USER)
        emulator.journal.clear()
        emulator.faults.add(SEARCH, method="POST", status=503)
        assert (await session.search("weather")).success
    first, second = emulator.journal.find("POST", SEARCH)
    assert 0.375 * 0.95 <= gap(first, second) <= 0.5 + 0.3


class _FixedRandom(random.Random):
    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def random(self) -> float:
        return self.value


def test_backoff_bounds_per_attempt() -> None:
    rng = random.Random(1234)
    steps = [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 8.0), (10, 8.0), (60, 8.0)]
    for attempt, base in steps:
        assert backoff_delay(attempt, rng=_FixedRandom(0.0)) == base, attempt  # no jitter: the full step
        assert backoff_delay(attempt, rng=_FixedRandom(1.0)) == pytest.approx(0.75 * base)  # most jitter
        assert backoff_delay(attempt, rng=_FixedRandom(0.5)) == pytest.approx(0.875 * base)
        for _ in range(50):
            assert 0.75 * base <= backoff_delay(attempt, rng=rng) <= base, attempt


def test_backoff_is_capped_for_any_attempt_count() -> None:
    """max_retries has no upper bound, so neither does the attempt number."""
    rng = random.Random(5)
    for attempt in (100, 1023, 1024, 5000):
        assert 6.0 <= backoff_delay(attempt, rng=rng) <= 8.0


def test_backoff_jitter() -> None:
    rng = random.Random(20240601)
    samples = [backoff_delay(2, rng=rng) for _ in range(200)]
    assert len(set(samples)) > 150  # jittered: clients retrying together spread out
    assert all(1.5 <= s <= 2.0 for s in samples)
    assert min(samples) < 1.55 and max(samples) > 1.95  # the whole [0.75, 1] range is used
    # Seeded: the same generator state gives the same delays.
    assert [backoff_delay(2, rng=random.Random(9)) for _ in range(3)] == [
        backoff_delay(2, rng=random.Random(9)) for _ in range(3)
    ]
    # Without an rng the module's generator is used, still within bounds.
    assert all(0.375 <= backoff_delay(0) <= 0.5 for _ in range(20))


# -- retry_after_seconds ------------------------------------------------------------------------

NOW = 1_800_000_000.0


def _date(offset: float) -> str:
    return email.utils.format_datetime(
        datetime.datetime.fromtimestamp(NOW + offset, datetime.UTC), usegmt=True
    )


RETRY_AFTER_CASES: list[tuple[dict[str, str], float | None]] = [
        ({}, None),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "0"}, 0.0),
        ({"retry-after-ms": "60000"}, 60.0),
        ({"retry-after-ms": "60001"}, None),
        ({"retry-after-ms": "-1"}, None),
        ({"retry-after-ms": "nan"}, None),
        ({"retry-after-ms": "12.5"}, 0.0125),
        ({"retry-after-ms": "soon", "retry-after": "2"}, 2.0),  # unreadable ms: fall back
        ({"retry-after-ms": "100", "retry-after": "2"}, 0.1),  # ms first
        ({"retry-after": "2"}, 2.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after": "0"}, 0.0),
        ({"retry-after": "60"}, 60.0),
        ({"retry-after": "61"}, None),
        ({"retry-after": "3600"}, None),
        ({"retry-after": "-1"}, None),
        ({"retry-after": "nan"}, None),
        ({"retry-after": "NaN"}, None),
        ({"retry-after": "inf"}, None),
        ({"retry-after": "-inf"}, None),
        ({"retry-after": "soon"}, None),
        ({"retry-after": ""}, None),
        ({"retry-after": "   "}, None),
        ({"retry-after": "Mon, 32 Foo 2024 99:99:99 GMT"}, None),
        ({"retry-after": _date(10)}, 10.0),
        ({"retry-after": _date(0)}, 0.0),
        ({"retry-after": _date(60)}, 60.0),
        ({"retry-after": _date(61)}, None),  # a date past the cap
        ({"retry-after": _date(-5)}, None),  # a date in the past
]


def test_retry_after_seconds() -> None:
    for headers, expected in RETRY_AFTER_CASES:
        got = retry_after_seconds(headers, now=NOW)
        if expected is None:
            assert got is None, (headers, got)
        else:
            assert got == pytest.approx(expected), (headers, got)


def test_retry_after_header_names_are_case_insensitive() -> None:
    assert retry_after_seconds(CIMultiDict({"Retry-After": "3"})) == 3.0
    assert retry_after_seconds(CIMultiDict({"RETRY-AFTER-MS": "40"})) == pytest.approx(0.04)


def test_retry_after_date_uses_the_clock() -> None:
    date = email.utils.format_datetime(
        datetime.datetime.fromtimestamp(time.time() + 20, datetime.UTC), usegmt=True
    )
    got = retry_after_seconds({"retry-after": date})  # no `now`: the wall clock
    assert got is not None and 18.5 <= got <= 20.0


# -- the deadline bounds everything -----------------------------------------------------------------


async def test_a_server_that_never_answers_releases_the_caller(
    fast_client: AsyncComposio, ready_session: AsyncSession, emulator: Emulator
) -> None:
    emulator.faults.add("*", method="POST", delay=NEVER, times=None)
    calls: list[tuple[str, Callable[[], Any]]] = [
        ("safe search", lambda: ready_session.search("weather", timeout=0.5)),
        ("unsafe execute", lambda: ready_session.execute("WEATHER_GET_FORECAST", {"city": "Oslo"}, timeout=0.5)),
        ("safe create", lambda: fast_client.create(user_id=USER, timeout=0.5)),
    ]
    for name, call in calls:
        started = time.monotonic()
        with pytest.raises(APITimeoutError) as info:
            await call()
        elapsed = time.monotonic() - started
        assert 0.5 * 0.95 <= elapsed < 0.5 + SLACK, (name, elapsed)
        assert "0.5 s" in str(info.value), name
    # The client's default timeout bounds a call that names none.
    async with AsyncComposio(api_key=API_KEY, base_url=emulator.url, timeout=0.4) as short:
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            await short.create(user_id=USER)
        assert time.monotonic() - started < 0.4 + SLACK


async def test_a_wait_hint_past_the_deadline_reports_the_answer(
    ready_session: AsyncSession, emulator: Emulator, fast_backoff: list[float]
) -> None:
    """A 503 burst asking for 0.4 s between tries, under a 0.6 s deadline: after the second
    answer, a third try could not start in time, so the 503 is raised at once."""
    emulator.faults.add(SEARCH, method="POST", status=503, times=10, headers={"retry-after": "0.4"})
    started = time.monotonic()
    with pytest.raises(InternalServerError) as info:
        await ready_session.search("weather", timeout=0.6)
    elapsed = time.monotonic() - started
    assert info.value.status_code == 503 and info.value.retry_after == pytest.approx(0.4)
    assert statuses(emulator, SEARCH_OP) == [503, 503]
    assert 0.4 * 0.95 <= elapsed < 0.6  # well before three attempts' worth (0.8 s)


async def test_deadline_cuts_slow_failing_attempts(
    ready_session: AsyncSession, emulator: Emulator, fast_backoff: list[float]
) -> None:
    emulator.faults.add(SEARCH, method="POST", status=503, times=10, delay=0.25, headers={"retry-after": "0"})
    started = time.monotonic()
    with pytest.raises(APITimeoutError) as info:
        await ready_session.search("weather", timeout=0.6)
    assert time.monotonic() - started < 0.6 + SLACK
    assert info.value.request_sent is True  # earlier attempts got answers


async def test_deadline_cuts_a_backoff_sleep(emulator: Emulator) -> None:
    """Unscaled backoff after dropped connections: the second wait (0.75-1 s) passes the deadline."""
    async with AsyncComposio(api_key=API_KEY, base_url=emulator.url, timeout=10) as client:
        session = await client.create(user_id=USER)
        emulator.journal.clear()
        emulator.faults.add(SEARCH, method="POST", action="drop", times=None)
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            await session.search("weather", timeout=0.9)
        elapsed = time.monotonic() - started
    assert 0.9 * 0.95 <= elapsed < 0.9 + SLACK
    assert len(emulator.journal.find("POST", SEARCH)) == 2


async def test_a_deadline_that_cuts_an_attempt_off_says_it_may_have_run(
    ready_session: AsyncSession, emulator: Emulator
) -> None:
    emulator.faults.add("*/execute", delay=0.5)
    with pytest.raises(APITimeoutError) as info:
        await ready_session.execute("TEXT_UPPERCASE", {"text": "a"}, timeout=0.15)
    assert info.value.request_sent is True


async def test_one_timeout_bounds_both_hops_of_an_upload(ready_session: AsyncSession, emulator: Emulator) -> None:
    emulator.faults.add("*/upload_url", delay=0.4)
    emulator.faults.add("/_storage/*", method="PUT", delay=0.4)
    started = time.monotonic()
    with pytest.raises(APITimeoutError):
        await ready_session.experimental.files.upload(b"hello", remote_path="a.txt", timeout=0.6)
    assert time.monotonic() - started < 0.6 + 0.3  # not 0.4 + 0.6: the second hop got what was left


# -- sync -----------------------------------------------------------------------------------------


def test_sync_safe_calls_survive_a_burst(sync_fast_client: Composio, emulator_thread: Emulator) -> None:
    for op in SAFE_OPS:
        session = sync_fast_client.create(user_id=USER)
        emulator_thread.journal.clear()
        emulator_thread.faults.add(op.path, method=op.method, status=503, times=1)
        emulator_thread.faults.add(op.path, method=op.method, status=429, times=1, headers={"retry-after-ms": "30"})
        op.call(sync_fast_client, session)
        got = statuses(emulator_thread, op)
        assert got[:2] == [503, 429] and len(got) == 3 and 200 <= got[2] < 300, (op.name, got)


def test_sync_gives_up_with_the_last_error(sync_ready_session: Session, emulator_thread: Emulator) -> None:
    emulator_thread.faults.add(SEARCH, method="POST", status=503, times=2)
    add_last_error(emulator_thread, SEARCH, "POST", 502, "the last straw")
    with pytest.raises(InternalServerError) as info:
        sync_ready_session.search("weather")
    assert info.value.status_code == 502 and "the last straw" in str(info.value)
    assert statuses(emulator_thread, SEARCH_OP) == [503, 503, 502]


def test_sync_retry_after_is_honoured(sync_ready_session: Session, emulator_thread: Emulator,
                                      fast_backoff: list[float]) -> None:
    emulator_thread.faults.add(SEARCH, method="POST", status=429, headers={"retry-after": "0.3"})
    assert sync_ready_session.search("weather").success
    first, second = emulator_thread.journal.find("POST", SEARCH)
    assert gap(first, second) >= 0.3 * 0.95
    assert fast_backoff == []


def test_sync_a_server_that_never_answers_releases_the_caller(
    sync_ready_session: Session, emulator_thread: Emulator
) -> None:
    emulator_thread.faults.add("*", method="POST", delay=NEVER, times=None)
    calls: list[tuple[str, Callable[[], Any]]] = [
        ("safe search", lambda: sync_ready_session.search("weather", timeout=0.5)),
        ("unsafe execute", lambda: sync_ready_session.execute("WEATHER_GET_FORECAST", {"city": "Oslo"}, timeout=0.5)),
    ]
    for name, call in calls:
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            call()
        assert 0.5 * 0.95 <= time.monotonic() - started < 0.5 + SLACK, name


def test_sync_a_wait_hint_past_the_deadline_reports_the_answer(
    sync_ready_session: Session, emulator_thread: Emulator
) -> None:
    emulator_thread.faults.add(SEARCH, method="POST", status=503, times=10, headers={"retry-after": "0.4"})
    started = time.monotonic()
    with pytest.raises(InternalServerError):
        sync_ready_session.search("weather", timeout=0.6)
    assert time.monotonic() - started < 0.6
    assert statuses(emulator_thread, SEARCH_OP) == [503, 503]

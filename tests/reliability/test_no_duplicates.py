"""No duplicated side effects (README, "Reliability", point 1).

Every call that runs something (execute, execute_meta, proxy_execute, create_auth_link,
update) meets each fault that can leave it unknown whether the server ran it: a timeout
after the server received it, a 500, a proxy's HTML 502, a connection dropped before and
after the handler ran. Each fault yields exactly one request in the emulator's journal
and a typed error, and the emulator's own state (the mailbox, the config version) shows
the tool ran at most once. A refused connection and a 429 prove the request did not run:
those are retried, and the tool runs exactly once. An idempotency key opts a call into
retries, which a deduplicating server answers by replaying the first answer.

Async callers and the blocking facade are covered alike.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import anyio
import pytest

from composio_router import (
    APIConnectionError,
    APITimeoutError,
    AsyncComposio,
    AsyncSession,
    Composio,
    ConflictError,
    InternalServerError,
    RateLimitError,
    Session,
    _transport,
)
from composio_router.testing import Emulator, JournalEntry

from ..conftest import API_KEY, IDEMPOTENCY_HEADER
from .conftest import ConnectFailureWatch, free_port

pytestmark = pytest.mark.anyio

BASE = "/api/v3.1/tool_router/session"
EXECUTE = BASE + "/*/execute"
USER = "user-1"
EMAIL = {"recipient_email": "ops@example.com", "subject": "Quarterly numbers", "body": "Attached."}
HTML_502 = b"<html><body>502 Bad Gateway</body></html>"
SETTLE_LIMIT = 3.0  # seconds a test waits for a delayed handler to finish and be journalled
TIMEOUT_DELAY = 0.4  # how long the emulator sits on a request before running it
CALL_TIMEOUT = 0.15  # the caller's deadline: shorter than TIMEOUT_DELAY, so it gives up first
RESTART_WINDOW = 0.25  # backoff after a refused connect: time to bring the server back


# -- the unsafe operations ----------------------------------------------------------------------


def _emails(emu: Emulator, session_id: str) -> int:
    return len(emu.mailbox(USER))


def _config_changes(emu: Emulator, session_id: str) -> int:
    return emu.sessions[session_id].config_version - 1


@dataclass(frozen=True)
class Op:
    """One non-idempotent operation: how to call it and where its runs leave a trace.

    ``call(session, **kwargs)`` works for both an ``AsyncSession`` (returns a coroutine)
    and a sync ``Session`` (returns the result): the facade mirrors every method.
    ``runs`` counts how many times the server ran it, where the emulator keeps a record.
    """

    name: str
    method: str
    path: str
    call: Callable[..., Any]
    runs: Callable[[Emulator, str], int] | None

    def __str__(self) -> str:
        return self.name


OPS = [
    Op("execute", "POST", EXECUTE,
       lambda s, **kw: s.execute("GMAIL_SEND_EMAIL", EMAIL, **kw), _emails),
    Op("execute_meta", "POST", BASE + "/*/execute_meta",
       lambda s, **kw: s.execute_meta(
           "COMPOSIO_MULTI_EXECUTE_TOOL",
           {"tools": [{"tool_slug": "GMAIL_SEND_EMAIL", "arguments": EMAIL}],
            "sync_response_to_workbench": False},
           **kw),
       _emails),
    Op("proxy_execute", "POST", BASE + "/*/proxy_execute",
       lambda s, **kw: s.proxy_execute(
           "gmail", "/gmail/v1/users/me/messages/send", "POST", body={"raw": "SGVsbG8="}, **kw),
       None),
    Op("link", "POST", BASE + "/*/link",
       lambda s, **kw: s.create_auth_link("github", "https://app.example.com/done", **kw), None),
    Op("update", "PATCH", BASE + "/*",
       lambda s, **kw: s.update(search=False, **kw), _config_changes),
]
EXECUTE_OP = OPS[0]


# -- the faults ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    """A fault that leaves the caller not knowing whether the request ran."""

    name: str
    spec: dict[str, Any]  # keyword arguments of emu.faults.add
    ran: bool  # whether the server runs the handler under this fault
    call_kwargs: dict[str, Any]

    def __str__(self) -> str:
        return self.name

    def check(self, exc: BaseException) -> None:
        """The caller got the typed error this fault must produce."""
        if self.name == "timeout":
            assert isinstance(exc, APITimeoutError), repr(exc)
        elif self.name == "500":
            assert type(exc) is InternalServerError, repr(exc)
            assert exc.status_code == 500
        elif self.name == "502_html":
            assert type(exc) is InternalServerError, repr(exc)
            assert exc.status_code == 502
            assert isinstance(exc.body, str) and "Bad Gateway" in exc.body
            assert "Bad Gateway" in str(exc)
        else:  # drop, drop_after: the connection closed after the request went out
            assert type(exc) is APIConnectionError, repr(exc)
            assert exc.request_sent is True
            assert "may have run" in str(exc)


FAULTS = [
    Fault("timeout", {"delay": TIMEOUT_DELAY}, True, {"timeout": CALL_TIMEOUT}),
    Fault("500", {"status": 500, "times": 3}, False, {}),
    Fault("502_html", {"status": 502, "body": HTML_502, "times": 3}, False, {}),
    Fault("drop", {"action": "drop", "times": 3}, False, {}),
    Fault("drop_after", {"action": "drop_after", "times": 3}, True, {}),
]


# -- helpers ------------------------------------------------------------------------------------


async def settled(emu: Emulator, op: Op, count: int = 1) -> list[JournalEntry]:
    """The journal entries of ``op`` once ``count`` have been recorded (bounded wait).

    Polled: the emulator offers no event for a finished request.

    An entry is written when the emulator finishes a request, so a delayed handler that
    outlived its caller shows up (with its side effects done) a little later.
    """
    deadline = time.monotonic() + SETTLE_LIMIT
    while len(entries := emu.journal.find(op.method, op.path)) < count and time.monotonic() < deadline:
        await anyio.sleep(0.01)
    return entries


def settled_sync(emu: Emulator, op: Op, count: int = 1) -> list[JournalEntry]:
    deadline = time.monotonic() + SETTLE_LIMIT
    while len(entries := emu.journal.find(op.method, op.path)) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return entries


def check_single_attempt(emu: Emulator, op: Op, fault: Fault, session_id: str,
                         entries: list[JournalEntry]) -> None:
    assert len(entries) == 1, [(e.method, e.path, e.status) for e in entries]
    [entry] = entries
    if fault.ran:
        assert 200 <= entry.status < 300
    elif "status" in fault.spec:
        assert entry.status == fault.spec["status"]
    if op.runs is not None:
        assert op.runs(emu, session_id) == (1 if fault.ran else 0)


def check_ran_once_after_retry(emu: Emulator, op: Op, session_id: str,
                               entries: list[JournalEntry], first_status: int) -> None:
    assert len(entries) == 2
    assert entries[0].status == first_status and 200 <= entries[1].status < 300
    # One logical call: the same request id on both attempts.
    assert entries[0].headers["x-request-id"] == entries[1].headers["x-request-id"]
    if op.runs is not None:
        assert op.runs(emu, session_id) == 1


@pytest.fixture
def fixed_backoff(monkeypatch: pytest.MonkeyPatch) -> float:
    """Every backoff lasts RESTART_WINDOW: time enough to bring a stopped server back."""
    monkeypatch.setattr(_transport, "backoff_delay", lambda retries_taken, **kwargs: RESTART_WINDOW)
    return RESTART_WINDOW


# -- async: each fault on each operation ----------------------------------------------------------


@pytest.mark.parametrize("fault", FAULTS, ids=str)
@pytest.mark.parametrize("op", OPS, ids=str)
async def test_fault_after_send_is_not_retried(
    ready_session: AsyncSession, emulator: Emulator, op: Op, fault: Fault
) -> None:
    emulator.faults.add(op.path, method=op.method, **fault.spec)
    started = time.monotonic()
    with pytest.raises(APIConnectionError if fault.name in ("timeout", "drop", "drop_after")
                       else InternalServerError) as info:
        await op.call(ready_session, **fault.call_kwargs)
    if fault.name == "timeout":
        assert time.monotonic() - started < TIMEOUT_DELAY  # released at the deadline, not the answer
    fault.check(info.value)
    entries = await settled(emulator, op)
    check_single_attempt(emulator, op, fault, ready_session.session_id, entries)


@pytest.mark.parametrize("op", OPS, ids=str)
async def test_429_is_retried_and_runs_once(ready_session: AsyncSession, emulator: Emulator, op: Op) -> None:
    emulator.faults.add(op.path, method=op.method, status=429, headers={"retry-after-ms": "20"})
    await op.call(ready_session)
    entries = emulator.journal.find(op.method, op.path)
    check_ran_once_after_retry(emulator, op, ready_session.session_id, entries, 429)


async def test_429_burst_longer_than_retries_is_a_rate_limit_error(
    ready_session: AsyncSession, emulator: Emulator
) -> None:
    emulator.faults.add(EXECUTE, method="POST", status=429, times=5, headers={"retry-after-ms": "10"})
    with pytest.raises(RateLimitError):
        await EXECUTE_OP.call(ready_session)
    assert [e.status for e in emulator.journal.find("POST", EXECUTE)] == [429, 429, 429]
    assert emulator.mailbox(USER) == []


async def test_execute_timeout_sends_the_email_exactly_once(
    ready_session: AsyncSession, emulator: Emulator
) -> None:
    """The caller gave up; the server still ran it, once, and nothing ran it again."""
    emulator.faults.add(EXECUTE, method="POST", delay=TIMEOUT_DELAY)
    with pytest.raises(APITimeoutError):
        await ready_session.execute("GMAIL_SEND_EMAIL", EMAIL, timeout=CALL_TIMEOUT)
    assert emulator.mailbox(USER) == []  # still sleeping in front of the handler
    # The journal entry is written when the handler has finished: wait for it (bounded).
    [entry] = await settled(emulator, EXECUTE_OP)
    assert entry.status == 200
    [email] = emulator.mailbox(USER)
    assert email["subject"] == EMAIL["subject"] and email["to"] == EMAIL["recipient_email"]
    # The session is still usable, and the next send is a new, single email.
    assert (await ready_session.execute("GMAIL_SEND_EMAIL", EMAIL)).successful
    assert len(emulator.mailbox(USER)) == 2


async def test_execute_drop_after_sends_exactly_one_email(ready_session: AsyncSession, emulator: Emulator) -> None:
    emulator.faults.add(EXECUTE, method="POST", action="drop_after", times=3)
    with pytest.raises(APIConnectionError) as info:
        await ready_session.execute("GMAIL_SEND_EMAIL", EMAIL)
    assert info.value.request_sent is True
    assert len(emulator.mailbox(USER)) == 1
    assert len(emulator.journal.find("POST", EXECUTE)) == 1


async def test_should_retry_true_does_not_make_an_unsafe_call_retry(
    ready_session: AsyncSession, emulator: Emulator
) -> None:
    """The server's hint cannot turn a call that may have run into a repeated one."""
    emulator.faults.add(EXECUTE, method="POST", status=503, times=3, headers={"x-should-retry": "true"})
    with pytest.raises(InternalServerError):
        await EXECUTE_OP.call(ready_session)
    assert len(emulator.journal.find("POST", EXECUTE)) == 1


async def test_unkeyed_multi_execute_item_is_not_retried(ready_session: AsyncSession, emulator: Emulator) -> None:
    emulator.faults.add(EXECUTE, method="POST", action="drop_after", times=1)
    batch = await ready_session.multi_execute(
        [("GMAIL_SEND_EMAIL", {**EMAIL, "subject": "a"}), ("GMAIL_SEND_EMAIL", {**EMAIL, "subject": "b"})]
    )
    failed = [item for item in batch.results if item.exception is not None]
    assert len(failed) == 1
    assert type(failed[0].exception) is APIConnectionError
    assert failed[0].exception.request_sent is True
    assert sum(item.successful for item in batch.results) == 1
    assert len(emulator.journal.find("POST", EXECUTE)) == 2  # one request per item, none repeated
    assert sorted(e["subject"] for e in emulator.mailbox(USER)) == ["a", "b"]  # both ran, once each


# -- async: a refused connection never ran, so it is retried ------------------------------------


@contextlib.asynccontextmanager
async def session_on_a_stopped_server() -> AsyncIterator[tuple[Emulator, AsyncSession]]:
    """A session created on an emulator that is then stopped: its next connect is refused.

    The same Emulator object can start again on the same port, with its state intact.
    """
    port = free_port()
    emu = Emulator(api_key=API_KEY, port=port)
    await emu.start()
    # No keep-alive: after the server stops, the next call opens a new connection (refused).
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True))
    try:
        async with AsyncComposio(api_key=API_KEY, base_url=f"http://127.0.0.1:{port}", http_session=http,
                                 max_retries=2, timeout=10) as client:
            session = await client.create(user_id=USER)
            emu.connect_account(USER, "gmail")
            await emu.stop()  # nothing listens on the port: the next connect is refused
            emu.journal.clear()
            yield emu, session
    finally:
        await http.close()
        await emu.stop()


@pytest.mark.parametrize("op", OPS, ids=str)
async def test_refused_connection_is_retried_and_runs_once(
    op: Op, connect_failures: ConnectFailureWatch, fixed_backoff: float
) -> None:
    async with session_on_a_stopped_server() as (emu, session):
        outcome: list[Any] = []

        async def call() -> None:
            outcome.append(await op.call(session))

        async with anyio.create_task_group() as tg:
            tg.start_soon(call)
            # Between the refused first attempt and its retry: bring the same server
            # (same state, same port) back.
            assert await anyio.to_thread.run_sync(connect_failures.event.wait, 5.0)
            await emu.start()
        assert len(outcome) == 1
        assert connect_failures.count == 1
        entries = emu.journal.find(op.method, op.path)
        assert len(entries) == 1 and 200 <= entries[0].status < 300
        if op.runs is not None:
            assert op.runs(emu, session.session_id) == 1


async def test_refused_connection_exhausting_retries_was_never_sent(
    connect_failures: ConnectFailureWatch, fast_backoff: list[float]
) -> None:
    async with session_on_a_stopped_server() as (emu, session):
        with pytest.raises(APIConnectionError) as info:
            await EXECUTE_OP.call(session)
        assert type(info.value) is APIConnectionError
        assert info.value.request_sent is False
        assert connect_failures.count == 2  # two retries logged, the third failure raised
        assert emu.mailbox(USER) == []


# -- async: an idempotency key opts in to retries --------------------------------------------------


@pytest.fixture
async def keyed_client(keyed_emulator: Emulator, fast_backoff: list[float]) -> AsyncIterator[AsyncComposio]:
    async with AsyncComposio(api_key=API_KEY, base_url=keyed_emulator.url, max_retries=2, timeout=10) as c:
        yield c


@pytest.fixture
async def keyed_session(keyed_client: AsyncComposio, keyed_emulator: Emulator) -> AsyncSession:
    session = await keyed_client.create(user_id=USER)
    keyed_emulator.connect_account(USER, "gmail")
    keyed_emulator.journal.clear()
    return session


def check_replayed(emu: Emulator, op: Op, session_id: str, key: str, header: str = "idempotency-key") -> None:
    entries = emu.journal.find(op.method, op.path)
    assert len(entries) == 2
    assert [e.replayed for e in entries] == [False, True]  # the retry ran nothing
    assert [e.headers.get(header) for e in entries] == [key, key]  # the same key on every attempt
    assert entries[0].headers["x-request-id"] == entries[1].headers["x-request-id"]
    if op.runs is not None:
        assert op.runs(emu, session_id) == 1


@pytest.mark.parametrize("op", OPS, ids=str)
async def test_keyed_call_is_retried_after_drop_and_replayed(
    keyed_session: AsyncSession, keyed_emulator: Emulator, op: Op
) -> None:
    keyed_emulator.faults.add(op.path, method=op.method, action="drop_after")
    await op.call(keyed_session, idempotency_key=f"{op.name}-7f3a")
    check_replayed(keyed_emulator, op, keyed_session.session_id, f"{op.name}-7f3a")


@pytest.mark.parametrize("action", ["drop_after", "truncate"])
async def test_keyed_execute_answer_lost_after_running_is_replayed(
    keyed_session: AsyncSession, keyed_emulator: Emulator, action: str
) -> None:
    keyed_emulator.faults.add(EXECUTE, method="POST", action=action)
    result = await keyed_session.execute("GMAIL_SEND_EMAIL", EMAIL, idempotency_key="send-0001")
    assert result.successful
    assert result.data["id"] == keyed_emulator.mailbox(USER)[0]["id"]  # the first run's answer
    check_replayed(keyed_emulator, EXECUTE_OP, keyed_session.session_id, "send-0001")


async def test_keyed_execute_is_retried_after_a_500(keyed_session: AsyncSession, keyed_emulator: Emulator) -> None:
    keyed_emulator.faults.add(EXECUTE, method="POST", status=500, times=2)
    assert (await keyed_session.execute("GMAIL_SEND_EMAIL", EMAIL, idempotency_key="send-0002")).successful
    entries = keyed_emulator.journal.find("POST", EXECUTE)
    assert [e.status for e in entries] == [500, 500, 200]
    assert not any(e.replayed for e in entries)  # 5xx answers are not kept: the third ran it
    assert {e.headers["idempotency-key"] for e in entries} == {"send-0002"}
    assert len(keyed_emulator.mailbox(USER)) == 1


async def test_keyed_execute_never_retries_a_409(keyed_session: AsyncSession, keyed_emulator: Emulator) -> None:
    keyed_emulator.faults.add(EXECUTE, method="POST", status=409, times=3)
    with pytest.raises(ConflictError) as info:
        await keyed_session.execute("GMAIL_SEND_EMAIL", EMAIL, idempotency_key="send-0003")
    assert info.value.status_code == 409
    assert len(keyed_emulator.journal.find("POST", EXECUTE)) == 1


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


async def test_without_a_key_the_same_fault_is_not_retried(
    keyed_session: AsyncSession, keyed_emulator: Emulator
) -> None:
    keyed_emulator.faults.add(EXECUTE, method="POST", action="drop_after", times=3)
    with pytest.raises(APIConnectionError) as info:
        await keyed_session.execute("GMAIL_SEND_EMAIL", EMAIL)
    assert info.value.request_sent is True
    [entry] = keyed_emulator.journal.find("POST", EXECUTE)
    assert "idempotency-key" not in entry.headers
    assert len(keyed_emulator.mailbox(USER)) == 1


async def test_custom_idempotency_header(fast_backoff: list[float]) -> None:
    async with (
        Emulator(api_key=API_KEY, idempotency_header="X-Dedup") as emu,
        AsyncComposio(api_key=API_KEY, base_url=emu.url, idempotency_header="X-Dedup", timeout=10) as client,
    ):
        session = await client.create(user_id=USER)
        emu.connect_account(USER, "gmail")
        emu.journal.clear()
        emu.faults.add(EXECUTE, method="POST", action="drop_after")
        assert (await session.execute("GMAIL_SEND_EMAIL", EMAIL, idempotency_key="dedup-1")).successful
        check_replayed(emu, EXECUTE_OP, session.session_id, "dedup-1", header="x-dedup")
        assert all(IDEMPOTENCY_HEADER.lower() not in e.headers for e in emu.journal.find("POST", EXECUTE))


async def test_keyed_multi_execute_derives_one_key_per_item(
    keyed_session: AsyncSession, keyed_emulator: Emulator
) -> None:
    keyed_emulator.faults.add(EXECUTE, method="POST", action="drop_after", times=1)
    calls = [("GMAIL_SEND_EMAIL", {**EMAIL, "subject": f"item {i}"}) for i in range(3)]
    batch = await keyed_session.multi_execute(calls, idempotency_key="batch-7")
    assert [item.successful for item in batch.results] == [True, True, True]
    assert all(item.exception is None for item in batch.results)
    entries = keyed_emulator.journal.find("POST", EXECUTE)
    per_key = collections.Counter(e.headers["idempotency-key"] for e in entries)
    assert set(per_key) == {"batch-7:0", "batch-7:1", "batch-7:2"}
    assert sorted(per_key.values()) == [1, 1, 2]  # the dropped item was sent again, with its own key
    [replay] = [e for e in entries if e.replayed]
    assert per_key[replay.headers["idempotency-key"]] == 2
    # Each item's subject matches its key's index: item i carries key batch-7:i.
    for e in entries:
        index = e.headers["idempotency-key"].rsplit(":", 1)[1]
        assert e.body["arguments"]["subject"] == f"item {index}"
    assert sorted(m["subject"] for m in keyed_emulator.mailbox(USER)) == ["item 0", "item 1", "item 2"]


# -- sync: the same guarantees through the blocking facade ----------------------------------------


@pytest.mark.parametrize("fault", FAULTS, ids=str)
def test_sync_fault_after_send_is_not_retried(
    sync_ready_session: Session, emulator_thread: Emulator, fault: Fault
) -> None:
    sid = sync_ready_session.session_id
    for op in OPS:
        emulator_thread.faults.clear()
        emulator_thread.journal.clear()
        runs_before = op.runs(emulator_thread, sid) if op.runs is not None else 0
        emulator_thread.faults.add(op.path, method=op.method, **fault.spec)
        with pytest.raises(APIConnectionError if fault.name in ("timeout", "drop", "drop_after")
                           else InternalServerError) as info:
            op.call(sync_ready_session, **fault.call_kwargs)
        fault.check(info.value)
        entries = settled_sync(emulator_thread, op)
        assert len(entries) == 1, (op.name, [(e.method, e.path, e.status) for e in entries])
        if op.runs is not None:
            assert op.runs(emulator_thread, sid) - runs_before == (1 if fault.ran else 0), op.name


def test_sync_429_is_retried_and_runs_once(sync_ready_session: Session, emulator_thread: Emulator) -> None:
    sid = sync_ready_session.session_id
    for op in OPS:
        emulator_thread.journal.clear()
        runs_before = op.runs(emulator_thread, sid) if op.runs is not None else 0
        emulator_thread.faults.add(op.path, method=op.method, status=429, headers={"retry-after-ms": "20"})
        op.call(sync_ready_session)
        statuses = [e.status for e in emulator_thread.journal.find(op.method, op.path)]
        assert len(statuses) == 2 and statuses[0] == 429 and 200 <= statuses[1] < 300, (op.name, statuses)
        if op.runs is not None:
            assert op.runs(emulator_thread, sid) - runs_before == 1, op.name


@pytest.fixture
def keyed_emulator_thread() -> Iterator[Emulator]:
    """The sync tests' ``keyed_emulator``: deduplicating by Idempotency-Key, in a thread."""
    with Emulator.running_in_thread(api_key=API_KEY, idempotency_header=IDEMPOTENCY_HEADER) as emu:
        yield emu


@pytest.fixture
def sync_keyed_session(keyed_emulator_thread: Emulator, fast_backoff: list[float]) -> Iterator[Session]:
    with Composio(api_key=API_KEY, base_url=keyed_emulator_thread.url, max_retries=2, timeout=10) as client:
        session = client.create(user_id=USER)
        keyed_emulator_thread.connect_account(USER, "gmail")
        keyed_emulator_thread.journal.clear()
        yield session


@pytest.mark.parametrize("action", ["drop_after", "truncate"])
def test_sync_keyed_execute_is_retried_and_replayed(
    sync_keyed_session: Session, keyed_emulator_thread: Emulator, action: str
) -> None:
    keyed_emulator_thread.faults.add(EXECUTE, method="POST", action=action)
    assert sync_keyed_session.execute("GMAIL_SEND_EMAIL", EMAIL, idempotency_key="sync-send-1").successful
    check_replayed(keyed_emulator_thread, EXECUTE_OP, sync_keyed_session.session_id, "sync-send-1")


def test_sync_keyed_multi_execute(sync_keyed_session: Session, keyed_emulator_thread: Emulator) -> None:
    keyed_emulator_thread.faults.add(EXECUTE, method="POST", action="drop_after", times=1)
    batch = sync_keyed_session.multi_execute(
        [("GMAIL_SEND_EMAIL", {**EMAIL, "subject": f"item {i}"}) for i in range(2)], idempotency_key="sb"
    )
    assert all(item.successful for item in batch.results)
    keys = collections.Counter(e.headers["idempotency-key"] for e in keyed_emulator_thread.journal.find("POST", EXECUTE))
    assert set(keys) == {"sb:0", "sb:1"} and sorted(keys.values()) == [1, 2]
    assert len(keyed_emulator_thread.mailbox(USER)) == 2


def test_sync_without_a_key_is_not_retried(sync_keyed_session: Session, keyed_emulator_thread: Emulator) -> None:
    keyed_emulator_thread.faults.add(EXECUTE, method="POST", action="drop_after", times=3)
    with pytest.raises(APIConnectionError):
        sync_keyed_session.execute("GMAIL_SEND_EMAIL", EMAIL)
    assert len(keyed_emulator_thread.journal.find("POST", EXECUTE)) == 1
    assert len(keyed_emulator_thread.mailbox(USER)) == 1


class _ServerThread:
    """An event loop in a thread that starts and stops one Emulator instance, keeping its state."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="reliability-emulator", daemon=True)
        self.thread.start()

    def run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=10)

    def close(self) -> None:
        try:
            self.run(self.emu.stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)
            self.loop.close()


def test_sync_refused_connection_is_retried_and_sends_once(
    connect_failures: ConnectFailureWatch, fixed_backoff: float
) -> None:
    port = free_port()
    emu = Emulator(api_key=API_KEY, port=port)
    server = _ServerThread(emu)
    restarted = threading.Event()

    def restart_on_refusal() -> None:
        if connect_failures.event.wait(5.0):
            server.run(emu.start())
            restarted.set()

    try:
        server.run(emu.start())
        with Composio(api_key=API_KEY, base_url=f"http://127.0.0.1:{port}", max_retries=2, timeout=10) as client:
            session = client.create(user_id=USER)
            emu.connect_account(USER, "gmail")
            # The stop closes the pooled keep-alive connection; the facade's loop sees the
            # close before it runs the next call, which must open a new connection (refused).
            server.run(emu.stop())
            emu.journal.clear()
            helper = threading.Thread(target=restart_on_refusal, name="reliability-restart")
            helper.start()
            try:
                result = session.execute("GMAIL_SEND_EMAIL", EMAIL)
            finally:
                connect_failures.event.set()  # release the helper if the call never got refused
                helper.join(timeout=10)
            assert restarted.is_set()
            assert result.successful
            assert connect_failures.count == 1
            assert len(emu.journal.find("POST", EXECUTE)) == 1
            assert len(emu.mailbox(USER)) == 1
    finally:
        server.close()

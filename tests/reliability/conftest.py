"""Fixtures for the reliability suite (README, "Reliability").

Everything runs against the emulator on 127.0.0.1. Tests that wait through retries use
``fast_backoff``: the real policy (exponential, jittered, capped), scaled down 50 times
so a suite of hundreds of retries stays short; the policy's own numbers are checked
unscaled in ``test_retries.py``.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import AsyncIterator, Iterator

import pytest

from composio_router import AsyncComposio, AsyncSession, Composio, Session, _retry, _transport
from composio_router.testing import Emulator

API_KEY = "rel-key-5d4c3b2a1f0e9d8c"
TIME_SCALE = 50.0  # fast_backoff divides every computed backoff delay by this
IDEMPOTENCY_HEADER = "Idempotency-Key"


@pytest.fixture
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Scale the transport's backoff down; returns the list of delays it computed (scaled)."""
    delays: list[float] = []
    real = _retry.backoff_delay

    def scaled(retries_taken: int, **kwargs: object) -> float:
        delay = real(retries_taken) / TIME_SCALE
        delays.append(delay)
        return delay

    monkeypatch.setattr(_transport, "backoff_delay", scaled)
    return delays


@pytest.fixture
def api_key() -> str:
    """The key of the `emulator` and `client` fixtures; a module may override it."""
    return API_KEY


@pytest.fixture
async def emulator(api_key: str) -> AsyncIterator[Emulator]:
    async with Emulator(api_key=api_key) as emu:
        yield emu


@pytest.fixture
async def keyed_emulator() -> AsyncIterator[Emulator]:
    """An emulator that deduplicates by Idempotency-Key, as a key-honouring gateway would."""
    async with Emulator(api_key=API_KEY, idempotency_header=IDEMPOTENCY_HEADER) as emu:
        yield emu


@pytest.fixture
async def client(emulator: Emulator, fast_backoff: list[float], api_key: str) -> AsyncIterator[AsyncComposio]:
    async with AsyncComposio(api_key=api_key, base_url=emulator.url, max_retries=2, timeout=10) as composio:
        yield composio


@pytest.fixture
async def session(client: AsyncComposio, emulator: Emulator) -> AsyncSession:
    session = await client.create(user_id="user-1")
    emulator.connect_account("user-1", "gmail")
    emulator.journal.clear()
    return session


@pytest.fixture
def sync_emulator() -> Iterator[Emulator]:
    with Emulator.running_in_thread(api_key=API_KEY) as emu:
        yield emu


@pytest.fixture
def sync_client(sync_emulator: Emulator, fast_backoff: list[float]) -> Iterator[Composio]:
    with Composio(api_key=API_KEY, base_url=sync_emulator.url, max_retries=2, timeout=10) as composio:
        yield composio


@pytest.fixture
def sync_session(sync_client: Composio, sync_emulator: Emulator) -> Session:
    session = sync_client.create(user_id="user-1")
    sync_emulator.connect_account("user-1", "gmail")
    sync_emulator.journal.clear()
    return session


def free_port() -> int:
    """A loopback port nothing listens on (bound, read, released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ConnectFailureWatch(logging.Handler):
    """Sets ``event`` when the transport logs that a connection could not be opened.

    Lets a test start a server exactly between a refused first attempt and its retry,
    with no sleeps: the retry waits at least the (scaled) backoff.
    """

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.event = threading.Event()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "could not connect" in record.getMessage():
            self.count += 1
            self.event.set()


@pytest.fixture
def connect_failures() -> Iterator[ConnectFailureWatch]:
    logger = logging.getLogger("composio_router.transport")
    watch = ConnectFailureWatch()
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(watch)
    try:
        yield watch
    finally:
        logger.removeHandler(watch)
        logger.setLevel(old_level)

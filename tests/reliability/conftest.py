"""Fixtures for the reliability suite (README, "Reliability").

Everything runs against the emulator on 127.0.0.1, through the shared fixtures of
``tests/conftest.py`` and these. Tests that wait through retries use ``fast_backoff``:
the real policy (exponential, jittered, capped), scaled down 50 times so a suite of
hundreds of retries stays short; the policy's own numbers are checked unscaled in
``test_retries.py``. ``fast_client`` and ``sync_fast_client`` are the shared clients
with that backoff and a 10 s timeout; ``ready_session`` and ``sync_ready_session`` are
user-1's sessions on them with gmail connected and the journal cleared.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import AsyncIterator, Iterator

import pytest

from composio_router import AsyncComposio, AsyncSession, Composio, Session, _retry, _transport
from composio_router.testing import Emulator

TIME_SCALE = 50.0  # fast_backoff divides every computed backoff delay by this


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
async def fast_client(emulator: Emulator, fast_backoff: list[float], api_key: str) -> AsyncIterator[AsyncComposio]:
    async with AsyncComposio(api_key=api_key, base_url=emulator.url, max_retries=2, timeout=10) as composio:
        yield composio


@pytest.fixture
async def ready_session(fast_client: AsyncComposio, emulator: Emulator) -> AsyncSession:
    session = await fast_client.create(user_id="user-1")
    emulator.connect_account("user-1", "gmail")
    emulator.journal.clear()
    return session


@pytest.fixture
def sync_fast_client(emulator_thread: Emulator, fast_backoff: list[float], api_key: str) -> Iterator[Composio]:
    with Composio(api_key=api_key, base_url=emulator_thread.url, max_retries=2, timeout=10) as composio:
        yield composio


@pytest.fixture
def sync_ready_session(sync_fast_client: Composio, emulator_thread: Emulator) -> Session:
    session = sync_fast_client.create(user_id="user-1")
    emulator_thread.connect_account("user-1", "gmail")
    emulator_thread.journal.clear()
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

"""Fixtures for the sync facade: an emulator in a thread and a blocking client on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from composio_router import Composio, Session
from composio_router.testing import Emulator

API_KEY = "test-key-sync-0a1b2c3d"


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator.running_in_thread(api_key=API_KEY) as emulator:
        yield emulator


@pytest.fixture
def composio(emu: Emulator) -> Iterator[Composio]:
    with Composio(api_key=API_KEY, base_url=emu.url, max_retries=2) as client:
        yield client


@pytest.fixture
def session(composio: Composio) -> Session:
    return composio.create(user_id="user-1")

"""Shared fixtures. Every test talks to the emulator over real loopback sockets."""

from __future__ import annotations

import gc
import threading
from collections.abc import AsyncIterator, Iterator

import pytest

from composio_router import AsyncComposio, AsyncSession
from composio_router.testing import Emulator

API_KEY = "test-key-9f8e7d6c5b4a"


@pytest.fixture
def anyio_backend() -> str:
    # The SDK runs on anyio; aiohttp needs asyncio underneath, so asyncio is the backend.
    return "asyncio"


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with Emulator(api_key=API_KEY) as emu:
        yield emu


@pytest.fixture
async def client(emulator: Emulator) -> AsyncIterator[AsyncComposio]:
    async with AsyncComposio(api_key=API_KEY, base_url=emulator.url, max_retries=2) as composio:
        yield composio


@pytest.fixture
async def session(client: AsyncComposio) -> AsyncSession:
    return await client.create(user_id="user-1")


@pytest.fixture(autouse=True)
def _no_leaked_threads() -> Iterator[None]:
    """Every test must stop the threads it started (worker threads of anyio excepted: pooled)."""
    before = {t.ident for t in threading.enumerate()}
    yield
    gc.collect()
    leaked = [
        t for t in threading.enumerate()
        if t.ident not in before and t.is_alive() and not t.name.startswith(("AnyIO worker thread", "asyncio_"))
    ]
    assert not leaked, f"threads left running: {[t.name for t in leaked]}"

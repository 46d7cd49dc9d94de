"""Shared fixtures. Every test talks to the emulator over real loopback sockets."""

from __future__ import annotations

import gc
import os
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


# Pooled worker threads outlive a test by design: anyio's (idle for 10 s), asyncio's default
# executor, and the SDK's process-wide pool for `def` custom tools.
_POOLED_THREADS = ("AnyIO worker thread", "asyncio_", "composio-router-tool")


def _new_threads(before: set[int | None]) -> list[threading.Thread]:
    return [
        t for t in threading.enumerate()
        if t.ident not in before and t.is_alive() and not t.name.startswith(_POOLED_THREADS)
    ]


def _open_fds() -> set[str]:
    try:
        return set(os.listdir("/proc/self/fd"))
    except OSError:  # no /proc (macOS): the thread check and pytest's own collection remain
        return set()


def _describe(fds: set[str]) -> list[str]:
    out = []
    for fd in sorted(fds, key=int):
        try:
            out.append(f"{fd} -> {os.readlink(f'/proc/self/fd/{fd}')}")
        except OSError:
            pass  # closed in the meantime
    return out


@pytest.fixture(autouse=True)
def _no_leaks() -> Iterator[None]:
    """Every test must stop the threads it started and close the sockets and files it opened.

    A full garbage collection after every test would find unclosed clients in reference
    cycles at once, but costs ~0.2 s per test once the provider SDKs are loaded (about
    two minutes of the suite). So the cheap signs are checked first: a new thread, or
    more open file descriptors (every socket is one). Only then is the collection run,
    which lets the finalizers of unreachable clients warn (an error in this suite,
    attributed to this test) and close what they hold; whatever is still open after it
    is a real leak. pytest collects once more at the end of the session, which catches a
    leaked object that holds neither a thread nor a descriptor.
    """
    threads_before = {t.ident for t in threading.enumerate()}
    fds_before = _open_fds()
    yield
    leaked = _new_threads(threads_before)
    opened = _open_fds() - fds_before
    if leaked or opened:
        gc.collect()
        leaked = _new_threads(threads_before)
        opened = _open_fds() - fds_before
    assert not leaked, f"threads left running: {[t.name for t in leaked]}"
    assert not opened, f"file descriptors left open: {_describe(opened)}"

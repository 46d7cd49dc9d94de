"""Shared fixtures: one vocabulary for the whole suite.

Every test talks to the emulator over real loopback sockets. A fixture name means the
same thing in every folder; a folder or a module may add names, never redefine one.

Shared (this file):

=====================  =======================================================================
``api_key``            the key the emulators expect and the clients send (``API_KEY``); a
                       module may override it, e.g. to check that its own secret never leaks
``emulator``           a running Emulator on the test's event loop (async tests)
``emulator_thread``    a running Emulator on its own loop in a thread (sync tests)
``keyed_emulator``     an ``emulator`` that deduplicates requests by ``Idempotency-Key``
``client``             AsyncComposio on ``emulator``: max_retries=2, the real backoff
``sync_client``        Composio (the blocking facade) on ``emulator_thread``, configured alike
``session``            AsyncSession of user-1 on ``client``
``sync_session``       Session of user-1 on ``sync_client``
``http``               a raw aiohttp session on ``emulator`` that sends the key (wire tests)
=====================  =======================================================================

Per folder (its conftest):

* ``tests/providers``: ``agent``, an AsyncSession on ``client`` with the demo app tools
  preloaded and two custom tools.
* ``tests/reliability``: ``fast_backoff`` (the real backoff scaled down; the delays it
  computed), ``fast_client`` / ``sync_fast_client`` (a ``client`` / ``sync_client`` with
  ``fast_backoff`` and a 10 s timeout), ``ready_session`` / ``sync_ready_session`` (user-1
  on those, gmail connected, the journal cleared), ``connect_failures`` (counts refused
  connects in the transport's log).

Prefixes: ``sync_`` names the blocking facade's counterpart of an async fixture,
``_thread`` an emulator running in a thread (as the shipped plugin's
``composio_emulator_thread``), ``keyed_`` something on a deduplicating emulator.
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest

from benchmarks import netguard
from composio_router import AsyncComposio, AsyncSession, Composio, Session
from composio_router.testing import Emulator

API_KEY = "test-key-9f8e7d6c5b4a"


# The usage telemetry of the third-party clients the suite drives (the Agents SDK, LangChain,
# MCP clients), off in this process and in every child a test starts: the guard below
# would refuse it anyway, but a library that never tries is quieter and faster.
TELEMETRY_OFF = {
    "OPENAI_AGENTS_DISABLE_TRACING": "1",  # openai-agents exports traces to OpenAI
    "OPENAI_AGENTS_TRACE_INCLUDE_SENSITIVE_DATA": "0",
    "LANGCHAIN_TRACING_V2": "false",  # LangSmith
    "LANGSMITH_TRACING": "false",
    "LANGCHAIN_CALLBACKS_BACKGROUND": "false",
    "DO_NOT_TRACK": "1",
    "ANONYMIZED_TELEMETRY": "false",
}
os.environ.update(TELEMETRY_OFF)  # at import: the root conftest loads before any library they read it in


def pytest_configure(config: pytest.Config) -> None:
    # Nothing the suite runs may leave this machine: every test talks to loopback servers,
    # and the guard refuses in-process, before sending, a connection or DNS look-up to
    # anything else, should a test or a third-party library try one.
    netguard.install()
IDEMPOTENCY_HEADER = "Idempotency-Key"


@pytest.fixture
def anyio_backend() -> str:
    # The SDK runs on anyio; aiohttp needs asyncio underneath, so asyncio is the backend.
    return "asyncio"


@pytest.fixture
def api_key() -> str:
    """The key of every emulator and client fixture; a module may override it."""
    return API_KEY


@pytest.fixture
async def emulator(api_key: str) -> AsyncIterator[Emulator]:
    async with Emulator(api_key=api_key) as emu:
        yield emu


@pytest.fixture
def emulator_thread(api_key: str) -> Iterator[Emulator]:
    with Emulator.running_in_thread(api_key=api_key) as emu:
        yield emu


@pytest.fixture
async def keyed_emulator(api_key: str) -> AsyncIterator[Emulator]:
    """An emulator that deduplicates by Idempotency-Key, as a key-honouring gateway would."""
    async with Emulator(api_key=api_key, idempotency_header=IDEMPOTENCY_HEADER) as emu:
        yield emu


@pytest.fixture
async def client(emulator: Emulator, api_key: str) -> AsyncIterator[AsyncComposio]:
    async with AsyncComposio(api_key=api_key, base_url=emulator.url, max_retries=2) as composio:
        yield composio


@pytest.fixture
def sync_client(emulator_thread: Emulator, api_key: str) -> Iterator[Composio]:
    with Composio(api_key=api_key, base_url=emulator_thread.url, max_retries=2) as composio:
        yield composio


@pytest.fixture
async def session(client: AsyncComposio) -> AsyncSession:
    return await client.create(user_id="user-1")


@pytest.fixture
def sync_session(sync_client: Composio) -> Session:
    return sync_client.create(user_id="user-1")


@pytest.fixture
async def http(emulator: Emulator, api_key: str) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(emulator.url, headers={"x-api-key": api_key}) as raw:
        yield raw


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

"""pytest fixtures for testing your own agent against the emulator, offline.

Enable them in your ``conftest.py``::

    pytest_plugins = ["composio_router_emulator.pytest_plugin"]

(``composio_router.testing.pytest_plugin`` is the same fixtures under the SDK's name.)

then ask for ``composio_emulator`` in an async test (anyio or pytest-asyncio) or
``composio_emulator_thread`` in a sync one. Each test gets a fresh emulator on
127.0.0.1 with its own state, journal and faults; point your client at ``.url``
with any non-empty API key.

Opt-in on purpose (no ``pytest11`` entry point): installing the SDK must not
change anyone's test run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from ._emulator import Emulator

__all__ = ["composio_emulator", "composio_emulator_thread"]


@pytest.fixture
async def composio_emulator() -> AsyncIterator[Emulator]:
    """A running emulator in the test's event loop."""
    async with Emulator() as emulator:
        yield emulator


@pytest.fixture
def composio_emulator_thread() -> Iterator[Emulator]:
    """A running emulator on its own loop in a background thread, for sync tests."""
    with Emulator.running_in_thread() as emulator:
        yield emulator

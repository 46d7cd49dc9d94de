"""Fixtures: the emulator from the SDK's pytest plugin, and a client and session on it.

``pytest_plugins`` must be in the root conftest.py of the test run (pytest refuses it
further down); it gives ``composio_emulator`` (async tests) and ``composio_emulator_thread``
(sync tests): a fresh emulator per test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from my_agent import repository_for

from composio_router import AsyncComposio, AsyncSession
from composio_router.testing import Emulator

pytest_plugins = ["composio_router.testing.pytest_plugin"]

USER = "user-1"


@pytest.fixture
async def composio(composio_emulator: Emulator) -> AsyncIterator[AsyncComposio]:
    async with AsyncComposio(api_key="test-key", base_url=composio_emulator.url, max_retries=0) as client:
        yield client


@pytest.fixture
async def session(composio: AsyncComposio) -> AsyncSession:
    return await composio.create(user_id=USER, custom_tools=[repository_for])

"""The fixtures users enable with ``pytest_plugins``, exercised as a user's suite would."""

from __future__ import annotations

import pytest

from composio_router import AsyncComposio
from composio_router.testing import Emulator

pytest_plugins = ["composio_router.testing.pytest_plugin"]


@pytest.mark.anyio
async def test_async_fixture(composio_emulator: Emulator) -> None:
    async with AsyncComposio(api_key="any-test-key", base_url=composio_emulator.url) as composio:
        session = await composio.create(user_id="agent-test")
        result = await session.execute("TEXT_UPPERCASE", {"text": "hi"})
    assert result.successful
    assert composio_emulator.journal.find(method="POST", path="/api/v3.1/tool_router/session/*/execute")


def test_thread_fixture(composio_emulator_thread: Emulator) -> None:
    import urllib.request

    with urllib.request.urlopen(composio_emulator_thread.url + "/healthz", timeout=5) as response:
        assert response.status == 200

"""The provider tests' fixture: ``agent``, a session an agent would use (see ``agent_session``)."""

from __future__ import annotations

import pytest

from composio_router import AsyncComposio, AsyncSession

from . import agent_session


@pytest.fixture
async def agent(client: AsyncComposio) -> AsyncSession:
    return await agent_session(client)

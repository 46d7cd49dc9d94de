"""PATCH: omitted keeps, a value replaces, None removes (only where the API allows it)."""

from __future__ import annotations

import pytest

from composio_router import (
    AsyncComposio,
    AsyncSession,
    InvalidInputError,
    SessionConfigConflictError,
)
from composio_router.models import Workbench
from composio_router.testing import Emulator

pytestmark = pytest.mark.anyio
PATCH = "/api/v3.1/tool_router/session/*"


async def test_omitted_vs_none(client: AsyncComposio, emulator: Emulator) -> None:
    session = await client.create(
        user_id="u", workbench=Workbench(enable=True, sandbox_size="medium"), toolkits=["gmail", "github"]
    )
    await session.update(search=False)
    [first] = [e for e in emulator.journal.find(method="PATCH", path=PATCH)]
    assert first.body == {"search": {"enable": False}}  # nothing else sent: everything else kept
    assert session.config.workbench is not None and session.config.workbench.sandbox_size == "medium"
    assert session.config.toolkits is not None and session.config.toolkits.enabled == ["gmail", "github"]

    await session.update(workbench=None)
    second = emulator.journal.find(method="PATCH", path=PATCH)[-1]
    assert second.body == {"workbench": None}
    assert session.config.workbench is None or session.config.workbench.sandbox_size != "medium"
    assert session.config.toolkits is not None and session.config.toolkits.enabled == ["gmail", "github"]


async def test_none_refused_where_the_api_does_not_take_null(session: AsyncSession, emulator: Emulator) -> None:
    before = len(emulator.journal)
    for field in ("toolkits", "tools", "tags", "auth_configs", "preload", "search", "multi_execute", "instant"):
        with pytest.raises(InvalidInputError, match="None"):
            await session.update(**{field: None})  # type: ignore[arg-type]
    assert len(emulator.journal) == before


async def test_expected_config_version_conflict(client: AsyncComposio, emulator: Emulator) -> None:
    session = await client.create(user_id="u")
    other = await client.use(session.session_id)
    await other.update(search=False)  # version 2 behind session's back
    with pytest.raises(SessionConfigConflictError) as info:
        await session.update(multi_execute=False, expected_config_version=session.config_version)
    assert info.value.status_code == 409
    assert "refresh" in str(info.value)
    patches = emulator.journal.find(method="PATCH", path=PATCH)
    assert len(patches) == 2  # the conflicting PATCH was sent once, not retried
    assert patches[-1].body["expected_config_version"] == 1
    await session.refresh()
    await session.update(multi_execute=False, expected_config_version=session.config_version)
    assert session.config_version == 3


async def test_expected_version_not_sent_by_default(session: AsyncSession, emulator: Emulator) -> None:
    await session.update(search=True)
    assert "expected_config_version" not in emulator.journal.find(method="PATCH", path=PATCH)[-1].body

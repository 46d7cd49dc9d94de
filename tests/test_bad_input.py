"""Bad input raises a typed error before any request leaves the process."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from composio_router import AsyncComposio, AsyncSession, BatchLimitError, InvalidInputError
from composio_router.models import (
    Experimental,
    ManageConnections,
    MultiAccount,
    Permissions,
    Preload,
    TagFilter,
    ToolFilter,
    ToolkitFilter,
    Workbench,
)
from composio_router.testing import Emulator

pytestmark = pytest.mark.anyio


@pytest.fixture
def sent(emulator: Emulator) -> Any:
    def count() -> int:
        return len(emulator.journal)
    return count


@pytest.mark.parametrize("user_id", ["", "   ", None, 42])
async def test_empty_user_id(client: AsyncComposio, sent: Any, user_id: Any) -> None:
    with pytest.raises(InvalidInputError, match="user_id"):
        await client.create(user_id=user_id)
    assert sent() == 0


async def test_non_json_arguments(session: AsyncSession, sent: Any) -> None:
    before = sent()
    with pytest.raises(InvalidInputError, match="JSON"):
        await session.execute("UTILS_ECHO", {"when": datetime.datetime.now(tz=datetime.UTC).time(), "x": object()})
    with pytest.raises(InvalidInputError):
        await session.execute("UTILS_ECHO", {1: "non-string key"})  # type: ignore[dict-item]
    with pytest.raises(InvalidInputError):
        await session.execute("UTILS_ECHO", ["not", "a", "mapping"])  # type: ignore[arg-type]
    assert sent() == before


async def test_unknown_proxy_method(session: AsyncSession, sent: Any) -> None:
    before = sent()
    with pytest.raises(InvalidInputError, match="method"):
        await session.proxy_execute("github", "/user", "FETCH")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        await session.proxy_execute("github", "/user", "GET", parameters=[{"name": "a", "value": "b", "type": "cookie"}])
    assert sent() == before


async def test_bad_slugs_and_ids(client: AsyncComposio, session: AsyncSession, sent: Any) -> None:
    before = sent()
    for bad in ("", ".", ".."):
        with pytest.raises(InvalidInputError):
            await client.use(bad)
    with pytest.raises(InvalidInputError):
        await session.execute("")
    with pytest.raises(InvalidInputError, match="execute_meta takes one of"):
        await session.execute_meta("COMPOSIO_SUBMIT_FEEDBACK")
    with pytest.raises(InvalidInputError):
        await session.search([])
    with pytest.raises(InvalidInputError):
        await session.toolkits(limit=0)
    with pytest.raises(InvalidInputError):
        await session.toolkits(toolkits="gmail")  # type: ignore[arg-type]
    assert sent() == before


async def test_oversized_meta_batch(session: AsyncSession, sent: Any) -> None:
    before = sent()
    tools = [{"tool_slug": "UTILS_ECHO", "arguments": {}} for _ in range(21)]
    with pytest.raises(BatchLimitError):
        await session.execute("COMPOSIO_MULTI_EXECUTE_TOOL", {"tools": tools})
    with pytest.raises(BatchLimitError):
        await session.execute_meta("COMPOSIO_MULTI_EXECUTE_TOOL", {"tools": tools})
    with pytest.raises(BatchLimitError):
        await session.multi_execute([("UTILS_ECHO", {})] * 21)
    assert sent() == before


def test_config_blocks_validate_at_construction() -> None:
    with pytest.raises(InvalidInputError, match="mutually exclusive"):
        ToolkitFilter(enable=["a"], disable=["b"])
    with pytest.raises(InvalidInputError):
        ToolkitFilter()
    with pytest.raises(InvalidInputError, match="require_approval"):
        ToolkitFilter(require_approval=[])
    with pytest.raises(InvalidInputError, match="unknown tag"):
        TagFilter(enable=["notATag"])
    with pytest.raises(InvalidInputError):
        ToolFilter(enable=["X"], tags=["readOnlyHint"])
    with pytest.raises(InvalidInputError, match="2 to 10"):
        MultiAccount(max_accounts_per_toolkit=11)
    with pytest.raises(InvalidInputError):
        Workbench(auto_offload_threshold=0)
    with pytest.raises(InvalidInputError):
        Preload(tools="some")  # type: ignore[arg-type]


def test_config_blocks_refuse_nulls_the_api_rejects() -> None:
    for make in (lambda: Workbench(enable=None), lambda: MultiAccount(enable=None),  # type: ignore[arg-type]
                 lambda: ManageConnections(callback_url=None),  # type: ignore[arg-type]
                 lambda: Experimental(fast_mode=None),  # type: ignore[arg-type]
                 lambda: Permissions(default="bogus")):  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError):
            make()
    assert ManageConnections(enable=None).enable is None  # nullable where the API allows it


async def test_create_shorthand_errors(client: AsyncComposio, sent: Any) -> None:
    with pytest.raises(InvalidInputError):
        await client.create(user_id="u", toolkits="gmail")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="instant"):
        await client.create(user_id="u", instant=True)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        await client.create(user_id="u", tags=["bogus"])
    with pytest.raises(InvalidInputError, match="not valid on create"):
        await client.create(user_id="u", workbench=None)  # type: ignore[arg-type]
    assert sent() == 0


async def test_proxy_clash_refused_before_sending(client: AsyncComposio, emulator: Emulator) -> None:
    with pytest.raises(InvalidInputError, match="contradicts"):
        await client.create(user_id="u", proxy_execute=False, workbench=Workbench(enable_proxy_execution=True))
    assert len(emulator.journal) == 0

"""Custom tools declared as the official SDK declares them: one pydantic model as the input,
``ctx`` unannotated; ``@composio.experimental.tool``. Without such a tool pydantic stays unloaded."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import Any

import pytest
from pydantic import BaseModel, Field, RootModel

from composio_router import (
    AsyncComposio,
    CustomToolDefinitionError,
    SessionContext,
    SyncSessionContext,
    tool,
)
from composio_router.experimental import ExperimentalAPI
from composio_router.testing import Emulator


class Filters(BaseModel):
    label: str
    limit: int = Field(default=5, ge=1, le=50)


class SearchInput(BaseModel):
    query: str = Field(description="What to look for")
    filters: Filters | None = None


class Hit(BaseModel):
    title: str
    score: float


def test_the_model_is_the_input_schema() -> None:
    experimental = ExperimentalAPI()  # what `composio.experimental` is

    @experimental.tool(output_params=Hit)
    def search_notes(input: SearchInput, ctx):  # type: ignore[no-untyped-def]
        """Search the user's notes."""
        return Hit(title=input.query, score=1.0)

    schema = search_notes.input_schema
    assert schema["type"] == "object" and schema["required"] == ["query"]
    assert schema["properties"]["query"]["description"] == "What to look for"
    assert "Filters" in schema["$defs"]
    assert search_notes.output_schema is not None and search_notes.output_schema["title"] == "Hit"
    assert search_notes.slug == "SEARCH_NOTES" and search_notes.description == "Search the user's notes."


@pytest.mark.anyio
async def test_arguments_are_validated_into_the_model(client: AsyncComposio, emulator: Emulator) -> None:
    seen: list[Any] = []

    @tool
    def search_notes(input: SearchInput, ctx: SyncSessionContext) -> Hit:
        """Search the user's notes."""
        seen.append((input, ctx.user_id))
        return Hit(title=input.query, score=0.5)

    @client.experimental.tool
    async def count_notes(params: Filters, ctx):  # type: ignore[no-untyped-def]
        """Count the user's notes with a label."""
        assert isinstance(ctx, SessionContext)  # an async tool gets the async context
        return {"label": params.label, "count": params.limit}

    session = await client.create(user_id="u", custom_tools=[search_notes, count_notes])
    result = await session.execute("SEARCH_NOTES", {"query": "q", "filters": {"label": "work", "limit": 3}})
    assert result.successful and result.data == {"title": "q", "score": 0.5}
    assert seen[0][0].filters == Filters(label="work", limit=3) and seen[0][1] == "u"
    bad = await session.execute("SEARCH_NOTES", {"filters": {"label": "work", "limit": 99}})
    assert not bad.successful and bad.error is not None
    assert "`query`" in bad.error and "`filters.limit`" in bad.error
    counted = await session.execute("COUNT_NOTES", {"label": "home"})
    assert counted.data == {"label": "home", "count": 5}
    assert emulator.journal.find(method="POST", path="*/execute") == []  # all in-process


def _reject(fn: Any) -> str:
    with pytest.raises(CustomToolDefinitionError) as info:
        tool(fn)
    return str(info.value)


def test_a_model_input_takes_only_the_model_and_a_context() -> None:
    def two_inputs(input: SearchInput, extra: int) -> None:
        """Doc."""

    def root_model(input: RootModel[list[int]]) -> None:
        """Doc."""

    def wrong_context(input: SearchInput, ctx: SessionContext) -> None:
        """Doc."""

    assert "takes that model and, optionally, the session context" in _reject(two_inputs)
    assert "cannot be a tool input" in _reject(root_model)
    assert "annotate it SyncSessionContext" in _reject(wrong_context)


def test_pydantic_is_not_imported_by_tools_that_do_not_use_it() -> None:
    code = textwrap.dedent(
        """
        import sys
        from composio_router import tool
        from composio_router.custom_tools import CustomToolRegistry

        @tool
        def shout(text: str) -> dict:
            '''Upper-case a text.'''
            return {"text": text.upper()}

        CustomToolRegistry([shout])
        import composio_router.experimental, composio_router.session_config
        print("pydantic" in sys.modules)
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "False"

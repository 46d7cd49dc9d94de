"""The search response (spec §4.11): tools for a use case, with connection statuses."""

from __future__ import annotations

from typing import Any

from attrs import field, frozen

from ._converter import register_renames

__all__ = [
    "SearchResponse",
    "SearchResult",
    "SearchWorkflow",
    "ToolSchemaRef",
    "ToolkitConnectionStatus",
]


@frozen
class SearchResult:
    """One query's answer. ``index`` is the 1-based position of the query."""

    index: int
    use_case: str = ""
    primary_tool_slugs: list[str] = field(factory=list)
    related_tool_slugs: list[str] = field(factory=list)
    toolkits: list[str] = field(factory=list)
    difficulty: str | None = None
    execution_guidance: str | None = None
    recommended_plan_steps: list[str] | None = None
    known_pitfalls: list[str] | None = None
    reference_workbench_snippets: list[dict[str, Any]] | None = None
    plan_id: str | None = None
    memory: dict[str, list[str]] | None = None
    cached_plan_usecase: str | None = None
    error: str | None = None


@frozen
class ToolkitConnectionStatus:
    toolkit: str
    description: str = ""
    has_active_connection: bool = False
    status_message: str = ""
    connection_details: dict[str, Any] | None = None
    current_user_info: dict[str, Any] | None = None
    account_type: str | None = None
    accounts: list[dict[str, Any]] | None = None
    account_selection: str | None = None
    instant_account: dict[str, Any] | None = None


@frozen
class ToolSchemaRef:
    """A tool's schema, or a reference to fetch it (note the camelCase wire keys)."""

    tool_slug: str
    toolkit: str = ""
    description: str | None = None
    has_full_schema: bool | None = None
    input_schema: dict[str, Any] | None = None
    output_schema: dict[str, Any] | None = None
    schema_ref: dict[str, Any] | None = None


register_renames(ToolSchemaRef, has_full_schema="hasFullSchema", schema_ref="schemaRef")


@frozen
class SearchWorkflow:
    """The workflow id to pass as ``session_id`` to later meta-tool calls."""

    id: str = ""
    generate_id: bool | None = None
    instructions: str | None = None


@frozen
class SearchResponse:
    success: bool = True
    error: str | None = None
    results: list[SearchResult] = field(factory=list)
    toolkit_connection_statuses: list[ToolkitConnectionStatus] = field(factory=list)
    tool_schemas: dict[str, ToolSchemaRef] = field(factory=dict)
    time_info: dict[str, Any] = field(factory=dict)
    session: SearchWorkflow | None = None
    next_steps_guidance: list[str] = field(factory=list)

    @property
    def tool_slugs(self) -> list[str]:
        """Primary tool slugs of every result, first-seen order, without duplicates."""
        seen: dict[str, None] = {}
        for result in self.results:
            for slug in result.primary_tool_slugs:
                seen.setdefault(slug, None)
        return list(seen)

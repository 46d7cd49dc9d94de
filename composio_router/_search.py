"""Tool search (spec §4.11): checking the queries, splitting them, merging the answers.

The server answers 400 to more than seven queries in one request, so a longer list is
split into requests of seven that run concurrently, and their answers are merged back
as if one request had asked every query.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from attrs import evolve

from .errors import InvalidInputError
from .models.search import SearchResponse, SearchResult

__all__ = ["SEARCH_BATCH", "check_queries", "check_toolkit_slugs", "merge_searches", "search_bodies"]

SEARCH_BATCH = 7  # the server answers 400 to an 8th query (spec §4.11)


def check_queries(
    query: str | Sequence[str], known_fields: str | None, search_strategy: str | None
) -> list[str]:
    """The queries as a list; raises :class:`InvalidInputError` for anything the server refuses."""
    given: object = query  # typed, but callers may pass anything
    if isinstance(given, str):
        queries = [given]
    elif isinstance(given, Sequence) and not isinstance(given, bytes | bytearray):
        queries = list(given)
    else:
        raise InvalidInputError(f"search takes a query string or a list of them, got {type(query).__name__}")
    if not queries:
        raise InvalidInputError("search needs at least one query")
    for q in queries:
        if not isinstance(q, str) or not q.strip() or len(q) > 1024:
            raise InvalidInputError(f"each query must be a non-empty string of at most 1024 characters, got {q!r}")
    if known_fields is not None and (not isinstance(known_fields, str) or len(known_fields) > 500):
        raise InvalidInputError("known_fields must be a string of at most 500 characters")
    if search_strategy is not None and search_strategy not in ("auto", "tool_search"):
        raise InvalidInputError(f"search_strategy must be 'auto' or 'tool_search', got {search_strategy!r}")
    return queries


def check_toolkit_slugs(toolkits: object) -> list[str] | None:
    """The optional toolkit filter of a search: a non-empty list of toolkit slugs."""
    if toolkits is None:
        return None
    if isinstance(toolkits, str) or not isinstance(toolkits, Sequence) or not toolkits:
        raise InvalidInputError(f"toolkits must be a non-empty list of toolkit slugs, got {toolkits!r}")
    slugs = list(toolkits)
    if not all(isinstance(t, str) and t.strip() for t in slugs):
        raise InvalidInputError(f"toolkits must contain non-empty toolkit slugs, got {slugs!r}")
    return slugs


def search_bodies(
    queries: Sequence[str],
    *,
    model: str | None,
    known_fields: str | None,
    search_strategy: str | None,
    customs: dict[str, Any] | None,
    toolkits: list[str] | None = None,
) -> list[dict[str, Any]]:
    """One request body per chunk of at most :data:`SEARCH_BATCH` queries."""
    bodies = []
    for start in range(0, len(queries), SEARCH_BATCH):
        body: dict[str, Any] = {
            "queries": [
                {"use_case": q, **({"known_fields": known_fields} if known_fields is not None else {})}
                for q in queries[start : start + SEARCH_BATCH]
            ]
        }
        if model is not None:
            body["model"] = model
        if search_strategy is not None:
            body["search_strategy"] = search_strategy
        if toolkits is not None:
            body["toolkits"] = toolkits
        if customs:
            body["experimental"] = customs
        bodies.append(body)
    return bodies


def merge_searches(parts: Sequence[SearchResponse]) -> SearchResponse:
    """Join the answers of split searches as if one request had asked every query."""
    if len(parts) == 1:
        return parts[0]
    results: list[SearchResult] = []
    statuses: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    guidance: list[str] = []
    errors = [p.error for p in parts if p.error]
    for part in parts:
        for result in part.results:
            results.append(evolve(result, index=len(results) + 1))
        for status in part.toolkit_connection_statuses:
            statuses.setdefault(status.toolkit, status)
        schemas.update(part.tool_schemas)
        guidance.extend(g for g in part.next_steps_guidance if g not in guidance)
    return SearchResponse(
        success=all(p.success for p in parts),
        error="; ".join(errors) if errors else None,
        results=results,
        toolkit_connection_statuses=list(statuses.values()),
        tool_schemas=schemas,
        time_info=parts[0].time_info,
        session=parts[0].session,
        next_steps_guidance=guidance,
    )

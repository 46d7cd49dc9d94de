"""OpenAI Chat Completions: ``{"type": "function", "function": {...}}`` tools and ``role: tool`` answers.

Pure conversion; the ``openai`` package is never imported (the output is plain
dicts shaped as ``ChatCompletionToolParam`` / ``ChatCompletionToolMessageParam``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..models.tools import Tool
from ._base import BaseProvider, ToolBinding, ToolCallRequest, ToolOutput, to_plain, tool_call
from ._jsonschema import object_root, strip_optional_nulls, to_openai_strict

__all__ = ["OpenAIProvider", "openai_function"]


def openai_function(tool: Tool, *, strict: bool = False) -> dict[str, Any]:
    """The ``name`` / ``description`` / ``parameters`` (/ ``strict``) of one tool.

    With ``strict=True`` the schema is rewritten for strict mode; a schema strict mode
    cannot express keeps its original form with ``strict: false`` (that tool only).
    """
    fn: dict[str, Any] = {"name": tool.slug}
    if tool.description:
        fn["description"] = tool.description
    strict_schema = to_openai_strict(tool.input_parameters) if strict else None
    fn["parameters"] = strict_schema if strict_schema is not None else object_root(tool.input_parameters)
    if strict:
        fn["strict"] = strict_schema is not None
    return fn


def strip_strict_nulls(
    calls: list[ToolCallRequest], schemas: Mapping[str, Mapping[str, Any]]
) -> list[ToolCallRequest]:
    """Drop the ``null`` values strict mode made the model send for optional properties."""
    out = []
    for call in calls:
        schema = schemas.get(call.name)
        if schema and call.arguments:
            call = ToolCallRequest(
                id=call.id, name=call.name, arguments=strip_optional_nulls(schema, call.arguments), error=call.error
            )
        out.append(call)
    return out


class OpenAIProvider(BaseProvider[list[dict[str, Any]]]):
    """Tools for ``client.chat.completions.create(tools=...)`` (the default provider).

    ``strict=True`` sends strict-mode schemas (see :func:`openai_function`).
    ``handle_tool_calls`` takes a ``ChatCompletion`` (or its ``model_dump()``), its
    ``choices[0].message``, or a list of tool calls, and returns one
    ``{"role": "tool", "tool_call_id", "content"}`` message per call, in order;
    append them after the assistant message. Only ``function`` tool calls are read.
    """

    name = "openai"

    def __init__(self, *, strict: bool = False) -> None:
        self.strict = strict

    def __repr__(self) -> str:
        return f"OpenAIProvider(strict={self.strict})"

    def convert_tools(self, tools: Sequence[Tool], *, binding: ToolBinding | None = None) -> list[dict[str, Any]]:
        return [{"type": "function", "function": openai_function(t, strict=self.strict)} for t in tools]

    def parse_tool_calls(self, response: Any) -> list[ToolCallRequest]:
        data = to_plain(response)
        if isinstance(data, Mapping) and "choices" in data:
            choices = data.get("choices") or []
            data = choices[0].get("message") if choices and isinstance(choices[0], Mapping) else None
        if isinstance(data, Mapping):
            data = data.get("tool_calls")
        calls = []
        for item in data or []:
            item = to_plain(item)
            if not isinstance(item, Mapping) or item.get("type", "function") != "function":
                continue
            fn = item.get("function")
            fn = fn if isinstance(fn, Mapping) else {}
            calls.append(tool_call(item.get("id"), fn.get("name"), fn.get("arguments")))
        return calls

    @property
    def needs_tool_schemas(self) -> bool:
        return self.strict  # to strip the nulls strict mode makes the model send

    def prepare_calls(
        self, calls: list[ToolCallRequest], schemas: Mapping[str, Mapping[str, Any]]
    ) -> list[ToolCallRequest]:
        return strip_strict_nulls(calls, schemas) if self.strict else calls

    def format_results(self, outputs: Sequence[ToolOutput]) -> list[Any]:
        return [{"role": "tool", "tool_call_id": o.call.id, "content": o.content()} for o in outputs]

"""OpenAI Responses API: flat function tools and ``function_call_output`` items.

Pure conversion; the ``openai`` package is never imported (plain dicts shaped as
``FunctionToolParam`` and ``ResponseInputItemParam``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..models.tools import Tool
from ._base import BaseProvider, ToolBinding, ToolCallRequest, ToolOutput, to_plain, tool_call
from .openai import openai_function, strip_strict_nulls

__all__ = ["OpenAIResponsesProvider"]


class OpenAIResponsesProvider(BaseProvider[list[dict[str, Any]]]):
    """Tools for ``client.responses.create(tools=...)``.

    ``strict`` is always sent explicitly (the Responses API assumes strict mode when
    it is missing). ``strict=True`` rewrites each schema for strict mode: every object
    closed, every property required, optional ones nullable; a tool whose schema
    cannot be expressed (open maps, free-form objects, unsupported keywords) is sent
    with ``strict: false`` instead. The ``null`` the model then sends for an optional
    argument is removed before the tool runs.

    ``handle_tool_calls`` takes a ``Response`` (or its ``model_dump()``) or its
    ``output`` list, and returns one ``{"type": "function_call_output", "call_id",
    "output"}`` item per ``function_call``, in order: send them as the next ``input``
    (with ``previous_response_id``, or after the response's output items).
    """

    name = "openai_responses"

    def __init__(self, *, strict: bool = False) -> None:
        self.strict = strict

    def __repr__(self) -> str:
        return f"OpenAIResponsesProvider(strict={self.strict})"

    def convert_tools(self, tools: Sequence[Tool], *, binding: ToolBinding | None = None) -> list[dict[str, Any]]:
        out = []
        for tool in tools:
            fn = openai_function(tool, strict=self.strict)
            out.append({"type": "function", "strict": fn.pop("strict", False), **fn})
        return out

    def parse_tool_calls(self, response: Any) -> list[ToolCallRequest]:
        data = to_plain(response)
        if isinstance(data, Mapping):
            data = data.get("output")
        calls = []
        for item in data or []:
            item = to_plain(item)
            if not isinstance(item, Mapping) or item.get("type") != "function_call":
                continue
            calls.append(tool_call(item.get("call_id"), item.get("name"), item.get("arguments")))
        return calls

    @property
    def needs_tool_schemas(self) -> bool:
        return self.strict  # to strip the nulls strict mode makes the model send

    def prepare_calls(
        self, calls: list[ToolCallRequest], schemas: Mapping[str, Mapping[str, Any]]
    ) -> list[ToolCallRequest]:
        return strip_strict_nulls(calls, schemas) if self.strict else calls

    def format_results(self, outputs: Sequence[ToolOutput]) -> list[Any]:
        return [{"type": "function_call_output", "call_id": o.call.id, "output": o.content()} for o in outputs]

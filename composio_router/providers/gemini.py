"""Google Gemini (``google-genai``): function declarations and function-response parts.

Pure conversion; ``google.genai`` is never imported. Schemas are rewritten to the
subset Gemini's ``Schema`` accepts (see :func:`._jsonschema.to_gemini_schema`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..models.tools import Tool
from ._base import BaseProvider, ToolBinding, ToolCallRequest, ToolOutput, to_plain, tool_call
from ._jsonschema import to_gemini_schema

__all__ = ["GeminiProvider", "gemini_function_declaration"]


def gemini_function_declaration(tool: Tool) -> dict[str, Any]:
    """One ``FunctionDeclaration`` (as a dict); ``parameters`` is left out for a tool without arguments."""
    declaration: dict[str, Any] = {"name": tool.slug}
    if tool.description:
        declaration["description"] = tool.description
    parameters = to_gemini_schema(tool.input_parameters)
    if parameters is not None:
        declaration["parameters"] = parameters
    return declaration


class GeminiProvider(BaseProvider[list[dict[str, Any]]]):
    """Function declarations for ``google-genai``.

    ``wrap_tools`` returns the declarations; pass them as
    ``GenerateContentConfig(tools=[types.Tool(function_declarations=tools)])`` (plain
    ``{"function_declarations": tools}`` works too).

    ``handle_tool_calls`` takes a ``GenerateContentResponse`` (or its ``model_dump()``,
    or the REST JSON with ``functionCall``), a ``Content``, or a list of parts, reads
    the function calls of the first candidate, and returns one
    ``{"function_response": {"id", "name", "response"}}`` part per call, in order;
    ``response`` is ``{"successful", "data", "error"}``. Send them back as
    ``types.Content(role="user", parts=parts)``.
    """

    name = "gemini"

    def convert_tools(self, tools: Sequence[Tool], *, binding: ToolBinding | None = None) -> list[dict[str, Any]]:
        return [gemini_function_declaration(t) for t in tools]

    def parse_tool_calls(self, response: Any) -> list[ToolCallRequest]:
        data = to_plain(response)
        if isinstance(data, Mapping) and "candidates" in data:
            candidates = data.get("candidates") or []
            data = candidates[0].get("content") if candidates and isinstance(candidates[0], Mapping) else None
        if isinstance(data, Mapping):
            data = data.get("parts")
        calls = []
        for part in data or []:
            part = to_plain(part)
            if not isinstance(part, Mapping):
                continue
            call = part.get("function_call") or part.get("functionCall")
            if not isinstance(call, Mapping):
                continue
            calls.append(tool_call(call.get("id"), call.get("name"), call.get("args")))
        return calls

    def format_results(self, outputs: Sequence[ToolOutput]) -> list[Any]:
        parts = []
        for o in outputs:
            response: dict[str, Any] = {"name": o.call.name, "response": o.payload()}
            if o.call.id is not None:
                response = {"id": o.call.id, **response}
            parts.append({"function_response": response})
        return parts

"""Anthropic Messages: ``name`` / ``description`` / ``input_schema`` tools and ``tool_result`` blocks.

Pure conversion; the ``anthropic`` package is never imported (plain dicts shaped as
``ToolParam`` and ``ToolResultBlockParam``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import InvalidInputError
from ..models.tools import Tool
from ._base import BaseProvider, ToolBinding, ToolCallRequest, ToolOutput, to_plain, tool_call
from ._jsonschema import object_root

__all__ = ["AnthropicProvider"]


class AnthropicProvider(BaseProvider[list[dict[str, Any]]]):
    """Tools for ``client.messages.create(tools=...)``.

    ``cache_control=True`` (or a dict such as ``{"type": "ephemeral", "ttl": "1h"}``)
    puts a prompt-cache breakpoint on the last tool, so the whole tool list is cached.

    ``handle_tool_calls`` takes a ``Message`` (or its ``model_dump()``) or its
    ``content`` list, and returns one ``{"type": "tool_result", "tool_use_id",
    "content", "is_error"}`` block per ``tool_use`` block, in order: send them all in
    one user message, ``{"role": "user", "content": blocks}``.
    """

    name = "anthropic"

    def __init__(self, *, cache_control: bool | Mapping[str, Any] = False) -> None:
        if cache_control is True:
            self.cache_control: dict[str, Any] | None = {"type": "ephemeral"}
        elif cache_control is False or cache_control is None:
            self.cache_control = None
        elif isinstance(cache_control, Mapping):
            self.cache_control = dict(cache_control)
        else:
            raise InvalidInputError(f"cache_control must be a bool or a mapping, got {cache_control!r}")

    def __repr__(self) -> str:
        return f"AnthropicProvider(cache_control={self.cache_control!r})"

    def convert_tools(self, tools: Sequence[Tool], *, binding: ToolBinding | None = None) -> list[dict[str, Any]]:
        out = []
        for tool in tools:
            param: dict[str, Any] = {"name": tool.slug}
            if tool.description:
                param["description"] = tool.description
            param["input_schema"] = object_root(tool.input_parameters)
            out.append(param)
        if out and self.cache_control is not None:
            out[-1]["cache_control"] = dict(self.cache_control)
        return out

    def parse_tool_calls(self, response: Any) -> list[ToolCallRequest]:
        data = to_plain(response)
        if isinstance(data, Mapping):
            data = data.get("content")
        calls = []
        for block in data or []:
            block = to_plain(block)
            if not isinstance(block, Mapping) or block.get("type") != "tool_use":
                continue
            calls.append(tool_call(block.get("id"), block.get("name"), block.get("input")))
        return calls

    def format_results(self, outputs: Sequence[ToolOutput]) -> list[Any]:
        return [
            {"type": "tool_result", "tool_use_id": o.call.id, "content": o.content(), "is_error": not o.successful}
            for o in outputs
        ]

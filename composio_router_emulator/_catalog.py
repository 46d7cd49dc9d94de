"""Catalog types: toolkits, tools, their §9 ``Tool`` JSON, and argument checking.

Everything here is built once at start-up. The per-tool JSON objects are precomputed so
that ``GET …/tools`` and search never deep-copy or rebuild schemas per request.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import attrs

from ._userdata import UserData

__all__ = [
    "Catalog",
    "ToolCall",
    "ToolDef",
    "ToolError",
    "ToolkitDef",
    "check_arguments",
    "tool_json",
]

TOOL_VERSION = "20250905_00"
AVAILABLE_VERSIONS = ["20250905_00", "20250801_00"]
LOGO_BASE = "https://logos.composio.dev/api/"


class ToolError(Exception):
    """Raised by a demo tool: becomes a tool-level failure (200, ``result_type: failed``)."""


@attrs.frozen
class ToolCall:
    """What a demo tool implementation receives."""

    user_id: str
    arguments: Mapping[str, Any]
    account_id: str | None
    account_alias: str | None
    data: UserData


Handler = Callable[[ToolCall], dict[str, Any] | Awaitable[dict[str, Any]]]


@attrs.frozen
class ToolkitDef:
    slug: str
    name: str
    description: str
    auth_scheme: str | None  # None = no auth
    logo: str = ""

    @property
    def no_auth(self) -> bool:
        return self.auth_scheme is None

    @property
    def logo_url(self) -> str:
        return self.logo or LOGO_BASE + self.slug


@attrs.frozen
class ToolDef:
    slug: str
    name: str
    description: str
    toolkit: str
    input_schema: dict[str, Any]
    output_schema: dict[str, Any]
    handler: Handler | None = None
    tags: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    no_auth: bool = False
    is_async: bool = attrs.field(init=False)

    @is_async.default
    def _is_async(self) -> bool:
        return self.handler is not None and inspect.iscoroutinefunction(self.handler)


def tool_json(tool: ToolDef, toolkit_name: str, toolkit_logo: str) -> dict[str, Any]:
    """The §9 ``Tool`` object with every required field."""
    return {
        "slug": tool.slug,
        "name": tool.name,
        "description": tool.description,
        "human_description": tool.description,
        "input_parameters": tool.input_schema,
        "output_parameters": tool.output_schema,
        "toolkit": {"slug": tool.toolkit, "name": toolkit_name, "logo": toolkit_logo},
        "version": TOOL_VERSION,
        "available_versions": list(AVAILABLE_VERSIONS),
        "tags": list(tool.tags),
        "scopes": list(tool.scopes),
        "scope_requirements": {"all_of": list(tool.scopes)} if tool.scopes else None,
        "no_auth": tool.no_auth,
        "is_deprecated": False,
        "deprecated": {
            "available_versions": list(AVAILABLE_VERSIONS),
            "displayName": tool.name,
            "is_deprecated": False,
            "toolkit": {"logo": toolkit_logo},
            "version": TOOL_VERSION,
        },
    }


class Catalog:
    """Toolkits and tools by slug, in a stable (definition) order."""

    def __init__(self, toolkits: Iterable[ToolkitDef], tools: Iterable[ToolDef]) -> None:
        self.toolkits: dict[str, ToolkitDef] = {tk.slug: tk for tk in toolkits}
        self.tools: dict[str, ToolDef] = {}
        self.by_toolkit: dict[str, list[ToolDef]] = {slug: [] for slug in self.toolkits}
        for tool in tools:
            tk = self.toolkits[tool.toolkit]
            tool = attrs.evolve(tool, no_auth=tk.no_auth)
            self.tools[tool.slug] = tool
            self.by_toolkit[tool.toolkit].append(tool)
        self.json: dict[str, dict[str, Any]] = {
            slug: tool_json(t, self.toolkits[t.toolkit].name, self.toolkits[t.toolkit].logo_url)
            for slug, t in self.tools.items()
        }


# --- argument checking against a tool's input schema (a small JSON Schema subset) ---------

_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: type(v) is str,
    "integer": lambda v: type(v) is int or (type(v) is float and v.is_integer()),
    "number": lambda v: type(v) in (int, float) and math.isfinite(v),
    "boolean": lambda v: type(v) is bool,
    "array": lambda v: type(v) is list,
    "object": lambda v: type(v) is dict,
    "null": lambda v: v is None,
}


def _check_value(schema: Mapping[str, Any], value: Any, path: str) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, str) and kind in _TYPES and not _TYPES[kind](value):
        return f"argument '{path}' must be of type {kind}"
    if isinstance(kind, list) and not any(_TYPES.get(k, lambda v: True)(value) for k in kind):
        return f"argument '{path}' must be one of types {', '.join(kind)}"
    enum = schema.get("enum")
    if enum is not None and value not in enum:
        return f"argument '{path}' must be one of {enum}"
    if type(value) in (int, float):
        if "minimum" in schema and value < schema["minimum"]:
            return f"argument '{path}' must be >= {schema['minimum']}"
        if "maximum" in schema and value > schema["maximum"]:
            return f"argument '{path}' must be <= {schema['maximum']}"
    if type(value) is str and "minLength" in schema and len(value) < schema["minLength"]:
        return f"argument '{path}' must be at least {schema['minLength']} characters"
    if type(value) is list and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            err = _check_value(schema["items"], item, f"{path}[{i}]")
            if err:
                return err
    return None


def check_arguments(schema: Mapping[str, Any], arguments: Mapping[str, Any]) -> str | None:
    """First problem with ``arguments`` under ``schema``, or None when they fit."""
    props = schema.get("properties") or {}
    for name in schema.get("required") or ():
        if name not in arguments or arguments[name] is None:
            return f"missing required argument '{name}'"
    if schema.get("additionalProperties") is False:
        unknown = sorted(k for k in arguments if k not in props)
        if unknown:
            return f"unknown argument(s): {', '.join(unknown)}"
    for name, value in arguments.items():
        sub = props.get(name)
        if isinstance(sub, dict) and value is not None:
            err = _check_value(sub, value, name)
            if err:
                return err
    return None

"""Inline custom tools and toolkits (spec §3.5).

The backend never runs them (the SDK does, in-process); it validates them, derives their
final ``LOCAL_…`` slugs, echoes them on create/attach, lists them as tools and lets search
find them. v3.1 does not persist them: each call carries its own set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ._catalog import Catalog, ToolDef, tool_json
from ._validation import AnyJSON, Arr, Bool, MapOf, Obj, Str, opt, req
from ._wire import bad_request

__all__ = ["CUSTOMS_EXPERIMENTAL", "CUSTOM_TOOL", "CUSTOM_TOOLKIT", "CustomSet", "resolve_customs"]

_SLUG = Str(1, pattern=r"[a-zA-Z0-9_-]+")
_MAX_FINAL = 60


def _schema_check(value: Mapping[str, Any], path: str, errs: list[str]) -> None:
    schema = value["input_schema"]
    if schema.get("type") != "object":
        errs.append(f'{path}.input_schema: must have "type": "object"')
    if type(schema.get("properties")) is not dict:
        errs.append(f'{path}.input_schema: must have an object "properties"')


_TOOL_FIELDS = {
    "slug": req(_SLUG),
    "name": req(Str(1, 128)),
    "description": req(Str(1, 5120)),
    "input_schema": req(MapOf(AnyJSON())),
    "output_schema": opt(MapOf(AnyJSON())),
    "preload": opt(Bool()),
}
CUSTOM_TOOL = Obj({**_TOOL_FIELDS, "extends_toolkit": opt(Str(1))}, _schema_check)
_TOOLKIT_TOOL = Obj(_TOOL_FIELDS, _schema_check)
CUSTOM_TOOLKIT = Obj(
    {
        "slug": req(_SLUG),
        "name": req(Str(1, 128)),
        "description": req(Str(1, 2048)),
        "tools": req(Arr(_TOOLKIT_TOOL, 1, 100)),
        "preload": opt(Bool()),
    }
)
CUSTOMS_EXPERIMENTAL = Obj(
    {"custom_tools": opt(Arr(CUSTOM_TOOL)), "custom_toolkits": opt(Arr(CUSTOM_TOOLKIT))}
)


@attrs.frozen
class CustomSet:
    """The customs of one request: tool defs by final slug, their Tool JSON and echoes."""

    tools: dict[str, ToolDef]
    json: dict[str, dict[str, Any]]
    tools_echo: list[dict[str, Any]]
    toolkits_echo: list[dict[str, Any]]
    sent: bool  # whether the request carried any custom field at all

    @property
    def empty(self) -> bool:
        return not self.tools


EMPTY = CustomSet({}, {}, [], [], False)


def _echo(defn: Mapping[str, Any], final: str, with_extends: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "slug": final,
        "original_slug": defn["slug"],
        "name": defn["name"],
        "description": defn["description"],
        "input_schema": defn["input_schema"],
    }
    if "output_schema" in defn:
        out["output_schema"] = defn["output_schema"]
    if with_extends and "extends_toolkit" in defn:
        out["extends_toolkit"] = defn["extends_toolkit"]
    if "preload" in defn:
        out["preload"] = defn["preload"]
    return out


def resolve_customs(experimental: Mapping[str, Any] | None, catalog: Catalog) -> CustomSet:
    """Validate naming rules beyond the schema and build the request's :class:`CustomSet`.

    The body has already passed the structural schema (closed objects, lengths, pattern).
    """
    if not experimental or (
        "custom_tools" not in experimental and "custom_toolkits" not in experimental
    ):
        return EMPTY
    errs: list[str] = []
    tools: dict[str, ToolDef] = {}
    json: dict[str, dict[str, Any]] = {}
    tools_echo: list[dict[str, Any]] = []
    toolkits_echo: list[dict[str, Any]] = []

    def add(defn: Mapping[str, Any], final: str, toolkit: str, path: str, no_auth: bool) -> None:
        raw = defn["slug"].upper()
        if raw.startswith(("LOCAL_", "COMPOSIO_")):
            errs.append(f"{path}.slug: must not start with LOCAL_ or COMPOSIO_")
        if len(final) > _MAX_FINAL:
            errs.append(f"{path}.slug: final slug {final} is longer than {_MAX_FINAL} characters")
        if final in tools:
            errs.append(f"{path}.slug: duplicate custom tool slug {final}")
        tool = ToolDef(
            slug=final,
            name=defn["name"],
            description=defn["description"],
            toolkit=toolkit,
            input_schema=dict(defn["input_schema"]),
            output_schema=dict(defn.get("output_schema") or {}),
            tags=(),
            no_auth=no_auth,
        )
        tools[final] = tool
        tk = catalog.toolkits.get(toolkit)
        name = tk.name if tk else toolkit
        json[final] = tool_json(tool, name, tk.logo_url if tk else "")

    for i, defn in enumerate(experimental.get("custom_tools") or ()):
        path = f"body.experimental.custom_tools[{i}]"
        ext = defn.get("extends_toolkit")
        if ext is not None:
            if ext not in catalog.toolkits:
                errs.append(f"{path}.extends_toolkit: unknown toolkit '{ext}'")
            final = f"LOCAL_{ext.upper()}_{defn['slug'].upper()}"
            add(
                defn,
                final,
                ext,
                path,
                catalog.toolkits[ext].no_auth if ext in catalog.toolkits else True,
            )
        else:
            final = f"LOCAL_{defn['slug'].upper()}"
            add(defn, final, "custom", path, True)
        tools_echo.append(_echo(defn, final, True))

    for i, tk_defn in enumerate(experimental.get("custom_toolkits") or ()):
        path = f"body.experimental.custom_toolkits[{i}]"
        tk_slug = tk_defn["slug"]
        if tk_slug.lower() in catalog.toolkits:
            errs.append(f"{path}.slug: '{tk_slug}' clashes with a Composio toolkit")
        echoes = []
        for j, defn in enumerate(tk_defn["tools"]):
            final = f"LOCAL_{tk_slug.upper()}_{defn['slug'].upper()}"
            add(defn, final, tk_slug.lower(), f"{path}.tools[{j}]", True)
            echoes.append(_echo(defn, final, False))
        tk_echo: dict[str, Any] = {
            "slug": tk_slug,
            "name": tk_defn["name"],
            "description": tk_defn["description"],
            "tools": echoes,
        }
        if "preload" in tk_defn:
            tk_echo["preload"] = tk_defn["preload"]
        toolkits_echo.append(tk_echo)

    if errs:
        raise bad_request(errs[0], errs)
    return CustomSet(tools, json, tools_echo, toolkits_echo, True)

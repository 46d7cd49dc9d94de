"""Pure JSON Schema rewrites the providers need. No I/O, inputs never mutated.

* :func:`object_root`: what every provider needs: an ``object`` root with ``properties``.
* :func:`to_openai_strict`: OpenAI's strict mode (Structured Outputs subset), or
  ``None`` when the schema cannot be expressed in it (the caller falls back to
  ``strict: false`` for that tool).
* :func:`to_gemini_schema`: the OpenAPI 3.0 subset Gemini's ``Schema`` accepts.
* :func:`strip_optional_nulls`: undo strict mode's "optional means nullable" on the
  arguments the model sends back, so a tool never sees ``null`` for a field it
  declared optional.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import orjson

__all__ = ["object_root", "strip_optional_nulls", "to_gemini_schema", "to_openai_strict"]

_JSON_TYPES = frozenset({"string", "number", "integer", "boolean", "object", "array", "null"})


def object_root(schema: Mapping[str, Any] | None) -> dict[str, Any]:
    """A copy of ``schema`` with ``type: object`` and ``properties`` at the root.

    OpenAI rejects an object schema without ``properties`` ("object schema missing
    properties") and Anthropic requires ``type: object``; an empty or missing schema
    is a tool without arguments.
    """
    out = copy.deepcopy(dict(schema)) if schema else {}
    out.pop("$schema", None)
    out["type"] = "object"
    if not isinstance(out.get("properties"), Mapping):
        out["properties"] = {}
    return out


# -- OpenAI strict mode -------------------------------------------------------------------

# Annotations with no validation meaning: dropped, strict mode rejects several of them.
_STRICT_DROP = frozenset(
    {"title", "default", "examples", "example", "$schema", "$id", "$comment", "deprecated", "readOnly", "writeOnly", "nullable"}
)
# Keywords strict mode supports (platform.openai.com, "Supported schemas").
_STRICT_KEEP = frozenset(
    {
        "type", "description", "properties", "required", "additionalProperties", "items", "enum",
        "const", "anyOf", "oneOf", "allOf", "$ref", "$defs", "definitions", "pattern", "format",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minItems", "maxItems",
    }
)
_STRICT_CONSTRAINTS = (
    "description", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "multipleOf", "minItems", "maxItems",
)
_STRICT_FORMATS = frozenset({"date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"})
_STRICT_MAX_DEPTH = 10
_STRICT_MAX_PROPERTIES = 5000
_STRICT_MAX_ENUM_VALUES = 1000


class NotStrict(Exception):
    """The schema uses something strict mode cannot express; ``reason`` says what."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _StrictBudget:
    def __init__(self) -> None:
        self.properties = 0
        self.enum_values = 0


def to_openai_strict(schema: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """``schema`` rewritten for OpenAI strict mode, or ``None`` if it cannot be.

    Every object gets ``additionalProperties: false`` and all its properties in
    ``required``; an optional property becomes nullable (the model sends ``null``
    for "not given", see :func:`strip_optional_nulls`). Annotations strict mode
    rejects (``default``, ``title``, ``examples``...) and string formats it does not
    know are dropped; ``oneOf`` becomes ``anyOf``. Open maps (``additionalProperties``
    true or a schema), free-form objects without ``properties``, arrays without
    ``items``, untyped values and other validation keywords make it ``None``.
    """
    try:
        return strict_or_raise(schema)
    except NotStrict:
        return None


def strict_or_raise(schema: Mapping[str, Any] | None) -> dict[str, Any]:
    """Like :func:`to_openai_strict`, raising :class:`NotStrict` with the reason instead of ``None``."""
    root = object_root(schema)
    budget = _StrictBudget()
    defs_out: dict[str, dict[str, Any]] = {}
    for defs_key in ("$defs", "definitions"):
        defs = root.pop(defs_key, None)
        if defs is None:
            continue
        if not isinstance(defs, Mapping):
            raise NotStrict(f"{defs_key} is not a mapping")
        defs_out[defs_key] = {name: _strict(sub, 1, budget) for name, sub in defs.items()}
    out = _strict(root, 0, budget)
    if out.get("type") != "object" or "anyOf" in out:
        raise NotStrict("the root must be a plain object")
    out.update(defs_out)
    return out


def _types_of(node: Mapping[str, Any]) -> list[str]:
    raw = node.get("type")
    if raw is None:
        return []
    types = [raw] if isinstance(raw, str) else list(raw) if isinstance(raw, list) else None
    if types is None or not types or not all(isinstance(t, str) and t in _JSON_TYPES for t in types):
        raise NotStrict(f"unsupported type {raw!r}")
    return types


def _strict(node: object, depth: int, budget: _StrictBudget) -> dict[str, Any]:
    if not isinstance(node, Mapping):
        raise NotStrict(f"a boolean or non-object schema ({node!r})")
    if depth > _STRICT_MAX_DEPTH:
        raise NotStrict(f"nested deeper than {_STRICT_MAX_DEPTH} levels")
    for key in node:
        if key in _STRICT_DROP or key.startswith("x-"):
            continue
        if key not in _STRICT_KEEP:
            raise NotStrict(f"keyword {key!r} is not supported")
    if "allOf" in node:
        parts = node["allOf"]
        if not isinstance(parts, list) or len(parts) != 1 or not isinstance(parts[0], Mapping):
            raise NotStrict("allOf with more than one schema")
        merged = {k: v for k, v in node.items() if k != "allOf"}
        for key, value in parts[0].items():
            merged.setdefault(key, value)
        return _strict(merged, depth, budget)

    out: dict[str, Any] = {}
    types = _types_of(node)
    branches = node.get("anyOf", node.get("oneOf"))
    if branches is not None:
        if not isinstance(branches, list) or not branches:
            raise NotStrict("anyOf/oneOf must be a non-empty list")
        out["anyOf"] = [_strict(b, depth + 1, budget) for b in branches]
    if "$ref" in node:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise NotStrict(f"non-local $ref {ref!r}")
        out["$ref"] = ref
    if "enum" in node:
        values = node["enum"]
        if not isinstance(values, list) or not values:
            raise NotStrict("enum must be a non-empty list")
        budget.enum_values += len(values)
        out["enum"] = list(values)
    if "const" in node:
        out["const"] = node["const"]
    if types:
        out["type"] = types[0] if len(types) == 1 else types
    elif not ({"anyOf", "$ref", "enum", "const"} & out.keys()):
        raise NotStrict("a value without a type")

    if "object" in types:
        props = node.get("properties")
        extra = node.get("additionalProperties")
        if extra not in (None, False):
            raise NotStrict("an open map (additionalProperties)")
        if props is None and extra is None:
            raise NotStrict("a free-form object without properties")
        if not isinstance(props or {}, Mapping):
            raise NotStrict("properties must be a mapping")
        required = node.get("required") or []
        if not isinstance(required, list):
            raise NotStrict("required must be a list")
        new_props: dict[str, Any] = {}
        for name, sub in (props or {}).items():
            budget.properties += 1
            converted = _strict(sub, depth + 1, budget)
            new_props[name] = converted if name in required else _nullable(converted)
        out["properties"] = new_props
        out["required"] = list(new_props)
        out["additionalProperties"] = False
    if "array" in types:
        items = node.get("items")
        if not isinstance(items, Mapping) or not items:
            raise NotStrict("an array without an items schema")
        out["items"] = _strict(items, depth + 1, budget)
    for key in _STRICT_CONSTRAINTS:
        if key in node:
            out[key] = node[key]
    if node.get("format") in _STRICT_FORMATS:
        out["format"] = node["format"]
    if node.get("nullable") is True:
        out = _nullable(out)
    if budget.properties > _STRICT_MAX_PROPERTIES:
        raise NotStrict(f"more than {_STRICT_MAX_PROPERTIES} properties")
    if budget.enum_values > _STRICT_MAX_ENUM_VALUES:
        raise NotStrict(f"more than {_STRICT_MAX_ENUM_VALUES} enum values")
    return out


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` that also accepts ``null``."""
    if "anyOf" in schema:
        if not any(b.get("type") == "null" for b in schema["anyOf"]):
            schema = {**schema, "anyOf": [*schema["anyOf"], {"type": "null"}]}
        return schema
    if "type" in schema and "$ref" not in schema and "const" not in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        out = {**schema, "type": types if "null" in types else [*types, "null"]}
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
        return out
    description = schema.get("description")
    inner = {k: v for k, v in schema.items() if k != "description"}
    wrapped: dict[str, Any] = {"anyOf": [inner, {"type": "null"}]}
    if description is not None:
        wrapped["description"] = description
    return wrapped


def strip_optional_nulls(schema: Mapping[str, Any] | None, value: Any) -> Any:
    """``value`` without the ``null`` entries strict mode made the model send for optional properties.

    Follows ``properties``, ``items`` and local ``$ref`` of the original (non-strict)
    schema; a ``null`` for a required property is kept.
    """
    if not schema:
        return value
    defs: dict[str, Any] = {}
    for key in ("$defs", "definitions"):
        if isinstance(schema.get(key), Mapping):
            defs.update({f"#/{key}/{name}": sub for name, sub in schema[key].items()})
    return _strip(schema, value, defs, 0)


def _strip(schema: object, value: Any, defs: Mapping[str, Any], depth: int) -> Any:
    if not isinstance(schema, Mapping) or depth > 32:
        return value
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref in defs:
        return _strip(defs[ref], value, defs, depth + 1)
    if isinstance(value, dict):
        props = schema.get("properties")
        if not isinstance(props, Mapping):
            return value
        required = schema.get("required") or []
        out = {}
        for key, item in value.items():
            if item is None and key in props and key not in required:
                continue
            out[key] = _strip(props.get(key), item, defs, depth + 1)
        return out
    if isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        return [_strip(schema["items"], item, defs, depth + 1) for item in value]
    return value


# -- Gemini -------------------------------------------------------------------------------

_GEMINI_FORMATS = {
    "STRING": frozenset({"enum", "date-time"}),
    "NUMBER": frozenset({"float", "double"}),
    "INTEGER": frozenset({"int32", "int64"}),
}
# JSON Schema keyword -> google.genai.types.Schema field, copied as they are.
_GEMINI_COPY = {
    "description": "description",
    "minItems": "min_items",
    "maxItems": "max_items",
    "minLength": "min_length",
    "maxLength": "max_length",
    "minimum": "minimum",
    "maximum": "maximum",
    "minProperties": "min_properties",
    "maxProperties": "max_properties",
    "pattern": "pattern",
    "default": "default",
}


def to_gemini_schema(schema: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The root ``parameters`` of a Gemini function declaration, or ``None`` for a tool without arguments.

    Keys are ``google.genai.types.Schema`` field names (``any_of``, ``min_items``...),
    types upper case. ``$ref`` is inlined (a cycle becomes a plain ``OBJECT``);
    ``anyOf``/``oneOf``/type lists with ``null`` become ``nullable``, one remaining
    branch is inlined; ``allOf`` is merged; ``const`` and non-string ``enum`` values
    (Gemini enums are strings) become string enums or a note in the description;
    ``additionalProperties``, ``title``, ``examples``, ``$schema`` and unknown keywords
    are dropped, as are formats Gemini does not know. An array without ``items`` gets
    string items and a value without any type is a string: Gemini requires both.
    """
    root = object_root(schema)
    if not root["properties"]:
        return None
    defs: dict[str, Any] = {}
    for key in ("$defs", "definitions"):
        if isinstance(root.get(key), Mapping):
            defs.update({f"#/{key}/{name}": sub for name, sub in root[key].items()})
    return _gemini(root, defs, frozenset())


def _gemini(node: object, defs: Mapping[str, Any], seen: frozenset[str]) -> dict[str, Any]:
    if not isinstance(node, Mapping):
        return {"type": "STRING"}  # a boolean schema: "anything"
    ref = node.get("$ref")
    if isinstance(ref, str):
        if ref in seen or ref not in defs:
            return {"type": "OBJECT", **({"description": node["description"]} if "description" in node else {})}
        target = dict(defs[ref])
        target.update({k: v for k, v in node.items() if k != "$ref"})
        return _gemini(target, defs, seen | {ref})
    if isinstance(node.get("allOf"), list):
        merged: dict[str, Any] = {k: v for k, v in node.items() if k != "allOf"}
        for part in node["allOf"]:
            if isinstance(part, Mapping) and isinstance(part.get("$ref"), str) and part["$ref"] in defs:
                part = defs[part["$ref"]]
            if not isinstance(part, Mapping):
                continue
            for key, value in part.items():
                if key == "properties" and isinstance(value, Mapping):
                    merged["properties"] = {**merged.get("properties", {}), **value}
                elif key == "required" and isinstance(value, list):
                    merged["required"] = [*merged.get("required", []), *value]
                else:
                    merged.setdefault(key, value)
        return _gemini(merged, defs, seen)

    out: dict[str, Any] = {}
    nullable = node.get("nullable") is True
    raw_type = node.get("type")
    types = [raw_type] if isinstance(raw_type, str) else [t for t in raw_type if isinstance(t, str)] if isinstance(raw_type, list) else []
    if "null" in types:
        nullable = True
        types = [t for t in types if t != "null"]

    branches = node.get("anyOf", node.get("oneOf"))
    if isinstance(branches, list) and branches:
        kept = []
        for branch in branches:
            if isinstance(branch, Mapping) and branch.get("type") == "null":
                nullable = True
            else:
                kept.append(branch)
        if len(kept) == 1:
            inner = _gemini(kept[0], defs, seen)
            for key, value in inner.items():
                out.setdefault(key, value)
        elif kept:
            out["any_of"] = [_gemini(b, defs, seen) for b in kept]
    elif len(types) > 1:
        out["any_of"] = [_gemini({**_without(node, "type", "nullable"), "type": t}, defs, seen) for t in types]
        types = []

    description = node.get("description") if isinstance(node.get("description"), str) else None
    enum = node.get("enum") if isinstance(node.get("enum"), list) else None
    if "const" in node:
        enum = [node["const"]]
    if enum is not None and None in enum:
        nullable = True
        enum = [v for v in enum if v is not None]

    if "any_of" not in out and "type" not in out:
        gemini_type = _infer_type(types, node, enum)
        out["type"] = gemini_type
        if enum:
            if gemini_type == "STRING" and all(isinstance(v, str) for v in enum):
                out["enum"] = list(enum)
                out["format"] = "enum"
            else:
                allowed = ", ".join(orjson.dumps(v).decode() for v in enum)
                description = f"{description} (one of: {allowed})" if description else f"One of: {allowed}"
        if gemini_type == "OBJECT":
            props = node.get("properties")
            if isinstance(props, Mapping) and props:
                out["properties"] = {name: _gemini(sub, defs, seen) for name, sub in props.items()}
                required = [r for r in node.get("required") or [] if isinstance(r, str) and r in props]
                if required:
                    out["required"] = list(dict.fromkeys(required))
        elif gemini_type == "ARRAY":
            items = node.get("items")
            out["items"] = _gemini(items, defs, seen) if isinstance(items, Mapping) and items else {"type": "STRING"}
        fmt = node.get("format")
        if isinstance(fmt, str) and fmt in _GEMINI_FORMATS.get(gemini_type, ()):
            out.setdefault("format", fmt)
    for key, field in _GEMINI_COPY.items():
        if key in node and key != "description" and node[key] is not None:
            out[field] = node[key]
    if description is not None:
        out["description"] = description
    if nullable:
        out["nullable"] = True
    return out


def _without(node: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in node.items() if k not in keys}


def _infer_type(types: list[str], node: Mapping[str, Any], enum: list[Any] | None) -> str:
    if types:
        return types[0].upper()
    if "properties" in node:
        return "OBJECT"
    if "items" in node:
        return "ARRAY"
    if enum:
        kinds = {type(v) for v in enum}
        if kinds == {bool}:
            return "BOOLEAN"
        if kinds == {int}:
            return "INTEGER"
        if kinds <= {int, float}:
            return "NUMBER"
    return "STRING"

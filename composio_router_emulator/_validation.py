"""Strict request validation (spec §0, §1.5).

The real S3 contract is closed and strictly typed: an unknown key, a ``"5"`` where an
integer belongs, a ``1`` where a boolean belongs or a ``null`` where the tables do not
say "null ok" is a 400. The emulator enforces exactly that so that an SDK whose tests
pass here provably sends conformant requests. The schema nodes below are a tiny
combinator library: each node appends human-readable messages (naming the offending
key or path) to an error list instead of raising, so one 400 reports every problem.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "AnyJSON",
    "Arr",
    "Bool",
    "ByType",
    "Const",
    "Field",
    "Int",
    "MapOf",
    "Num",
    "Obj",
    "Schema",
    "Str",
    "jtype",
    "opt",
    "req",
    "validate",
]


def jtype(value: Any) -> str:
    """The JSON type name of a parsed value, as used in error messages."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "boolean"
    if type(value) is int:
        return "integer"
    if type(value) is float:
        return "number"
    if type(value) is str:
        return "string"
    if type(value) is list:
        return "array"
    if type(value) is dict:
        return "object"
    return type(value).__name__


class Schema:
    """Base node. ``patch`` switches on PATCH mode: every object member may be null."""

    __slots__ = ()

    def check(self, value: Any, path: str, errs: list[str], patch: bool) -> None:
        raise NotImplementedError


class AnyJSON(Schema):
    __slots__ = ()

    def check(self, value: Any, path: str, errs: list[str], patch: bool) -> None:
        return None


class Str(Schema):
    __slots__ = ("enum", "max_len", "min_len", "pattern")

    def __init__(
        self,
        min_len: int = 0,
        max_len: int | None = None,
        *,
        pattern: str | None = None,
        enum: tuple[str, ...] | None = None,
    ) -> None:
        self.min_len = min_len
        self.max_len = max_len
        self.pattern = re.compile(pattern) if pattern else None
        self.enum = frozenset(enum) if enum else None

    def check(self, value: Any, path: str, errs: list[str], patch: bool) -> None:
        if type(value) is not str:
            errs.append(f"{path}: expected string, got {jtype(value)}")
            return
        if self.enum is not None and value not in self.enum:
            allowed = ", ".join(sorted(self.enum))
            errs.append(f"{path}: invalid value {value!r}; allowed: {allowed}")
            return
        if len(value) < self.min_len:
            errs.append(f"{path}: must be at least {self.min_len} characters")
        elif self.max_len is not None and len(value) > self.max_len:
            errs.append(f"{path}: must be at most {self.max_len} characters")
        elif self.pattern is not None and not self.pattern.fullmatch(value):
            errs.append(f"{path}: must match {self.pattern.pattern}")


class Int(Schema):
    """A JSON integer. ``True`` and ``5.0`` are refused (no coercion, spec §1.5)."""

    __slots__ = ("maximum", "minimum")

    def __init__(self, minimum: int | None = None, maximum: int | None = None) -> None:
        self.minimum = minimum
        self.maximum = maximum

    def check(self, value: Any, path: str, errs: list[str], patch: bool) -> None:
        if type(value) is not int:
            errs.append(f"{path}: expected integer, got {jtype(value)}")
            return
        if self.minimum is not None and value < self.minimum:
            errs.append(f"{path}: must be >= {self.minimum}")
        elif self.maximum is not None and value > self.maximum:
            errs.append(f"{path}: must be <= {self.maximum}")


class Num(Schema):
    __slots__ = ("exclusive_min",)

    def __init__(self, exclusive_min: float | None = None) -> None:
        self.exclusive_min = exclusive_min

    def check(self, value: Any, path: str, errs: list[str], patch: bool) -> None:
        if type(value) not in (int, float) or not math.isfinite(value):
            errs.append(f"{path}: expected number, got {jtype(value)}")
            return
        if self.exclusive_min is not None and value <= self.exclusive_min:
            errs.append(f"{path}: must be > {self.exclusive_min}")


class Bool(Schema):
    __slots__ = ()

    def check(self, value: Any, path: str, errs: list[str], patch: bool) -> None:
        if value is not True and value is not False:
            errs.append(f"{path}: expected boolean, got {jtype(value)}")


class Const(Schema):
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def check(self, value: Any, path: str, errs: list[str], patch: bool) -> None:
        if type(value) is not type(self.value) or value != self.value:
            errs.append(f"{path}: must be {self.value!r}")


class Arr(Schema):
    __slots__ = ("item", "max_items", "min_items")

    def __init__(self, item: Schema, min_items: int = 0, max_items: int | None = None) -> None:
        self.item = item
        self.min_items = min_items
        self.max_items = max_items

    def check(self, value: Any, path: str, errs: list[str], patch: bool) -> None:
        if type(value) is not list:
            errs.append(f"{path}: expected array, got {jtype(value)}")
            return
        if len(value) < self.min_items:
            errs.append(f"{path}: must have at least {self.min_items} item(s)")
        elif self.max_items is not None and len(value) > self.max_items:
            errs.append(f"{path}: must have at most {self.max_items} items")
        item = self.item
        for i, v in enumerate(value):
            if v is None:
                errs.append(f"{path}[{i}]: must not be null")
            else:
                item.check(v, f"{path}[{i}]", errs, patch)


class MapOf(Schema):
    """A JSON object with arbitrary keys (``map<string,T>``); values are not nullable."""

    __slots__ = ("value",)

    def __init__(self, value: Schema) -> None:
        self.value = value

    def check(self, value: Any, path: str, errs: list[str], patch: bool) -> None:
        if type(value) is not dict:
            errs.append(f"{path}: expected object, got {jtype(value)}")
            return
        for k, v in value.items():
            if v is None:
                if not patch:  # PATCH: a null entry removes that key's override
                    errs.append(f"{path}.{k}: must not be null")
            else:
                self.value.check(v, f"{path}.{k}", errs, patch)


class Field:
    __slots__ = ("nullable", "required", "schema")

    def __init__(self, schema: Schema, required: bool, nullable: bool) -> None:
        self.schema = schema
        self.required = required
        self.nullable = nullable


def req(schema: Schema, *, nullable: bool = False) -> Field:
    return Field(schema, True, nullable)


def opt(schema: Schema, *, nullable: bool = False) -> Field:
    return Field(schema, False, nullable)


CrossCheck = Callable[[Mapping[str, Any], str, list[str]], None]


class Obj(Schema):
    """A closed object: keys outside ``fields`` are errors that name the key."""

    __slots__ = ("extra", "fields", "required")

    def __init__(self, fields: Mapping[str, Field], extra: CrossCheck | None = None) -> None:
        self.fields = dict(fields)
        self.required = tuple(k for k, f in self.fields.items() if f.required)
        self.extra = extra

    def check(self, value: Any, path: str, errs: list[str], patch: bool) -> None:
        if type(value) is not dict:
            errs.append(f"{path}: expected object, got {jtype(value)}")
            return
        before = len(errs)
        fields = self.fields
        for k, v in value.items():
            f = fields.get(k)
            if f is None:
                errs.append(f"{path}.{k}: unknown field '{k}' is not allowed")
            elif v is None:
                if not (f.nullable or patch):
                    errs.append(f"{path}.{k}: must not be null")
            else:
                f.schema.check(v, f"{path}.{k}", errs, patch)
        for k in self.required:
            if k not in value:
                errs.append(f"{path}.{k}: required field '{k}' is missing")
        if self.extra is not None and len(errs) == before:
            self.extra(value, path, errs)


class ByType(Schema):
    """A union whose alternatives differ by JSON type (e.g. tag array | tag filter)."""

    __slots__ = ("alternatives",)

    def __init__(self, alternatives: Mapping[str, Schema]) -> None:
        self.alternatives = dict(alternatives)

    def check(self, value: Any, path: str, errs: list[str], patch: bool) -> None:
        alt = self.alternatives.get(jtype(value))
        if alt is None:
            wanted = " or ".join(self.alternatives)
            errs.append(f"{path}: expected {wanted}, got {jtype(value)}")
        else:
            alt.check(value, path, errs, patch)


def validate(schema: Schema, value: Any, *, patch: bool = False, path: str = "body") -> list[str]:
    errs: list[str] = []
    schema.check(value, path, errs, patch)
    return errs

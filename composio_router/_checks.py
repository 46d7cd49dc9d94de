"""Argument checks shared by the session's operations.

Each raises :class:`InvalidInputError` before anything is sent: a request the server
would refuse is not worth a round trip, and the message can name the argument.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from .errors import InvalidInputError

__all__ = [
    "check_account",
    "check_arguments",
    "check_cursor",
    "check_finite",
    "check_header_value",
    "check_limit",
    "check_slug",
    "check_text",
    "proxy_parameter",
]


def check_arguments(arguments: Mapping[str, Any] | None, what: str = "arguments") -> dict[str, Any]:
    """A tool's arguments as a dict (``None`` is ``{}``), every number in them finite."""
    if arguments is None:
        return {}
    if not isinstance(arguments, Mapping):
        raise InvalidInputError(f"{what} must be a mapping of argument names to values, got {type(arguments).__name__}")
    args = arguments if isinstance(arguments, dict) else dict(arguments)
    check_finite(args, what)
    return args


def check_finite(value: object, what: str) -> None:
    """Refuse NaN and infinities anywhere in ``value``, naming where.

    JSON has no form for them, and orjson would quietly send ``null`` instead: a tool
    would run with an argument the caller never gave. The scan is one pass over plain
    containers (a few microseconds for typical arguments); the path is only worked out
    once something is found.
    """
    if _has_non_finite(value):
        path = _non_finite_path(value, what)
        raise InvalidInputError(f"{path} is not a JSON number (NaN and infinity have no JSON form)")


def _has_non_finite(value: object, depth: int = 0) -> bool:
    kind = type(value)
    if kind is float:
        return not math.isfinite(value)  # type: ignore[arg-type]
    if depth > _MAX_DEPTH:
        return False  # orjson refuses data this deep (or circular) itself, with a clear error
    if kind is dict:
        for item in value.values():  # type: ignore[attr-defined]
            if type(item) not in _SCALARS and _has_non_finite(item, depth + 1):
                return True
        return False
    if kind is list or kind is tuple:
        for item in value:  # type: ignore[attr-defined]
            if type(item) not in _SCALARS and _has_non_finite(item, depth + 1):
                return True
        return False
    if isinstance(value, float):  # a subclass (numpy.float64)
        return not math.isfinite(value)
    if isinstance(value, Mapping):
        return any(_has_non_finite(item, depth + 1) for item in value.values())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # orjson serialises dataclasses itself, NaN fields as null: scanned like a dict.
        return any(_has_non_finite(getattr(value, f.name), depth + 1) for f in dataclasses.fields(value))
    return isinstance(value, list | tuple) and any(_has_non_finite(item, depth + 1) for item in value)


_MAX_DEPTH = 254  # orjson's own nesting limit
_SCALARS = frozenset({str, int, bool, type(None)})


def _non_finite_path(value: object, path: str) -> str:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            if _has_non_finite(getattr(value, f.name)):
                return _non_finite_path(getattr(value, f.name), f"{path}.{f.name}")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if _has_non_finite(item):
                return _non_finite_path(item, f"{path}[{key!r}]")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            if _has_non_finite(item):
                return _non_finite_path(item, f"{path}[{index}]")
    return f"{path} ({value!r})"


def check_text(value: object, what: str) -> str | None:
    """An optional string argument (a search text, a request state)."""
    if value is not None and not isinstance(value, str):
        raise InvalidInputError(f"{what} must be a string, got {type(value).__name__}")
    return value


def check_cursor(cursor: object) -> str | None:
    """A page cursor, as a previous page gave it: an optional non-empty string."""
    if cursor is not None and (not isinstance(cursor, str) or not cursor):
        raise InvalidInputError(f"cursor must be the next_cursor of a previous page (a string), got {cursor!r}")
    return cursor


def check_header_value(value: object, what: str) -> str:
    """Text that travels in an HTTP header: a CR or LF in it would start a header of its own."""
    if not isinstance(value, str) or not value.strip() or any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise InvalidInputError(f"{what} must be a non-empty header value without control characters, got {value!r}")
    return value


def check_slug(slug: object, what: str = "tool_slug") -> str:
    """A non-empty string (slugs, toolkit names, short text fields)."""
    if not isinstance(slug, str) or not slug.strip():
        raise InvalidInputError(f"{what} must be a non-empty string, got {slug!r}")
    return slug


def check_account(account: object) -> str | None:
    """An optional connected-account id."""
    if account is not None and (not isinstance(account, str) or not account):
        raise InvalidInputError(f"account must be a non-empty string, got {account!r}")
    return account


def check_limit(limit: int | None, maximum: int) -> int | None:
    """A page size: a positive integer, clamped to the largest page the server serves (spec §10)."""
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidInputError(f"limit must be a positive integer, got {limit!r}")
    return min(limit, maximum)


def proxy_parameter(param: Mapping[str, Any]) -> dict[str, str]:
    """One ``proxy_execute`` parameter as the wire takes it: ``{"name", "type", "value"}``."""
    if not isinstance(param, Mapping):
        raise InvalidInputError(f"each proxy parameter must be a mapping, got {param!r}")
    unknown = set(param) - {"name", "value", "type", "in"}
    if unknown:
        raise InvalidInputError(f"unknown proxy parameter key(s) {sorted(unknown)}")
    name = param.get("name")
    if not isinstance(name, str) or not name:
        raise InvalidInputError(f"proxy parameter needs a non-empty 'name', got {param!r}")
    kind = param.get("type", param.get("in", "header"))
    if kind not in ("header", "query"):
        raise InvalidInputError(f"proxy parameter type must be 'header' or 'query', got {kind!r}")
    value = param.get("value")
    if value is None:
        raise InvalidInputError(f"proxy parameter {name!r} needs a value")
    return {"name": name, "type": kind, "value": value if isinstance(value, str) else str(value)}

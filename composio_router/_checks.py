"""Argument checks shared by the session's operations.

Each raises :class:`InvalidInputError` before anything is sent: a request the server
would refuse is not worth a round trip, and the message can name the argument.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import InvalidInputError

__all__ = ["check_account", "check_arguments", "check_limit", "check_slug", "proxy_parameter"]


def check_arguments(arguments: Mapping[str, Any] | None, what: str = "arguments") -> dict[str, Any]:
    """A tool's arguments as a dict (``None`` is ``{}``)."""
    if arguments is None:
        return {}
    if not isinstance(arguments, Mapping):
        raise InvalidInputError(f"{what} must be a mapping of argument names to values, got {type(arguments).__name__}")
    return arguments if isinstance(arguments, dict) else dict(arguments)


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

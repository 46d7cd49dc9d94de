"""Wire helpers shared by the handlers: JSON responses, the error envelope (spec §1.7),
identifiers, timestamps, pagination cursors (§3.6, §14 #9) and strict query parsing."""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import math
import random
import re
import string
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from aiohttp import web
from multidict import MultiMapping

JSON_CT = "application/json"

# A 4xx/5xx slug for statuses that have no more specific one (injected faults, 404 routes).
_GENERIC_SLUGS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    408: "RequestTimeout",
    409: "Conflict",
    413: "PayloadTooLarge",
    422: "UnprocessableEntity",
    429: "RateLimit_Exceeded",
    500: "InternalServerError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}
_GENERIC_MESSAGES = {
    408: "Request timeout",
    409: "Lock timeout, please retry",
    429: "Rate limit exceeded",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}


class ApiError(Exception):
    """A request-level failure answered with the §1.7 envelope."""

    def __init__(
        self,
        status: int,
        message: str,
        slug: str | None = None,
        *,
        errors: Sequence[str] | None = None,
        suggested_fix: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.slug = slug or generic_slug(status)
        self.errors = list(errors) if errors is not None else None
        self.suggested_fix = suggested_fix


def generic_slug(status: int) -> str:
    return _GENERIC_SLUGS.get(status, f"Http_{status}")


def generic_message(status: int) -> str:
    return _GENERIC_MESSAGES.get(status, f"Request failed with status {status}")


def bad_request(
    message: str, errors: Sequence[str] | None = None, slug: str | None = None
) -> ApiError:
    return ApiError(
        400,
        message,
        slug or "ToolRouter_ValidationError",
        errors=list(errors) if errors is not None else [message],
    )


def json_response(payload: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(payload), status=status, content_type=JSON_CT)


def error_payload(
    status: int,
    message: str,
    slug: str,
    request_id: str,
    *,
    errors: list[str] | None = None,
    suggested_fix: str | None = None,
) -> dict[str, Any]:
    return {
        "error": {
            "message": message,
            # The real code values are undocumented; mirroring the status keeps them integers.
            "code": status,
            "slug": slug,
            "status": status,
            "request_id": request_id,
            "suggested_fix": suggested_fix,
            "errors": errors,
        }
    }


def error_response(err: ApiError, request_id: str) -> web.Response:
    payload = error_payload(
        err.status,
        err.message,
        err.slug,
        request_id,
        errors=err.errors,
        suggested_fix=err.suggested_fix,
    )
    return json_response(payload, err.status)


# --- identifiers -------------------------------------------------------------------------

_ALPHABET = string.ascii_letters + string.digits
_rng = random.Random()  # ids only need to be unique, not unpredictable


def new_id(prefix: str, length: int = 12) -> str:
    n = _rng.getrandbits(6 * length)
    chars = []
    for _ in range(length):
        n, r = divmod(n, 62)
        chars.append(_ALPHABET[r])
    return prefix + "".join(chars)


# --- time --------------------------------------------------------------------------------


def iso(ts: float) -> str:
    dt = _dt.datetime.fromtimestamp(ts, tz=_dt.UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


# --- pagination --------------------------------------------------------------------------


def encode_cursor(page: int, limit: int) -> str:
    raw = orjson.dumps({"page": page, "limit": limit})
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str, max_limit: int) -> tuple[int, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeEncodeError, orjson.JSONDecodeError):
        raise bad_request(f"Invalid cursor {cursor!r}", slug="ToolRouter_InvalidCursor") from None
    page = data.get("page") if isinstance(data, dict) else None
    limit = data.get("limit") if isinstance(data, dict) else None
    if type(page) is not int or type(limit) is not int or page < 1 or not 1 <= limit <= max_limit:
        raise bad_request(f"Invalid cursor {cursor!r}", slug="ToolRouter_InvalidCursor")
    return page, limit


def paginate(
    items: Sequence[Any],
    cursor: str | None,
    limit: int | None,
    *,
    default_limit: int,
    max_limit: int,
) -> tuple[list[Any], dict[str, Any]]:
    """Slice ``items`` for one page; returns the page and the §3.6 envelope fields."""
    page = 1
    if cursor:
        page, cursor_limit = decode_cursor(cursor, max_limit)
        if limit is None:
            limit = cursor_limit
    if limit is None:
        limit = default_limit
    total = len(items)
    total_pages = max(1, math.ceil(total / limit))
    start = (page - 1) * limit
    chunk = list(items[start : start + limit])
    next_cursor = encode_cursor(page + 1, limit) if start + limit < total else None
    return chunk, {
        "next_cursor": next_cursor,
        "total_pages": total_pages,
        "current_page": page,
        "total_items": total,
    }


# --- strict query strings (§1.5, §10) ----------------------------------------------------

_DIGITS = re.compile(r"[0-9]+")


class QueryInt:
    __slots__ = ("hi", "lo")

    def __init__(self, lo: int, hi: int) -> None:
        self.lo = lo
        self.hi = hi


class QueryBool:
    __slots__ = ()


class QueryStr:
    __slots__ = ("enum", "min_len")

    def __init__(self, min_len: int = 0, enum: tuple[str, ...] | None = None) -> None:
        self.min_len = min_len
        self.enum = enum


class QueryCsv:
    """A comma-joined array (never repeated keys, §1.5)."""

    __slots__ = ("enum",)

    def __init__(self, enum: tuple[str, ...] | None = None) -> None:
        self.enum = enum


QuerySpec = Mapping[str, QueryInt | QueryBool | QueryStr | QueryCsv]
_BRACKET = re.compile(r"([a-z_]+)\[([^\[\]]+)\]")


def parse_query(
    query: MultiMapping[str], spec: QuerySpec, *, bracket_maps: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Parse a closed query string; every problem becomes one message of a single 400."""
    errs: list[str] = []
    out: dict[str, Any] = {}
    seen: set[str] = set()
    for key, raw in query.items():
        if key in seen:
            errs.append(f"query.{key}: repeated query parameter (send arrays comma-joined)")
            continue
        seen.add(key)
        kind = spec.get(key)
        if kind is None:
            m = _BRACKET.fullmatch(key)
            if m and m.group(1) in bracket_maps:
                out.setdefault(m.group(1), {})
                if isinstance(out[m.group(1)], dict):
                    out[m.group(1)][m.group(2)] = raw
                continue
            errs.append(f"query.{key}: unknown query parameter '{key}'")
            continue
        if isinstance(kind, QueryInt):
            if not _DIGITS.fullmatch(raw):
                errs.append(f"query.{key}: expected an integer in plain digits, got {raw!r}")
                continue
            value = int(raw)
            if not kind.lo <= value <= kind.hi:
                errs.append(f"query.{key}: must be between {kind.lo} and {kind.hi}")
                continue
            out[key] = value
        elif isinstance(kind, QueryBool):
            if raw not in ("true", "false"):
                errs.append(f"query.{key}: expected exactly 'true' or 'false', got {raw!r}")
                continue
            out[key] = raw == "true"
        elif isinstance(kind, QueryStr):
            if len(raw) < kind.min_len:
                errs.append(f"query.{key}: must be at least {kind.min_len} characters")
                continue
            if kind.enum is not None and raw not in kind.enum:
                errs.append(f"query.{key}: invalid value {raw!r}; allowed: {', '.join(kind.enum)}")
                continue
            out[key] = raw
        else:
            parts = [p.strip() for p in raw.split(",") if p.strip()]
            bad = [p for p in parts if kind.enum is not None and p not in kind.enum]
            if bad:
                errs.append(f"query.{key}: invalid value(s) {', '.join(bad)}")
                continue
            out[key] = parts
    if errs:
        raise bad_request(errs[0], errs)
    return out

"""The retry policy, sans I/O: which failures to retry and how long to wait.

Idempotency decides (spec §1.8, §14 #13, DESIGN §4). Reads and the calls that are
safe to repeat (create, search, toolkits, tools, delete) retry on connection
errors, 408, 409, 429 and 5xx. Calls that run something (execute, execute_meta,
proxy_execute, link, update) retry only when the request provably did not run:
the connection could not be opened, or the server answered 429 (it refused before
running). Sending an email twice is worse than reporting an error once.

A caller who sends an idempotency key (``idempotency_key=``) vouches that the server, or
a gateway in front of it, answers a repeated key with the first answer: those calls are
KEYED and retry like safe ones, except on 409 (for a PATCH it means a stale config
version, which a retry would not fix).
"""

from __future__ import annotations

import email.utils
import enum
import math
import random
import time
from collections.abc import Mapping

__all__ = ["Idempotency", "backoff_delay", "retry_after_seconds", "should_retry_status"]

_RETRYABLE_STATUSES = frozenset({408, 409, 429})
_MAX_RETRY_AFTER = 60.0  # spec §14 #12: honour hints in [0, 60] seconds
_BACKOFF_BASE = 0.5
_BACKOFF_CAP = 8.0
_MAX_EXPONENT = 16  # 0.5 * 2**16 is far past the cap already


class Idempotency(enum.Enum):
    """How safe it is to send a request again after a failure."""

    SAFE = "safe"  # repeating it changes nothing (reads, create, search, delete)
    UNSAFE = "unsafe"  # it runs a tool or changes state: retry only if it provably did not run
    KEYED = "keyed"  # unsafe, but carries the caller's idempotency key: the server deduplicates

    @property
    def retries_after_send(self) -> bool:
        """Whether a request that may have run can be sent again."""
        return self is not Idempotency.UNSAFE


def should_retry_status(status: int, headers: Mapping[str, str], idempotency: Idempotency) -> bool:
    """Whether a response with this status may be retried."""
    hint = headers.get("x-should-retry")
    if hint == "false":
        return False  # spec §1.8: forbids a retry regardless of status
    if idempotency is Idempotency.UNSAFE:
        # 429 is a refusal before any work; everything else may have run. A "true" hint
        # cannot make it safe: the server does not know whether the tool had side effects.
        return status == 429
    if idempotency is Idempotency.KEYED and status == 409:
        return False  # a stale config version (PATCH): a retry would not fix it
    if hint == "true":
        return True
    return status in _RETRYABLE_STATUSES or status >= 500


def retry_after_seconds(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """The server's wait hint: ``retry-after-ms``, then ``retry-after`` (seconds or HTTP date).

    Returns ``None`` when absent, unparseable, or outside ``[0, 60]`` seconds.
    """
    delay: float | None = None
    raw_ms = headers.get("retry-after-ms")
    if raw_ms is not None:
        try:
            delay = float(raw_ms) / 1000.0
        except ValueError:
            delay = None
        if delay is not None and not math.isfinite(delay):
            delay = None  # "nan" / "inf" parse as floats but say nothing: try retry-after
    if delay is None:
        raw = headers.get("retry-after")
        if raw is not None:
            try:
                delay = float(raw)
            except ValueError:
                parsed = email.utils.parsedate_to_datetime(raw) if _looks_like_date(raw) else None
                if parsed is not None:
                    delay = parsed.timestamp() - (time.time() if now is None else now)
    if delay is None or not (0.0 <= delay <= _MAX_RETRY_AFTER) or delay != delay:  # NaN check
        return None
    return delay


def _looks_like_date(raw: str) -> bool:
    try:
        email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return False
    return True


def backoff_delay(retries_taken: int, *, rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter: ``min(0.5 * 2**n, 8) * (1 - 0.25 * U)`` (spec §1.8)."""
    jitter = (rng or random).random()
    # The exponent is bounded first: 2.0**1024 overflows, and a caller may allow that many retries.
    exponent = min(retries_taken, _MAX_EXPONENT)
    return min(_BACKOFF_BASE * (2.0**exponent), _BACKOFF_CAP) * (1.0 - 0.25 * jitter)

"""Fault injection: scripted misbehaviour for the next N matching requests.

Faults are matched in the order they were added; the first one that matches and is not
spent fires. Faults that answer on their own (a status, a raw body, ``drop``,
``malformed``) never run the handler, so a test can prove that a retried request did not
execute twice.
"""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Iterator, Mapping

import attrs

__all__ = ["ACTIONS", "Fault", "Faults"]

# drop: read the request, then close the connection without running it.
# drop_after: run it (state changes), then close the connection instead of answering.
ACTIONS = frozenset({"drop", "drop_after", "malformed", "truncate", "extra_fields"})


@attrs.define(eq=False)
class Fault:
    """One scripted misbehaviour, made by :meth:`Faults.add`; ``hits`` counts the requests it took.

    It fires for a request whose method equals ``method`` (any, if None) and whose path
    matches the fnmatch glob ``path``, ``times`` times (None: forever). What it does:
    ``delay`` seconds first; then ``status`` (the error envelope of that status) or
    ``body`` (raw bytes, with ``status`` or 200, and ``headers``) answer instead of the
    handler; or ``action``: ``drop`` closes the connection without running the request,
    ``drop_after`` runs it then closes the connection, ``malformed`` answers invalid JSON,
    ``truncate`` cuts the real answer short, ``extra_fields`` adds unknown keys to it.
    """

    path: str = "*"
    method: str | None = None
    status: int | None = None
    times: int | None = 1  # None = every matching request, forever
    headers: dict[str, str] = attrs.field(factory=dict)
    body: bytes | None = None
    delay: float = 0.0
    action: str | None = None
    hits: int = 0

    @property
    def spent(self) -> bool:
        return self.times is not None and self.hits >= self.times

    @property
    def short_circuits(self) -> bool:
        """True when the fault answers without running the handler."""
        return (
            self.status is not None or self.body is not None or self.action in ("drop", "malformed")
        )

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method:
            return False
        return fnmatch.fnmatchcase(path, self.path)


class Faults:
    """The ordered fault list of one emulator (thread-safe)."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(
        self,
        path: str = "*",
        *,
        method: str | None = None,
        status: int | None = None,
        times: int | None = 1,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        delay: float = 0.0,
        action: str | None = None,
    ) -> Fault:
        """Script a fault for the next ``times`` matching requests (see :class:`Fault`).

        Faults fire in the order they were added; the first live one that matches wins.
        Example: ``emu.faults.add("/api/v3.1/tool_router/session/*/execute", method="POST",
        status=503, times=2, headers={"retry-after": "0"})``.
        """
        if action is not None and action not in ACTIONS:
            raise ValueError(f"unknown fault action {action!r}; expected one of {sorted(ACTIONS)}")
        if status is not None and not 100 <= status <= 599:
            raise ValueError("status must be an HTTP status code")
        if times is not None and times < 1:
            raise ValueError("times must be >= 1 (or None for unlimited)")
        if delay < 0:
            raise ValueError("delay must be >= 0")
        fault = Fault(
            path=path,
            method=method.upper() if method else None,
            status=status,
            times=times,
            headers=dict(headers or {}),
            body=body,
            delay=delay,
            action=action,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every fault, spent or not."""
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """Consume one hit of the first live fault matching this request."""
        if not self._faults:  # the common case: no lock, no scan
            return None
        with self._lock:
            for fault in self._faults:
                if not fault.spent and fault.matches(method, path):
                    fault.hits += 1
                    return fault
            # Drop spent faults so the fast path above comes back.
            self._faults = [f for f in self._faults if not f.spent]
        return None

    def __iter__(self) -> Iterator[Fault]:
        with self._lock:
            return iter(list(self._faults))

    def __len__(self) -> int:
        return len(self._faults)

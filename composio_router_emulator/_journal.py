"""The request journal: what the emulator received, newest last, with credentials redacted.

Tests use it to prove what an SDK sent (headers, bodies, query strings) and, through the
``started``/``finished`` monotonic stamps, that requests overlapped. It is bounded (a deque)
because benchmarks push many thousands of requests through one emulator.
"""

from __future__ import annotations

import fnmatch
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any, overload

import attrs

__all__ = ["REDACTED", "SENSITIVE_HEADERS", "Journal", "JournalEntry"]

REDACTED = "<redacted>"
# Credential values are replaced before anything is stored, so a journal dump or a failed
# assertion can never print a key.
SENSITIVE_HEADERS = frozenset(
    {
        "x-api-key",
        "x-user-api-key",
        "x-org-api-key",
        "authorization",
        "proxy-authorization",
        "cookie",
    }
)


@attrs.frozen
class JournalEntry:
    """One request the emulator served, as it arrived, and how it ended.

    ``path`` has no query string (that is ``query_string``, parsed in ``query``);
    ``headers`` have credential values replaced by ``<redacted>``; ``body`` is the parsed
    JSON (``None`` for no body or one that is not JSON). ``status`` is the answer's status,
    0 for a request that never got one (dropped, or cancelled when the emulator stopped).
    ``started`` / ``finished`` are ``time.monotonic()`` readings, so entries can be
    compared to see what overlapped. ``replayed`` marks an answer the idempotency store
    replayed: the handler did not run.
    """

    method: str
    path: str
    query_string: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    status: int
    started: float
    finished: float
    replayed: bool = False  # answered from the idempotency store: nothing ran

    @property
    def duration(self) -> float:
        """Seconds from the request's arrival to its end."""
        return self.finished - self.started


class Journal(Sequence[JournalEntry]):
    """Thread-safe bounded sequence of :class:`JournalEntry` (oldest first)."""

    def __init__(self, limit: int = 10_000) -> None:
        if limit < 1:
            raise ValueError("journal_limit must be >= 1")
        self._entries: deque[JournalEntry] = deque(maxlen=limit)
        # The emulator may run in another thread (running_in_thread); readers snapshot.
        self._lock = threading.Lock()

    def append(self, entry: JournalEntry) -> None:
        """Record a served request (the emulator does this; the oldest entry goes past the limit)."""
        with self._lock:
            self._entries.append(entry)

    def clear(self) -> None:
        """Forget every entry (a test's setup requests, before the part it checks)."""
        with self._lock:
            self._entries.clear()

    def snapshot(self) -> list[JournalEntry]:
        """The entries now, oldest first, as a list that later requests do not change."""
        with self._lock:
            return list(self._entries)

    def find(self, method: str | None = None, path: str | None = None) -> list[JournalEntry]:
        """Entries whose method equals ``method`` (any case) and whose path matches the
        fnmatch glob ``path``; ``None`` matches anything."""
        want = method.upper() if method else None
        return [
            e
            for e in self.snapshot()
            if (want is None or e.method == want)
            and (path is None or fnmatch.fnmatchcase(e.path, path))
        ]

    def __len__(self) -> int:
        return len(self._entries)

    @overload
    def __getitem__(self, index: int) -> JournalEntry: ...

    @overload
    def __getitem__(self, index: slice) -> list[JournalEntry]: ...

    def __getitem__(self, index: int | slice) -> JournalEntry | list[JournalEntry]:
        return self.snapshot()[index]

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.snapshot())

    def __repr__(self) -> str:
        return f"<Journal {len(self)} entries>"

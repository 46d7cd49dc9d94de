"""Break the retry policy on purpose and check that the reliability suite notices.

    python scripts/retry_mutants.py               # every mutant, one pytest run each; a table
    python scripts/retry_mutants.py --mutant NAME # the suite against one mutant (pytest's exit code)

A mutant is a small, plausible mistake in ``_retry`` / the transport's use of it. It is
applied in-process (monkeypatching the module attributes the transport reads) by a pytest
plugin, so the source tree is never modified. A mutant is *killed* when at least one test
fails; the run exits non-zero if any mutant survives. ``nox -s mutants`` runs it.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUITE = ["tests/reliability", "tests/test_errors_and_retries.py", "tests/test_retry_policy.py"]


def _retry_everything_that_failed() -> None:
    # Idempotency ignored for status codes: an execute answered 500 is sent again.
    from composio_router import _retry, _transport

    real = _retry.should_retry_status

    def broken(status: int, headers: Mapping[str, str], idempotency: _retry.Idempotency) -> bool:
        return real(status, headers, _retry.Idempotency.SAFE)

    _transport.should_retry_status = broken


def _retry_after_a_lost_answer() -> None:
    # A connection lost after sending is treated like one that never opened.
    from composio_router import _retry

    _retry.Idempotency.retries_after_send = property(lambda self: True)  # type: ignore[assignment,method-assign]


def _never_retry_statuses() -> None:
    from composio_router import _transport

    _transport.should_retry_status = lambda status, headers, idempotency: False


def _ignore_retry_after() -> None:
    from composio_router import _retry, _transport

    _retry.retry_after_seconds = _transport.retry_after_seconds = lambda headers, now=None: None


def _uncapped_retry_after() -> None:
    # Any hint is obeyed, even an hour, and malformed ones count as zero.
    from composio_router import _retry, _transport

    def broken(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
        for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
            raw = headers.get(name)
            if raw is not None:
                try:
                    return abs(float(raw)) / scale
                except ValueError:
                    return 0.0
        return None

    _retry.retry_after_seconds = _transport.retry_after_seconds = broken


def _no_jitter_no_growth() -> None:
    from composio_router import _retry, _transport

    _retry.backoff_delay = _transport.backoff_delay = lambda retries_taken, rng=None: 0.5


def _off_by_one_attempts() -> None:
    # One attempt more than configured: max_retries=2 makes four requests.
    from composio_router import _transport

    real = _transport.Transport.request

    async def broken(self: _transport.Transport, *args: object, max_retries: int | None = None, **kwargs: object) -> object:
        retries = self.options.max_retries if max_retries is None else max_retries
        return await real(self, *args, max_retries=retries + 1, **kwargs)  # type: ignore[arg-type]

    _transport.Transport.request = broken  # type: ignore[method-assign]


MUTANTS: dict[str, Callable[[], None]] = {
    "retry-unsafe-on-status": _retry_everything_that_failed,
    "retry-unsafe-after-send": _retry_after_a_lost_answer,
    "never-retry-status": _never_retry_statuses,
    "ignore-retry-after": _ignore_retry_after,
    "uncapped-retry-after": _uncapped_retry_after,
    "constant-backoff": _no_jitter_no_growth,
    "one-attempt-too-many": _off_by_one_attempts,
}


class _MutantPlugin:
    def __init__(self, name: str) -> None:
        self.name = name

    def pytest_configure(self) -> None:  # before any test module is imported
        random.seed(0)
        MUTANTS[self.name]()

    def pytest_report_header(self) -> str:
        return f"retry mutant: {self.name}"


def run_one(name: str, extra: list[str]) -> int:
    import pytest

    os.chdir(ROOT)
    return int(pytest.main(["-q", "-p", "no:cacheprovider", *extra, *SUITE], plugins=[_MutantPlugin(name)]))


def run_all() -> int:
    survivors = []
    print(f"{'mutant':<26} {'result':<8} {'failed':>6} {'passed':>6} {'seconds':>8}")
    for name in MUTANTS:
        started = time.monotonic()
        proc = subprocess.run(
            [sys.executable, __file__, "--mutant", name], cwd=ROOT, capture_output=True, text=True
        )
        summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
        failed = _count(summary, "failed") + _count(summary, "error")
        passed = _count(summary, "passed")
        killed = proc.returncode != 0 and failed > 0
        if not killed:
            survivors.append(name)
        print(f"{name:<26} {'killed' if killed else 'SURVIVED':<8} {failed:>6} {passed:>6} "
              f"{time.monotonic() - started:>8.1f}", flush=True)
    if survivors:
        print(f"surviving mutants: {', '.join(survivors)}")
        return 1
    print(f"all {len(MUTANTS)} mutants killed")
    return 0


def _count(summary: str, word: str) -> int:
    match = re.search(rf"(\d+) {word}", summary)
    return int(match.group(1)) if match else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mutant", choices=sorted(MUTANTS))
    args, extra = parser.parse_known_args()
    if args.mutant:
        return run_one(args.mutant, extra)
    return run_all()


if __name__ == "__main__":
    sys.exit(main())

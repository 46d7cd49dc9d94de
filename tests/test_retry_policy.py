"""The sans-IO retry policy: which statuses, which hints, which delays."""

from __future__ import annotations

import email.utils
import random

import pytest

from composio_router._retry import (
    Idempotency,
    backoff_delay,
    retry_after_seconds,
    should_retry_status,
)


@pytest.mark.parametrize(("status", "expected"), [(408, True), (409, True), (429, True), (500, True),
                                                   (503, True), (400, False), (401, False), (404, False)])
def test_safe_calls_retry_by_status(status: int, expected: bool) -> None:
    assert should_retry_status(status, {}, Idempotency.SAFE) is expected


@pytest.mark.parametrize(("status", "expected"), [(429, True), (500, False), (503, False), (408, False)])
def test_unsafe_calls_retry_only_when_provably_not_run(status: int, expected: bool) -> None:
    assert should_retry_status(status, {"x-should-retry": "true"}, Idempotency.UNSAFE) is expected


def test_should_retry_header_overrides_for_safe_calls() -> None:
    assert should_retry_status(500, {"x-should-retry": "false"}, Idempotency.SAFE) is False
    assert should_retry_status(400, {"x-should-retry": "true"}, Idempotency.SAFE) is True


def test_retry_after_forms() -> None:
    assert retry_after_seconds({"retry-after-ms": "250"}) == 0.25
    assert retry_after_seconds({"retry-after": "2"}) == 2.0
    assert retry_after_seconds({"retry-after": "0"}) == 0.0
    assert retry_after_seconds({"retry-after": "61"}) is None  # outside [0, 60]
    assert retry_after_seconds({"retry-after": "-1"}) is None
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({}) is None
    now = 1_800_000_000.0
    date = email.utils.formatdate(now + 10, usegmt=True)
    assert retry_after_seconds({"retry-after": date}, now=now) == pytest.approx(10, abs=1)


def test_backoff_is_exponential_with_jitter_and_capped() -> None:
    rng = random.Random(7)
    for n, (low, high) in enumerate([(0.375, 0.5), (0.75, 1.0), (1.5, 2.0), (3.0, 4.0), (6.0, 8.0), (6.0, 8.0)]):
        delay = backoff_delay(n, rng=rng)
        assert low <= delay <= high

"""RetryPolicy and Retry-After parsing: pure functions, no HTTP needed."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.td import RetryPolicy
from bot.td._retry import parse_retry_after

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


@given(
    retry_number=st.integers(min_value=1, max_value=60),
    base=st.floats(min_value=0, max_value=5),
    cap=st.floats(min_value=0, max_value=30),
    seed=st.integers(),
)
def test_backoff_is_full_jitter_under_the_exponential_ceiling(
    retry_number: int, base: float, cap: float, seed: int
) -> None:
    policy = RetryPolicy(base_delay=base, max_delay=cap)
    delay = policy.delay(retry_number, None, random.Random(seed))
    assert 0 <= delay <= min(cap, base * 2 ** (retry_number - 1))


@given(retry_after=st.floats(min_value=0, max_value=1000), seed=st.integers())
def test_backoff_never_undercuts_retry_after(retry_after: float, seed: int) -> None:
    assert RetryPolicy().delay(3, retry_after, random.Random(seed)) >= retry_after


def test_backoff_spreads_out() -> None:
    rng = random.Random(1)
    delays = {
        round(RetryPolicy(base_delay=1, max_delay=100).delay(5, None, rng), 3) for _ in range(50)
    }
    assert len(delays) > 40  # jittered, not a fixed schedule
    assert max(delays) > 8  # and the ceiling grows: 2**4 at retry 5


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_attempts": 0},
        {"base_delay": -1},
        {"max_delay": float("nan")},
        {"max_total": float("inf")},
    ],
)
def test_policy_rejects_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("3", 3.0),
        (" 0 ", 0.0),
        ("1.5", 1.5),
        (format_datetime(NOW + timedelta(seconds=90), usegmt=True), 90.0),
        ("Wed, 01 May 2024 12:00:30 GMT", 30.0),
        (format_datetime(NOW - timedelta(hours=1), usegmt=True), 0.0),  # already past
        ("-5", None),
        ("nan", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header, now=NOW) == expected

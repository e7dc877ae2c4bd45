"""The per-user token bucket, on a fake clock."""

from __future__ import annotations

import pytest

from bot.actions import RateLimiter
from bot.commands import Diagnose, Help, ListJobs, Retry, ShowJob


class Seconds:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _limiter(clock: Seconds) -> RateLimiter:
    return RateLimiter(per_minute=10, burst=5, clock=clock)


def test_a_burst_then_one_every_six_seconds() -> None:
    clock = Seconds()
    limiter = _limiter(clock)
    assert all(limiter.check("U1", Retry("1")).allowed for _ in range(5))
    refused = limiter.check("U1", Diagnose(None))
    assert not refused.allowed and refused.retry_after_seconds == pytest.approx(6.0)
    assert refused.message == (
        "you're sending commands faster than tdbot can serve them; try again in 6 s"
    )
    clock.now += 5.0
    assert limiter.check("U1", ListJobs(None, 10)).retry_after_seconds == pytest.approx(1.0)
    clock.now += 1.0
    assert limiter.check("U1", Retry("1")).allowed
    assert not limiter.check("U1", Retry("1")).allowed


def test_users_have_their_own_buckets() -> None:
    limiter = _limiter(Seconds())
    for _ in range(5):
        limiter.check("U1", Retry("1"))
    assert not limiter.check("U1", Retry("1")).allowed
    assert limiter.check("U2", Retry("1")).allowed


def test_cheap_commands_are_never_limited_and_cost_nothing() -> None:
    limiter = _limiter(Seconds())
    assert all(limiter.check("U1", ShowJob("5")).allowed for _ in range(50))
    assert all(limiter.check("U1", Help(None)).allowed for _ in range(50))
    assert all(limiter.check("U1", Retry("1")).allowed for _ in range(5))


def test_an_idle_user_gets_the_burst_back_but_no_more() -> None:
    clock = Seconds()
    limiter = _limiter(clock)
    for _ in range(5):
        limiter.check("U1", Retry("1"))
    clock.now += 3600
    assert sum(limiter.check("U1", Retry("1")).allowed for _ in range(10)) == 5


def test_wait_is_rounded_up() -> None:
    clock = Seconds()
    limiter = RateLimiter(per_minute=7, burst=1, clock=clock)
    limiter.check("U1", Retry("1"))
    decision = limiter.check("U1", Retry("1"))
    assert decision.retry_after_seconds == pytest.approx(60 / 7)
    assert decision.message.endswith("try again in 9 s")


@pytest.mark.parametrize(("per_minute", "burst"), [(0, 5), (-1, 5), (float("nan"), 5), (10, 0)])
def test_nonsense_settings_are_refused(per_minute: float, burst: int) -> None:
    with pytest.raises(ValueError):
        RateLimiter(per_minute=per_minute, burst=burst)

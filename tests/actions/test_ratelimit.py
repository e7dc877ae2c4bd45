"""The per-user rate of expensive commands, kept in a real store on a fake clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.actions import RateLimiter
from bot.commands import Diagnose, Help, ListJobs, Retry, ShowJob
from bot.store import RateLimits, Store
from tests.actions.conftest import FakeClock


async def allowed(limiter: RateLimiter, times: int, user: str = "U1") -> int:
    return sum([(await limiter.check(user, Retry("1"))).allowed for _ in range(times)])


async def test_a_burst_then_one_every_six_seconds(store: Store, clock: FakeClock) -> None:
    limiter = RateLimiter(store.rate_limits, per_minute=10, burst=5)
    assert await allowed(limiter, 5) == 5
    refused = await limiter.check("U1", Diagnose(None))
    assert not refused.allowed and refused.retry_after_seconds == pytest.approx(6.0)
    assert refused.message == (
        "you're sending commands faster than tdbot can serve them; try again in 6 s"
    )
    clock.advance(5.0)
    assert (await limiter.check("U1", ListJobs(None, 10))).retry_after_seconds == pytest.approx(1)
    clock.advance(1.0)
    assert (await limiter.check("U1", Retry("1"))).allowed
    assert not (await limiter.check("U1", Retry("1"))).allowed


async def test_users_have_their_own_buckets(store: Store) -> None:
    limiter = RateLimiter(store.rate_limits, per_minute=10, burst=5)
    assert await allowed(limiter, 6) == 5
    assert await allowed(limiter, 1, user="U2") == 1


async def test_cheap_commands_are_never_limited_and_cost_nothing(store: Store) -> None:
    limiter = RateLimiter(store.rate_limits, per_minute=10, burst=5)
    assert all([(await limiter.check("U1", ShowJob("5"))).allowed for _ in range(50)])
    assert all([(await limiter.check("U1", Help(None))).allowed for _ in range(50)])
    assert await allowed(limiter, 5) == 5


async def test_an_idle_user_gets_the_burst_back_but_no_more(store: Store, clock: FakeClock) -> None:
    limiter = RateLimiter(store.rate_limits, per_minute=10, burst=5)
    await allowed(limiter, 5)
    clock.advance(3600)
    assert await allowed(limiter, 10) == 5


async def test_wait_is_rounded_up(store: Store) -> None:
    limiter = RateLimiter(store.rate_limits, per_minute=7, burst=1)
    await limiter.check("U1", Retry("1"))
    decision = await limiter.check("U1", Retry("1"))
    assert decision.retry_after_seconds == pytest.approx(60 / 7)
    assert decision.message.endswith("try again in 9 s")


class Unreachable(RateLimits):
    def __init__(self) -> None:  # no store behind it at all
        pass

    async def take(self, key: str, **_: Any) -> timedelta:
        raise OSError("connection refused")


async def test_an_unreachable_store_does_not_refuse_commands(
    caplog: pytest.LogCaptureFixture,
) -> None:
    limiter = RateLimiter(Unreachable(), per_minute=1, burst=1)
    assert await allowed(limiter, 3) == 3
    assert "the rate limit could not be checked; allowing" in caplog.text


@pytest.mark.parametrize(("per_minute", "burst"), [(0, 5), (-1, 5), (float("nan"), 5), (10, 0)])
async def test_nonsense_settings_are_refused(store: Store, per_minute: float, burst: int) -> None:
    with pytest.raises(ValueError):
        RateLimiter(store.rate_limits, per_minute=per_minute, burst=burst)

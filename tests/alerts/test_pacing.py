"""Per-channel pacing and backoff."""

from __future__ import annotations

from bot.alerts.pacing import ChannelPacer, backoff_seconds


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def test_one_post_per_second_per_channel() -> None:
    t = FakeTime()
    pacer = ChannelPacer(rate=1.0, burst=1, clock=t.clock, sleep=t.sleep)
    for _ in range(5):
        await pacer.acquire("C1")
    assert t.now - 100.0 >= 4.0 - 1e-9  # five posts need four seconds
    before = t.now
    await pacer.acquire("C2")  # another channel has its own bucket
    assert t.now == before


async def test_pause_honours_retry_after() -> None:
    t = FakeTime()
    pacer = ChannelPacer(clock=t.clock, sleep=t.sleep)
    await pacer.acquire("C1")
    pacer.pause("C1", 30.0)
    await pacer.acquire("C1")
    assert t.now >= 130.0
    start = t.now
    await pacer.acquire("C9")
    assert t.now == start


def test_backoff_grows_and_is_capped() -> None:
    delays = [backoff_seconds(n, base=10, cap=300, jitter=0) for n in range(0, 12)]
    assert delays[:5] == [0, 10, 20, 40, 80]
    assert max(delays) == 300
    jittered = backoff_seconds(3, base=10, cap=300, jitter=0.1)
    assert 40 <= jittered <= 44

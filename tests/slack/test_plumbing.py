"""Event dedupe and background tasks: the small parts that keep answers exactly-once."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.slack.dedupe import RecentKeys
from bot.slack.tasks import BackgroundTasks


def test_recent_keys_answers_once_per_window() -> None:
    now = [0.0]
    seen = RecentKeys(ttl=10, capacity=3, clock=lambda: now[0])
    assert seen.first_time("a")
    assert not seen.first_time("a")
    now[0] = 11
    assert seen.first_time("a")  # expired, so a genuinely new delivery


def test_recent_keys_is_bounded() -> None:
    seen = RecentKeys(ttl=100, capacity=2, clock=lambda: 0.0)
    for key in "abc":
        assert seen.first_time(key)
    assert seen.first_time("a")  # evicted to make room
    assert not seen.first_time("c")


async def test_background_tasks_hold_log_and_drain(caplog: pytest.LogCaptureFixture) -> None:
    tasks = BackgroundTasks()
    done = asyncio.Event()

    async def fine() -> None:
        await asyncio.sleep(0.01)
        done.set()

    async def broken() -> None:
        raise RuntimeError("boom")

    async def stuck() -> None:
        await asyncio.sleep(60)

    tasks.spawn(fine(), name="fine")
    tasks.spawn(broken(), name="broken")
    hung = tasks.spawn(stuck(), name="stuck")
    with caplog.at_level(logging.ERROR, logger="bot.slack"):
        await tasks.drain(grace=0.2)
    assert done.is_set()
    assert hung.cancelled()
    assert len(tasks) == 0
    assert "background task broken failed" in caplog.text


async def test_background_tasks_run_at_most_max_running_at_once() -> None:
    tasks = BackgroundTasks(max_running=3)
    running = 0
    peak = 0

    async def work() -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1

    for i in range(10):
        tasks.spawn(work(), name=f"w{i}")
    assert len(tasks) == 10  # all queued at once; none is lost
    await tasks.drain(grace=5)
    assert peak == 3

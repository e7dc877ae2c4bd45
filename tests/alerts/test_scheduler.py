"""The poll loop: APScheduler on the running loop, no overlap, clean stop."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.alerts import AlertScheduler


class SlowPoll:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started = 0
        self.finished = 0
        self.running = 0
        self.most_at_once = 0

    async def tick(self) -> None:
        self.started += 1
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            await asyncio.sleep(self.seconds)
        finally:
            self.running -= 1
        self.finished += 1


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_polls_every_interval_without_overlap_and_stops_cleanly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    poll = SlowPoll(0.12)  # longer than the interval: overlapping ticks must be skipped
    scheduler = AlertScheduler(poll, interval=0.05)
    scheduler.start()
    assert scheduler.running
    await asyncio.sleep(0.6)
    await scheduler.stop(grace=2)
    assert not scheduler.running
    assert poll.started >= 3
    assert poll.most_at_once == 1
    assert poll.finished == poll.started  # the poll in progress was allowed to finish
    count = poll.started
    await asyncio.sleep(0.2)
    assert poll.started == count
    assert errors(caplog) == []


async def test_stop_cancels_a_poll_that_outlasts_the_grace(
    caplog: pytest.LogCaptureFixture,
) -> None:
    poll = SlowPoll(30)
    scheduler = AlertScheduler(poll, interval=10)
    scheduler.start()
    await asyncio.sleep(0.1)
    assert poll.running == 1
    await scheduler.stop(grace=0.1)
    assert poll.running == 0 and poll.finished == 0
    assert errors(caplog) == []


def test_needs_a_positive_interval() -> None:
    with pytest.raises(ValueError):
        AlertScheduler(SlowPoll(0), interval=0)


async def test_a_cron_job_runs_at_its_fields_in_its_zone() -> None:
    scheduler = AlertScheduler(SlowPoll(0), interval=3600)
    ran = asyncio.Event()

    async def job() -> None:
        ran.set()

    scheduler.start()
    try:
        # Every second, in a zone other than the scheduler's own (UTC).
        scheduler.cron(job, {"second": "*"}, job_id="test-cron", timezone="Asia/Tokyo")
        await asyncio.wait_for(ran.wait(), 3)
    finally:
        await scheduler.stop()


async def test_stop_lets_a_housekeeping_job_in_progress_finish_within_the_grace(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A job cut off mid-transaction would leave its store connection to the loop's end."""
    scheduler = AlertScheduler(SlowPoll(0), interval=3600)
    job = SlowPoll(0.3)
    scheduler.every(0.05, job.tick, job_id="test-housekeeping")
    scheduler.start()
    while job.running == 0:
        await asyncio.sleep(0.01)
    await scheduler.stop(grace=5)
    assert job.finished == job.started == 1
    assert errors(caplog) == []


async def test_stop_cancels_a_housekeeping_job_that_outlasts_the_grace() -> None:
    scheduler = AlertScheduler(SlowPoll(0), interval=3600)
    job = SlowPoll(30)
    scheduler.every(0.05, job.tick, job_id="test-housekeeping")
    scheduler.start()
    while job.running == 0:
        await asyncio.sleep(0.01)
    await scheduler.stop(grace=0.1)
    assert job.running == 0 and job.finished == 0


async def test_a_failing_job_is_logged_by_the_scheduler(caplog: pytest.LogCaptureFixture) -> None:
    scheduler = AlertScheduler(SlowPoll(0), interval=3600)
    failed = asyncio.Event()

    async def job() -> None:
        failed.set()
        raise RuntimeError("the prune broke")

    scheduler.every(0.05, job, job_id="test-failing")
    scheduler.start()
    try:
        await asyncio.wait_for(failed.wait(), 5)
        await asyncio.sleep(0.05)
    finally:
        await scheduler.stop()
    logged = [r.exc_info[1] for r in caplog.records if r.exc_info and r.exc_info[1]]
    assert {str(e) for e in logged if isinstance(e, RuntimeError)} == {"the prune broke"}

"""`POST /api/schedules/{id}/backfill` in the sandbox, as Digdag's ScheduleExecutor."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.sandbox import Sandbox
from bot.td import TDClient, errors
from bot.td.models import Schedule


@pytest.fixture
async def td(sandbox: Sandbox) -> AsyncIterator[TDClient]:
    async with TDClient(sandbox.api_key, sandbox.endpoints()) as client:
        yield client


async def sales_schedule(td: TDClient) -> Schedule:
    project = await td.project_by_name("sales_daily")
    assert project is not None
    schedule = await td.schedule_of(project.id, "sales_daily")
    assert schedule is not None and schedule.next_schedule_time is not None
    return schedule


async def test_the_times_run_from_the_first_at_or_after_from_time_up_to_the_next(
    td: TDClient,
) -> None:
    schedule = await sales_schedule(td)
    assert schedule.next_schedule_time is not None
    # 09:00 in Tokyo is past that day's session: the first is the next midnight.
    dry = await td.backfill(schedule.id, "2024-06-01T00:00:00+00:00", "n", dry_run=True)
    times = [a.session_time for a in dry]
    assert [t.isoformat() for t in times[:2]] == [
        "2024-06-02T00:00:00+09:00",
        "2024-06-03T00:00:00+09:00",
    ]
    assert times[-1] < schedule.next_schedule_time and {a.id for a in dry} == {"0"}
    exact = await td.backfill(schedule.id, "2024-06-02T00:00:00+09:00", "n", dry_run=True)
    assert exact[0].session_time == times[0]  # at the time itself: included


async def test_a_count_beyond_the_next_session_is_refused_and_starts_nothing(
    td: TDClient, sandbox: Sandbox
) -> None:
    schedule = await sales_schedule(td)
    with pytest.raises(errors.BadRequest, match="count is set to 50 but there are only"):
        await td.backfill(schedule.id, "2024-06-01T00:00:00+09:00", "n", count=50, dry_run=False)
    assert sandbox.requests.count("/api/attempts", method="PUT") == 0
    started = await td.backfill(
        schedule.id, "2024-06-01T00:00:00+09:00", "n", count=2, dry_run=False
    )
    assert [a.retry_attempt_name for a in started] == ["n", "n"]
    with pytest.raises(errors.Conflict, match="attempt name=n already exists"):
        await td.backfill(schedule.id, "2024-06-02T00:00:00+09:00", "n", count=1, dry_run=True)

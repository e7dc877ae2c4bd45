"""TD's scheduler in the sandbox, over HTTP: lag, stall, disable (by a person or by TD
after repeated failures), hanging runs, the attempt limit, and the params of
scheduled, manual and backfill attempts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from bot.sandbox import Sandbox
from tests.sandbox.shapes import json_of

HOURLY = "web_analytics/pageviews_hourly"  # hourly at :10; the clock starts at 09:30 UTC


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _schedule(api: httpx.Client, sandbox: Sandbox, workflow: str = HOURLY) -> dict[str, Any]:
    found: dict[str, Any] = json_of(api.get(f"/api/schedules/{sandbox.schedule_id(workflow)}"))
    return found


def _sessions(api: httpx.Client, workflow: str = HOURLY) -> list[dict[str, Any]]:
    project_name, name = workflow.split("/")
    project = json_of(api.get("/api/projects", params={"name": project_name}))["projects"][0]
    found: list[dict[str, Any]] = json_of(
        api.get(f"/api/projects/{project['id']}/sessions", params={"workflow": name})
    )["sessions"]
    return found


def _attempt(api: httpx.Client, attempt_id: str) -> dict[str, Any]:
    found: dict[str, Any] = json_of(api.get(f"/api/attempts/{attempt_id}"))
    return found


def _of(api: httpx.Client, ids: list[str], name: str) -> list[dict[str, Any]]:
    return [a for a in map(lambda i: _attempt(api, i), ids) if a["workflow"]["name"] == name]


def test_a_lagging_scheduler_fires_late_and_next_run_time_stays_past(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    before = _schedule(api, sandbox)
    assert before["nextRunTime"] == "2024-06-03T10:10:00Z"
    sandbox.faults.lag_schedules(900, HOURLY)
    sandbox.advance(50 * 60)  # 10:20: due ten minutes ago, not fired yet
    during = _schedule(api, sandbox)
    assert during["nextRunTime"] == before["nextRunTime"]
    assert _time(during["nextRunTime"]) < sandbox.clock.now()
    assert _sessions(api)[0]["sessionTime"] != before["nextScheduleTime"]
    tick = sandbox.advance(5 * 60)  # 10:25: fires now
    [fired] = _of(api, tick.started, "pageviews_hourly")
    assert fired["sessionTime"] == before["nextScheduleTime"] == "2024-06-03T10:00:00+00:00"
    assert fired["createdAt"] == "2024-06-03T10:25:00Z"
    assert _schedule(api, sandbox)["nextRunTime"] == "2024-06-03T11:10:00Z"


def test_a_stalled_scheduler_fires_nothing_until_cleared_then_catches_up(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.faults.stall_schedules()  # the whole account
    tick = sandbox.advance(2 * 3600)  # 11:30
    assert not [a for a in map(lambda i: _attempt(api, i), tick.started) if a["index"] == 1]
    stalled = _schedule(api, sandbox)
    assert stalled["nextRunTime"] == "2024-06-03T10:10:00Z"  # in the past, as TD shows it
    assert stalled["disabledAt"] is None
    sandbox.faults.clear()
    tick = sandbox.advance(1)
    fired = _of(api, tick.started, "pageviews_hourly")
    assert [a["sessionTime"] for a in fired] == [
        "2024-06-03T10:00:00+00:00",
        "2024-06-03T11:00:00+00:00",
    ]
    assert _schedule(api, sandbox)["nextRunTime"] == "2024-06-03T12:10:00Z"


def test_a_stall_of_one_workflow_leaves_the_others_running(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.faults.stall_schedules(HOURLY)
    tick = sandbox.advance(3600)
    names = {a["workflow"]["name"] for a in map(lambda i: _attempt(api, i), tick.started)}
    assert "pageviews_hourly" not in names and "hourly_events" in names


def test_a_disabled_schedule_stands_still_and_catches_up_when_enabled(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    schedule_id = sandbox.schedule_id(HOURLY)
    json_of(api.post(f"/api/schedules/{schedule_id}/disable"))
    sandbox.advance(2 * 3600)
    disabled = _schedule(api, sandbox)
    assert disabled["disabledAt"] == "2024-06-03T09:30:00Z"
    assert disabled["nextRunTime"] == "2024-06-03T10:10:00Z"
    enabled = json_of(api.post(f"/api/schedules/{schedule_id}/enable", json={}))
    assert enabled["disabledAt"] is None
    tick = sandbox.advance(1)
    assert len(_of(api, tick.started, "pageviews_hourly")) == 2


def test_enable_with_skip_schedule_skips_the_missed_slots(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    schedule_id = sandbox.schedule_id(HOURLY)
    json_of(api.post(f"/api/schedules/{schedule_id}/disable"))
    sandbox.advance(2 * 3600)  # 11:30
    enabled = json_of(api.post(f"/api/schedules/{schedule_id}/enable", json={"skipSchedule": True}))
    assert enabled["nextRunTime"] == "2024-06-03T12:10:00Z"
    tick = sandbox.advance(60)
    assert not _of(api, tick.started, "pageviews_hourly")


def test_td_disables_a_schedule_after_repeated_failures(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    # finance_reports/daily_revenue fails every day since a push renamed a column (two
    # of its scheduled sessions failed before now); the hourly ones mostly succeed.
    sandbox.set_disable_after(3)
    assert _schedule(api, sandbox, "finance_reports/daily_revenue")["disabledAt"] is None
    sandbox.advance(86400)
    disabled = _schedule(api, sandbox, "finance_reports/daily_revenue")
    assert disabled["disabledAt"] is not None
    assert _time("2024-06-04T05:00:00Z") < _time(disabled["disabledAt"]) < sandbox.clock.now()
    assert _schedule(api, sandbox, HOURLY)["disabledAt"] is None
    tick = sandbox.advance(86400)
    assert not _of(api, tick.started, "daily_revenue")
    assert _schedule(api, sandbox, "finance_reports/daily_revenue")["nextRunTime"] == (
        "2024-06-05T05:00:00Z"
    )


def test_a_hanging_run_stays_running_until_released(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.hang(HOURLY)
    tick = sandbox.advance(3600)
    [hanging] = _of(api, tick.started, "pageviews_hourly")
    sandbox.advance(12 * 3600)
    assert _attempt(api, hanging["id"])["status"] == "running"
    tasks = json_of(api.get(f"/api/attempts/{hanging['id']}/tasks"))["tasks"]
    [running] = [t for t in tasks if t["state"] == "running"]
    assert running["config"].get("td>") and running["stateParams"]["job"]["jobId"]
    sandbox.release(HOURLY)
    sandbox.advance(1)
    assert _attempt(api, hanging["id"])["status"] == "success"


def test_scheduled_attempts_queue_at_the_attempt_limit(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.set_attempt_limit(0)
    tick = sandbox.advance(3600)
    [queued] = _of(api, tick.started, "pageviews_hourly")
    assert queued["status"] == "queued"
    sandbox.set_attempt_limit(None)
    sandbox.advance(3600)
    assert _attempt(api, queued["id"])["status"] == "success"


def test_scheduled_manual_and_backfill_attempts_differ_in_name_and_params(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    tick = sandbox.advance(2 * 3600)
    first, second = _of(api, tick.started, "pageviews_hourly")
    assert first["retryAttemptName"] is None and first["index"] == 1
    assert second["params"] == {
        "last_session_time": "2024-06-03T10:00:00+00:00",
        "next_session_time": "2024-06-03T12:00:00+00:00",
        "last_executed_session_time": "2024-06-03T10:00:00+00:00",
    }
    workflow_id = first["workflow"]["id"]
    manual = json_of(
        api.put(
            "/api/attempts",
            json={"workflowId": workflow_id, "sessionTime": "2024-06-02T07:30:00Z", "params": {}},
        )
    )
    assert manual["retryAttemptName"] is None
    assert "last_executed_session_time" not in manual["params"]
    schedule_id = sandbox.schedule_id(HOURLY)
    backfill = json_of(
        api.post(
            f"/api/schedules/{schedule_id}/backfill",
            json={"fromTime": "2024-06-03T08:00:00Z", "attemptName": "bf", "dryRun": False},
        )
    )["attempts"]
    assert [a["retryAttemptName"] for a in backfill] == ["bf"] * len(backfill)
    assert backfill[0]["params"]["next_session_time"] == "2024-06-03T09:00:00+00:00"
    assert "last_executed_session_time" in backfill[1]["params"]
    assert _time(backfill[0]["sessionTime"]) < _time(first["sessionTime"]) - timedelta(hours=1)

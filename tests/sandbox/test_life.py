"""The account lives: schedules fire, runs fail and recover, the seeded stories hold."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

from bot.sandbox import Sandbox
from bot.sandbox.corpus import FAILURE_CASES
from tests.sandbox.shapes import all_attempts, attempts, json_of, tasks


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_advance_fires_schedules_and_runs_finish(api: httpx.Client, sandbox: Sandbox) -> None:
    newest = json_of(api.get("/api/sessions", params={"page_size": 1}))["sessions"][0]
    tick = sandbox.advance(3600)
    assert tick.now == datetime.fromisoformat("2024-06-03T10:30:00+00:00")
    assert len(tick.started) >= 5 and tick.finished
    sessions = json_of(api.get("/api/sessions", params={"page_size": 100}))["sessions"]
    fresh = [s for s in sessions if int(s["id"]) > int(newest["id"])]
    assert {s["id"] for s in fresh} == {
        json_of(api.get(f"/api/attempts/{i}"))["sessionId"] for i in tick.started
    }
    hourly = [s for s in fresh if s["workflow"]["name"] == "pageviews_hourly"]
    assert [s["sessionTime"] for s in hourly] == ["2024-06-03T10:00:00+00:00"]
    assert hourly[0]["lastAttempt"]["status"] == "success"
    for attempt_id in tick.finished:
        assert json_of(api.get(f"/api/attempts/{attempt_id}"))["done"] is True


def test_a_day_of_life_has_failures_and_recoveries() -> None:
    with Sandbox(seed=11) as sb:
        tick = sb.advance(24 * 3600)
        with httpx.Client(base_url=sb.url, headers={"Authorization": f"TD1 {sb.api_key}"}) as api:
            made = [json_of(api.get(f"/api/attempts/{i}")) for i in tick.started]
    assert len(made) > 100
    statuses = {a["status"] for a in made}
    assert {"success", "error"} <= statuses
    # finance_reports/daily_revenue keeps failing; transient hourly failures get retried.
    revenue = [a for a in made if a["workflow"]["name"] == "daily_revenue"]
    assert revenue and {a["status"] for a in revenue} == {"error"}
    retries = [a for a in made if a["index"] == 2]
    assert retries and all(a["status"] == "success" for a in retries)


def test_same_seed_same_life() -> None:
    def snapshot(seed: int) -> list[dict[str, object]]:
        with Sandbox(seed=seed) as sb:
            sb.advance(6 * 3600)
            with httpx.Client(
                base_url=sb.url, headers={"Authorization": f"TD1 {sb.api_key}"}
            ) as api:
                found: list[dict[str, object]] = json_of(
                    api.get("/api/attempts", params={"page_size": 100, "include_retried": "true"})
                )["attempts"]
                return found

    assert snapshot(3) == snapshot(3)
    assert snapshot(3) != snapshot(4)


def test_fail_next_fails_a_run_within_the_next_tick(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.fail_next("sales_daily/sales_daily", "presto_missing_column")
    tick = sandbox.advance(60)
    failed = [json_of(api.get(f"/api/attempts/{i}")) for i in tick.finished]
    mine = [a for a in failed if a["workflow"]["name"] == "sales_daily"]
    assert len(mine) == 1 and mine[0]["status"] == "error"
    assert mine[0]["id"] == sandbox.last_attempt_id("sales_daily/sales_daily")
    error = next(t for t in tasks(api, mine[0]["id"]) if t["state"] == "error")
    # The case lands on the workflow's own td> task, its text filled for this run.
    assert error["fullName"] == "+sales_daily+aggregate"
    case = next(c for c in FAILURE_CASES if c.key == "presto_missing_column")
    assert case.job is not None and case.job.stderr is not None
    assert error["error"]["message"].endswith("\n" + case.job.stderr)
    assert "-- task_name: +sales_daily+aggregate" in error["error"]["message"]


def test_fail_next_grafts_a_task_the_workflow_lacks(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.fail_next("web_analytics/bot_filter", "require_upstream_failed")
    sandbox.advance(30)
    attempt_id = sandbox.last_attempt_id("web_analytics/bot_filter")
    assert attempt_id is not None
    failed = [t for t in tasks(api, attempt_id) if t["state"] == "error"]
    assert [t["fullName"] for t in failed] == ["+bot_filter+wait_ingest"]
    assert failed[0]["config"]["require>"] == "daily_ingest"


def test_fail_next_takes_incidents_too(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.fail_next("ingest/hourly_events", "worker_node_errors")
    sandbox.advance(120)
    attempt_id = sandbox.last_attempt_id("ingest/hourly_events")
    assert attempt_id is not None
    failed = next(t for t in tasks(api, attempt_id) if t["state"] == "error")
    job = json_of(api.get(f"/v3/job/show/{failed['stateParams']['job']['jobId']}"))
    assert job["debug"]["stderr"].startswith("Query ")
    assert "errors talking to a worker node" in job["debug"]["stderr"]
    with pytest.raises(KeyError):
        sandbox.fail_next("ingest/hourly_events", "no_such_case")
    with pytest.raises(LookupError):
        sandbox.fail_next("no_such_workflow", "worker_node_errors")


def test_transient_failure_was_retried_into_success(api: httpx.Client) -> None:
    found = attempts(api, project="ingest", workflow="daily_ingest", include_retried="true")
    second = next(a for a in found if a["index"] == 2)
    first = next(a for a in found if a["sessionId"] == second["sessionId"] and a["index"] == 1)
    assert (first["status"], second["status"]) == ("error", "success")
    assert second["retryAttemptName"] is not None
    gap = _parse(second["createdAt"]) - _parse(first["finishedAt"])
    assert timedelta(minutes=11) <= gap <= timedelta(minutes=13)
    failed = next(t for t in tasks(api, first["id"]) if t["state"] == "error")
    assert "cluster is out of memory" in failed["error"]["message"]


def test_long_running_attempt(api: httpx.Client, sandbox: Sandbox) -> None:
    running = [
        a
        for a in attempts(api, project="ml_features", workflow="train_features")
        if a["status"] == "running"
    ]
    assert len(running) == 1
    age = sandbox.clock.now() - _parse(running[0]["createdAt"])
    assert age >= timedelta(hours=4)
    busy = next(t for t in tasks(api, running[0]["id"]) if t["state"] == "running")
    job = json_of(api.get(f"/v3/job/show/{busy['stateParams']['job']['jobId']}"))
    assert job["type"] == "hive" and job["status"] == "running" and job["end_at"] is None
    assert "Status: Running" in job["debug"]["cmdout"]


def test_killed_by_a_person(api: httpx.Client) -> None:
    found = attempts(api, project="marketing_attribution", workflow="attribution_model")
    killed = [a for a in found if a["status"] == "killed"]
    assert len(killed) == 1 and killed[0]["cancelRequested"] and killed[0]["done"]
    states = {t["fullName"]: t["state"] for t in tasks(api, killed[0]["id"])}
    assert states["+attribution_model+model"] == "canceled"
    assert states["+attribution_model"] == "canceled"
    runtime = _parse(killed[0]["finishedAt"]) - _parse(killed[0]["createdAt"])
    # Killed at 40 minutes; the running td> task notices on its next poll (1-30 s).
    assert timedelta(minutes=40, seconds=1) <= runtime <= timedelta(minutes=40, seconds=30)


def test_failing_several_sessions_in_a_row_after_a_push(api: httpx.Client) -> None:
    runs = sorted(
        attempts(api, project="finance_reports", workflow="daily_revenue"),
        key=lambda a: a["sessionTime"],
    )
    statuses = [a["status"] for a in runs]
    assert statuses[-3:] == ["error", "error", "error"]
    good = runs[len(runs) - 4]
    assert good["status"] == "success"
    bad = runs[-1]
    # What changed since the last good run: a new revision (new workflow id) and its config.
    assert good["workflow"]["id"] != bad["workflow"]["id"]
    old = json_of(api.get(f"/api/workflows/{good['workflow']['id']}"))
    new = json_of(api.get(f"/api/workflows/{bad['workflow']['id']}"))
    assert old["revision"] != new["revision"]
    assert old["config"]["_export"]["revenue_column"] == "amount"
    assert new["config"]["_export"]["revenue_column"] == "net_amount"
    messages = {
        next(t for t in tasks(api, a["id"]) if t["state"] == "error")["error"]["message"].split(
            "failed: "
        )[-1]
        for a in runs[-3:]
    }
    assert messages == {"line 9:7: Column 'net_amount' cannot be resolved"}
    project = json_of(api.get("/api/projects", params={"name": "finance_reports"}))["projects"][0]
    revisions = json_of(api.get(f"/api/projects/{project['id']}/revisions"))["revisions"]
    assert [r["revision"] for r in revisions] == [new["revision"], old["revision"]]


def test_hostile_text_reaches_error_messages(api: httpx.Client) -> None:
    messages = [
        t["error"].get("message", "")
        for a in all_attempts(api, include_retried="true")
        if a["status"] == "error" and a["project"]["name"] != "diagnosis_lab"
        for t in tasks(api, a["id"])
        if t["state"] == "error"
    ]
    text = "\n".join(messages)
    for needle in ("<!channel>", "<@U123>", "xoxb-", "api_key=sk_live_"):
        assert needle in text, needle


def test_the_clock_starts_where_asked() -> None:
    now = datetime.fromisoformat("2025-02-10T12:00:00+00:00")
    with Sandbox(seed=5, now=now) as sb:
        assert sb.clock.now() == now
        with httpx.Client(base_url=sb.url, headers={"Authorization": f"TD1 {sb.api_key}"}) as api:
            found = all_attempts(api, include_retried="true")
    created = [_parse(a["createdAt"]) for a in found]
    assert max(created) <= now and min(created) >= now - timedelta(days=4)
    assert max(created) >= now - timedelta(hours=1)

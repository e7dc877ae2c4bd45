"""Workflow API objects look like TD's: camelCase, string ids, nulls, time formats."""

from __future__ import annotations

import httpx

from bot.sandbox import Sandbox
from tests.sandbox.shapes import (
    ATTEMPT_KEYS,
    ATTEMPT_STATUSES,
    INSTANT,
    TASK_KEYS,
    TASK_STATES,
    ZONED,
    is_id,
    json_of,
    tasks,
)


def test_attempt_object(api: httpx.Client, sandbox: Sandbox) -> None:
    attempt_id = sandbox.case_attempt_id("presto_missing_column")
    body = json_of(api.get(f"/api/attempts/{attempt_id}"))
    assert set(body) == ATTEMPT_KEYS
    assert body["id"] == attempt_id
    for key in ("id", "sessionId", "poolId"):
        assert is_id(body[key]), key
    assert is_id(body["project"]["id"]) and body["project"]["name"] == "diagnosis_lab"
    assert is_id(body["workflow"]["id"]) and body["workflow"]["name"] == "presto_missing_column"
    assert INSTANT.match(body["createdAt"]) and INSTANT.match(body["finishedAt"])
    assert ZONED.match(body["sessionTime"])
    assert body["retryAttemptName"] is None  # first attempt: null, not ""
    assert (body["done"], body["success"], body["cancelRequested"]) == (True, False, False)
    assert body["status"] == "error"
    assert body["index"] == 1
    assert isinstance(body["params"], dict) and body["params"]["full_refresh"] is True


def test_session_times_carry_the_workflow_zone(api: httpx.Client) -> None:
    tokyo = json_of(api.get("/api/attempts", params={"project": "cdp_audiences"}))["attempts"]
    utc = json_of(api.get("/api/attempts", params={"project": "ingest"}))["attempts"]
    assert tokyo and utc
    for attempt in tokyo:
        assert attempt["sessionTime"].endswith("+09:00"), attempt["sessionTime"]
    for attempt in utc:
        assert attempt["sessionTime"].endswith("+00:00"), attempt["sessionTime"]
    # daily> sessions sit at local midnight; the run happens at the schedule's time.
    daily = [a for a in tokyo if a["workflow"]["name"] == "build_segments"]
    assert daily and all(a["sessionTime"][11:19] == "00:00:00" for a in daily)


def test_session_object_and_last_attempt(api: httpx.Client) -> None:
    sessions = json_of(api.get("/api/sessions", params={"page_size": 5}))["sessions"]
    assert len(sessions) == 5
    for session in sessions:
        assert set(session) == {
            "id",
            "project",
            "workflow",
            "sessionUuid",
            "sessionTime",
            "lastAttempt",
        }
        assert is_id(session["id"]) and is_id(session["workflow"]["id"])
        last = session["lastAttempt"]
        assert set(last) == ATTEMPT_KEYS - {
            "index",
            "project",
            "workflow",
            "sessionId",
            "sessionUuid",
            "sessionTime",
        }
        assert last["status"] in ATTEMPT_STATUSES
        assert is_id(last["poolId"])
        one = json_of(api.get(f"/api/sessions/{session['id']}"))
        assert one == session


def test_tasks_are_ordered_root_first_with_digdag_fields(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    found = tasks(api, sandbox.case_attempt_id("nested_function_not_registered"))
    ids = [int(t["id"]) for t in found]
    assert ids == sorted(ids)
    root = found[0]
    assert root["parentId"] is None and root["fullName"] == "+nested_function_not_registered"
    assert root["isGroup"] is True and root["state"] == "group_error" and root["error"] == {}
    by_id = {t["id"]: t for t in found}
    for task in found:
        assert set(task) == TASK_KEYS
        assert task["state"] in TASK_STATES
        assert all(is_id(u) for u in task["upstreams"])
        assert task["parentId"] is None or task["parentId"] in by_id
        assert INSTANT.match(task["updatedAt"])
        assert task["retryAt"] is None
        assert task["startedAt"] is None or INSTANT.match(task["startedAt"])
        for key in ("config", "exportParams", "storeParams", "stateParams", "error"):
            assert isinstance(task[key], dict), key
    # Sequential siblings: each waits for the one before it.
    prepare = next(t for t in found if t["fullName"].endswith("+prepare"))
    load = next(t for t in found if t["fullName"].endswith("+load"))
    assert load["upstreams"] == [prepare["id"]]


def test_projects_and_their_workflows(api: httpx.Client) -> None:
    projects = json_of(api.get("/api/projects"))["projects"]
    names = [p["name"] for p in projects]
    assert {"ingest", "sales_daily", "finance_reports", "diagnosis_lab"} <= set(names)
    assert [int(p["id"]) for p in projects] == sorted(int(p["id"]) for p in projects)
    project = projects[0]
    assert set(project) == {
        "id",
        "name",
        "revision",
        "createdAt",
        "updatedAt",
        "deletedAt",
        "archiveType",
        "archiveMd5",
    }
    assert project["deletedAt"] is None and INSTANT.match(project["updatedAt"])

    exact = json_of(api.get("/api/projects", params={"name": "sales_daily"}))["projects"]
    assert [p["name"] for p in exact] == ["sales_daily"]
    assert json_of(api.get("/api/projects", params={"name": "nope"}))["projects"] == []
    like = json_of(api.get("/api/projects", params={"name_pattern": "sales"}))["projects"]
    assert "sales_daily" in [p["name"] for p in like] and "ingest" not in [p["name"] for p in like]

    first = json_of(api.get("/api/projects", params={"count": 2}))["projects"]
    after = json_of(api.get("/api/projects", params={"count": 2, "last_id": first[-1]["id"]}))
    assert [p["id"] for p in first] == [p["id"] for p in projects[:2]]
    assert [p["id"] for p in after["projects"]] == [p["id"] for p in projects[2:4]]

    sales_id = exact[0]["id"]
    flows = json_of(api.get(f"/api/projects/{sales_id}/workflows"))["workflows"]
    assert {"sales_daily", "sales_hourly"} <= {w["name"] for w in flows}
    named = json_of(api.get(f"/api/projects/{sales_id}/workflows", params={"name": "sales_daily"}))[
        "workflows"
    ]
    assert len(named) == 1
    workflow = named[0]
    assert set(workflow) == {"id", "name", "project", "revision", "timezone", "config"}
    assert workflow["timezone"] == "Asia/Tokyo"
    assert workflow["config"]["schedule"] == {"daily>": "09:00:00"}
    assert workflow["project"] == {"id": sales_id, "name": "sales_daily"}
    assert json_of(api.get(f"/api/workflows/{workflow['id']}")) == workflow
    by_name = json_of(api.get(f"/api/projects/{sales_id}/workflows/sales_daily"))
    assert by_name == workflow


def test_all_workflows_page_by_id(api: httpx.Client) -> None:
    every = json_of(api.get("/api/workflows"))["workflows"]
    ids = [int(w["id"]) for w in every]
    assert ids == sorted(ids) and len(ids) > 60
    page = json_of(api.get("/api/workflows", params={"count": 5, "last_id": ids[9]}))
    assert [int(w["id"]) for w in page["workflows"]] == ids[10:15]
    down = json_of(api.get("/api/workflows", params={"order": "desc", "count": 3}))
    assert [int(w["id"]) for w in down["workflows"]] == sorted(ids, reverse=True)[:3]
    assert api.get("/api/workflows", params={"order": "sideways"}).status_code == 400


def test_schedules_ascending_with_both_time_forms(api: httpx.Client) -> None:
    schedules = json_of(api.get("/api/schedules"))["schedules"]
    assert len(schedules) > 20
    ids = [int(s["id"]) for s in schedules]
    assert ids == sorted(ids)
    for schedule in schedules:
        assert set(schedule) == {
            "id",
            "project",
            "workflow",
            "nextRunTime",
            "nextScheduleTime",
            "disabledAt",
        }
        assert INSTANT.match(schedule["nextRunTime"]) and ZONED.match(schedule["nextScheduleTime"])
        assert is_id(schedule["workflow"]["id"]) and schedule["disabledAt"] is None
    rest = json_of(api.get("/api/schedules", params={"last_id": ids[4]}))["schedules"]
    assert [int(s["id"]) for s in rest] == ids[5:]
    one = json_of(api.get(f"/api/schedules/{ids[0]}"))
    assert one == schedules[0]

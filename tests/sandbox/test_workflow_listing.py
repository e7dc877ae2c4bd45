"""Paging, filters and error answers of the Workflow API (td-api.md 3.4-3.7, 3.12)."""

from __future__ import annotations

import httpx
import pytest

from bot.sandbox import Sandbox
from tests.sandbox.shapes import all_attempts, attempts, json_of


def test_sessions_page_down_by_exclusive_last_id(api: httpx.Client) -> None:
    first = json_of(api.get("/api/sessions", params={"page_size": 7}))["sessions"]
    ids = [int(s["id"]) for s in first]
    assert len(ids) == 7 and ids == sorted(ids, reverse=True)
    second = json_of(api.get("/api/sessions", params={"page_size": 7, "last_id": ids[-1]}))
    more = [int(s["id"]) for s in second["sessions"]]
    assert len(more) == 7 and max(more) < ids[-1]
    full = json_of(api.get("/api/sessions"))["sessions"]
    assert len(full) == 100  # the default page
    assert [int(s["id"]) for s in full[:14]] == ids + more


def test_page_size_over_100_is_digdags_400(api: httpx.Client) -> None:
    for path in ("/api/sessions", "/api/attempts"):
        response = api.get(path, params={"page_size": 101})
        body = json_of(response, 400)
        assert body["status"] == 400
        assert body["message"].startswith(
            "Your specified page_size is 101, but it is larger than MAX_PAGE_SIZE: 100"
        )
        assert len(json_of(api.get(path, params={"page_size": 100}))[path.split("/")[2]]) == 100


def test_project_sessions_filter_by_workflow(api: httpx.Client) -> None:
    project = json_of(api.get("/api/projects", params={"name": "web_analytics"}))["projects"][0]
    sessions = json_of(
        api.get(
            f"/api/projects/{project['id']}/sessions",
            params={"workflow": "pageviews_hourly", "page_size": 50},
        )
    )["sessions"]
    assert len(sessions) == 50  # hourly for days: more than a page
    assert {s["workflow"]["name"] for s in sessions} == {"pageviews_hourly"}
    times = [s["sessionTime"] for s in sessions]
    assert times == sorted(times, reverse=True)
    unknown = api.get(f"/api/projects/{project['id']}/sessions", params={"workflow": "nope"})
    assert json_of(unknown)["sessions"] == []


def test_session_attempts_include_retries(api: httpx.Client) -> None:
    retried = [a for a in all_attempts(api, include_retried="true") if a["index"] == 2]
    assert retried, "the seeded account has retried sessions"
    session_id = retried[0]["sessionId"]
    listed = json_of(api.get(f"/api/sessions/{session_id}/attempts"))["attempts"]
    assert [a["index"] for a in listed] == [2, 1]  # newest first
    session = json_of(api.get(f"/api/sessions/{session_id}"))
    assert session["lastAttempt"]["id"] == listed[0]["id"]


def test_attempts_latest_per_session_unless_include_retried(api: httpx.Client) -> None:
    latest = all_attempts(api)
    every = all_attempts(api, include_retried="true")
    assert len(every) > len(latest)
    assert len({a["sessionId"] for a in latest}) == len(latest)
    assert {a["sessionId"] for a in every} == {a["sessionId"] for a in latest}
    for attempt in latest:
        others = [a for a in every if a["sessionId"] == attempt["sessionId"]]
        assert attempt["index"] == max(a["index"] for a in others)
    # Java's Boolean.valueOf: only "true" is true.
    assert len(all_attempts(api, include_retried="1")) == len(latest)


def test_attempts_by_project_and_workflow(api: httpx.Client) -> None:
    ingest = attempts(api, project="ingest", include_retried="true")
    assert ingest and {a["project"]["name"] for a in ingest} == {"ingest"}
    daily = attempts(api, project="ingest", workflow="daily_ingest", include_retried="true")
    assert daily and {a["workflow"]["name"] for a in daily} == {"daily_ingest"}
    ids = [int(a["id"]) for a in daily]
    assert ids == sorted(ids, reverse=True)
    # workflow= works only together with project=: alone it is ignored.
    assert attempts(api, workflow="daily_ingest") == attempts(api)
    missing = api.get("/api/attempts", params={"project": "no_such_project"})
    assert json_of(missing, 404)["status"] == 404


def test_attempt_not_found_body(api: httpx.Client) -> None:
    body = json_of(api.get("/api/attempts/999999999"), 404)
    assert body == {
        "message": "Resource does not exist: session attempt id=999999999",
        "status": 404,
    }


@pytest.mark.parametrize(
    "path",
    [
        "/api/attempts/abc",
        "/api/attempts/12x/tasks",
        "/api/sessions/1.5",
        "/api/projects/-/workflows",
        "/api/workflows/ten",
        "/api/logs/abc/files",
        "/api/schedules/x",
    ],
)
def test_non_numeric_ids_are_404(api: httpx.Client, path: str) -> None:
    assert api.get(path).status_code == 404


def test_retries_list_the_session_by_index(api: httpx.Client) -> None:
    second = next(a for a in all_attempts(api, include_retried="true") if a["index"] == 2)
    listed = json_of(api.get(f"/api/attempts/{second['id']}/retries"))["attempts"]
    assert [a["index"] for a in listed] == [1, 2]
    assert {a["sessionId"] for a in listed} == {second["sessionId"]}
    assert listed[1]["retryAttemptName"] and listed[0]["retryAttemptName"] is None


def test_auth_is_required_except_for_version(
    sandbox: Sandbox, anon: httpx.Client, api: httpx.Client
) -> None:
    assert json_of(anon.get("/api/version"))["version"]
    missing = anon.get("/api/attempts")
    assert json_of(missing, 401)["status"] == 401
    wrong = anon.get("/api/projects", headers={"Authorization": "TD1 31245/" + "0" * 40})
    assert wrong.status_code == 401
    bare = anon.get("/api/projects", headers={"Authorization": sandbox.api_key})
    assert bare.status_code == 401
    assert api.get("/api/projects").status_code == 200

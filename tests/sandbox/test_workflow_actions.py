"""Kill, start, retry and resume through the Workflow API (td-api.md 3.7, 3.8)."""

from __future__ import annotations

from typing import Any

import httpx

from bot.sandbox import Sandbox
from tests.sandbox.shapes import attempts, json_of, tasks


def _running_attempt(api: httpx.Client) -> dict[str, Any]:
    found = attempts(api, project="ml_features", workflow="train_features")
    return next(a for a in found if a["status"] == "running")


def test_kill_only_requests_the_cancel(api: httpx.Client, sandbox: Sandbox) -> None:
    attempt = _running_attempt(api)
    before = tasks(api, attempt["id"])
    running = next(t for t in before if t["state"] == "running")
    blocked = {t["fullName"] for t in before if t["state"] == "blocked"}
    assert blocked, "the seeded attempt has tasks waiting behind the running one"
    job_id = running["stateParams"]["job"]["jobId"]
    assert json_of(api.get(f"/v3/job/show/{job_id}"))["status"] == "running"

    response = api.post(f"/api/attempts/{attempt['id']}/kill", json={})
    body = json_of(response)
    # The body is the attempt as read before the kill was requested.
    assert body["id"] == attempt["id"]
    assert (body["status"], body["cancelRequested"], body["done"]) == ("running", False, False)

    # Only the flag is set: the td> task notices on its next poll, not now.
    meanwhile = json_of(api.get(f"/api/attempts/{attempt['id']}"))
    assert (meanwhile["status"], meanwhile["cancelRequested"], meanwhile["done"]) == (
        "canceling",
        True,
        False,
    )
    states = {t["fullName"]: t for t in tasks(api, attempt["id"])}
    assert states[running["fullName"]]["state"] == "running"
    assert states[running["fullName"]]["cancelRequested"] is True
    assert json_of(api.get(f"/v3/job/show/{job_id}"))["status"] == "running"
    # A second kill in that window finds unfinished tasks to flag: 200, not 409.
    again = api.post(f"/api/attempts/{attempt['id']}/kill", json={})
    assert json_of(again)["cancelRequested"] is True

    sandbox.advance(30)
    after = json_of(api.get(f"/api/attempts/{attempt['id']}"))
    assert (after["status"], after["cancelRequested"], after["done"]) == ("killed", True, True)
    assert after["success"] is False and after["finishedAt"] is not None
    states = {t["fullName"]: t for t in tasks(api, attempt["id"])}
    killed = states[running["fullName"]]
    assert killed["state"] == "canceled" and killed["error"] == {}
    assert killed["cancelRequested"] is True
    # Tasks that never started stay blocked (Digdag unblocks only after a success).
    assert all(states[name]["state"] == "blocked" for name in blocked)
    assert all(t["state"] in ("success", "canceled", "blocked") for t in states.values())
    assert json_of(api.get(f"/v3/job/show/{job_id}"))["status"] == "killed"


def test_kill_of_a_finished_attempt_with_nothing_left_is_409(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    done = next(
        a
        for a in attempts(api, project="ml_features", workflow="train_features")
        if a["status"] == "success"
    )
    assert json_of(api.post(f"/api/attempts/{done['id']}/kill", json={}), 409) == {
        "message": "Session attempt already killed or finished",
        "status": 409,
    }
    assert api.post("/api/attempts/1/kill", json={}).status_code == 404


def test_kill_of_a_failed_attempt_with_blocked_tasks_flags_them(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    # Digdag counts blocked tasks as unfinished: the kill is accepted (200) and the
    # failed attempt then reads as killed, as TD derives its status from the flags.
    attempt_id = sandbox.case_attempt_id("presto_division_by_zero")
    states = [t["state"] for t in tasks(api, attempt_id)]
    assert "blocked" in states
    before = json_of(api.post(f"/api/attempts/{attempt_id}/kill", json={}))
    assert (before["status"], before["done"]) == ("error", True)
    after = json_of(api.get(f"/api/attempts/{attempt_id}"))
    assert (after["status"], after["cancelRequested"]) == ("killed", True)
    assert [t["state"] for t in tasks(api, attempt_id)] == states


def test_write_endpoints_need_a_json_content_type(api: httpx.Client, sandbox: Sandbox) -> None:
    attempt = _running_attempt(api)
    for response in (
        api.post(f"/api/attempts/{attempt['id']}/kill"),
        api.post(f"/api/attempts/{attempt['id']}/kill", content=b"{}"),
        api.put("/api/attempts", content=b"{}", headers={"Content-Type": "text/plain"}),
    ):
        assert json_of(response, 415) == {
            "message": "HTTP 415 Unsupported Media Type",
            "status": 415,
        }
    assert json_of(api.get(f"/api/attempts/{attempt['id']}"))["cancelRequested"] is False
    charset = {"Content-Type": "application/json; charset=utf-8"}
    killed = api.post(f"/api/attempts/{attempt['id']}/kill", content=b"{}", headers=charset)
    assert killed.status_code == 200


def _put(api: httpx.Client, body: dict[str, Any]) -> httpx.Response:
    return api.put("/api/attempts", json=body)


def test_same_session_time_without_a_new_name_is_409_with_the_attempt(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    attempt = json_of(api.get(f"/api/attempts/{sandbox.case_attempt_id('presto_type_mismatch')}"))
    request = {
        "workflowId": attempt["workflow"]["id"],
        "sessionTime": attempt["sessionTime"],
        "params": {},
    }
    conflict = _put(api, request)
    assert json_of(conflict, 409) == attempt  # the body IS the existing attempt
    first = _put(api, {**request, "retryAttemptName": "again-1"})
    retry = json_of(first)
    assert retry["index"] == 2 and retry["sessionId"] == attempt["sessionId"]
    assert retry["retryAttemptName"] == "again-1"
    used = _put(api, {**request, "retryAttemptName": "again-1"})
    assert json_of(used, 409)["id"] == retry["id"]
    retries = json_of(api.get(f"/api/attempts/{attempt['id']}/retries"))["attempts"]
    assert [a["id"] for a in retries] == [attempt["id"], retry["id"]]


def test_resume_failed_reruns_only_what_did_not_succeed(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    # Cluster out of memory is transient: the re-run succeeds.
    failed = json_of(
        api.get(f"/api/attempts/{sandbox.case_attempt_id('presto_cluster_out_of_memory')}")
    )
    old = {t["fullName"]: t for t in tasks(api, failed["id"])}
    resumed = json_of(
        _put(
            api,
            {
                "workflowId": failed["workflow"]["id"],
                "sessionTime": failed["sessionTime"],
                "params": failed["params"],
                "retryAttemptName": "resume-1",
                "resume": {"mode": "failed", "attemptId": failed["id"]},
            },
        )
    )
    assert resumed["status"] == "running" and resumed["index"] == 2
    sandbox.advance(2 * 3600)
    done = json_of(api.get(f"/api/attempts/{resumed['id']}"))
    assert done["status"] == "success"
    new = {t["fullName"]: t for t in tasks(api, resumed["id"])}
    prepare = next(name for name in new if name.endswith("+prepare"))
    aggregate = next(name for name in new if name.endswith("+aggregate"))
    # The successful task was copied, not run again: no start time on TD, no new log.
    assert new[prepare]["state"] == "success" and old[prepare]["startedAt"] is not None
    assert new[prepare]["startedAt"] is None
    assert (
        json_of(api.get(f"/api/logs/{resumed['id']}/files", params={"task": prepare}))["files"]
        == []
    )
    assert new[aggregate]["state"] == "success"
    assert new[aggregate]["startedAt"] != old[aggregate]["startedAt"]
    assert json_of(api.get(f"/api/logs/{resumed['id']}/files", params={"task": aggregate}))["files"]


def test_resume_of_a_deterministic_failure_fails_again(api: httpx.Client, sandbox: Sandbox) -> None:
    failed = json_of(
        api.get(f"/api/attempts/{sandbox.case_attempt_id('presto_syntax_query_failed')}")
    )
    resumed = json_of(
        _put(
            api,
            {
                "workflowId": failed["workflow"]["id"],
                "sessionTime": failed["sessionTime"],
                "params": failed["params"],
                "retryAttemptName": "resume-1",
                "resume": {"mode": "failed", "attemptId": failed["id"]},
            },
        )
    )
    sandbox.advance(2 * 3600)
    again = json_of(api.get(f"/api/attempts/{resumed['id']}"))
    assert again["status"] == "error"
    failing = [t for t in tasks(api, resumed["id"]) if t["state"] == "error"]
    assert [t["fullName"] for t in failing] == ["+presto_syntax_query_failed+aggregate"]
    assert "mismatched input 'FROM'" in failing[0]["error"]["message"]


def test_resume_failed_on_a_successful_attempt_is_400(api: httpx.Client) -> None:
    ok = next(a for a in attempts(api, project="ingest") if a["status"] == "success")
    response = _put(
        api,
        {
            "workflowId": ok["workflow"]["id"],
            "sessionTime": ok["sessionTime"],
            "params": {},
            "retryAttemptName": "nothing-to-resume",
            "resume": {"mode": "failed", "attemptId": ok["id"]},
        },
    )
    assert json_of(response, 400) == {
        "message": "Resuming successfully completed attempts is not supported",
        "status": 400,
    }


def test_new_session_time_starts_a_new_session_by_names(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    started = json_of(
        _put(
            api,
            {
                "projectName": "web_analytics",
                "workflowName": "bot_filter",
                "sessionTime": "2024-06-03T18:00:00+09:00",
                "params": {"manual": True},
            },
        )
    )
    assert started["index"] == 1 and started["retryAttemptName"] is None
    assert started["sessionTime"] == "2024-06-03T18:00:00+09:00"
    assert started["params"] == {"manual": True}
    assert started["status"] == "running"
    session = json_of(api.get(f"/api/sessions/{started['sessionId']}"))
    assert session["lastAttempt"]["id"] == started["id"]
    tick = sandbox.advance(3600)
    assert started["id"] in tick.finished
    assert json_of(api.get(f"/api/attempts/{started['id']}"))["status"] == "success"


def test_put_rejects_what_digdag_rejects(api: httpx.Client) -> None:
    assert _put(api, {"sessionTime": "2024-06-03T00:00:00Z", "params": {}}).status_code == 400
    assert (
        _put(api, {"workflowId": "999999", "sessionTime": "2024-06-03T00:00:00Z", "params": {}})
    ).status_code == 404
    workflow = json_of(api.get("/api/workflows", params={"count": 1}))["workflows"][0]
    assert _put(api, {"workflowId": workflow["id"], "params": {}}).status_code == 400
    no_params = {"workflowId": workflow["id"], "sessionTime": "2024-06-03T00:00:00Z"}
    assert _put(api, no_params).status_code == 400


def test_resume_from_a_task_reruns_it_and_what_follows(api: httpx.Client, sandbox: Sandbox) -> None:
    ok = next(
        a
        for a in attempts(api, project="crm_sync", workflow="salesforce_export")
        if a["status"] == "success"
    )
    resumed = json_of(
        _put(
            api,
            {
                "workflowId": ok["workflow"]["id"],
                "sessionTime": ok["sessionTime"],
                "params": {},
                "retryAttemptName": "from-push",
                "resume": {
                    "mode": "from",
                    "attemptId": ok["id"],
                    "from": "+salesforce_export+push",
                },
            },
        )
    )
    states = {t["fullName"]: t["state"] for t in tasks(api, resumed["id"])}
    assert states["+salesforce_export+extract"] == "success"  # copied
    assert states["+salesforce_export+push"] == "running"
    sandbox.advance(600)
    assert json_of(api.get(f"/api/attempts/{resumed['id']}"))["status"] == "success"


def test_schedules_disable_and_enable(api: httpx.Client, sandbox: Sandbox) -> None:
    schedule = json_of(api.get("/api/schedules"))["schedules"][0]
    disabled = json_of(api.post(f"/api/schedules/{schedule['id']}/disable"))
    assert disabled["disabledAt"] == sandbox.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    assert disabled["createdAt"] == disabled["updatedAt"]  # OSS fills both from creation
    tick = sandbox.advance(2 * 86400)
    started = {json_of(api.get(f"/api/attempts/{i}"))["workflow"]["name"] for i in tick.started}
    assert schedule["workflow"]["name"] not in started
    enabled = json_of(api.post(f"/api/schedules/{schedule['id']}/enable", json={}))
    assert enabled["disabledAt"] is None


def test_unknown_paths_answer_in_each_apis_error_shape(api: httpx.Client) -> None:
    assert json_of(api.get("/api/nothing"), 404) == {"message": "HTTP 404 Not Found", "status": 404}
    v3 = json_of(api.get("/v3/nothing"), 404)
    assert set(v3) == {"error", "message", "text", "severity"}
    assert api.delete("/api/attempts").status_code == 405


def test_a_deleted_attempt_is_gone_from_every_endpoint_as_at_td(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    attempt = _running_attempt(api)
    attempt_id, session_id = attempt["id"], attempt["sessionId"]
    job_id = next(t for t in tasks(api, attempt_id) if t["state"] == "running")["stateParams"][
        "job"
    ]["jobId"]
    sandbox.delete_attempt(attempt_id)

    missing = {
        "message": f"Resource does not exist: session attempt id={attempt_id}",
        "status": 404,
    }
    for path in ("", "/tasks", "/retries"):
        assert json_of(api.get(f"/api/attempts/{attempt_id}{path}"), 404) == missing
    assert json_of(api.get(f"/api/logs/{attempt_id}/files"), 404) == missing
    assert json_of(api.post(f"/api/attempts/{attempt_id}/kill", json={}), 404) == missing
    listed = attempts(api, project="ml_features", workflow="train_features")
    assert attempt_id not in {a["id"] for a in listed}
    assert attempt_id not in {a["id"] for a in attempts(api, include_retried="true")}
    # Its session had no other attempt: it is gone too.
    assert json_of(api.get(f"/api/sessions/{session_id}"), 404)["status"] == 404
    assert session_id not in {s["id"] for s in json_of(api.get("/api/sessions"))["sessions"]}

    # Its run stops: no later tick reports it; the TD job it started ends on its own.
    finished = [i for _ in range(24) for i in sandbox.advance(3600).finished]
    assert attempt_id not in finished
    assert json_of(api.get(f"/v3/job/show/{job_id}"))["status"] == "success"

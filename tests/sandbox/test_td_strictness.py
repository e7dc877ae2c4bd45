"""Where TD is less kind than a naive fake: limits, replays, null start times, the log."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from bot.sandbox import Sandbox
from tests.sandbox.shapes import attempts, json_of, tasks


def _running(api: httpx.Client) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json_of(api.get("/api/attempts", params={"page_size": 100}))[
        "attempts"
    ]
    return [a for a in found if not a["done"]]


def _new_session(api: httpx.Client, **extra: Any) -> httpx.Response:
    workflow = json_of(api.get("/api/projects", params={"name": "ingest"}))["projects"][0]
    found = json_of(
        api.get(f"/api/projects/{workflow['id']}/workflows", params={"name": "daily_ingest"})
    )
    body = {
        "workflowId": found["workflows"][0]["id"],
        "sessionTime": "2024-06-20T00:00:00+00:00",
        "params": {},
        **extra,
    }
    return api.put("/api/attempts", json=body)


def test_the_attempt_limit_answers_400_or_queues(api: httpx.Client, sandbox: Sandbox) -> None:
    running = len(_running(api))
    assert running > 0
    sandbox.set_attempt_limit(running)

    refused = _new_session(api)
    assert json_of(refused, 400) == {
        "message": f"Too many attempts running. Limit: {running}, Current: {running}",
        "status": 400,
    }
    # The limit comes before the (session, name) check: a replay at the limit is 400 too.
    done = next(a for a in attempts(api, project="ingest", workflow="daily_ingest") if a["done"])
    replay = {
        "workflowId": done["workflow"]["id"],
        "sessionTime": done["sessionTime"],
        "params": {},
    }
    assert api.put("/api/attempts", json=replay).status_code == 400

    queued = json_of(_new_session(api, allowQueueing=True))
    assert (queued["status"], queued["done"]) == ("queued", False)
    assert {t["state"] for t in tasks(api, queued["id"])} == {"blocked"}
    assert len(_running(api)) == running + 1  # listed, though not counted against the limit

    for _ in range(48):  # running attempts end within hours; the queued one then starts
        sandbox.advance(600)
        now = json_of(api.get(f"/api/attempts/{queued['id']}"))
        if now["status"] != "queued":
            break
    assert now["status"] in ("running", "success")
    sandbox.set_attempt_limit(len(_running(api)))
    waiting = json_of(
        _new_session(api, sessionTime="2024-06-22T00:00:00+00:00", allowQueueing=True)
    )
    assert waiting["status"] == "queued"
    sandbox.set_attempt_limit(None)  # room at once: the queued attempt starts now
    assert json_of(api.get(f"/api/attempts/{waiting['id']}"))["status"] == "running"
    assert json_of(_new_session(api, sessionTime="2024-06-21T00:00:00+00:00"))["status"] == (
        "running"
    )


def test_a_replayed_retry_name_answers_409_with_that_attempt(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    failed = json_of(api.get(f"/api/attempts/{sandbox.case_attempt_id('presto_missing_column')}"))
    body = {
        "workflowId": failed["workflow"]["id"],
        "sessionTime": failed["sessionTime"],
        "params": failed["params"],
        "retryAttemptName": "same-name",
        "resume": {"mode": "failed", "attemptId": failed["id"]},
    }
    first = json_of(api.put("/api/attempts", json=body))
    again = api.put("/api/attempts", json=body)
    assert json_of(again, 409) == first | {"status": json_of(again, 409)["status"]}
    assert json_of(again, 409)["id"] == first["id"]
    retries = json_of(api.get(f"/api/attempts/{failed['id']}/retries"))["attempts"]
    assert [a["retryAttemptName"] for a in retries] == [None, "same-name"]


def test_a_lost_answer_still_did_the_work(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.faults.lose_answers(1, 504, "/api/attempts")
    assert _new_session(api).status_code == 504
    replay = _new_session(api)
    assert replay.status_code == 409  # the first PUT started the session after all
    assert [r.status for r in sandbox.requests.records if r.method == "PUT"] == [504, 409]


def test_groups_and_copied_tasks_have_no_start_time(api: httpx.Client, sandbox: Sandbox) -> None:
    started = json_of(_new_session(api))
    sandbox.advance(5)
    groups = [t for t in tasks(api, started["id"]) if t["isGroup"]]
    assert groups and all(t["startedAt"] is None for t in groups)
    assert {t["state"] for t in groups} == {"planned"}
    sandbox.advance(6 * 3600)
    finished = tasks(api, started["id"])
    assert all(t["startedAt"] is None for t in finished if t["isGroup"])
    assert all(t["startedAt"] is not None for t in finished if not t["isGroup"])


def test_scheduled_attempts_carry_their_neighbouring_session_times(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    tick = sandbox.advance(26 * 3600)
    scheduled = [json_of(api.get(f"/api/attempts/{attempt_id}")) for attempt_id in tick.started]
    with_params = [a for a in scheduled if "next_session_time" in a["params"]]
    assert with_params
    for attempt in with_params:
        session = datetime.fromisoformat(attempt["sessionTime"])
        last = datetime.fromisoformat(attempt["params"]["last_session_time"])
        following = datetime.fromisoformat(attempt["params"]["next_session_time"])
        assert last < session < following
        assert following - session in (timedelta(hours=1), timedelta(days=1))
        assert attempt["params"]["next_session_time"][-6:] == attempt["sessionTime"][-6:]


def test_a_request_is_in_the_log_before_its_answer_arrives(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.requests.clear()
    for sent in range(1, 41):
        api.get("/api/version")
        assert sandbox.requests.count("/api/version") == sent

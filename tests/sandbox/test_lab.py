"""Every corpus case is served as the failed attempt it describes (the diagnosis lab)."""

from __future__ import annotations

import gzip
import re
from datetime import datetime
from typing import Any

import httpx
import pytest

from bot.sandbox import Sandbox
from bot.sandbox.cases import FailureCase
from bot.sandbox.corpus import FAILURE_CASES
from bot.sandbox.realise import Placeholders
from tests.sandbox.shapes import attempts, json_of, tasks

# How a log reader finds the job: "Started … job id=N", "… job name=x, id=N", "TD job N failed".
LOG_JOB_ID = re.compile(r"(?:job id=|, id=|TD job )(\d+)")


def _full_name(case_key: str, path: tuple[str, ...]) -> str:
    # Digdag-generated elements (^sla^fail, ^error) hang on their owner without a "+".
    return f"+{case_key}" + "".join(e if e.startswith("^") else f"+{e}" for e in path)


def _job_id(case: FailureCase, task: dict[str, Any], log: str) -> str:
    """Found the way a client must find it: state params, store params or the log."""
    assert case.job is not None
    found = []
    if "state_params" in case.job.id_in:
        found.append(task["stateParams"]["job"]["jobId"])
    if "store_params" in case.job.id_in:
        found.append(task["storeParams"]["td"]["last_job_id"])
    if "log" in case.job.id_in:
        found.extend(LOG_JOB_ID.findall(log)[:1])
    assert found and len(set(found)) == 1, found
    return str(found[0])


def _task_log(api: httpx.Client, attempt_id: str, full_name: str) -> str:
    files = json_of(api.get(f"/api/logs/{attempt_id}/files", params={"task": full_name}))["files"]
    return "".join(
        gzip.decompress(api.get(f"/api/logs/{attempt_id}/files/{f['fileName']}").content).decode()
        for f in files
        if f["taskName"] == full_name
    )


def _check_failing_task(
    api: httpx.Client,
    attempt: dict[str, Any],
    case_key: str,
    case: FailureCase,
    by_name: dict[str, dict[str, Any]],
) -> None:
    full_name = _full_name(case_key, case.path)
    task = by_name[full_name]
    assert task["state"] == case.state
    assert task["config"] == case.config
    log = _task_log(api, attempt["id"], full_name)
    job_id = _job_id(case, task, log) if case.job else ""
    fill = Placeholders(
        job_id=job_id,
        attempt_id=attempt["id"],
        session_id=attempt["sessionId"],
        task=full_name,
        project="diagnosis_lab",
        workflow=case_key,
    )
    assert task["error"] == ({} if case.state == "canceled" else fill.fill(case.error))
    if case.job is not None:
        job = json_of(api.get(f"/v3/job/show/{job_id}"))
        assert job["status"] == case.job.status and job["type"] == case.job.type
        assert job["debug"]["stderr"] == fill.fill(case.job.stderr)
        assert job["debug"]["cmdout"] == fill.fill(case.job.cmdout)
    if case.log is None:
        assert log == ""
        return
    for entry in case.log:
        level, _, rest = entry.partition("|")
        text = fill.fill(rest)
        if level:
            cls, _, message = text.partition("|")
            assert f"[{level}] (" in log and f") {cls}: {message}\n" in log, entry
        else:
            assert f"\n{text}\n" in log, entry
    if case.task_runs_hours:
        started = datetime.fromisoformat(task["startedAt"].replace("Z", "+00:00"))
        ended = datetime.fromisoformat(task["updatedAt"].replace("Z", "+00:00"))
        hours = (ended - started).total_seconds() / 3600
        assert abs(hours - case.task_runs_hours) < 0.01


@pytest.mark.parametrize("case", FAILURE_CASES, ids=lambda c: c.key)
def test_case_is_realised(api: httpx.Client, sandbox: Sandbox, case: FailureCase) -> None:
    attempt = json_of(api.get(f"/api/attempts/{sandbox.case_attempt_id(case.key)}"))
    assert attempt["workflow"]["name"] == case.key
    assert attempt["project"]["name"] == "diagnosis_lab"
    killed = case.attempt_killed
    assert attempt["status"] == ("killed" if killed else "error")
    assert attempt["cancelRequested"] is killed and attempt["done"] is True
    found = tasks(api, attempt["id"])
    by_name = {t["fullName"]: t for t in found}
    failing = [case, *case.siblings]
    for one in failing:
        _check_failing_task(api, attempt, case.key, one, by_name)
    group_state = "canceled" if killed else "group_error"
    failing_names = {_full_name(case.key, c.path) for c in failing}
    by_id = {t["id"]: t for t in found}
    ancestors: set[str] = set()
    for name in failing_names:
        parent = by_name[name]["parentId"]
        while parent is not None:
            ancestors.add(parent)
            parent = by_id[parent]["parentId"]
    for task in found:
        if task["id"] in ancestors or task["parentId"] is None:
            assert task["state"] == group_state and task["error"] == {}, task["fullName"]
    others = [
        t
        for t in found
        if t["fullName"] not in failing_names and t["id"] not in ancestors and t["parentId"]
    ]
    allowed = {"success", "blocked", "canceled"} if killed else {"success", "blocked"}
    assert all(t["state"] in allowed for t in others), [(t["fullName"], t["state"]) for t in others]
    assert all(t["error"] == {} for t in others)
    handler = by_name.get(f"+{case.key}^error")
    assert (handler is not None) is case.has_error_handler
    if handler is not None and handler["fullName"] not in failing_names:
        assert handler["state"] == "success" and handler["error"] == {}
    alert = by_name.get(f"+{case.key}^failure-alert")
    assert (alert is not None) is not killed
    if alert is not None:
        assert alert["state"] == "success"


def test_last_good_run_differs_in_revision_and_params(api: httpx.Client, sandbox: Sandbox) -> None:
    failed = json_of(api.get(f"/api/attempts/{sandbox.case_attempt_id('hive_table_not_found')}"))
    runs = attempts(api, project="diagnosis_lab", workflow="hive_table_not_found")
    good = [a for a in runs if a["status"] == "success"]
    assert len(good) == 2
    last_good = max(good, key=lambda a: a["createdAt"])
    assert last_good["params"] != failed["params"]
    assert last_good["workflow"]["id"] != failed["workflow"]["id"]
    old = json_of(api.get(f"/api/workflows/{last_good['workflow']['id']}"))
    new = json_of(api.get(f"/api/workflows/{failed['workflow']['id']}"))
    assert old["revision"] != new["revision"] and old["config"] != new["config"]


@pytest.mark.parametrize("failing", [1, 5, 20])
def test_attempts_with_many_failing_tasks(
    api: httpx.Client, sandbox: Sandbox, failing: int
) -> None:
    attempt_id = sandbox.multi_failure_attempt_id(failing)
    assert sandbox.multi_failure_attempt_id(failing) == attempt_id
    attempt = json_of(api.get(f"/api/attempts/{attempt_id}"))
    assert attempt["status"] == "error"
    errors = [t for t in tasks(api, attempt_id) if t["state"] == "error"]
    assert len(errors) == failing
    assert all(t["error"].get("message") for t in errors)
    assert len({t["fullName"] for t in errors}) == failing


def test_inject_failures_makes_them_now(api: httpx.Client, sandbox: Sandbox) -> None:
    made = sandbox.inject_failures(12)
    assert len(made) == 12
    for attempt_id in made:
        attempt = json_of(api.get(f"/api/attempts/{attempt_id}"))
        assert attempt["status"] == "error"
        assert attempt["finishedAt"] == sandbox.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    assert len({json_of(api.get(f"/api/attempts/{i}"))["workflow"]["id"] for i in made}) == 12

"""REST API v3: jobs, databases, tables, account (td-api.md section 2)."""

from __future__ import annotations

import gzip
import json
from typing import Any

import httpx
import msgpack  # type: ignore[import-untyped]  # an independent decoder
import pytest

from bot.sandbox import Sandbox
from bot.sandbox.corpus import FAILURE_CASES
from tests.sandbox.shapes import V3_TIME, json_of, tasks

V3_ERROR_KEYS = {"error", "message", "text", "severity"}


def _jobs(api: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = json_of(api.get("/v3/job/list", params=params))["jobs"]
    return result


def test_job_list_defaults_to_the_20_newest(api: httpx.Client) -> None:
    body = json_of(api.get("/v3/job/list"))
    jobs = body["jobs"]
    assert len(jobs) == 20
    ids = [int(j["job_id"]) for j in jobs]
    assert ids == sorted(ids, reverse=True)
    assert body["from"] is None and body["to"] is None
    job = jobs[0]
    assert isinstance(job["job_id"], str) and "jobId" not in job
    assert V3_TIME.match(job["created_at"]) and V3_TIME.match(job["updated_at"])
    assert job["url"].endswith(f"/app/jobs/{job['job_id']}")


def test_job_list_to_is_inclusive(api: httpx.Client) -> None:
    newest = _jobs(api)
    window = json_of(api.get("/v3/job/list", params={"from": 2, "to": 4}))
    assert [j["job_id"] for j in window["jobs"]] == [j["job_id"] for j in newest[2:5]]
    assert (window["from"], window["to"]) == (2, 4)
    assert len(_jobs(api, **{"from": 0, "to": 49})) == 50


def test_job_list_status_filter(api: httpx.Client) -> None:
    failed = _jobs(api, status="error", to=9)
    assert len(failed) == 10 and {j["status"] for j in failed} == {"error"}
    assert {j["status"] for j in _jobs(api, status="success")} == {"success"}


def test_job_show_has_debug_output(api: httpx.Client) -> None:
    done = _jobs(api, status="success")[0]
    job = json_of(api.get(f"/v3/job/show/{done['job_id']}"))
    assert set(job) >= {
        "job_id",
        "type",
        "status",
        "query",
        "database",
        "user_name",
        "url",
        "created_at",
        "updated_at",
        "start_at",
        "end_at",
        "duration",
        "cpu_time",
        "result_size",
        "num_records",
        "result",
        "priority",
        "retry_limit",
        "hive_result_schema",
        "debug",
    }
    assert V3_TIME.match(job["start_at"]) and V3_TIME.match(job["end_at"])
    assert isinstance(job["duration"], int) and isinstance(job["num_records"], int)
    cmdout = job["debug"]["cmdout"]
    assert cmdout.startswith("started at ") and "finished at " in cmdout
    assert job["debug"]["stderr"] is None
    if job["type"] == "presto":
        assert "presto version: " in cmdout and f"{job['num_records']} rows." in cmdout


def test_failed_case_job_carries_the_case_text(api: httpx.Client, sandbox: Sandbox) -> None:
    case = next(c for c in FAILURE_CASES if c.key == "presto_node_memory_limit")
    assert case.job is not None and case.job.stderr is not None
    task = next(
        t
        for t in tasks(api, sandbox.case_attempt_id(case.key))
        if t["fullName"].endswith("+aggregate")
    )
    job_id = task["stateParams"]["job"]["jobId"]
    job = json_of(api.get(f"/v3/job/show/{job_id}"))
    assert job["status"] == "error" and job["type"] == "presto"
    assert job["debug"]["stderr"] == case.job.stderr
    # td> builds the task error from exactly cmdout + "\n" + stderr (failures.md 1.2).
    assert task["error"]["message"] == job["debug"]["cmdout"] + "\n" + job["debug"]["stderr"]


def test_job_status_and_not_found(api: httpx.Client) -> None:
    job = _jobs(api)[0]
    status = json_of(api.get(f"/v3/job/status/{job['job_id']}"))
    assert set(status) == {
        "job_id",
        "status",
        "created_at",
        "updated_at",
        "start_at",
        "end_at",
        "duration",
        "cpu_time",
        "result_size",
        "num_records",
    }
    assert status["job_id"] == job["job_id"] and status["status"] == job["status"]
    missing = json_of(api.get("/v3/job/show/1"), 404)
    assert set(missing) == V3_ERROR_KEYS and "Couldn't find Job" in missing["message"]
    assert api.get("/v3/job/show/abc").status_code == 404


def test_kill_of_a_finished_job_reports_its_status(api: httpx.Client) -> None:
    job = _jobs(api, status="success")[0]
    killed = json_of(api.post(f"/v3/job/kill/{job['job_id']}"))
    assert killed["former_status"] == "success"
    assert json_of(api.get(f"/v3/job/status/{job['job_id']}"))["status"] == "success"


def test_kill_of_a_running_job_fails_its_task(api: httpx.Client, sandbox: Sandbox) -> None:
    running = _jobs(api, status="running")
    job_id = next(j["job_id"] for j in running if j["database"] == "ml")  # today's long Hive build
    assert json_of(api.post(f"/v3/job/kill/{job_id}"))["former_status"] == "running"
    job = json_of(api.get(f"/v3/job/show/{job_id}"))
    assert job["status"] == "killed" and job["end_at"] is not None
    sandbox.advance(10)  # Digdag's ^failure-alert task runs before the attempt ends
    attempt = next(
        a
        for a in json_of(
            api.get(
                "/api/attempts", params={"project": "ml_features", "workflow": "train_features"}
            )
        )["attempts"]
        if a["sessionTime"].startswith("2024-06-03")
    )
    # The td> task polls, sees KILLED and fails: the attempt errors (nobody killed it).
    assert attempt["status"] == "error" and attempt["cancelRequested"] is False
    failing = next(t for t in tasks(api, attempt["id"]) if t["state"] == "error")
    assert failing["error"]["message"].startswith(job["debug"]["cmdout"])
    logs = json_of(
        api.get(f"/api/logs/{attempt['id']}/files", params={"task": failing["fullName"]})
    )
    text = gzip.decompress(
        api.get(f"/api/logs/{attempt['id']}/files/{logs['files'][-1]['fileName']}").content
    ).decode()
    assert f"> TD job {job_id} failed with status KILLED (td job)" in text


def test_databases_and_tables(api: httpx.Client) -> None:
    databases = json_of(api.get("/v3/database/list"))["databases"]
    by_name = {d["name"]: d for d in databases}
    assert {"sales", "finance", "sample_datasets"} <= set(by_name)
    sales = by_name["sales"]
    assert V3_TIME.match(sales["created_at"]) and sales["permission"]
    assert sales["organization"] is None and isinstance(sales["delete_protected"], bool)
    body = json_of(api.get("/v3/table/list/finance"))
    assert body["database"] == "finance"
    payments = next(t for t in body["tables"] if t["name"] == "payments")
    schema = json.loads(payments["schema"])  # a JSON string, as TD sends it
    assert ["amount", "double"] in schema and all(len(c) >= 2 for c in schema)
    assert "net_amount" not in [c[0] for c in schema]
    assert isinstance(payments["id"], int) and payments["type"] == "log"
    missing = json_of(api.get("/v3/table/list/no_such_db"), 404)
    assert set(missing) == V3_ERROR_KEYS
    assert missing["message"] == "Couldn't find UserDatabase with name = no_such_db"


def test_account_and_server_status(api: httpx.Client, anon: httpx.Client) -> None:
    account = json_of(api.get("/v3/account/show"))["account"]
    assert account["id"] == 31245 and isinstance(account["storage_size"], int)
    assert json_of(anon.get("/v3/system/server_status")) == {"status": "ok"}
    unauthorized = json_of(anon.get("/v3/job/list"), 401)
    assert set(unauthorized) == V3_ERROR_KEYS


@pytest.mark.parametrize("encoding", ["form", "multipart", "query"])
def test_issue_accepts_every_parameter_encoding(
    api: httpx.Client, sandbox: Sandbox, encoding: str
) -> None:
    sql = "SELECT COUNT(1) FROM orders"
    if encoding == "form":
        response = api.post("/v3/job/issue/presto/sales", data={"query": sql, "priority": "1"})
    elif encoding == "multipart":
        response = api.post(
            "/v3/job/issue/presto/sales", files={"query": (None, sql), "priority": (None, "1")}
        )
    else:
        response = api.post("/v3/job/issue/presto/sales", params={"query": sql, "priority": "1"})
    issued = json_of(response)
    assert set(issued) == {"job", "job_id", "database"} and issued["database"] == "sales"
    job = json_of(api.get(f"/v3/job/show/{issued['job_id']}"))
    assert (job["status"], job["query"], job["priority"]) == ("queued", sql, 1)
    sandbox.advance(120)
    assert json_of(api.get(f"/v3/job/status/{issued['job_id']}"))["status"] == "success"


def test_job_results_in_each_format(api: httpx.Client, sandbox: Sandbox) -> None:
    issued = json_of(api.post("/v3/job/issue/presto/sales", data={"query": "SELECT 1"}))
    sandbox.advance(120)
    job_id = issued["job_id"]
    job = json_of(api.get(f"/v3/job/show/{job_id}"))
    columns = [c[0] for c in json.loads(job["hive_result_schema"])]
    rows = job["num_records"]
    lines = api.get(f"/v3/job/result/{job_id}", params={"format": "json", "header": "true"})
    parsed = [json.loads(line) for line in lines.text.splitlines()]
    assert parsed[0] == columns and len(parsed) == rows + 1
    csv = api.get(f"/v3/job/result/{job_id}", params={"format": "csv"}).text.splitlines()
    assert len(csv) == rows and csv[0].count(",") == len(columns) - 1
    tsv = api.get(f"/v3/job/result/{job_id}", params={"format": "tsv", "header": "true"})
    assert tsv.text.splitlines()[0].split("\t") == columns
    packed = api.get(f"/v3/job/result/{job_id}", params={"format": "msgpack.gz"}).content
    unpacker = msgpack.Unpacker()
    unpacker.feed(gzip.decompress(packed))
    unpacked = list(unpacker)
    assert [list(r) for r in unpacked] == parsed[1:]

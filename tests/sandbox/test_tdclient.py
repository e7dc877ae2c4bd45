"""TD's own Python client (td-client) reads the sandbox's v3 API without complaint."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import tdclient

from bot.sandbox import Sandbox
from bot.sandbox.corpus import FAILURE_CASES


@pytest.fixture
def td(sandbox: Sandbox) -> Iterator[tdclient.Client]:
    # No trailing slash on purpose: td-client then asks for "//v3/...", as it does
    # with TD_API_SERVER=https://api.treasuredata.com, and TD's front end copes.
    with tdclient.Client(apikey=sandbox.api_key, endpoint=sandbox.url) as client:
        yield client


def test_jobs_and_job_debug(td: tdclient.Client) -> None:
    jobs = td.jobs()
    assert len(jobs) == 20
    ids = [int(j.job_id) for j in jobs]
    assert ids == sorted(ids, reverse=True)
    newest = jobs[0]
    assert newest.type == "presto" and newest.database
    # td-client annotates these as str; at run time it hands out parsed datetimes.
    created: Any = newest._created_at
    assert isinstance(created, datetime) and created.tzinfo is not None
    assert created <= datetime(2024, 6, 3, 9, 30, tzinfo=UTC)
    failed = td.jobs(0, 4, "error")
    assert len(failed) == 5 and all(j._status == "error" for j in failed)
    job = td.job(failed[0].job_id)
    assert job.debug is not None and set(job.debug) == {"cmdout", "stderr"}
    assert job.debug["stderr"]
    assert job.status() == "error" and job.finished()
    assert td.job_status(failed[0].job_id) == "error"


def test_a_case_job_through_tdclient(td: tdclient.Client, sandbox: Sandbox) -> None:
    case = next(c for c in FAILURE_CASES if c.key == "hive_tez_oom")
    assert case.job is not None and case.job.stderr is not None
    matches = [
        j for j in td.jobs(0, 999, "error") if j._database == case.job.database and j.type == "hive"
    ]
    assert matches
    job = td.job(matches[0].job_id)
    assert job.debug is not None and job.debug["stderr"] == case.job.stderr
    query = job.query or ""
    assert query.endswith("GROUP BY user_id")
    assert "-- task_name: +hive_tez_oom+aggregate" in query


def test_databases_and_tables(td: tdclient.Client) -> None:
    databases = {d.name: d for d in td.databases()}
    assert {"sales", "finance", "web"} <= set(databases)
    assert databases["finance"].count == 3
    tables = {t.name: t for t in td.tables("finance")}
    assert set(tables) == {"payments", "revenue_daily", "ledger"}
    payments = tables["payments"]
    schema = [list(column) for column in payments.schema or []]
    assert schema == [["payment_id", "string"], ["currency", "string"], ["amount", "double"]]
    assert (payments.count or 0) > 0 and (payments.estimated_storage_size or 0) > 0
    assert payments.last_import is not None


def test_server_status_and_kill(td: tdclient.Client) -> None:
    assert td.server_status() == "ok"
    done = td.jobs(0, 0, "success")[0]
    assert td.kill(done.job_id) == "success"

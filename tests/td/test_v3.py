"""REST API v3 calls against the sandbox over loopback HTTP."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from bot.sandbox import Sandbox
from bot.td import TDClient
from bot.td.errors import NotFound
from bot.td.models import JobStatus


async def test_server_status(td: TDClient) -> None:
    assert await td.server_status() == "ok"


async def test_jobs_window_uses_an_inclusive_to(td: TDClient, sandbox: Sandbox) -> None:
    newest = await td.jobs(limit=5)
    window = await td.jobs(offset=2, limit=3)
    assert len(newest) == 5
    assert [j.job_id for j in window] == [j.job_id for j in newest[2:5]]
    ids = [int(j.job_id) for j in newest]
    assert ids == sorted(ids, reverse=True)  # newest first
    records = sandbox.requests.records
    queries = [parse_qs(r.query) for r in records if r.path == "/v3/job/list"]
    assert queries == [{"from": ["0"], "to": ["4"]}, {"from": ["2"], "to": ["4"]}]


async def test_iter_jobs_pages_through_everything(td: TDClient, sandbox: Sandbox) -> None:
    by_40 = [j.job_id async for j in td.iter_jobs(page_size=40)]
    sent = len(sandbox.requests.records)
    by_100 = [j.job_id async for j in td.iter_jobs()]
    assert by_40 == by_100
    assert len(set(by_40)) == len(by_40) > 100
    assert sent == len(by_40) // 40 + 1  # the last, short (or empty) page ends it


async def test_status_filter(td: TDClient) -> None:
    failed = [j async for j in td.iter_jobs(status="error", page_size=25)]
    assert failed and all(j.status is JobStatus.ERROR for j in failed)
    running = await td.jobs(status=JobStatus.RUNNING, limit=100)
    assert running and all(j.status is JobStatus.RUNNING for j in running)


async def test_job_show_carries_debug_output(td: TDClient, sandbox: Sandbox) -> None:
    # The recipe of td-api.md 3.9: failing task -> stateParams.job.jobId -> job show.
    attempt_id = sandbox.case_attempt_id("presto_missing_column")
    failing = [t for t in await td.tasks(attempt_id) if t.state == "error"]
    job_id = failing[0].state_params["job"]["jobId"]
    job = await td.job(job_id)
    assert job.job_id == job_id and job.status is JobStatus.ERROR
    assert job.debug is not None and job.debug.stderr
    assert "discount_amt" in job.debug.stderr
    assert job.debug.cmdout and "presto version" in job.debug.cmdout
    summary = await td.job_status(int(job_id))
    assert (summary.job_id, summary.status, summary.end_at) == (job_id, job.status, job.end_at)


async def test_kill_job(td: TDClient) -> None:
    running = (await td.jobs(status="running", limit=1))[0]
    killed = await td.kill_job(running.job_id)
    assert killed.former_status is JobStatus.RUNNING and not killed.already_finished
    assert (await td.job_status(running.job_id)).status is JobStatus.KILLED
    again = await td.kill_job(running.job_id)  # a finished job: 200, not an error
    assert again.former_status is JobStatus.KILLED and again.already_finished


async def test_missing_job(td: TDClient, sandbox: Sandbox) -> None:
    with pytest.raises(NotFound) as info:
        await td.job("999")
    assert info.value.status == 404
    assert info.value.path == "/v3/job/show/{id}"
    account = sandbox.api_key.split("/")[0]
    assert info.value.message == f"Couldn't find Job with account_id = {account}, id = 999"


async def test_databases_tables_account(td: TDClient, sandbox: Sandbox) -> None:
    databases = await td.databases()
    names = [d.name for d in databases]
    assert "sample_datasets" in names and names == sorted(names)
    tables = await td.tables("sales")
    assert tables and all(t.name and t.count is not None for t in tables)
    assert (await td.account()).id == sandbox.api_key.split("/")[0]
    with pytest.raises(NotFound, match="Couldn't find UserDatabase with name = nope"):
        await td.tables("nope")

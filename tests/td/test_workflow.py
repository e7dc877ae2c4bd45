"""Workflow API calls against the sandbox over loopback HTTP."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from bot.sandbox import Sandbox
from bot.td import TDClient
from bot.td.errors import AttemptConflict, BadRequest, Conflict, NotFound
from bot.td.models import AttemptStatus, TaskState


async def test_projects(td: TDClient) -> None:
    projects = [p async for p in td.iter_projects()]
    ids = [int(p.id) for p in projects]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    ingest = await td.project_by_name("ingest")
    assert ingest is not None and ingest in projects
    assert await td.project(ingest.id) == ingest
    assert await td.project_by_name("no_such_project") is None
    matching = [p.name async for p in td.iter_projects(name_pattern="sales")]
    assert matching == [p.name for p in projects if "sales" in p.name] != []


async def test_workflows(td: TDClient) -> None:
    project = await td.project_by_name("ingest")
    assert project is not None
    workflows = await td.workflows(project.id)
    names = {w.name for w in workflows}
    assert "daily_ingest" in names
    daily = await td.workflow_by_name(project.id, "daily_ingest")
    assert daily is not None and daily.project.id == project.id
    assert await td.workflow(daily.id) == daily
    assert await td.workflow_by_name(project.id, "no_such_workflow") is None


async def test_sessions_of_one_workflow(td: TDClient, sandbox: Sandbox) -> None:
    project = await td.project_by_name("ingest")
    assert project is not None
    sessions = [s async for s in td.iter_sessions(project.id, "hourly_events", page_size=30)]
    ids = [int(s.id) for s in sessions]
    assert len(sessions) > 30 and ids == sorted(ids, reverse=True)
    assert {(s.project.id, s.workflow.name) for s in sessions} == {(project.id, "hourly_events")}
    queries = [parse_qs(r.query) for r in sandbox.requests.records if r.path.endswith("/sessions")]
    assert all(q["workflow"] == ["hourly_events"] and q["page_size"] == ["30"] for q in queries)
    assert await td.session(sessions[0].id) == sessions[0]


async def test_session_attempts_include_retries(td: TDClient) -> None:
    retried = [a async for a in td.iter_attempts() if a.index > 1]
    assert retried
    attempts = await td.session_attempts(retried[0].session_id)
    assert len(attempts) >= 2 and retried[0] in attempts
    assert [int(a.id) for a in attempts] == sorted((int(a.id) for a in attempts), reverse=True)
    retries = await td.retries(retried[0].id)
    assert [a.index for a in retries] == sorted(a.index for a in retries)
    assert {a.id for a in retries} == {a.id for a in attempts}


async def test_attempt_filters(td: TDClient) -> None:
    every = await td.attempts_page("ingest", "daily_ingest", include_retried=True)
    latest = await td.attempts_page("ingest", "daily_ingest", include_retried=False)
    assert {(a.project.name, a.workflow.name) for a in every} == {("ingest", "daily_ingest")}
    assert len(every) > len(latest)  # the automatic retry of td-api.md's story
    assert len({a.session_id for a in latest}) == len(latest)
    below = await td.attempts_page("ingest", "daily_ingest", last_id=every[1].id, page_size=1)
    assert below == [every[2]]
    with pytest.raises(NotFound, match="project name=nope"):
        await td.attempts_page("nope")


async def test_attempt_and_tasks(td: TDClient, sandbox: Sandbox) -> None:
    attempt_id = sandbox.case_attempt_id("presto_missing_column")
    attempt = await td.attempt(attempt_id)
    assert (
        attempt.status is AttemptStatus.ERROR and attempt.workflow.name == "presto_missing_column"
    )
    tasks = await td.tasks(attempt_id)
    assert tasks[0].parent_id is None and tasks[0].full_name == "+presto_missing_column"
    failing = [t for t in tasks if t.state is TaskState.ERROR]
    assert [t.full_name for t in failing] == ["+presto_missing_column+aggregate"]
    assert failing[0].operator == "td>" and "discount_amt" in failing[0].error_message
    with pytest.raises(NotFound) as info:
        await td.attempt(999999999)
    assert info.value.message == "Resource does not exist: session attempt id=999999999"
    assert info.value.path == "/api/attempts/{id}"


async def test_kill_is_requested_and_the_attempt_ends_later(td: TDClient, sandbox: Sandbox) -> None:
    running_id = sandbox.last_attempt_id("ml_features/train_features")
    assert running_id is not None
    before = await td.kill_attempt(running_id)
    assert before is not None and before.id == running_id and not before.done
    after = await td.attempt(running_id)
    # TD only set the flag: the tasks have not noticed yet.
    assert after.cancel_requested and not after.done
    assert after.status is AttemptStatus.CANCELING
    again = await td.kill_attempt(running_id)  # still unfinished tasks: accepted again
    assert again is not None and again.cancel_requested
    sandbox.advance(30)
    ended = await td.attempt(running_id)
    assert ended.done and ended.status is AttemptStatus.KILLED


async def test_kill_of_an_attempt_with_nothing_unfinished_is_a_conflict(
    td: TDClient, sandbox: Sandbox
) -> None:
    done = next(a for a in await td.attempts_page("ingest", page_size=50) if a.success)
    with pytest.raises(Conflict) as info:
        await td.kill_attempt(done.id)
    assert info.value.message == "Session attempt already killed or finished"
    assert (info.value.status, info.value.method) == (409, "POST")
    assert info.value.path == "/api/attempts/{id}/kill"
    records = sandbox.requests.records
    assert td.request_count == len(records) == 2  # the listing and one kill, not retried


async def test_start_then_conflict_returns_the_existing_attempt(td: TDClient) -> None:
    project = await td.project_by_name("ingest")
    assert project is not None
    workflow = await td.workflow_by_name(project.id, "daily_ingest")
    assert workflow is not None
    when = "2024-06-10T00:00:00+00:00"
    started = await td.start_attempt(workflow.id, when, {"reason": "test"})
    assert started.index == 1 and started.retry_attempt_name is None
    assert started.params == {"reason": "test"} and started.session_time_text == when
    with pytest.raises(AttemptConflict) as info:
        await td.start_attempt(workflow.id, when, {})
    existing = info.value.existing
    assert (existing.id, existing.session_id) == (started.id, started.session_id)
    assert info.value.status == 409 and info.value.path == "/api/attempts"
    assert started.id in str(info.value)
    named = await td.start_attempt(workflow.id, when, {}, retry_attempt_name="again")
    assert (named.session_id, named.index, named.retry_attempt_name) == (
        started.session_id,
        2,
        "again",
    )


async def test_retry_failed_tasks_only(td: TDClient, sandbox: Sandbox) -> None:
    failed = await td.attempt(sandbox.case_attempt_id("presto_missing_column"))
    assert failed.workflow.id is not None
    retry = await td.start_attempt(
        failed.workflow.id,
        failed.session_time_text,
        failed.params,
        retry_attempt_name="retry-1",
        resume_failed_attempt_id=failed.id,
    )
    assert retry.session_id == failed.session_id and retry.index == failed.index + 1
    assert retry.retry_attempt_name == "retry-1" and retry.params == failed.params
    assert [a.id for a in await td.retries(failed.id)] == [failed.id, retry.id]


async def test_resuming_a_successful_attempt_is_a_bad_request(td: TDClient) -> None:
    good = next(a for a in await td.attempts_page("ingest", page_size=50) if a.success)
    assert good.workflow.id is not None
    with pytest.raises(BadRequest) as info:
        await td.start_attempt(
            good.workflow.id,
            good.session_time_text,
            {},
            retry_attempt_name="nope",
            resume_failed_attempt_id=good.id,
        )
    assert info.value.message == "Resuming successfully completed attempts is not supported"
    assert (info.value.status, info.value.method) == (400, "PUT")


async def test_logs_prefix_list_and_exact_task_log(td: TDClient, sandbox: Sandbox) -> None:
    attempt_id = sandbox.case_attempt_id("presto_missing_column")
    root, failing = "+presto_missing_column", "+presto_missing_column+aggregate"
    under_root = await td.log_files(attempt_id, task=root)
    assert {f.task_name for f in under_root} > {failing}  # prefix: the children's files
    own = await td.log_files(attempt_id, task=failing)
    assert len(own) >= 2 and {f.task_name for f in own} == {failing}
    texts = [await td.log_text(attempt_id, f.file_name) for f in own]
    assert all(text.endswith("\n") for text in texts)
    log = await td.task_log(attempt_id, failing)
    assert log == "".join(texts)
    assert f"Task {failing} failed." in log
    assert "> TD job" in log and "failed with status ERROR" in log
    assert await td.task_log(attempt_id, root) == ""  # the group itself logged nothing
    records = sandbox.requests.records
    queries = [r.query for r in records if r.path.endswith("/files")]
    # '+' survives the trip; the pre-signed URLs, never used, are not asked for.
    assert "task=%2Bpresto_missing_column%2Baggregate&direct_download=false" in queries
    with pytest.raises(NotFound):
        await td.log_text(attempt_id, "+nope@0.log.gz")


async def test_schedules(td: TDClient, sandbox: Sandbox) -> None:
    schedules = [s async for s in td.iter_schedules()]
    ids = [int(s.id) for s in schedules]
    assert schedules and ids == sorted(ids)
    assert all(s.next_run_time is not None for s in schedules)
    records = sandbox.requests.records
    assert [(r.path, r.query) for r in records] == [("/api/schedules", "")]  # < a page of 100

"""The engine over loopback HTTP: shapes of attempts beyond one failing task, context,
failure of optional calls, and the request structure that keeps wall time flat."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest

from bot.diagnosis import Category, diagnose_attempt, diagnose_job, diagnose_session
from bot.diagnosis.engine import LOG_FILES_HEAD, LOG_FILES_TAIL
from bot.sandbox import Sandbox
from bot.sandbox.cases import FailureCase
from bot.sandbox.corpus import FAILURE_CASES
from bot.td import TDClient
from bot.td.errors import NotFound
from bot.td.models import Attempt, AttemptStatus
from tests.diagnosis.expected import EXPECTED


def _case(predicate: str) -> FailureCase:
    """The first corpus case with a property (chosen by shape, not by key)."""
    picks: dict[str, Callable[[FailureCase], bool]] = {
        "nested": lambda c: len(c.path) > 2 and not c.siblings,
        "handler": lambda c: c.has_error_handler,
        "killed_person": lambda c: c.attempt_killed and c.task_runs_hours < 24,
        "killed_ttl": lambda c: c.attempt_killed and c.task_runs_hours >= 24,
        "multi": lambda c: len(c.siblings) >= 2,
        "td_job_in_params": lambda c: c.job is not None and "state_params" in c.job.id_in,
        "td_job_in_log_only": lambda c: c.job is not None and c.job.id_in == ("log",),
        "task_retried": lambda c: isinstance(c.state_params.get("retry_count"), int),
        "plain_py": lambda c: c.config.get("py>") is not None and not c.siblings,
    }
    return next(c for c in FAILURE_CASES if picks[predicate](c))


async def _all_attempts(td: TDClient) -> list[Attempt]:
    return [a async for a in td.iter_attempts(include_retried=True)]


async def test_nested_groups_are_the_path(lab: Sandbox, td: TDClient) -> None:
    case = _case("nested")
    diagnosis = await diagnose_attempt(td, lab.case_attempt_id(case.key))
    [failure] = diagnosis.failures
    root = f"+{case.key}"
    assert failure.group_path == tuple(
        root + "".join(f"+{p}" for p in case.path[:depth]) for depth in range(1, len(case.path))
    )


async def test_error_handler_is_not_the_failure(lab: Sandbox, td: TDClient) -> None:
    case = _case("handler")
    diagnosis = await diagnose_attempt(td, lab.case_attempt_id(case.key))
    tasks = await td.tasks(diagnosis.attempt.id)
    assert any("^error" in t.full_name for t in tasks)  # the handler exists and ran
    assert [f.task_full_name for f in diagnosis.failures] == [f"+{case.key}+" + "+".join(case.path)]
    assert diagnosis.failures[0].error_handler_ran and not diagnosis.failures[0].is_handler


@pytest.mark.parametrize(
    ("shape", "cause"), [("killed_person", "person"), ("killed_ttl", "task_ttl")]
)
async def test_killed_attempt_says_by_whom(
    lab: Sandbox, td: TDClient, shape: str, cause: str
) -> None:
    case = _case(shape)
    diagnosis = await diagnose_attempt(td, lab.case_attempt_id(case.key))
    assert diagnosis.status is AttemptStatus.KILLED and diagnosis.killed is not None
    assert diagnosis.killed.cause == cause
    expected = Category.KILLED_BY_PERSON if cause == "person" else Category.KILLED_BY_TIMEOUT
    assert diagnosis.killed.category is expected
    assert f"+{case.key}+" + "+".join(case.path) in diagnosis.killed.canceled_tasks
    assert diagnosis.failures and diagnosis.failures[0].category is expected
    assert not diagnosis.nothing_failed


async def test_multi_failure_attempt_reports_every_task(lab: Sandbox, td: TDClient) -> None:
    case = _case("multi")
    diagnosis = await diagnose_attempt(td, lab.case_attempt_id(case.key))
    names = {f.task_full_name for f in diagnosis.failures}
    assert names == {f"+{case.key}+" + "+".join(c.path) for c in (case, *case.siblings)}
    assert "(+" in diagnosis.summary_line()


async def test_job_ids_from_state_params_and_from_the_log(lab: Sandbox, td: TDClient) -> None:
    for shape in ("td_job_in_params", "td_job_in_log_only"):
        case = _case(shape)
        diagnosis = await diagnose_attempt(td, lab.case_attempt_id(case.key), console_base=lab.url)
        [failure] = diagnosis.failures
        assert failure.job_id is not None, shape
        assert failure.job_url == f"{lab.url}/app/jobs/{failure.job_id}"
        job = await td.job(failure.job_id)
        assert failure.job_status == job.status.value
        stderr = job.debug.stderr if job.debug else None
        if shape == "td_job_in_params":
            assert any(e.source == "job_stderr" for e in failure.evidence) == bool(stderr)
        elif stderr:  # not fetched: the task's error is the job's cmdout + stderr
            last = stderr.strip().splitlines()[-1]
            assert any(e.source == "error" and last in e.text for e in failure.evidence)


async def test_task_retry_note_names_the_same_job(lab: Sandbox, td: TDClient) -> None:
    case = _case("task_retried")
    diagnosis = await diagnose_attempt(td, lab.case_attempt_id(case.key))
    [failure] = diagnosis.failures
    assert failure.retry_count == case.state_params["retry_count"]
    assert f"_retry ran {failure.retry_count} time(s)" in failure.retry_note
    assert "job_retry" in failure.retry_note


async def test_last_good_run_and_what_changed(lab: Sandbox, td: TDClient) -> None:
    case = _case("plain_py")
    attempt_id = lab.case_attempt_id(case.key)
    diagnosis = await diagnose_attempt(td, attempt_id, console_base=lab.url)
    good = diagnosis.last_success
    assert good is not None
    history = [
        a
        async for a in td.iter_attempts(
            project=diagnosis.attempt.project.name, workflow=diagnosis.attempt.workflow.name
        )
    ]
    successes = [
        a for a in history if a.status is AttemptStatus.SUCCESS and int(a.id) < int(attempt_id)
    ]
    newest_good = max(successes, key=lambda a: int(a.id))
    assert good.attempt_id == newest_good.id
    changes = good.changes
    bad_workflow = await td.workflow(diagnosis.attempt.workflow.id or "")
    good_workflow = await td.workflow(newest_good.workflow.id or "")
    assert (changes.revision_before, changes.revision_after) == (
        good_workflow.revision,
        bad_workflow.revision,
    )
    before, after = newest_good.params, diagnosis.attempt.params
    assert {p.key for p in changes.params if p.kind == "added"} == after.keys() - before.keys()
    assert {p.key for p in changes.params if p.kind == "removed"} == before.keys() - after.keys()
    assert {p.key for p in changes.params if p.kind == "changed"} == {
        k for k in before.keys() & after.keys() if before[k] != after[k]
    }
    assert changes.duration_before_seconds == good.duration_seconds
    assert good.attempt_url and good.attempt_url.startswith(lab.url)


async def test_success_and_running_attempts_have_nothing_failed(lab: Sandbox, td: TDClient) -> None:
    attempts = await _all_attempts(td)
    for status in (AttemptStatus.SUCCESS, AttemptStatus.RUNNING):
        sample = next(a for a in attempts if a.status is status)
        diagnosis = await diagnose_attempt(td, sample.id)
        assert diagnosis.nothing_failed and diagnosis.status is status
        assert diagnosis.failures == () and diagnosis.killed is None
        assert diagnosis.summary_line().endswith("nothing failed")


async def test_retry_into_success_history(lab: Sandbox, td: TDClient) -> None:
    attempts = await _all_attempts(td)
    retried = next(a for a in attempts if a.index > 1 and a.status is AttemptStatus.SUCCESS)
    first = next(a for a in attempts if a.session_id == retried.session_id and a.index == 1)
    failed = await diagnose_attempt(td, first.id)
    recovered = await diagnose_attempt(td, retried.id)
    for diagnosis in (failed, recovered):
        assert [s.attempt_id for s in diagnosis.retry_history][:2] == [first.id, retried.id]
        assert diagnosis.retry_history[0].status.failed
        assert diagnosis.retry_history[-1].status is AttemptStatus.SUCCESS
    assert failed.failures and not failed.nothing_failed
    assert recovered.nothing_failed


async def test_streak_counts_consecutive_failed_runs(sandbox: Sandbox) -> None:
    case = _case("plain_py")
    first_failed = sandbox.case_attempt_id(case.key)
    for _ in range(2):
        sandbox.fail_next(case.key, case.key)
        sandbox.advance(3600)
    newest = sandbox.last_attempt_id(case.key)
    assert newest is not None and newest != first_failed
    async with TDClient(sandbox.api_key, sandbox.endpoints()) as td:
        older = await diagnose_attempt(td, first_failed)
        diagnosis = await diagnose_attempt(td, newest)
        first = await td.attempt(first_failed)
    assert diagnosis.streak is not None and older.streak is not None
    assert older.streak.count == 1
    assert diagnosis.streak.count == 3
    assert diagnosis.streak.since == first.session_time
    assert diagnosis.streak.first_attempt_id == first_failed and not diagnosis.streak.bounded
    assert diagnosis.last_success is not None and older.last_success is not None
    assert diagnosis.last_success.attempt_id == older.last_success.attempt_id


async def test_session_and_job_entry_points(lab: Sandbox, td: TDClient) -> None:
    case = _case("td_job_in_params")
    attempt_id = lab.case_attempt_id(case.key)
    direct = await diagnose_attempt(td, attempt_id)
    via_session = await diagnose_session(td, direct.attempt.session_id)
    assert via_session.attempt.id == attempt_id
    assert via_session.failures[0].category is direct.failures[0].category
    assert via_session.request_count == direct.request_count + 1

    job_id = direct.failures[0].job_id
    assert job_id is not None
    alone = await diagnose_job(td, job_id, console_base=lab.url)
    assert not alone.nothing_failed and alone.category is direct.failures[0].category
    assert alone.root_error == direct.failures[0].root_error
    assert alone.job_url == f"{lab.url}/app/jobs/{job_id}" and alone.request_count == 1

    ok_job = next(j for j in await td.jobs(status="success", limit=5))
    fine = await diagnose_job(td, ok_job.job_id)
    assert fine.nothing_failed and fine.category is None


async def test_unknown_ids_raise_not_found(td: TDClient) -> None:
    with pytest.raises(NotFound):
        await diagnose_attempt(td, "999999999")
    with pytest.raises(NotFound):
        await diagnose_session(td, "999999999")
    with pytest.raises(NotFound):
        await diagnose_job(td, "999999999")


async def test_failed_context_calls_become_notes(lab: Sandbox, td: TDClient) -> None:
    case = _case("td_job_in_params")
    attempt_id = lab.case_attempt_id(case.key)
    lab.faults.fail(1000, status=403, path_prefix="/api/logs")
    lab.faults.fail(1000, status=403, path_prefix="/v3/job/show")
    diagnosis = await diagnose_attempt(td, attempt_id)
    lab.faults.clear()
    [failure] = diagnosis.failures
    assert failure.category is EXPECTED[case.key].category
    assert any("task log list" in note for note in diagnosis.notes)
    assert any("TD job" in note for note in diagnosis.notes)
    assert {e.source for e in failure.evidence} == {"error"}


@pytest.mark.parametrize("failing", [1, 5, 20])
async def test_request_structure_is_flat(lab: Sandbox, td: TDClient, failing: int) -> None:
    """Attempt-level calls happen once whatever the number of failing tasks; per task
    only its log files and its job are fetched (so they can all run at once)."""
    attempt_id = lab.multi_failure_attempt_id(failing)
    lab.requests.clear()
    diagnosis = await diagnose_attempt(td, attempt_id)
    records = lab.requests.records
    assert len(diagnosis.failures) == failing
    assert diagnosis.request_count == len(records)
    paths = Counter(r.path for r in records)
    for once in (
        f"/api/attempts/{attempt_id}",
        f"/api/attempts/{attempt_id}/tasks",
        f"/api/attempts/{attempt_id}/retries",
        f"/api/logs/{attempt_id}/files",
        "/api/attempts",
    ):
        assert paths[once] == 1, once
    jobs = sum(n for path, n in paths.items() if path.startswith("/v3/job/show/"))
    logs = sum(n for path, n in paths.items() if path.startswith(f"/api/logs/{attempt_id}/files/"))
    # At most one request per job; none for a job whose end its task's log reports.
    assert jobs <= len({f.job_id for f in diagnosis.failures if f.job_id})
    assert failing <= logs <= 4 * failing
    workflows = sum(n for path, n in paths.items() if path.startswith("/api/workflows/"))
    assert 1 <= workflows <= 2
    assert len(records) == 5 + workflows + jobs + logs


async def test_many_failures_are_all_examined(lab: Sandbox, td: TDClient) -> None:
    """No cap on failing tasks: the 26th and later get their evidence like the first."""
    attempt_id = lab.multi_failure_attempt_id(28)
    diagnosis = await diagnose_attempt(td, attempt_id)
    assert len(diagnosis.failures) == 28
    assert all(failure.evidence for failure in diagnosis.failures)
    assert not any("not examined" in note for note in diagnosis.notes)


async def test_each_execution_logs_to_a_file_of_its_own(lab: Sandbox, td: TDClient) -> None:
    """A py> _retry re-runs the task: one file per execution, plus the one it started in;
    the engine reads the first two and the last three, so the first failure is seen."""
    case = next(
        c for c in FAILURE_CASES if c.config.get("py>") and c.state_params.get("retry_count")
    )
    attempt_id = lab.case_attempt_id(case.key)
    full_name = f"+{case.key}+" + "+".join(case.path)
    files = [f for f in await td.log_files(attempt_id) if f.task_name == full_name]
    assert len(files) == case.state_params["retry_count"] + 2
    lab.requests.clear()
    await diagnose_attempt(td, attempt_id)
    read = lab.requests.count(path_prefix=f"/api/logs/{attempt_id}/files/")
    assert read == min(len(files), LOG_FILES_HEAD + LOG_FILES_TAIL)

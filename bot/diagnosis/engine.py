"""The diagnosis engine: TD calls in as few sequential hops as the data allows.

Hop 1 (parallel): the attempt, its tasks, its retries and the attempt's log-file
list. Hop 2 (parallel): for every failing task its log files and, when the state
params name it, its TD job; alongside, the workflow's recent attempts and the
workflow definition (for the revision). Hop 3 only when needed: the TD job whose
id appears only in the log when the log does not report how it ended (when it does,
the task's error is already the job's output: failures.md 1.2), and the last good
run's workflow revision. Every failing task is examined; the TD client bounds how
many requests are in flight (``TDClient(max_concurrency=...)``), so the wall time
does not grow with the number of failing tasks until one hop's requests exceed
that bound.

Optional context (retries, history, logs, jobs) that fails becomes a note; the
attempt and its tasks are required, and their errors (e.g. ``NotFound``) propagate.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from bot.aio import first_error_group, gather_all
from bot.diagnosis import advice, history
from bot.diagnosis.classify import Classification, FailureText, classify
from bot.diagnosis.context import attempt_link, optional, workflow_context
from bot.diagnosis.judgement import judge_killed
from bot.diagnosis.lines import excerpt, job_end_from_log, job_id_from_log
from bot.diagnosis.model import (
    Diagnosis,
    Evidence,
    JobDiagnosis,
    KillInfo,
    TaskFailure,
)
from bot.diagnosis.operators import TD_JOB_OPERATORS
from bot.diagnosis.tasks import FailingTask, canceled_leaves, failing_tasks, kill_info, ran_hours
from bot.diagnosis.where import located_next_step
from bot.td import TDClient
from bot.td.models import Attempt, Job, JobStatus, LogFile, Task
from bot.td.urls import job_url

__all__ = ["diagnose_attempt", "diagnose_job", "diagnose_session"]

T = TypeVar("T")
# A task writes one log file per execution: the first holds the `Started ... job
# id=` line, the second the first execution's failure (after a _retry the first
# cause may differ from the last), the last ones hold the final failure.
LOG_FILES_HEAD = 2
LOG_FILES_TAIL = 3


async def diagnose_attempt(
    td: TDClient, attempt_id: int | str, *, console_base: str | None = None
) -> Diagnosis:
    before = td.request_count
    notes: list[str] = []
    async with first_error_group() as group:
        attempt_call = group.create_task(td.attempt(attempt_id))
        tasks_call = group.create_task(td.tasks(attempt_id))
        retries_call = group.create_task(
            optional(td.retries(attempt_id), notes, "the retry history")
        )
        files_call = group.create_task(
            optional(td.log_files(attempt_id), notes, "the task log list")
        )
    attempt, tasks = attempt_call.result(), tasks_call.result()
    retries, files = retries_call.result(), files_call.result()
    now = datetime.now(UTC)
    killed = kill_info(attempt, tasks, now)
    failing = failing_tasks(tasks)
    if killed is not None:
        failing += _canceled_that_ran(attempt, tasks, now)
    reader = _Reader(td, attempt.id, _by_task(files), notes)
    async with first_error_group() as group:
        failures_call = group.create_task(
            gather_all(
                _diagnose_task(reader, item, attempt, killed, console_base) for item in failing
            )
        )
        context_call = group.create_task(workflow_context(td, attempt, notes, console_base))
    failures, context = failures_call.result(), context_call.result()
    if not failures and attempt.status.failed and killed is None:
        notes.append("TD reports the attempt failed, but no task carries an error.")
    return Diagnosis(
        attempt=attempt,
        status=attempt.status,
        attempt_url=attempt_link(console_base, attempt),
        killed=killed,
        failures=tuple(failures),
        retry_history=history.summarise(retries or []),
        streak=context.streak,
        last_success=context.last_success,
        nothing_failed=not failures and killed is None and not attempt.status.failed,
        notes=tuple(notes),
        request_count=td.request_count - before,
    )


async def diagnose_session(
    td: TDClient, session_id: int | str, *, console_base: str | None = None
) -> Diagnosis:
    """The diagnosis of the session's last attempt."""
    before = td.request_count
    session = await td.session(session_id)
    if session.last_attempt is not None:
        last_id = session.last_attempt.id
    else:
        attempts = await td.session_attempts(session_id)
        if not attempts:
            raise ValueError(f"session {session.id} has no attempts yet")
        last_id = max(attempts, key=lambda a: int(a.id)).id
    diagnosis = await diagnose_attempt(td, last_id, console_base=console_base)
    return replace(diagnosis, request_count=td.request_count - before)


async def diagnose_job(
    td: TDClient, job_id: int | str, *, console_base: str | None = None
) -> JobDiagnosis:
    """A TD job on its own: classify its debug output (no workflow context needed)."""
    before = td.request_count
    job = await td.job(job_id)
    link = job_url(console_base, job.job_id) if console_base else None
    stderr, cmdout = _debug(job)
    if job.status not in (JobStatus.ERROR, JobStatus.KILLED):
        return JobDiagnosis(
            job=job,
            nothing_failed=True,
            category=None,
            retry=None,
            retry_note="",
            next_step="",
            root_error="",
            evidence=(),
            job_url=link,
            sql_line_hint=None,
            request_count=td.request_count - before,
        )
    found = classify(
        FailureText(
            operator=None,
            job_stderr=stderr,
            job_cmdout=cmdout,
            job_query=job.query_text or None,
            job_type=job.type,
            job_status=job.status.value,
            job_id=job.job_id,
        )
    )
    evidence = _evidence(found.root_error, ("job_stderr", stderr), ("job_cmdout", cmdout))
    return JobDiagnosis(
        job=job,
        nothing_failed=False,
        category=found.category,
        retry=found.retry,
        retry_note=found.retry_note,
        next_step=found.next_step,
        root_error=found.root_error,
        evidence=evidence,
        job_url=link,
        sql_line_hint=found.sql_line_hint,
        request_count=td.request_count - before,
        verdict=found.verdict,
        retry_line=found.retry_line,
        disagreement=found.disagreement,
        certain=found.certain,
    )


# ---------------------------------------------------------------- failing tasks


def _canceled_that_ran(attempt: Attempt, tasks: Sequence[Task], now: datetime) -> list[FailingTask]:
    """Canceled leaves that had started: what the kill interrupted."""
    return [
        FailingTask(
            task=task, group_path=(), is_handler=False, error_handler_ran=False, canceled=True
        )
        for task in canceled_leaves(tasks)
        if ran_hours(task, attempt, now) is not None
    ]


@dataclass
class _Reader:
    """Fetches a task's log and TD job; failures become notes."""

    td: TDClient
    attempt_id: str
    files: dict[str, list[LogFile]] | None  # by task full name, None when the list failed
    notes: list[str]

    async def log(self, full_name: str) -> str:
        if self.files is None:  # the attempt-wide list failed: ask for this task alone
            text = await optional(
                self.td.task_log(self.attempt_id, full_name), self.notes, f"the log of {full_name}"
            )
            return text or ""
        mine = sorted(self.files.get(full_name, ()), key=lambda f: f.file_name)
        if len(mine) > LOG_FILES_HEAD + LOG_FILES_TAIL:
            mine = mine[:LOG_FILES_HEAD] + mine[-LOG_FILES_TAIL:]
        texts = await gather_all(
            optional(
                self.td.log_text(self.attempt_id, f.file_name),
                self.notes,
                f"log file {f.file_name}",
            )
            for f in mine
        )
        return "".join(text if text.endswith("\n") else text + "\n" for text in texts if text)

    async def job(self, job_id: str) -> Job | None:
        return await optional(self.td.job(job_id), self.notes, f"TD job {job_id}")


def _by_task(files: list[LogFile] | None) -> dict[str, list[LogFile]] | None:
    if files is None:
        return None
    grouped: dict[str, list[LogFile]] = {}
    for handle in files:
        grouped.setdefault(handle.task_name, []).append(handle)
    return grouped


async def _diagnose_task(
    reader: _Reader,
    item: FailingTask,
    attempt: Attempt,
    killed: KillInfo | None,
    console_base: str | None,
) -> TaskFailure:
    task = item.task
    runs_job = task.operator in TD_JOB_OPERATORS
    job_id = _job_id_from_params(task) if runs_job else None
    job: Job | None = None
    job_status: str | None = None
    if job_id is not None:
        async with first_error_group() as group:
            log_call = group.create_task(reader.log(task.full_name))
            job_call = group.create_task(reader.job(job_id))
        log, job = log_call.result(), job_call.result()
    else:
        log = await reader.log(task.full_name)
        job_id = job_id_from_log(log) if runs_job else None
        # A job whose end the log reports has its output in the task's error already:
        # asking TD for it would add a third round of requests for nothing new.
        job_status = job_end_from_log(log, job_id) if job_id else None
        if job_id and job_status is None:
            job = await reader.job(job_id)
    if job is not None:
        job_status = job.status.value
    stderr, cmdout = _debug(job)
    text = FailureText(
        operator=task.operator,
        config=task.config,
        error_message=task.error_message,
        error_extra=_error_extra(task.error),
        job_stderr=stderr,
        job_cmdout=cmdout,
        job_query=job.query_text or None if job else None,
        job_type=job.type if job else None,
        job_status=job_status,
        log=log,
        job_id=job_id,
        retry_count=_retry_count(task),
    )
    found = classify(text)
    if item.canceled and killed is not None:
        found = _as_killed(found, killed, task, attempt)
    return TaskFailure(
        task_id=task.id,
        task_full_name=task.full_name,
        operator=task.operator,
        group_path=item.group_path,
        state=task.state.value,
        category=found.category,
        retry=found.retry,
        retry_note=found.retry_note,
        next_step=located_next_step(found.next_step, item.slow_task, item.handles),
        root_error=found.root_error,
        evidence=_evidence(
            found.root_error,
            ("error", task.error_message),
            ("job_stderr", stderr),
            ("job_cmdout", cmdout),
            ("task_log", log),
        ),
        job_id=job_id,
        job_url=job_url(console_base, job_id) if console_base and job_id else None,
        job_status=job_status,
        error_handler_ran=item.error_handler_ran,
        is_handler=item.is_handler,
        upstream=found.upstream,
        sql_line_hint=found.sql_line_hint,
        retry_count=text.retry_count,
        started_at=task.started_at,
        verdict=found.verdict,
        retry_line=found.retry_line,
        disagreement=found.disagreement,
        certain=found.certain,
        iteration=item.iteration,
        handles=item.handles,
        slow_task=item.slow_task,
    )


def _as_killed(
    found: Classification, killed: KillInfo, task: Task, attempt: Attempt
) -> Classification:
    """A canceled task failed because the attempt was killed, whatever its text says."""
    hours = ran_hours(task, attempt, attempt.finished_at or datetime.now(UTC))
    ran = f" after running {hours:.1f} h" if hours is not None else ""
    if killed.cause == "person":
        root = f"{task.full_name} was canceled{ran}: the attempt was {killed.description}"
    elif killed.longest_task == task.full_name and killed.cause == "task_ttl":
        root = killed.description
    else:
        root = f"{task.full_name} was canceled{ran} when {killed.description}"
    retry = killed.category.default_retry
    judged = judge_killed(killed.cause, killed.category, retry, operator=task.operator)
    return replace(
        found,
        category=killed.category,
        retry=retry,
        verdict=judged.verdict,
        retry_line=judged.retry_line,
        disagreement=None,
        certain=judged.certain,
        root_error=root,
        retry_note=advice.retry_note(
            killed.category, retry, operator=task.operator, job_id=None, retry_count=None
        ),
        next_step=advice.next_step(
            killed.category, operator=task.operator, sql_line_hint=None, upstream=None
        ),
        sql_line_hint=None,
        upstream=None,
    )


def _job_id_from_params(task: Task) -> str | None:
    """``stateParams.job.jobId`` while (and after) polling, else ``storeParams.td.last_job_id``."""
    job = task.state_params.get("job")
    if isinstance(job, dict) and job.get("jobId") not in (None, ""):
        return str(job["jobId"])
    td = task.store_params.get("td")
    if isinstance(td, dict) and td.get("last_job_id") not in (None, ""):
        return str(td["last_job_id"])
    return None


def _retry_count(task: Task) -> int | None:
    value = task.state_params.get("retry_count")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _error_extra(error: dict[str, Any]) -> str:
    """Keys besides message/stacktrace carry the detail for some operators (bq>'s errors)."""
    extra = {k: v for k, v in error.items() if k not in ("message", "stacktrace") and v}
    if not extra:
        return ""
    return "\n".join(v if isinstance(v, str) else json.dumps(v) for v in extra.values())


def _debug(job: Job | None) -> tuple[str | None, str | None]:
    if job is None or job.debug is None:
        return None, None
    return job.debug.stderr, job.debug.cmdout


def _evidence(root: str, *sources: tuple[Any, str | None]) -> tuple[Evidence, ...]:
    found = (excerpt(source, text, around=root) for source, text in sources if text)
    return tuple(item for item in found if item is not None)

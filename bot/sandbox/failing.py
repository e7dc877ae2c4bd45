"""Ending a sandbox task the way a failure case says: its job, state params, logs, error.

A case the run started with logged its first part when the task started; the
rest (and, for incidents or a killed job, all of it) is written here.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.sandbox import jobs, kills, tasklogs
from bot.sandbox.cases import FailureCase, JobSpec
from bot.sandbox.model import Job, Task
from bot.sandbox.realise import (
    LogEvent,
    Placeholders,
    parse_case_log,
    split_at_failure,
    split_executions,
)
from bot.sandbox.texts import stable_rng

if TYPE_CHECKING:
    from bot.sandbox.engine import Engine


def fail_task(engine: Engine, task: Task, case: FailureCase) -> None:
    """End a running task the way ``case`` says (error, or the attempt killed).

    A case the run started with already logged its first part when the task
    started; a case made at the failure (incidents, a killed job) logs it all now.
    """
    now = engine.clock.now()
    fill = placeholders(task)
    job = task.job
    if case.job is not None:
        if job is None:
            job = case_job(engine, task, case.job, engine.rng)
        job.status = case.job.status
        job.cmdout = fill.fill(case.job.cmdout)
        job.render_cmdout = False
        job.stderr = fill.fill(case.job.stderr)
        job.end_at = job.updated_at = now
    elif job is not None and not job.finished:
        job.status = "error"
        job.end_at = job.updated_at = now
    if case.state_params:
        task.state_params = fill.fill(case.state_params)
    task.store_params = fill.fill(case.store_params)
    events = parse_case_log(case.log or ())
    failing = split_at_failure(events)[1] if engine.failure_of(task) is case else events
    # Each execution (a _retry round) writes a log file of its own.
    *earlier, last = split_executions([filled(task, e) for e in failing]) or [[]]
    begun = task.started_at or now
    # Earlier rounds draw from their own generator: the engine's stream (and so
    # every later duration) stays what it was without them.
    rounds_rng = stable_rng("rounds", task.id)
    for n, part in enumerate(earlier, start=1):
        tasklogs.write(task, part, begun + (now - begun) * n / (len(earlier) + 1), rounds_rng)
    tasklogs.write(task, last, now, engine.rng)
    task.updated_at = now
    if case.attempt_killed or case.state == "canceled":
        task.state = "canceled"
        task.error = {}
        kills.request_kill(engine, task.attempt)
    else:
        task.state = case.state
        task.error = fill.fill(case.error)


def case_job(engine: Engine, task: Task, spec: JobSpec, rng: random.Random) -> Job:
    now = engine.clock.now()
    job = jobs.new_job(engine.store, spec.type, "", spec.database, now, rng)
    job.task = task
    task.job = job
    fill = placeholders(task)
    job.query = fill.fill(spec.query)
    job.start_at = job.updated_at = now + timedelta(seconds=1)
    job.status = "running"
    head = (fill.fill(spec.cmdout) or "").split("\n")[:3]
    job.cmdout = "\n".join(head) + "\n" if spec.cmdout else None
    return job


def placeholders(task: Task) -> Placeholders:
    attempt = task.attempt
    return Placeholders(
        job_id=str(task.job.id) if task.job else "",
        attempt_id=str(attempt.id),
        session_id=str(attempt.session.id),
        task=task.full_name,
        project=attempt.session.project.name,
        workflow=attempt.workflow.name,
    )


def filled(task: Task, event: LogEvent) -> LogEvent:
    text: str = placeholders(task).fill(event.message)
    return LogEvent(event.level, event.cls, text)

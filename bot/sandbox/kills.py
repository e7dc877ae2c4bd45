"""Kills as TD does them: a flag now, the cancellation later (td-api.md 3.7).

``POST /api/attempts/{id}/kill`` only flags every unfinished task (Digdag's
``requestCancelAttempt``); the attempt shows ``cancelRequested`` and stays
``canceling`` until each running task notices on its next poll. Tasks that never
started stay ``blocked``. Functions, not Engine methods, so the engine module
keeps to the executor; they are module-level so scheduled kills still pickle.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING

from bot.sandbox import failing, jobs, tasklogs
from bot.sandbox.cases import FailureCase
from bot.sandbox.model import Attempt, Job, Task
from bot.sandbox.texts import OPERATOR_MANAGER, TD_JOB_STACKTRACE, stable_rng

if TYPE_CHECKING:
    from bot.sandbox.engine import Engine

# How long a task takes to notice the flag: a td> task polls its job every 1-30 s;
# other operators are checked by the agent between steps.
NOTICE_SECONDS = {"td-job": (1.0, 30.0), "other": (1.0, 5.0)}
_NOTICING = frozenset({"running", "retry_waiting", "ready"})


def request_kill(engine: Engine, attempt: Attempt) -> bool:
    """Flag every unfinished task; False (TD's 409) when no task was left unfinished.

    Like Digdag, this counts ``blocked`` tasks as unfinished: an attempt that failed
    with tasks left blocked behind the failure is flagged again (and then reads as
    ``killed``), and a kill repeated while the attempt is canceling answers 200.
    """
    pending = [t for t in attempt.tasks if not t.done]
    if not pending:
        return False
    attempt.cancel_requested = True
    now = engine.clock.now()
    for task in pending:
        fresh = not task.cancel_requested
        task.cancel_requested = True
        if fresh and task.state in _NOTICING and not task.children:
            when = now + timedelta(seconds=notice_delay(engine, task))
            engine.at(when, partial(notice_cancel, engine, task, task.run_token))
    engine.propagate(attempt)
    return True


def notice_delay(engine: Engine, task: Task) -> float:
    kind = "td-job" if task.operator in jobs.JOB_OPERATORS else "other"
    low, high = NOTICE_SECONDS[kind]
    # A generator of its own: kills must not shift the draws of the seeded life.
    return stable_rng(engine.seed, "kill", task.id).uniform(low, high)


def notice_cancel(engine: Engine, task: Task, token: int) -> None:
    """The task's next poll sees the flag: it ends canceled and kills its job."""
    if task.done or task.run_token != token:
        return
    now = engine.clock.now()
    task.state = "canceled"
    task.error = {}
    task.updated_at = now
    task.run_token = -1
    job = task.job
    if job is not None and not job.finished:
        job.status = "killed"
        job.end_at = job.updated_at = now
    tasklogs.write(task, tasklogs.canceled_events(task), now, engine.rng)
    engine.propagate(task.attempt)


def kill_job(engine: Engine, job: Job) -> str:
    """POST /v3/job/kill: the job ends killed; a td> task polling it then fails."""
    former = job.status
    if job.finished:
        return former
    now = engine.clock.now()
    job.cmdout = jobs.cmdout(job)  # frozen as it was when the job died
    job.render_cmdout = False
    job.status = "killed"
    job.end_at = job.updated_at = now
    task = job.task
    if task is not None and task.state == "running" and task.job is job:
        message = (job.cmdout or "") + "\n"
        killed = FailureCase(
            key="job_killed_by_api",
            title="TD job killed while the task polled it",
            path=task.node.path if task.node else (),
            config=task.config,
            error={"message": message, "stacktrace": TD_JOB_STACKTRACE},
            log=(
                f"ERROR|{OPERATOR_MANAGER}|Task {task.full_name} failed.",
                *(f"|{line}" for line in message.split("\n")),
                f"|> TD job {job.id} failed with status KILLED (td job)",
            ),
        )
        task.run_token = -1
        failing.fail_task(engine, task, killed)
        engine.propagate(task.attempt)
    return former

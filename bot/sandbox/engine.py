"""The workflow executor: attempts run, fail, are killed and resumed as time moves.

A small Digdag: tasks go blocked -> running -> success/error, groups go planned
-> success/group_error/canceled once no child can progress, a failed group gets
its generated ``^error`` (and the root its ``^failure-alert``) before it ends
(the state rules of Digdag's WorkflowExecutor). What each run does is decided
when it starts, by its ``Outcome``. Events run in time order from one heap, so
ids grow with time and the whole life is deterministic for a seed.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from bot.sandbox import failing, jobs, kills, tasklogs
from bot.sandbox.cases import FailureCase
from bot.sandbox.clock import Clock
from bot.sandbox.model import Attempt, Job, Session, Store, Task, WorkflowDef
from bot.sandbox.realise import (
    parse_case_log,
    split_at_failure,
)
from bot.sandbox.resume import renamed, resumable
from bot.sandbox.texts import uuid_text
from bot.sandbox.timefmt import zone
from bot.sandbox.tree import TaskNode, compile_tree, with_leaf


@dataclass(frozen=True)
class JobContext:
    """What an incident factory may use to write a failure that fits the run."""

    task: Task
    job: Job | None
    started: datetime
    now: datetime


IncidentFactory = Callable[[JobContext], FailureCase]
Failure = FailureCase | IncidentFactory
Path = tuple[str, ...]

# Digdag's generated root task on failure (WorkflowExecutor.addAttemptFailureAlertTask).
FAILURE_ALERT_CONFIG = {"_type": "notify", "_command": "Workflow session attempt failed"}
_PROGRESSING = frozenset({"ready", "running", "planned", "retry_waiting", "group_retry_waiting"})
_TYPICAL_SECONDS: dict[str | None, tuple[float, float]] = {
    "td>": (25, 420),
    "td_run>": (30, 300),
    "td_load>": (60, 600),
    "py>": (60, 900),
    "http>": (1, 4),
    "echo>": (0.2, 1),
    "require>": (1, 30),
    "fail>": (0.1, 0.5),
    None: (0.5, 2),
}


@dataclass(frozen=True)
class Outcome:
    """How one run goes: which leaves fail and how, which run long, when a person kills it."""

    failures: Mapping[Path, Failure] = field(default_factory=dict)
    # Task configs of failing leaves the workflow lacks (e.g. an if>'s generated ^sub).
    grafts: Mapping[Path, Mapping[str, Any]] = field(default_factory=dict)
    durations: Mapping[Path, float] = field(default_factory=dict)
    kill_after: float | None = None  # seconds after the start
    time_scale: float = 1.0  # < 1 squeezes the run (fail_next within one tick)
    label: str = ""  # the script line that chose it (life reads it back)


SUCCESS = Outcome()


class AttemptExists(Exception):
    """PUT /api/attempts hit an existing (session, name): TD answers 409 with it."""

    def __init__(self, attempt: Attempt) -> None:
        super().__init__(f"attempt {attempt.id} already exists")
        self.attempt = attempt


class Engine:
    def __init__(self, store: Store, clock: Clock, seed: int) -> None:
        self.seed = seed
        self.store = store
        self.clock = clock
        # One generator for the whole life: events run in a fixed order, so the draws
        # (durations, uuids, thread numbers) repeat for a seed and the same actions.
        self.rng = random.Random(seed)
        self.outcomes: dict[int, Outcome] = {}
        self.on_attempt_done: list[Callable[[Attempt], None]] = []
        # TD's account-wide limit of running attempts (None: no limit), and the
        # attempts started with allowQueueing that wait for room under it.
        self.attempt_limit: int | None = None
        self.queue: list[Attempt] = []
        self._heap: list[tuple[datetime, int, Callable[[], object]]] = []
        self._seq = 0  # ties between events at one instant go by insertion order
        self._runs = 0  # tokens of task runs: a finish event ends only its own run

    # ------------------------------------------------------------ time

    def at(self, when: datetime, action: Callable[[], object]) -> None:
        """Run ``action`` at ``when``. Actions are partials, not closures: a settled
        world must pickle (the sandbox clones seeded worlds instead of rebuilding)."""
        self._seq += 1
        heapq.heappush(self._heap, (when, self._seq, action))

    def run_until(self, when: datetime) -> None:
        """Run every event due up to ``when`` (inclusive), moving the clock with them."""
        while self._heap and self._heap[0][0] <= when:
            at, _, action = heapq.heappop(self._heap)
            self.clock.set(max(self.clock.now(), at))
            action()
        self.clock.set(max(self.clock.now(), when))

    # --------------------------------------------------------- attempts

    def submit(
        self,
        workflow: WorkflowDef,
        session_time: datetime,
        params: Mapping[str, Any],
        outcome: Outcome = SUCCESS,
        *,
        retry_name: str | None = None,
        resume: Attempt | None = None,
        keep_from: int | None = None,
        queued: bool = False,
    ) -> Attempt:
        """Start an attempt now; a new session time makes a new session (td-api 3.8)."""
        store = self.store
        project = workflow.project
        session_time = session_time.astimezone(zone(workflow.timezone)).replace(microsecond=0)
        session = store.session_by_key.get((project.id, workflow.name, session_time))
        if session is not None:
            named = next((a for a in session.attempts if a.retry_attempt_name == retry_name), None)
            if retry_name is None or named is not None:
                raise AttemptExists(named or session.last_attempt)
        now = self.clock.now()
        if session is None:
            session = Session(
                store.ids.next("session"), project, workflow.name, uuid_text(self.rng), session_time
            )
            store.add_session(session)
        attempt = Attempt(
            id=store.ids.next("attempt"),
            index=len(session.attempts) + 1,
            session=session,
            workflow=workflow,
            retry_attempt_name=retry_name,
            params=dict(params),
            created_at=now,
            pool_id=store.pool_id,
            agent_id=f"{self.rng.randrange(1000, 999999)}@ip-10-20-"
            f"{self.rng.randrange(1, 254)}-{self.rng.randrange(1, 254)}",
        )
        store.add_attempt(attempt)
        self.outcomes[attempt.id] = outcome
        tree = workflow.tree
        for path, failure in outcome.failures.items():
            config: Mapping[str, Any] | None = (
                failure.config if isinstance(failure, FailureCase) else None
            )
            config = outcome.grafts.get(path, config)
            # A group's ^error handler appears when the group fails (see _end_group).
            if config is not None and path[-1] != "^error":
                tree = with_leaf(tree, path, dict(config))
        done_before = resumable(resume, keep_from) if resume else {}
        self._instantiate(attempt, tree, None, [], done_before)
        if queued:
            attempt.queued = True
            self.queue.append(attempt)
            return attempt
        if outcome.kill_after is not None:
            self.at(
                now + timedelta(seconds=outcome.kill_after),
                partial(kills.request_kill, self, attempt),
            )
        self.propagate(attempt)
        return attempt

    def _instantiate(
        self,
        attempt: Attempt,
        node: TaskNode,
        parent: Task | None,
        upstreams: list[Task],
        done_before: Mapping[str, Task],
    ) -> Task:
        now = self.clock.now()
        task = Task(
            id=self.store.ids.next("task"),
            attempt=attempt,
            full_name=node.full_name,
            node=node,
            parent=parent,
            config=node.config,
            is_group=node.is_group,
            updated_at=now,
            upstreams=upstreams,
        )
        previous = done_before.get(node.full_name)
        if previous is not None:
            # Resumed: copied as successful, not run again (Digdag's ResumingTask).
            # TD copies no start time: the task did not run in this attempt.
            task.state = "success"
            task.store_params = previous.store_params
            task.state_params = previous.state_params
            task.export_params = previous.export_params
        attempt.tasks.append(task)
        if parent is not None:
            parent.children.append(task)
        before: Task | None = None
        for child in node.children:
            ups = [] if node.parallel or before is None else [before]
            before = self._instantiate(attempt, child, task, ups, done_before)
        return task

    def propagate(self, attempt: Attempt) -> None:
        """Digdag's executor loop for one attempt: start what can start, end what is done."""
        if attempt.deleted:
            return
        changed = True
        while changed:
            changed = False
            for task in list(attempt.tasks):
                if task.state == "blocked" and self._can_start(task):
                    self._start(task)
                    changed = True
                elif task.state == "planned" and not any(map(_progressible, task.children)):
                    self._end_group(task)
                    changed = True
        root = attempt.root
        if root.done and not attempt.done:
            attempt.done = True
            attempt.success = root.state == "success"
            attempt.finished_at = self.clock.now()
            for hook in self.on_attempt_done:
                hook(attempt)
            self.start_queued()

    def active_attempts(self) -> int:
        return sum(1 for a in self.store.attempts.values() if not a.done and not a.queued)

    def start_queued(self) -> None:
        """Start queued attempts (oldest first) while the limit has room."""
        while self.queue and (
            self.attempt_limit is None or self.active_attempts() < self.attempt_limit
        ):
            attempt = self.queue.pop(0)
            attempt.queued = False
            if not attempt.done:
                self.propagate(attempt)

    def _can_start(self, task: Task) -> bool:
        parent = task.parent
        if parent is None:
            return True
        if parent.state != "planned":
            return False
        # Digdag unblocks (to ready, or canceled under a kill) only after every upstream
        # succeeded: a task behind a canceled or failed one stays blocked for good.
        return all(u.state == "success" for u in task.upstreams)

    def _start(self, task: Task) -> None:
        now = self.clock.now()
        task.updated_at = now
        if task.cancel_requested:
            task.state = "canceled"
        elif task.children:
            task.state = "planned"  # a group never "starts": TD shows startedAt null
        else:
            self._start_leaf(task)

    def _end_group(self, task: Task) -> None:
        task.updated_at = self.clock.now()
        if task.cancel_requested:
            task.state = "canceled"
        elif task.delayed_group_error:
            task.state = "group_error"
        elif any(c.state in ("error", "group_error") for c in task.children):
            generated: list[TaskNode] = []
            if task.parent is None:
                generated.append(
                    TaskNode(f"{task.full_name}^failure-alert", (), FAILURE_ALERT_CONFIG)
                )
            handler = task.config.get("_error")
            if isinstance(handler, dict):
                node = compile_tree("", handler)
                generated.append(renamed(node, f"{task.full_name}^error"))
            for node in generated:
                self._instantiate(task.attempt, node, task, [], {})
            if generated:
                task.delayed_group_error = True
            else:
                task.state = "group_error"
        else:
            task.state = "success"

    # ------------------------------------------------------------ leaves

    def failure_of(self, task: Task) -> Failure | None:
        if task.node is None or not task.node.path:
            return None
        return self.outcomes[task.attempt.id].failures.get(task.node.path)

    def _start_leaf(self, task: Task) -> None:
        now = self.clock.now()
        outcome = self.outcomes[task.attempt.id]
        rng = self.rng
        failure = self.failure_of(task)
        path = task.node.path if task.node else ()
        seconds = outcome.durations.get(path)
        if seconds is None and isinstance(failure, FailureCase) and failure.task_runs_hours:
            seconds = failure.task_runs_hours * 3600
        if seconds is None:
            low, high = _TYPICAL_SECONDS.get(task.operator, _TYPICAL_SECONDS[None])
            seconds = rng.uniform(low, high)
        seconds *= outcome.time_scale
        task.state = "running"
        task.started_at = now
        if isinstance(failure, FailureCase):
            if failure.job is not None:
                failing.case_job(self, task, failure.job, rng)
            if failure.state_params:  # e.g. the polled job, while it still runs
                task.state_params = failing.placeholders(task).fill(failure.state_params)
            first, _ = split_at_failure(parse_case_log(failure.log or ()))
            tasklogs.write(task, [failing.filled(task, e) for e in first], now, rng)
        else:
            if task.operator in jobs.JOB_OPERATORS:
                job = jobs.start_task_job(self.store, task, now, rng)
                task.state_params = {
                    "job": {
                        "jobId": str(job.id),
                        "domainKey": uuid_text(rng),
                        "pollIteration": 0,
                        "errorPollIteration": 0,
                    }
                }
            tasklogs.write(task, tasklogs.start_events(task), now, rng)
        self._runs += 1
        task.run_token = self._runs
        self.at(now + timedelta(seconds=seconds), partial(self._finish_leaf, task, self._runs))

    def finish_now(self, task: Task) -> None:
        """End a running leaf's run now, as its outcome says (a released hang)."""
        self.at(self.clock.now(), partial(self._finish_leaf, task, task.run_token))

    def _finish_leaf(self, task: Task, token: int) -> None:
        if task.state != "running" or task.run_token != token:
            return
        if task.attempt.deleted:
            # The workflow forgot it; a TD job it had started still ends on its own.
            if task.job is not None:
                jobs.finish_job_if_running(task.job, self.clock.now(), self.rng)
            return
        if task.cancel_requested:  # Digdag's taskSucceeded/taskFailed under a kill
            kills.notice_cancel(self, task, token)
            return
        failure = self.failure_of(task)
        if failure is None:
            self._succeed(task)
        else:
            case = failure if isinstance(failure, FailureCase) else failure(self._context(task))
            failing.fail_task(self, task, case)
        self.propagate(task.attempt)

    def _context(self, task: Task) -> JobContext:
        return JobContext(task, task.job, task.started_at or self.clock.now(), self.clock.now())

    def _succeed(self, task: Task) -> None:
        now = self.clock.now()
        task.state = "success"
        task.updated_at = now
        job = task.job
        if job is not None:
            jobs.finish_job(job, now, self.rng)
            last = {"id": str(job.id), "num_records": job.num_records}
            task.store_params = {"td": {"last_job_id": str(job.id), "last_job": last}}
        tasklogs.write(task, tasklogs.finish_events(task, self.rng), now, self.rng)


def _progressible(task: Task) -> bool:
    if task.state in _PROGRESSING:
        return True
    if task.state != "blocked":
        return False
    return all(u.state == "success" for u in task.upstreams)

"""What the account does as time passes: schedules fire, runs fail, retries recover.

Each workflow has a ``Script``; the outcome of every run is drawn from it with a
generator seeded by (seed, workflow, session time, attempt index), so the same
seed always lives the same life.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import partial

from bot.sandbox.cases import FailureCase
from bot.sandbox.engine import SUCCESS, Engine, Failure, Outcome, Path
from bot.sandbox.incidents import INCIDENTS, Incident
from bot.sandbox.model import Attempt, WorkflowDef
from bot.sandbox.scheduling import ScheduleRunner
from bot.sandbox.texts import stable_rng, uuid_text
from bot.sandbox.timefmt import zone
from bot.sandbox.tree import TaskNode

WorkflowKey = tuple[int, str]  # (project id, workflow name)
HANG_LABEL = "hang"
HANG_SECONDS = 10 * 365 * 86400.0  # "until released": far past any test or demo


@dataclass
class Script:
    """How one workflow behaves; every field is optional and most workflows just succeed."""

    fail_rate: float = 0.0  # chance that a scheduled run fails with one of ``incidents``
    incidents: tuple[str, ...] = ()
    fail_on: Mapping[date, str] = field(default_factory=dict)  # session date -> incident
    failing_since: datetime | None = None  # every run started after this fails...
    failing_with: str | None = None  # ...with this incident
    auto_retry_minutes: float | None = None  # transient failures get retried this much later
    kill_on: Mapping[date, float] = field(default_factory=dict)  # date -> killed after seconds
    slow_on: Mapping[date, tuple[Path, float]] = field(default_factory=dict)
    case: FailureCase | None = None  # diagnosis lab: the case its failing run realises
    hang: bool = False  # runs started while set stay running on their first leaf until released


def leaf_path(tree: TaskNode, operator: str) -> Path | None:
    """The first leaf that runs ``operator`` (td> leaves on Hive excluded for Trino incidents)."""
    for node in tree.walk():
        if node.children or not node.path or operator not in node.config:
            continue
        if operator == "td>" and node.config.get("engine") == "hive":
            continue
        return node.path
    return None


def keeps_failing(case: FailureCase) -> bool:
    """Whether the same run fails again: a fact of the simulated world, stated by the case."""
    return not case.retry_recovers


class Life:
    def __init__(self, engine: Engine, seed: int) -> None:
        self.engine = engine
        self.seed = seed
        self.scripts: dict[WorkflowKey, Script] = {}
        self.next_tick: list[tuple[WorkflowDef, FailureCase | Incident]] = []
        engine.on_attempt_done.append(self._after)
        self.schedules = ScheduleRunner(engine, self.outcome)

    # ---------------------------------------------------------- outcomes

    def script(self, workflow: WorkflowDef) -> Script:
        return self.scripts.get((workflow.project.id, workflow.name)) or Script()

    def outcome(self, workflow: WorkflowDef, session_time: datetime, *, index: int = 1) -> Outcome:
        """What a run of ``workflow`` for ``session_time`` will do when it starts now."""
        script = self.script(workflow)
        now = self.engine.clock.now()
        day = session_time.astimezone(zone(workflow.timezone)).date()
        if script.case is not None:
            # The lab's failing runs are queued by the seed; later runs fail again only
            # when the case's failure does not go away by itself.
            return case_outcome(script.case) if keeps_failing(script.case) else SUCCESS
        if script.hang:
            return hanging(workflow.tree)
        if index > 1:
            return Outcome(label="retry")
        durations: dict[Path, float] = {}
        if day in script.slow_on:
            path, seconds = script.slow_on[day]
            durations[path] = seconds
        kill_after = script.kill_on.get(day)
        incident_key = script.fail_on.get(day)
        if script.failing_since is not None and now >= script.failing_since:
            incident_key = script.failing_with
        rng = stable_rng(self.seed, "outcome", workflow.project.name, workflow.name, session_time)
        if incident_key is None and script.incidents and rng.random() < script.fail_rate:
            incident_key = rng.choice(script.incidents)
        if incident_key is None:
            return Outcome(durations=durations, kill_after=kill_after, label="scheduled")
        incident = INCIDENTS[incident_key]
        failures, grafts = _place(workflow.tree, incident)
        return Outcome(
            failures=failures,
            grafts=grafts,
            durations=durations,
            kill_after=kill_after,
            label=incident.key,
        )

    # ------------------------------------------------------- hanging runs

    def hang(self, workflow: WorkflowDef) -> None:
        self.scripts[(workflow.project.id, workflow.name)] = replace(
            self.script(workflow), hang=True
        )

    def release(self, workflow: WorkflowDef) -> None:
        """Runs of ``workflow`` start normally again; the hanging ones move on now."""
        self.scripts[(workflow.project.id, workflow.name)] = replace(
            self.script(workflow), hang=False
        )
        index = self.engine.store.workflow_attempts.get((workflow.project.id, workflow.name))
        for attempt_id in index.ids if index else ():
            attempt = self.engine.store.attempts[attempt_id]
            outcome = self.engine.outcomes.get(attempt_id)
            if attempt.done or outcome is None or outcome.label != HANG_LABEL:
                continue
            for task in attempt.tasks:
                if task.state == "running":
                    self.engine.finish_now(task)

    # ------------------------------------------------------ auto retries

    def _after(self, attempt: Attempt) -> None:
        if attempt.status != "error":
            return
        script = self.script(attempt.workflow)
        outcome = self.engine.outcomes.get(attempt.id)
        incident = INCIDENTS.get(outcome.label) if outcome else None
        if script.auto_retry_minutes is None or incident is None or not incident.transient:
            return
        if attempt.session.last_attempt is not attempt:
            return
        when = self.engine.clock.now() + timedelta(minutes=script.auto_retry_minutes)
        self.engine.at(when, partial(self._retry, attempt))

    def _retry(self, attempt: Attempt) -> None:
        if attempt.session.last_attempt is not attempt:
            return  # someone retried it already
        rng = stable_rng(self.seed, "retry", attempt.id)
        latest = attempt.session.project.workflows.get(attempt.workflow.name, attempt.workflow)
        self.engine.submit(
            latest,
            attempt.session.time,
            attempt.params,
            Outcome(label="retry"),
            retry_name=uuid_text(rng),
            resume=attempt,
        )

    # ------------------------------------------------------- test hooks

    def fail_next(self, workflow: WorkflowDef, failure: FailureCase | Incident) -> None:
        self.next_tick.append((workflow, failure))

    def start_pending(self, window: float) -> list[Attempt]:
        """Runs asked for by ``fail_next``: they start now and fail within ``window`` seconds."""
        started = []
        for workflow, failure in self.next_tick:
            session_time = free_session_time(self.engine, workflow, self.engine.clock.now())
            if isinstance(failure, Incident):
                failures, grafts = _place(workflow.tree, failure)
                outcome = Outcome(failures=failures, grafts=grafts, label=failure.key)
            else:
                outcome = fitted_outcome(workflow.tree, failure)
            outcome = squeezed(workflow.tree, outcome, window)
            started.append(self.engine.submit(workflow, session_time, {}, outcome))
        self.next_tick.clear()
        return started


def hanging(tree: TaskNode) -> Outcome:
    """A run whose first leaf (its first td> one, if any) runs until released."""
    path = leaf_path(tree, "td>") or next(n.path for n in tree.walk() if not n.children)
    return Outcome(durations={path: HANG_SECONDS}, label=HANG_LABEL)


def case_outcome(case: FailureCase, *, time_scale: float = 1.0) -> Outcome:
    """A run in which ``case`` and its siblings fail where they say."""
    failures: dict[Path, Failure] = {case.path: case}
    for sibling in case.siblings:
        failures[sibling.path] = sibling
    durations = {case.slow[0]: case.slow[1] * 3600} if case.slow else {}
    return Outcome(failures=failures, durations=durations, time_scale=time_scale, label=case.key)


def fitted_outcome(tree: TaskNode, case: FailureCase) -> Outcome:
    """``case`` on its own task when the workflow has it (the lab's workflows), else on
    the first task of its operator kind, else grafted where it says."""
    operator = next((k for k in case.config if k.endswith(">")), None)
    own = any(node.path == case.path and not node.children for node in tree.walk())
    path = case.path if own else leaf_path(tree, operator) if operator else None
    failures: dict[Path, Failure] = {}
    if path is None:
        failures[case.path] = case
    else:
        failures[path] = _moved(case, path)
    for sibling in case.siblings:
        failures[sibling.path] = sibling
    return Outcome(failures=failures, label=case.key)


def squeezed(tree: TaskNode, outcome: Outcome, window: float) -> Outcome:
    """``outcome`` with its run short enough to end within ``window`` seconds."""
    leaves = sum(1 for node in tree.walk() if not node.children) + len(outcome.failures) + 2
    hours = sum(f.task_runs_hours for f in outcome.failures.values() if isinstance(f, FailureCase))
    # An upper bound of the run's length: every leaf at its longest, plus the handlers.
    longest = 900.0 * leaves + hours * 3600 + sum(outcome.durations.values())
    return replace(outcome, time_scale=min(1.0, max(window, 0.0) * 0.9 / longest))


def _moved(case: FailureCase, path: Path) -> FailureCase:
    return replace(case, path=path, siblings=())


def _place(
    tree: TaskNode, incident: Incident
) -> tuple[dict[Path, Failure], dict[Path, dict[str, object]]]:
    path = leaf_path(tree, incident.operator)
    if path is not None:
        return {path: incident.make}, {}
    if incident.graft is None:
        raise ValueError(f"incident {incident.key} has no {incident.operator} task to hit")
    graft_path, config = incident.graft
    return {graft_path: incident.make}, {graft_path: config}


def free_session_time(engine: Engine, workflow: WorkflowDef, now: datetime) -> datetime:
    """A manual run's session time: now, moved on by seconds if that session exists."""
    when = now.replace(microsecond=0)
    key = (workflow.project.id, workflow.name)
    while (*key, when) in engine.store.session_by_key:
        when += timedelta(seconds=1)
    return when

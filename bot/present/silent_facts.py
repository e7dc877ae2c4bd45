"""The facts of each silent-failure kind in tdbot's words: the lines of a parent,
its one-line fallback, and how it ended."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.message import mrkdwn as md
from bot.present import format as fmt
from bot.silent.findings import (
    Baseline,
    Facts,
    Finding,
    Late,
    LateState,
    LimitSource,
    NotStarted,
    Resolved,
    ResolvedHow,
    RunningLong,
    RunningTask,
    ScheduleDisabled,
)
from bot.td.models import Attempt

_TASK_CHARS = 120
_MAX_TASKS = 3
_LATE_STATE = {
    LateState.NOT_STARTED: "it has not started",
    LateState.RUNNING: "it is still running",
    LateState.FAILED: "it failed and no retry has succeeded",
}
# The same, once the alert ended: the edited parent tells what was, not what is.
_WAS_LATE_STATE = {
    LateState.NOT_STARTED: "it had not started",
    LateState.RUNNING: "it was still running",
    LateState.FAILED: "it had failed and no retry had succeeded",
}


def span(value: timedelta) -> str:
    return fmt.duration(value.total_seconds())


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M %z") if at is not None else "-"


def headline(finding: Finding) -> str:
    """One raw line for the fallback text: the kind, the workflow and the gist."""
    where = f"{finding.project}/{finding.workflow}"
    facts = finding.facts
    match facts:
        case RunningLong():
            return (
                f"{where} running long: running for {span(facts.running_for)} "
                f"(limit {span(facts.limit)}, {_source(facts)})"
            )
        case Late():
            return (
                f"{where} late: session {_when(finding.session_time)} had not succeeded "
                f"{span(facts.within)} after its session time ({_LATE_STATE[facts.state]})"
            )
        case NotStarted():
            return (
                f"{where} not started: the run scheduled at {_when(facts.slot)} "
                f"did not start within {span(facts.grace)}"
            )
        case ScheduleDisabled():
            return f"{where} schedule disabled at {_when(facts.disabled_at)}"


def facts_lines(finding: Finding, secrets: tuple[str, ...], *, live: bool = True) -> list[str]:
    """The mrkdwn lines that make the parent's case (``live``: with what to do about it)."""
    facts = finding.facts
    session = md.text(_when(finding.session_time), 40)
    attempt = finding.attempt
    label = f" · attempt #{attempt.index}" if attempt is not None else ""
    match facts:
        case RunningLong():
            started = fmt.slack_time(attempt.created_at) if attempt is not None else "-"
            lines = [
                f"{md.bold('Session')} {session}{label} · started {started}",
                f"{md.bold('Running for' if live else 'Had run for')} {span(facts.running_for)}"
                f"{'' if live else ' when alerted'} · "
                f"{md.bold('limit')} {span(facts.limit)}: {_source(facts)}",
            ]
            return lines + _running_lines(facts.tasks, attempt, secrets, live=live)
        case Late():
            lines = [
                f"{md.bold('Session')} {session}{label} · due by {fmt.slack_time(facts.due_at)}",
                f"Not succeeded {span(facts.within)} after its session time: "
                f"{(_LATE_STATE if live else _WAS_LATE_STATE)[facts.state]} "
                f"({md.code(f'sla {facts.sla_scope} within', 80)} {span(facts.within)}).",
            ]
            tasks = live_tasks(facts)
            if tasks is None:
                return lines
            return lines + _running_lines(tasks, attempt, secrets, live=live)
        case NotStarted():
            return [
                f"{md.bold('Scheduled run')} {md.text(_when(facts.slot), 40)} · no session "
                f"{span(facts.grace)} later ({md.code('TDBOT_START_GRACE', 30)}).",
                "TD's scheduler may be behind, or the account is at its limit of running attempts.",
            ]
        case ScheduleDisabled():
            consequence = ": no scheduled run starts until it is enabled again" if live else ""
            return [
                f"{md.bold('Disabled')} {fmt.slack_time(facts.disabled_at)}{consequence}.",
                "TD disables the schedule of a workflow that keeps failing; someone may "
                "also have disabled it.",
            ]


def resolved_line(resolved: Resolved, finding: Finding) -> str:
    """How it ended, in one mrkdwn line (the edited parent's first, and the thread reply)."""
    at = fmt.slack_time(resolved.at)
    ended = resolved.attempt
    took = ""
    if ended is not None and ended.created_at is not None:
        took = f" after {span(resolved.at - ended.created_at)}"
    match resolved.how:
        case ResolvedHow.SUCCEEDED if isinstance(finding.facts, RunningLong):
            return f"*Succeeded{took}* at {at}."
        case ResolvedHow.SUCCEEDED:
            return f"*Succeeded* at {at}."
        case ResolvedHow.FAILED:
            return f"*Ended in failure{took}* at {at}; the failure alert is in this thread."
        case ResolvedHow.STARTED:
            return f"*Started* at {at}."
        case ResolvedHow.ENABLED:
            return f"*The schedule was enabled again* at {at}."
        case ResolvedHow.GONE:
            return (
                f"*The run no longer exists at TD* (found deleted at {at}); nothing more to watch."
            )


def _source(facts: RunningLong) -> str:
    if facts.source is LimitSource.SLA:
        scope = facts.sla_scope or "?"
        text = f"{md.code(f'sla {scope} runtime', 80)}"
        return text + (f"; {_baseline_text(facts.baseline)}" if facts.baseline else "")
    if facts.baseline is None:
        return "learned"
    return f"learned, {_baseline_text(facts.baseline)}"


def _baseline_text(b: Baseline) -> str:
    return (
        f"its last {b.runs} good runs took {span(b.fastest)}–{span(b.slowest)} (p95 {span(b.p95)})"
    )


def live_tasks(facts: Facts) -> tuple[RunningTask, ...] | None:
    """The running tasks an alert names (running long; late while running, when TD's
    task list was read), None when it names none: those alerts offer a kill."""
    if isinstance(facts, RunningLong):
        return facts.tasks
    if isinstance(facts, Late) and facts.state is LateState.RUNNING:
        return facts.tasks
    return None


def _running_lines(
    tasks: tuple[RunningTask, ...],
    attempt: Attempt | None,
    secrets: tuple[str, ...],
    *,
    live: bool,
) -> list[str]:
    lines = _task_lines(tasks, secrets, live=live)
    if live:
        lines += _kill_hint(tasks, attempt.id if attempt is not None else None)
    return lines


def _task_lines(
    tasks: tuple[RunningTask, ...], secrets: tuple[str, ...], *, live: bool
) -> list[str]:
    """The tasks running when it was alerted: "now" only while the alert is open."""
    if not tasks:
        return ["_TD listed no running task (it may be queued or between tasks)._"]
    label = "Running now:" if live else "Was running:"
    lines: list[str] = []
    for task in tasks[:_MAX_TASKS]:
        name = md.code(task.full_name, _TASK_CHARS, secrets=secrets)
        op = f" {md.code(task.operator, 40)}" if task.operator else ""
        since = f" since {fmt.slack_time(task.started_at)}" if task.started_at else ""
        job = f" · TD job {md.code(task.job_id, 40)}" if task.job_id else ""
        lines.append(f":gear: {md.bold(label)} {name}{op}{since}{job}")
    if len(tasks) > _MAX_TASKS:
        lines.append(f"… and {fmt.plural(len(tasks) - _MAX_TASKS, 'more running task')}.")
    return lines


def _kill_hint(tasks: tuple[RunningTask, ...], attempt_id: str | None) -> list[str]:
    jobs = [t.job_id for t in tasks if t.job_id]
    commands: list[str] = []
    if jobs:
        commands.append(md.code(f"/td kill job {jobs[0]}", 60))
    if attempt_id is not None:
        commands.append(md.code(f"/td kill {attempt_id}", 60))
    if not commands:
        return []
    return [f"_Admins can stop it:_ {' or '.join(commands)}"]

"""`/td diagnose`: bot.diagnosis results as a Reply (also usable by alerts)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.answers import failures, mrkdwn
from bot.answers import format as fmt
from bot.answers.context import RequestContext
from bot.answers.reply import Evidence, Field, Link, Reply
from bot.answers.services import Services
from bot.buttons import attempt_buttons, job_buttons
from bot.commands import AttemptTarget, CommandError, Diagnose, JobTarget, SessionTarget, usage
from bot.diagnosis import (
    Diagnosis,
    JobDiagnosis,
    LastGoodRun,
    RetryAdvice,
    TaskFailure,
    diagnose_attempt,
    diagnose_job,
    diagnose_session,
)
from bot.diagnosis.model import EvidenceSource
from bot.text import is_secret_name

MAX_FAILURES_SHOWN = 5
MAX_PARAM_CHANGES = 10
_SOURCE_LABEL: dict[EvidenceSource, str] = {
    "error": "task error",
    "job_stderr": "TD job stderr",
    "job_cmdout": "TD job output",
    "task_log": "task log",
}
_RETRY_EMOJI = {
    RetryAdvice.YES: ":repeat:",
    RetryAdvice.NO: ":no_entry:",
    RetryAdvice.AFTER_FIX: ":wrench:",
    RetryAdvice.AFTER_UPSTREAM: ":hourglass:",
    RetryAdvice.DEPENDS: ":thinking_face:",
}


async def diagnose(command: Diagnose, ctx: RequestContext, services: Services) -> Reply:
    target = command.target
    if target is None:
        if ctx.thread_attempt_id is None:
            return failures.bad_command(
                CommandError(
                    "diagnose needs an attempt, session or job id here; without one it "
                    "only works inside the thread of a tdbot alert",
                    usage("diagnose"),
                )
            )
        target = AttemptTarget(ctx.thread_attempt_id)
    td, console = services.td, services.console
    if isinstance(target, JobTarget):
        return job_diagnosis_reply(await diagnose_job(td, target.job_id, console_base=console))
    if isinstance(target, SessionTarget):
        try:
            found = await diagnose_session(td, target.session_id, console_base=console)
        except ValueError:
            return Reply(
                title=f"Session {target.session_id} has not run yet",
                text=f"Session {target.session_id} has no attempts yet: nothing to diagnose.",
                emoji=":hourglass_flowing_sand:",
                sections=("The session has no attempts yet, so nothing has failed.",),
            )
        return diagnosis_reply(found)
    return diagnosis_reply(await diagnose_attempt(td, target.attempt_id, console_base=console))


def _retry_line(retry: RetryAdvice, note: str) -> str:
    # The note already states the verdict in context; the label is the fallback.
    advice = mrkdwn.text(note, 600) if note else retry.label.capitalize() + "."
    return f"{_RETRY_EMOJI[retry]} {mrkdwn.bold('Retry:')} {advice}"


def _failure_section(failure: TaskFailure) -> str:
    operator = f" {mrkdwn.code(failure.operator, 40)}" if failure.operator else " (group)"
    role = " — its _error handler failed too" if failure.is_handler else ""
    lines = [
        f":x: {mrkdwn.bold(mrkdwn.code(failure.task_full_name, 300))}{operator}{role}",
        f"{mrkdwn.bold(failure.category.title)}: {mrkdwn.code(failure.root_error or '-', 600)}",
        _retry_line(failure.retry, failure.retry_note),
    ]
    if failure.next_step:
        lines.append(f"{mrkdwn.bold('Next step:')} {mrkdwn.text(failure.next_step, 400)}")
    if failure.job_id:
        status = f" ({mrkdwn.text(failure.job_status, 20)})" if failure.job_status else ""
        lines.append(
            f"{mrkdwn.bold('TD job:')} {mrkdwn.link(failure.job_url, failure.job_id)}{status}"
        )
    if failure.sql_line_hint is not None:
        lines.append(mrkdwn.text(failure.sql_line_hint.text, 300))
    if failure.upstream is not None:
        lines.append(
            f"Waited for attempt {mrkdwn.text(failure.upstream.attempt_id, 30)} of session "
            f"{mrkdwn.text(failure.upstream.session_id, 30)}: diagnose that one next."
        )
    if failure.retry_count:
        lines.append(f"Task-level _retry ran {failure.retry_count} time(s).")
    if failure.error_handler_ran:
        lines.append("The workflow's _error handler ran for this failure.")
    return "\n".join(lines)


def _failure_evidence(failure: TaskFailure) -> Iterable[Evidence]:
    for item in failure.evidence:
        cut = " (excerpt)" if item.cut else ""
        label = f"{failure.task_full_name}: {_SOURCE_LABEL[item.source]}{cut}"
        yield Evidence(label, item.text)


def _value(key: str, value: Any) -> str:
    if value is None:
        return "-"
    if is_secret_name(key):
        return "****"
    return mrkdwn.code(str(value), 120)


def _changes_section(last: LastGoodRun) -> str:
    when = fmt.slack_time(last.finished_at or last.session_time)
    run = mrkdwn.link(last.attempt_url, f"attempt {last.attempt_id}")
    lines = [
        f"{mrkdwn.bold('Since the last good run')} ({run}, session "
        f"{mrkdwn.text(last.session_time.isoformat(), 60)}, finished {when}):"
    ]
    changes = last.changes
    if changes.revision_changed:
        lines.append(
            f"• workflow revision {mrkdwn.code(changes.revision_before or '-', 80)} → "
            f"{mrkdwn.code(changes.revision_after or '-', 80)}"
        )
    for change in changes.params[:MAX_PARAM_CHANGES]:
        lines.append(
            f"• param {mrkdwn.code(change.key, 80)} {change.kind}: "
            f"{_value(change.key, change.before)} → {_value(change.key, change.after)}"
        )
    if len(changes.params) > MAX_PARAM_CHANGES:
        lines.append(f"• … and {len(changes.params) - MAX_PARAM_CHANGES} more params")
    before, after = changes.duration_before_seconds, changes.duration_after_seconds
    if before is not None and after is not None:
        lines.append(f"• duration {fmt.duration(before)} → {fmt.duration(after)}")
    if len(lines) == 1:
        lines.append("• no change in revision or params")
    return "\n".join(lines)


def diagnosis_reply(found: Diagnosis) -> Reply:
    attempt = found.attempt
    where = f"{attempt.project.name}/{attempt.workflow.name}"
    status = found.status
    retry = f"#{attempt.index}" + (
        f" ({attempt.retry_attempt_name})" if attempt.retry_attempt_name else ""
    )
    fields = [
        Field("Workflow", mrkdwn.text(where, 300)),
        Field("Status", f"{fmt.ATTEMPT_EMOJI[status]} {status.value}"),
        Field("Attempt", f"{mrkdwn.text(attempt.id, 30)} {mrkdwn.text(retry, 200)}"),
        Field("Session time", mrkdwn.text(attempt.session_time.isoformat(), 60)),
        Field("Duration", fmt.duration(attempt.duration_seconds)),
    ]
    if found.streak is not None and found.streak.count > 1:
        more = "+" if found.streak.bounded else ""
        fields.append(
            Field(
                "Failing streak",
                f"{found.streak.count}{more} sessions since {fmt.slack_time(found.streak.since)}",
            )
        )
    if found.retry_history:
        fields.append(
            Field(
                "Attempts of this session",
                " ".join(f"#{a.index} {a.status.value}" for a in found.retry_history),
            )
        )
    sections: list[str] = []
    evidence: list[Evidence] = []
    if found.nothing_failed:
        sections.append(f"Nothing failed in this attempt (status {status.value}).")
    if found.killed is not None:
        killed = found.killed
        lines = [f":no_entry_sign: {mrkdwn.bold(killed.category.title)}"]
        lines.append(mrkdwn.text(killed.description, 600))
        if killed.longest_task:
            hours = f" for {killed.longest_task_hours:.1f} h" if killed.longest_task_hours else ""
            lines.append(f"Longest-running task: {mrkdwn.code(killed.longest_task, 300)}{hours}")
        if killed.canceled_tasks:
            shown = ", ".join(mrkdwn.code(t, 200) for t in killed.canceled_tasks[:5])
            rest = len(killed.canceled_tasks) - 5
            lines.append(f"Canceled: {shown}" + (f" and {rest} more" if rest > 0 else ""))
        sections.append("\n".join(lines))
    for failure in found.failures[:MAX_FAILURES_SHOWN]:
        sections.append(_failure_section(failure))
        evidence.extend(_failure_evidence(failure))
    if len(found.failures) > MAX_FAILURES_SHOWN:
        sections.append(f"… and {len(found.failures) - MAX_FAILURES_SHOWN} more failing tasks.")
    if found.last_success is not None:
        sections.append(_changes_section(found.last_success))
    elif status.failed:
        sections.append("No successful run of this workflow in the recent history.")
    links = []
    if found.attempt_url:
        links.append(Link("Attempt in TD console", found.attempt_url))
    for failure in found.failures[:MAX_FAILURES_SHOWN]:
        if failure.job_id and failure.job_url:
            links.append(Link(f"TD job {failure.job_id}", failure.job_url))
    if found.last_success is not None and found.last_success.attempt_url:
        links.append(Link("Last good run", found.last_success.attempt_url))
    return Reply(
        title=f"Diagnosis: {where} attempt {attempt.id} {status.value}",
        text=found.summary_line(),
        emoji=":stethoscope:",
        fields=tuple(fields),
        sections=tuple(sections),
        evidence=tuple(evidence),
        links=tuple(links),
        actions=attempt_buttons(attempt),
        context=tuple(mrkdwn.text(note, 500) for note in found.notes),
    )


def job_diagnosis_reply(found: JobDiagnosis) -> Reply:
    job = found.job
    fields = (
        Field("Type", mrkdwn.text(job.type, 100)),
        Field("Status", f"{fmt.JOB_EMOJI[job.status]} {job.status.value}"),
        Field("Database", mrkdwn.text(job.database or "-", 200)),
        Field("Duration", fmt.duration(job.duration)),
    )
    links = (Link("Open in TD console", found.job_url),) if found.job_url else ()
    title = f"Diagnosis: TD job {job.job_id} {job.status.value}"
    if found.nothing_failed or found.category is None or found.retry is None:
        return Reply(
            title=title,
            text=f"TD job {job.job_id} is {job.status.value}: nothing failed.",
            emoji=":stethoscope:",
            fields=fields,
            sections=(f"Nothing failed: the job is {job.status.value}.",),
            links=links,
            actions=job_buttons(job),
        )
    lines = [
        f"{mrkdwn.bold(found.category.title)}: {mrkdwn.code(found.root_error or '-', 600)}",
        _retry_line(found.retry, found.retry_note),
    ]
    if found.next_step:
        lines.append(f"{mrkdwn.bold('Next step:')} {mrkdwn.text(found.next_step, 400)}")
    if found.sql_line_hint is not None:
        lines.append(mrkdwn.text(found.sql_line_hint.text, 300))
    return Reply(
        title=title,
        text=f"TD job {job.job_id} {job.status.value}: {found.category.title}: {found.root_error}",
        emoji=":stethoscope:",
        fields=fields,
        sections=("\n".join(lines),),
        evidence=tuple(
            Evidence(_SOURCE_LABEL[e.source] + (" (excerpt)" if e.cut else ""), e.text)
            for e in found.evidence
        ),
        links=links,
    )

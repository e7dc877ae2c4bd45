"""A diagnosis as a Message: built once, for `/td diagnose`, @-mentions, buttons and threads.

``failure_lines`` is the one wording of a failing task (task, category, root
error, retry advice, next step), shared by the full diagnosis and the alert
parent. Every piece of TD text goes in through ``bot.message.mrkdwn`` with the
attempt's secret params, and the Message masks them again as a whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from bot.buttons import attempt_buttons, job_buttons
from bot.diagnosis import Diagnosis, JobDiagnosis, LastGoodRun, RetryAdvice, TaskFailure
from bot.diagnosis.model import EvidenceSource
from bot.message import Evidence, Field, Link, Message
from bot.message import mrkdwn as md
from bot.present import format as fmt
from bot.td import urls
from bot.text import is_secret_name, secret_param_values

MAX_FAILURES_SHOWN = 5
MAX_PARAM_CHANGES = 10
SOURCE_LABEL: dict[EvidenceSource, str] = {
    "error": "task error",
    "job_stderr": "TD job stderr",
    "job_cmdout": "TD job output",
    "task_log": "task log",
}
RETRY_EMOJI = {
    RetryAdvice.YES: ":repeat:",
    RetryAdvice.NO: ":no_entry:",
    RetryAdvice.AFTER_FIX: ":wrench:",
    RetryAdvice.AFTER_UPSTREAM: ":hourglass:",
    RetryAdvice.DEPENDS: ":thinking_face:",
}


def retry_lines(retry: RetryAdvice, line: str, note: str, secrets: Sequence[str] = ()) -> list[str]:
    """The advice in one line of tdbot's own; the note when it says which retry helps."""
    advice = line or note or retry.label.capitalize() + "."
    lines = [f"{RETRY_EMOJI[retry]} {md.bold('Retry:')} {md.text(advice, 600, secrets=secrets)}"]
    # Only a retry that may help has a "which one" worth a second line.
    if line and note and note != line and retry in (RetryAdvice.YES, RetryAdvice.DEPENDS):
        lines.append(f"{md.bold('Which retry:')} {md.text(note, 600, secrets=secrets)}")
    return lines


def judgement_lines(
    title: str,
    verdict: str,
    root_error: str,
    *,
    certain: bool,
    disagreement: str | None,
    secrets: Sequence[str] = (),
) -> list[str]:
    """The category in tdbot's words, then TD's decisive line, labelled as TD's."""
    mark = "" if certain else ":grey_question: "
    said = md.text(verdict, 600, secrets=secrets) if verdict else ""
    lines = [f"{mark}{md.bold(title)}" + (f": {said}" if said else "")]
    lines.append(f"{md.bold('TD says:')} {md.code(root_error or '-', 600, secrets=secrets)}")
    if disagreement:
        lines.append(f":left_right_arrow: {md.text(disagreement, 600, secrets=secrets)}")
    return lines


def failure_lines(failure: TaskFailure, secrets: Sequence[str] = ()) -> list[str]:
    """The failing task and where it ran, the judgement, the retry advice and the next step."""
    operator = f" {md.code(failure.operator, 40)}" if failure.operator else " (group)"
    role = " — its _error handler failed too" if failure.is_handler else ""
    task = md.code(failure.task_full_name, 300, secrets=secrets)
    lines = [f":x: {md.bold(task)}{operator}{role}"]
    for label, raw in (
        ("In", failure.iteration),
        ("It was handling", failure.handles),
        ("Still running at the deadline", failure.slow_task),
    ):
        if raw:
            lines.append(f"{md.bold(label + ':')} {md.text(raw, 400, secrets=secrets)}")
    lines += judgement_lines(
        failure.category.title,
        failure.verdict,
        failure.root_error,
        certain=failure.certain,
        disagreement=failure.disagreement,
        secrets=secrets,
    )
    lines += retry_lines(failure.retry, failure.retry_line, failure.retry_note, secrets)
    if failure.next_step:
        lines.append(f"{md.bold('Next step:')} {md.text(failure.next_step, 400, secrets=secrets)}")
    return lines


def _failure_section(failure: TaskFailure, secrets: Sequence[str]) -> str:
    lines = failure_lines(failure, secrets)
    if failure.job_id:
        status = f" ({md.text(failure.job_status, 20)})" if failure.job_status else ""
        lines.append(f"{md.bold('TD job:')} {md.link(failure.job_url, failure.job_id)}{status}")
    if failure.sql_line_hint is not None:
        lines.append(md.text(failure.sql_line_hint.text, 300, secrets=secrets))
    if failure.upstream is not None:
        lines.append(
            f"Waited for attempt {md.text(failure.upstream.attempt_id, 30)} of session "
            f"{md.text(failure.upstream.session_id, 30)}: diagnose that one next."
        )
    if failure.retry_count:
        lines.append(f"Task-level _retry ran {failure.retry_count} time(s).")
    if failure.error_handler_ran:
        lines.append("The workflow's _error handler ran for this failure.")
    return "\n".join(lines)


def _failure_evidence(failure: TaskFailure) -> Iterable[Evidence]:
    for item in failure.evidence:
        cut = " (excerpt)" if item.cut else ""
        label = f"{failure.task_full_name}: {SOURCE_LABEL[item.source]}{cut}"
        yield Evidence(label, item.text)


def _value(key: str, value: Any, secrets: Sequence[str]) -> str:
    if value is None:
        return "-"
    if is_secret_name(key):
        return "****"
    return md.code(str(value), 120, secrets=secrets)


def _changes_section(last: LastGoodRun, secrets: Sequence[str]) -> str:
    when = fmt.slack_time(last.finished_at or last.session_time)
    run = md.link(last.attempt_url, f"attempt {last.attempt_id}")
    lines = [
        f"{md.bold('Since the last good run')} ({run}, session "
        f"{md.text(last.session_time.isoformat(), 60)}, finished {when}):"
    ]
    changes = last.changes
    if changes.revision_changed:
        lines.append(
            f"• workflow revision {md.code(changes.revision_before or '-', 80)} → "
            f"{md.code(changes.revision_after or '-', 80)}"
        )
    for change in changes.params[:MAX_PARAM_CHANGES]:
        before = _value(change.key, change.before, secrets)
        after = _value(change.key, change.after, secrets)
        lines.append(f"• param {md.code(change.key, 80)} {change.kind}: {before} → {after}")
    if len(changes.params) > MAX_PARAM_CHANGES:
        lines.append(f"• … and {len(changes.params) - MAX_PARAM_CHANGES} more params")
    before_s, after_s = changes.duration_before_seconds, changes.duration_after_seconds
    if before_s is not None and after_s is not None:
        lines.append(f"• duration {fmt.duration(before_s)} → {fmt.duration(after_s)}")
    if len(lines) == 1:
        lines.append("• no change in revision or params")
    return "\n".join(lines)


def _killed_section(found: Diagnosis, secrets: Sequence[str]) -> str:
    killed = found.killed
    assert killed is not None
    lines = [f":no_entry_sign: {md.bold(killed.category.title)}"]
    lines.append(md.text(killed.description, 600, secrets=secrets))
    if killed.longest_task:
        hours = f" for {killed.longest_task_hours:.1f} h" if killed.longest_task_hours else ""
        lines.append(f"Longest-running task: {md.code(killed.longest_task, 300)}{hours}")
    if killed.canceled_tasks:
        shown = ", ".join(md.code(t, 200) for t in killed.canceled_tasks[:5])
        rest = len(killed.canceled_tasks) - 5
        lines.append(f"Canceled: {shown}" + (f" and {rest} more" if rest > 0 else ""))
    return "\n".join(lines)


def diagnosis_message(found: Diagnosis, console: str | None = None) -> Message:
    """``console``: the console base, for the session link (the documented one, so first)."""
    attempt = found.attempt
    secrets = secret_param_values(attempt.params)
    where = f"{attempt.project.name}/{attempt.workflow.name}"
    status = found.status
    retry = f"#{attempt.index}" + (
        f" ({attempt.retry_attempt_name})" if attempt.retry_attempt_name else ""
    )
    fields = [
        Field("Workflow", md.text(where, 300)),
        Field("Status", f"{fmt.ATTEMPT_EMOJI[status]} {status.value}"),
        Field("Attempt", f"{md.text(attempt.id, 30)} {md.text(retry, 200)}"),
        Field("Session time", md.text(attempt.session_time.isoformat(), 60)),
        Field("Duration", fmt.duration(attempt.duration_seconds)),
    ]
    if found.streak is not None and found.streak.count > 1:
        more = "+" if found.streak.bounded else ""
        since = fmt.slack_time(found.streak.since)
        fields.append(Field("Failing streak", f"{found.streak.count}{more} sessions since {since}"))
    if found.retry_history:
        history = " ".join(f"#{a.index} {a.status.value}" for a in found.retry_history)
        fields.append(Field("Attempts of this session", history))
    sections: list[str] = []
    evidence: list[Evidence] = []
    if found.nothing_failed:
        sections.append(f"Nothing failed in this attempt (status {status.value}).")
    if found.killed is not None:
        sections.append(_killed_section(found, secrets))
    for failure in found.failures[:MAX_FAILURES_SHOWN]:
        sections.append(_failure_section(failure, secrets))
        evidence.extend(_failure_evidence(failure))
    if len(found.failures) > MAX_FAILURES_SHOWN:
        sections.append(f"… and {len(found.failures) - MAX_FAILURES_SHOWN} more failing tasks.")
    if found.last_success is not None:
        sections.append(_changes_section(found.last_success, secrets))
    elif status.failed:
        sections.append("No successful run of this workflow in the recent history.")
    links = []
    if console:
        links.append(Link("Session in TD console", urls.session_url(console, attempt.session_id)))
    if found.attempt_url:
        links.append(Link("Attempt in TD console", found.attempt_url))
    for failure in found.failures[:MAX_FAILURES_SHOWN]:
        if failure.job_id and failure.job_url:
            links.append(Link(f"TD job {failure.job_id}", failure.job_url))
    if found.last_success is not None and found.last_success.attempt_url:
        links.append(Link("Last good run", found.last_success.attempt_url))
    return Message(
        title=f"Diagnosis: {where} attempt {attempt.id} {status.value}",
        text=found.summary_line(),
        emoji=":stethoscope:",
        fields=tuple(fields),
        sections=tuple(sections),
        evidence=tuple(evidence),
        links=tuple(links),
        buttons=attempt_buttons(attempt),
        context=tuple(md.text(note, 500, secrets=secrets) for note in found.notes),
        secrets=tuple(secrets),
    )


def job_diagnosis_message(found: JobDiagnosis) -> Message:
    job = found.job
    fields = (
        Field("Type", md.text(job.type, 100)),
        Field("Status", f"{fmt.JOB_EMOJI[job.status]} {job.status.value}"),
        Field("Database", md.text(job.database or "-", 200)),
        Field("Duration", fmt.duration(job.duration)),
    )
    links = (Link("Open in TD console", found.job_url),) if found.job_url else ()
    title = f"Diagnosis: TD job {job.job_id} {job.status.value}"
    if found.nothing_failed or found.category is None or found.retry is None:
        return Message(
            title=title,
            text=f"TD job {job.job_id} is {job.status.value}: nothing failed.",
            emoji=":stethoscope:",
            fields=fields,
            sections=(f"Nothing failed: the job is {job.status.value}.",),
            links=links,
            buttons=job_buttons(job),
        )
    lines = judgement_lines(
        found.category.title,
        found.verdict,
        found.root_error or "",
        certain=found.certain,
        disagreement=found.disagreement,
    )
    lines += retry_lines(found.retry, found.retry_line, found.retry_note)
    if found.next_step:
        lines.append(f"{md.bold('Next step:')} {md.text(found.next_step, 400)}")
    if found.sql_line_hint is not None:
        lines.append(md.text(found.sql_line_hint.text, 300))
    return Message(
        title=title,
        text=f"TD job {job.job_id} {job.status.value}: {found.category.title}: {found.root_error}",
        emoji=":stethoscope:",
        fields=fields,
        sections=("\n".join(lines),),
        evidence=tuple(
            Evidence(SOURCE_LABEL[e.source] + (" (excerpt)" if e.cut else ""), e.text)
            for e in found.evidence
        ),
        links=links,
    )

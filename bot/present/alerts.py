"""Alert messages as Message values: the parent, a later failure, a recovery, a digest.

A parent (and a later attempt's reply) is short: at most ``PARENT_VISIBLE``
characters of what a reader sees, enough to decide (what failed, the root
error in one line, its category, whether a retry helps, who owns it). The full
diagnosis (``alert_diagnosis``) is the first reply in the thread. Only the
scope's owners are ever mentioned, written by tdbot from stored ids
(``bot.message.mrkdwn.mention``), never on recovery. Every message names the
attempt's secret params, so the Message masks them wherever TD echoed them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.actions import Target
from bot.buttons import (
    action_button,
    diagnose_button,
    mute_button,
    on_it_button,
    retry_how_button,
)
from bot.diagnosis.model import Diagnosis, TaskFailure
from bot.message import Button, Link, Message
from bot.message import mrkdwn as md
from bot.present import format as fmt
from bot.present.diagnosis import RETRY_EMOJI, diagnosis_message
from bot.present.digest import NOBODY, batches, digest_message, ownership_lines
from bot.present.digest import AlertOwnership as AlertOwnership  # where alerts import it from
from bot.present.digest import OnIt as OnIt
from bot.store import ActionKind
from bot.td import urls
from bot.td.models import Attempt, AttemptStatus
from bot.text import secret_param_values

PARENT_VISIBLE = 1500
"""What a reader sees of a parent at most: blocks' text, link and button labels."""

_ROOT_CHARS = 160  # the root error, one line
_TASK_CHARS = 120
_NOTE_CHARS = 200
_WHERE_CHARS = 120
_RECOVERED = ":white_check_mark:"


@dataclass(frozen=True)
class Recovery:
    """The attempt that succeeded after the failure a parent message describes."""

    attempt: Attempt


@dataclass(frozen=True)
class Digest:
    attempts: tuple[Attempt, ...]
    message: Message


def failure_parent(
    attempt: Attempt,
    diagnosis: Diagnosis | None,
    *,
    console: str | None,
    recovered: Recovery | None = None,
    ownership: AlertOwnership = NOBODY,
) -> Message:
    """The short parent of a session's alert thread (``recovered``: its edited form).

    The owners are mentioned while it fails; a recovered parent mentions nobody.
    """
    view = _View(attempt, diagnosis, console)
    word = "Recovered" if recovered else ("Killed" if view.killed else "Failed")
    text = view.headline() if recovered is None else view.recovered_text(recovered)
    sections = [view.session_line(), *view.failure_sections(live=recovered is None)]
    if recovered is not None:
        sections.insert(0, view.recovered_line(recovered))
    else:
        sections.extend(ownership_lines(ownership))
    return Message(
        title=f"{word}: {view.text(view.where, _WHERE_CHARS)}",
        text=text,
        emoji=_RECOVERED if recovered else view.emoji,
        sections=tuple(sections),
        context=view.context(),
        links=view.console_link(),
        # A recovered run needs no retry, no mute and nobody on it; a second look still helps.
        buttons=view.buttons(live=recovered is None, on_it=ownership.on_it),
        secrets=view.secrets,
    )


def retry_failure_reply(
    attempt: Attempt, diagnosis: Diagnosis | None, *, console: str | None
) -> Message:
    """A short thread reply: a later attempt of the same session failed too."""
    view = _View(attempt, diagnosis, console)
    # Named in full: in a digest's thread, replies of many sessions meet.
    return Message(
        title=f"{view.where} {view.attempt_label()} {view.verb()} too",
        text=view.headline(),
        emoji=view.emoji,
        header=False,
        sections=(f"Finished {view.finished()}.", *view.failure_sections()),
        context=view.context(),
        buttons=(diagnose_button(attempt.id), action_button(ActionKind.RETRY, view.target)),
        secrets=view.secrets,
    )


def alert_diagnosis(diagnosis: Diagnosis) -> Message:
    """The full diagnosis, posted as the reply that follows an alert in its thread."""
    return replace(diagnosis_message(diagnosis), header=False, buttons=())


def recovery_reply(attempt: Attempt, *, console: str | None) -> Message:
    """A thread reply: the session succeeded on a later attempt."""
    view = _View(attempt, None, console)
    took = f", took {fmt.duration(attempt.duration_seconds)}" if attempt.finished_at else ""
    return Message(
        title=f"Recovered: {view.where} {view.attempt_label()} succeeded",
        text=f"{view.where} recovered: {view.attempt_label()} succeeded",
        emoji=_RECOVERED,
        header=False,
        sections=(f"Succeeded at {view.finished()}{took}.",),
        context=tuple(filter(None, [view.links()])),
        secrets=view.secrets,
    )


def digest_messages(
    attempts: Sequence[Attempt], *, console: str | None, owners: Sequence[str] = ()
) -> list[Digest]:
    """Many failures for one channel in one poll: a line each, as few short messages as fit.

    ``owners``: of the scopes listed, mentioned once in each message.
    """
    views = [_View(a, None, console) for a in attempts]
    lines = [v.digest_line() for v in views]
    digests: list[Digest] = []
    for span in batches(lines):
        batch = [views[i] for i in span]
        title = f"{len(batch)} workflow runs failed"
        message = digest_message(
            title=title,
            names=[v.where for v in batch],
            emoji=":x:",
            lines=[lines[i] for i in span],
            owners=owners,
            context="Later attempts of these sessions are posted in this thread.",
            secrets=tuple(s for v in batch for s in v.secrets),
        )
        digests.append(Digest(tuple(v.attempt for v in batch), message))
    return digests


class _View:
    """One attempt (and its diagnosis, if any) as the pieces of a short message."""

    def __init__(self, attempt: Attempt, diagnosis: Diagnosis | None, console: str | None):
        self.attempt = attempt
        self.diagnosis = diagnosis
        self.console = console
        self.secrets = tuple(secret_param_values(attempt.params))
        self.killed = attempt.status is AttemptStatus.KILLED
        self.emoji = fmt.ATTEMPT_EMOJI[attempt.status]
        self.where = f"{attempt.project.name}/{attempt.workflow.name}"
        self.primary: TaskFailure | None = diagnosis.primary if diagnosis else None
        self.target = Target.from_attempt(attempt)

    def text(self, raw: str, limit: int) -> str:
        return md.text(raw, limit, secrets=self.secrets)

    def verb(self) -> str:
        return "was killed" if self.killed else "failed"

    def attempt_label(self) -> str:
        retry = f" (retry {self.attempt.index - 1})" if self.attempt.index > 1 else ""
        return f"attempt #{self.attempt.index}{retry}"

    def session_text(self) -> str:
        return self.attempt.session_time.strftime("%Y-%m-%d %H:%M %z")

    def finished(self) -> str:
        return fmt.slack_time(self.attempt.finished_at)

    def session_line(self) -> str:
        took = ""
        if self.attempt.duration_seconds is not None and self.attempt.finished_at is not None:
            took = f" after {fmt.duration(self.attempt.duration_seconds)}"
        return (
            f"{md.bold('Session')} {self.text(self.session_text(), 40)} · "
            f"{self.attempt_label()} · {'killed' if self.killed else 'failed'} "
            f"{self.finished()}{took}"
        )

    def recovered_line(self, recovered: Recovery) -> str:
        when = fmt.slack_time(recovered.attempt.finished_at)
        return (
            f"{_RECOVERED} *recovered by attempt #{recovered.attempt.index} at {when}* "
            f"(this message described {self.attempt_label()}, which {self.verb()})"
        )

    def headline(self) -> str:
        """One raw line for the fallback text."""
        what = f"{self.where} {self.verb()}"
        where = f"session {self.session_text()}, {self.attempt_label()}"
        if self.primary is not None:
            op = f" ({self.primary.operator})" if self.primary.operator else ""
            root = _one_line(self.primary.root_error)
            return f"{what} ({where}): {self.primary.task_full_name}{op}: {root}"
        if self.diagnosis is not None and self.diagnosis.killed is not None:
            return f"{what} ({where}): {self.diagnosis.killed.description}"
        return f"{what} ({where})"

    def recovered_text(self, recovered: Recovery) -> str:
        return (
            f"{self.where} recovered by attempt #{recovered.attempt.index} "
            f"(session {self.session_text()}; {self.attempt_label()} {self.verb()})"
        )

    def failure_sections(self, *, live: bool = True) -> list[str]:
        """The failing task, its root error in one line, category and (``live``: while the
        run still needs one) retry advice."""
        d = self.diagnosis
        if d is None:
            return ["_No diagnosis yet: use *Diagnose* for the failing task and its error._"]
        lines: list[str] = []
        if d.killed is not None:
            lines.append(f"*{d.killed.category.title}:* {self.text(d.killed.description, 300)}")
        failure = self.primary
        if failure is not None:
            operator = f" {md.code(failure.operator, 40)}" if failure.operator else " (group)"
            task = md.code(failure.task_full_name, _TASK_CHARS, secrets=self.secrets)
            root = md.code(_one_line(failure.root_error) or "-", _ROOT_CHARS, secrets=self.secrets)
            verdict = _cut_words(_one_line(failure.verdict), _NOTE_CHARS)
            advice = _one_line(failure.retry_line or failure.retry_note)
            advice = _cut_words(advice, _NOTE_CHARS) or failure.retry.label.capitalize() + "."
            lines += [
                f":x: {md.bold(task)}{operator}",
                f"{md.bold('TD says:')} {root}",
                f"{md.bold(failure.category.title)}"
                + (f": {self.text(verdict, _NOTE_CHARS)}" if verdict else ""),
            ]
            if live:
                retry = f"{RETRY_EMOJI[failure.retry]} {md.bold('Retry:')} "
                lines.append(retry + self.text(advice, _NOTE_CHARS))
            if len(d.failures) > 1:
                lines.append(f"… and {fmt.plural(len(d.failures) - 1, 'more failing task')}.")
        elif d.killed is None:
            lines.append("_No task carries an error; use *Diagnose* for details._")
        if lines:
            lines.append("_The full diagnosis is in the thread._")
        return ["\n".join(lines)] if lines else []

    def context(self) -> tuple[str, ...]:
        lines: list[str] = []
        d = self.diagnosis
        if d is not None and d.streak is not None and d.streak.count > 1:
            more = "+" if d.streak.bounded else ""
            lines.append(f"Failing for {d.streak.count}{more} sessions in a row.")
        if link := self.links():
            lines.append(link)
        return tuple(lines)

    def links(self) -> str:
        a, console = self.attempt, self.console
        parts: list[str] = []
        if console:
            parts.append(
                md.link(urls.session_url(console, a.session_id), f"Session {a.session_id}")
            )
        if self.primary is not None and self.primary.job_id:
            parts.append(md.link(self.job_url(self.primary), f"Job {self.primary.job_id}"))
        return " · ".join(parts)

    def console_link(self) -> tuple[Link, ...]:
        a = self.attempt
        if not self.console or not a.workflow.id:
            return ()
        return (
            Link(
                "Open in TD console",
                urls.attempt_url(self.console, a.workflow.id, a.session_id, a.id),
            ),
        )

    def job_url(self, failure: TaskFailure) -> str | None:
        if failure.job_url:
            return failure.job_url
        if self.console and failure.job_id and failure.job_id.isdigit():
            return urls.job_url(self.console, failure.job_id)
        return None

    def buttons(self, *, live: bool, on_it: OnIt | None) -> tuple[Button, ...]:
        a = self.attempt
        buttons = [diagnose_button(a.id)]
        if live:
            buttons += [
                action_button(ActionKind.RETRY, self.target),
                retry_how_button(a.id),
                on_it_button(a.id, taken=on_it is not None),
                mute_button(a.project.name, a.workflow.name),
            ]
        return tuple(buttons)

    def digest_line(self) -> str:
        a = self.attempt
        name = self.text(self.where, _WHERE_CHARS)
        if self.console and a.workflow.id:
            url = urls.attempt_url(self.console, a.workflow.id, a.session_id, a.id)
            name = md.link(url, self.where)
        # Compact, so a storm takes few messages: each is paced at one a second per channel.
        session = self.text(self.attempt.session_time.strftime("%m-%d %H:%M"), 20)
        killed = " killed" if self.killed else ""
        return f"{self.emoji} {name} · {session} #{a.index}{killed}"


def _one_line(raw: str) -> str:
    """The first non-blank line: a root error or a note shown in one line."""
    return next((line.strip() for line in raw.splitlines() if line.strip()), "")


def _cut_words(raw: str, limit: int) -> str:
    if len(raw) <= limit:
        return raw
    return raw[: limit - 1].rsplit(" ", 1)[0] + "…"

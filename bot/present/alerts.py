"""Alert messages as Message values: the parent, a later failure, a recovery, a digest.

The failing task is worded by ``bot.present.diagnosis.failure_lines``, the one
wording every diagnosis uses. Nobody is ever @-mentioned. Every message names
the attempt's secret params, so the Message masks them wherever TD echoed them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.actions import Target
from bot.buttons import action_button, diagnose_button, mute_button
from bot.diagnosis.model import Diagnosis, TaskFailure
from bot.message import Button, Evidence, Field, Message
from bot.message import mrkdwn as md
from bot.present import format as fmt
from bot.present.diagnosis import SOURCE_LABEL, failure_lines
from bot.store import ActionKind
from bot.td import urls
from bot.td.models import Attempt, AttemptStatus
from bot.text import secret_param_values

DIGEST_ITEMS = 40
"""Failures per digest message: 40 one-line items stay far inside the size limits."""

_EVIDENCE_CHARS = 1500
_NAME_CHARS = 300
_RECOVERED = ":white_check_mark:"
# Digest lines per message are bounded by count and by characters (Slack's total).
_DIGEST_CHARS = 10_000


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
) -> Message:
    """The parent message of a session's alert thread (``recovered``: its edited form)."""
    view = _View(attempt, diagnosis, console)
    sections = [] if recovered is None else [view.recovered_line(recovered)]
    word = "Recovered" if recovered else ("Killed" if view.killed else "Failed")
    text = view.headline() if recovered is None else view.recovered_text(recovered)
    return Message(
        title=f"{word}: {view.where}",
        text=text,
        emoji=_RECOVERED if recovered else view.emoji,
        fields=view.fields(),
        sections=(*sections, *view.failure_sections()),
        evidence=view.evidence(),
        context=view.context(),
        # A recovered run needs no retry and no mute; a second look still helps.
        buttons=view.buttons(retry=recovered is None, mute=recovered is None),
        secrets=view.secrets,
    )


def retry_failure_reply(
    attempt: Attempt, diagnosis: Diagnosis | None, *, console: str | None
) -> Message:
    """A thread reply: a later attempt of the same session failed too."""
    view = _View(attempt, diagnosis, console)
    # Named in full: in a digest's thread, replies of many sessions meet.
    return Message(
        title=f"{view.where} {view.attempt_label()} {view.verb()} too",
        text=view.headline(),
        emoji=view.emoji,
        header=False,
        sections=(f"Finished {view.finished()}.", *view.failure_sections()),
        evidence=view.evidence(),
        context=view.context(),
        buttons=view.buttons(retry=True, mute=False),
        secrets=view.secrets,
    )


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


def digest_messages(attempts: Sequence[Attempt], *, console: str | None) -> list[Digest]:
    """Many failures for one channel in one poll: a line each, as few messages as fit."""
    digests: list[Digest] = []
    batch: list[_View] = []
    size = 0
    for view in (_View(a, None, console) for a in attempts):
        line = view.digest_line()
        if batch and (len(batch) >= DIGEST_ITEMS or size + len(line) > _DIGEST_CHARS):
            digests.append(_digest(batch))
            batch, size = [], 0
        batch.append(view)
        size += len(line) + 1
    if batch:
        digests.append(_digest(batch))
    return digests


def _digest(views: Sequence[_View]) -> Digest:
    title = f"{len(views)} workflow runs failed"
    names = ", ".join(sorted({v.where for v in views}))
    message = Message(
        title=title,
        text=f"{title}: {names}",
        emoji=":x:",
        sections=md.pack(v.digest_line() for v in views),
        context=(
            "Many alerts at once, so they are listed together. "
            "Later attempts of these sessions are posted in this thread.",
        ),
        secrets=tuple(s for v in views for s in v.secrets),
    )
    return Digest(tuple(v.attempt for v in views), message)


class _View:
    """One attempt (and its diagnosis, if any) as the pieces of a message."""

    def __init__(self, attempt: Attempt, diagnosis: Diagnosis | None, console: str | None):
        self.attempt = attempt
        self.diagnosis = diagnosis
        self.console = console
        self.secrets = tuple(secret_param_values(attempt.params))
        self.killed = attempt.status is AttemptStatus.KILLED
        self.emoji = fmt.ATTEMPT_EMOJI[attempt.status]
        self.where = f"{attempt.project.name}/{attempt.workflow.name}"
        self.primary: TaskFailure | None = diagnosis.primary if diagnosis else None

    def text(self, raw: str, limit: int = _NAME_CHARS) -> str:
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
            return f"{what} ({where}): {self.primary.task_full_name}{op}: {self.primary.root_error}"
        if self.diagnosis is not None and self.diagnosis.killed is not None:
            return f"{what} ({where}): {self.diagnosis.killed.description}"
        return f"{what} ({where})"

    def recovered_text(self, recovered: Recovery) -> str:
        return (
            f"{self.where} recovered by attempt #{recovered.attempt.index} "
            f"(session {self.session_text()}; {self.attempt_label()} {self.verb()})"
        )

    def fields(self) -> tuple[Field, ...]:
        a = self.attempt
        fields = [
            Field("Session", self.text(self.session_text())),
            Field("Attempt", f"#{a.index}" + (f" (retry {a.index - 1})" if a.index > 1 else "")),
            Field("Status", "killed" if self.killed else "error"),
            Field("Finished", self.finished()),
        ]
        if a.duration_seconds is not None and a.finished_at is not None:
            fields.append(Field("Duration", fmt.duration(a.duration_seconds)))
        if self.primary is not None and self.primary.job_id:
            job = self.primary.job_id
            fields.append(Field("TD job", md.link(self.job_url(self.primary), job)))
        return tuple(fields)

    def failure_sections(self) -> list[str]:
        d = self.diagnosis
        if d is None:
            return ["_No diagnosis yet: use *Diagnose* for the failing task and its error._"]
        sections: list[str] = []
        if d.killed is not None:
            sections.append(f"*Killed:* {self.text(d.killed.description, 500)}")
        if self.primary is not None:
            sections.append("\n".join(failure_lines(self.primary, self.secrets)))
            others = [f.task_full_name for f in d.failures[1:]]
            if others:
                names = ", ".join(others[:5]) + (" …" if len(others) > 5 else "")
                sections.append(f"Also failed: {self.text(names, 600)}")
        elif d.killed is None:
            sections.append("_No task carries an error; use *Diagnose* for details._")
        return sections

    def evidence(self) -> tuple[Evidence, ...]:
        if self.primary is None or not self.primary.evidence:
            return ()
        first = self.primary.evidence[0]
        text = first.text
        if len(text) > _EVIDENCE_CHARS:  # the parent keeps the end, where errors are
            text = "…" + text[-_EVIDENCE_CHARS:]
        return (Evidence(SOURCE_LABEL[first.source].capitalize(), text),)

    def context(self) -> tuple[str, ...]:
        lines: list[str] = []
        d = self.diagnosis
        if self.primary is None and d is not None and d.killed is not None:
            lines.append(f"*{d.killed.category.title}*")
        if d is not None and d.streak is not None and d.streak.count > 1:
            more = "+" if d.streak.bounded else ""
            since = f" since session {d.streak.since:%Y-%m-%d %H:%M}" if d.streak.since else ""
            lines.append(f"Failing for {d.streak.count}{more} sessions in a row{since}.")
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
        if console and a.workflow.id:
            url = urls.attempt_url(console, a.workflow.id, a.session_id, a.id)
            parts.append(md.link(url, f"Attempt {a.id}"))
        if self.primary is not None and self.primary.job_id:
            parts.append(md.link(self.job_url(self.primary), f"Job {self.primary.job_id}"))
        return " · ".join(parts)

    def job_url(self, failure: TaskFailure) -> str | None:
        if failure.job_url:
            return failure.job_url
        if self.console and failure.job_id and failure.job_id.isdigit():
            return urls.job_url(self.console, failure.job_id)
        return None

    def buttons(self, *, retry: bool, mute: bool) -> tuple[Button, ...]:
        a = self.attempt
        buttons = [diagnose_button(a.id)]
        if retry:
            buttons.append(action_button(ActionKind.RETRY, Target.from_attempt(a)))
        if mute:
            buttons.append(mute_button(a.project.name, a.workflow.name))
        return tuple(buttons)

    def digest_line(self) -> str:
        a = self.attempt
        name = self.text(self.where, 120)
        if self.console and a.workflow.id:
            url = urls.attempt_url(self.console, a.workflow.id, a.session_id, a.id)
            name = md.link(url, self.where)
        word = "killed" if self.killed else "failed"
        session = self.text(self.session_text(), 40)
        return f"{self.emoji} {name} · session {session} · {self.attempt_label()} {word}"

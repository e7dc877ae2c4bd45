"""Alert messages: Block Kit plus a plain ``text`` fallback, within Slack's limits.

Every TD string goes through ``bot.text`` (masking the attempt's secret params
too) before it is put in a block; our own words are written as mrkdwn here.
Nobody is ever @-mentioned. The buttons are those of every tdbot message
(``bot.buttons``), rendered by ``bot.render`` like an answer's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.actions import Target
from bot.buttons import action_button, diagnose_button, mute_button
from bot.diagnosis.model import Diagnosis, TaskFailure
from bot.render import limits
from bot.render.blocks import button
from bot.store import ActionKind
from bot.td import urls
from bot.td.models import Attempt, AttemptStatus
from bot.text import code_block, fallback_text, inline_code, plain, safe, secret_param_values

DIGEST_ITEMS = 40
"""Failures per digest message: 40 one-line items stay far inside the size limits."""

_ROOT_CHARS = 700
_EVIDENCE_CHARS = 1500
_NAME_CHARS = 300
# Digest lines per message are bounded by count and by characters, which keeps
# the message under Slack's total.
_DIGEST_CHARS = limits.TOTAL_CHARS - 2000

_EMOJI = {AttemptStatus.ERROR: "🔴", AttemptStatus.KILLED: "⛔", AttemptStatus.SUCCESS: "✅"}
_SOURCE_LABEL = {
    "error": "Task error",
    "job_stderr": "TD job stderr",
    "job_cmdout": "TD job output",
    "task_log": "Task log",
}


@dataclass(frozen=True)
class AlertMessage:
    text: str  # the notification / fallback text: names project, workflow and failure
    blocks: list[dict[str, Any]]


@dataclass(frozen=True)
class Recovery:
    """The attempt that succeeded after the failure a parent message describes."""

    attempt: Attempt


# ------------------------------------------------------------------- builders


def failure_message(
    attempt: Attempt,
    diagnosis: Diagnosis | None,
    *,
    console: str | None,
    recovered: Recovery | None = None,
) -> AlertMessage:
    """The parent message of a session's alert thread (``recovered``: its updated form)."""
    view = _View(attempt, diagnosis, console)
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=view.header(recovered)))]
    if recovered is not None:
        blocks.append(_section(view.recovered_line(recovered)))
    blocks.append(SectionBlock(fields=[MarkdownTextObject(text=f) for f in view.fields()]))
    blocks.extend(_section(s) for s in view.failure_sections())
    blocks.extend(view.context_blocks())
    # A recovered run needs no retry and no mute; a second look still helps.
    blocks.append(view.actions(retry=recovered is None, mute=recovered is None))
    text = view.headline() if recovered is None else view.recovered_text(recovered)
    return _message(text, blocks, secrets=view.secrets)


def retry_failure_reply(
    attempt: Attempt, diagnosis: Diagnosis | None, *, console: str | None
) -> AlertMessage:
    """A thread reply: a later attempt of the same session failed too."""
    view = _View(attempt, diagnosis, console)
    # Named in full: in a digest's thread, replies of many sessions meet.
    blocks: list[Block] = [
        _section(
            f"*{view.emoji} {view.safe(view.where_raw)} {view.attempt_label()} "
            f"{view.verb()} too*  ({view.finished_text()})"
        )
    ]
    blocks.extend(_section(s) for s in view.failure_sections())
    blocks.extend(view.context_blocks())
    blocks.append(view.actions(retry=True, mute=False))
    return _message(view.headline(), blocks, secrets=view.secrets)


def recovery_reply(attempt: Attempt, *, console: str | None) -> AlertMessage:
    """A thread reply: the session succeeded on a later attempt."""
    view = _View(attempt, None, console)
    line = (
        f"✅ *Recovered:* {view.safe(view.where_raw)} {view.attempt_label()} succeeded "
        f"at {view.finished_text()}"
        + (f", took {_duration(attempt.duration_seconds)}" if attempt.finished_at else "")
    )
    blocks: list[Block] = [_section(line)]
    if link := view.links():
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=link)]))
    text = f"✅ {view.where_raw} recovered: {view.attempt_label()} succeeded"
    return _message(text, blocks, secrets=view.secrets)


@dataclass(frozen=True)
class Digest:
    attempts: tuple[Attempt, ...]
    message: AlertMessage


def digest_messages(attempts: Sequence[Attempt], *, console: str | None) -> list[Digest]:
    """Many failures for one channel in one poll: a line each, as few messages as fit."""
    views = [_View(a, None, console) for a in attempts]
    digests: list[Digest] = []
    batch: list[_View] = []
    size = 0
    for view in views:
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
    title = f"🔴 {len(views)} workflow runs failed"
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=title))]
    # A section holds at most 3000 characters: pack the lines into as few as fit.
    chunk: list[str] = []
    for line in (v.digest_line() for v in views):
        if chunk and sum(len(x) + 1 for x in chunk) + len(line) > limits.SECTION_TEXT:
            blocks.append(_section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    blocks.append(_section("\n".join(chunk)))
    note = (
        "Many alerts at once, so they are listed together. "
        "Later attempts of these sessions are posted in this thread."
    )
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=note)]))
    names = ", ".join(sorted({v.where_raw for v in views}))
    secrets = [s for v in views for s in v.secrets]
    message = _message(f"{title}: {names}", blocks, secrets=secrets)
    return Digest(tuple(v.attempt for v in views), message)


# ------------------------------------------------------------------ internals


class _View:
    """One attempt (and its diagnosis, if any) as the pieces of a message."""

    def __init__(self, attempt: Attempt, diagnosis: Diagnosis | None, console: str | None):
        self.attempt = attempt
        self.diagnosis = diagnosis
        self.console = console
        self.secrets = secret_param_values(attempt.params)
        self.status = attempt.status
        self.emoji = _EMOJI.get(self.status, "🔴")
        self.where_raw = f"{attempt.project.name}/{attempt.workflow.name}"
        self.primary: TaskFailure | None = diagnosis.primary if diagnosis else None

    def safe(self, text: str, limit: int = _NAME_CHARS) -> str:
        return safe(text, limit, extra_secret_values=self.secrets)

    def verb(self) -> str:
        return "was killed" if self.status is AttemptStatus.KILLED else "failed"

    def attempt_label(self) -> str:
        retry = f" (retry {self.attempt.index - 1})" if self.attempt.index > 1 else ""
        return f"attempt #{self.attempt.index}{retry}"

    def session_text(self) -> str:
        return self.attempt.session_time.strftime("%Y-%m-%d %H:%M %z")

    def finished_text(self) -> str:
        return _when(self.attempt.finished_at)

    def header(self, recovered: Recovery | None) -> str:
        emoji = "✅" if recovered else self.emoji
        word = (
            "Recovered"
            if recovered
            else ("Killed" if self.status is AttemptStatus.KILLED else "Failed")
        )
        prefix = f"{emoji} {word}: "
        name = plain(
            self.where_raw, limits.HEADER_TEXT - len(prefix), extra_secret_values=self.secrets
        )
        return prefix + name

    def recovered_line(self, recovered: Recovery) -> str:
        view = _View(recovered.attempt, None, self.console)
        return (
            f"✅ *recovered by attempt #{recovered.attempt.index} at {view.finished_text()}* "
            f"(this message described {self.attempt_label()}, which {self.verb()})"
        )

    def headline(self) -> str:
        """One raw line for the fallback text; made safe by ``_message``."""
        what = f"{self.emoji} {self.where_raw} {self.verb()}"
        where = f"session {self.session_text()}, {self.attempt_label()}"
        if self.primary is not None:
            op = f" ({self.primary.operator})" if self.primary.operator else ""
            return f"{what} ({where}): {self.primary.task_full_name}{op}: {self.primary.root_error}"
        if self.diagnosis is not None and self.diagnosis.killed is not None:
            return f"{what} ({where}): {self.diagnosis.killed.description}"
        return f"{what} ({where})"

    def recovered_text(self, recovered: Recovery) -> str:
        return (
            f"✅ {self.where_raw} recovered by attempt #{recovered.attempt.index} "
            f"(session {self.session_text()}; {self.attempt_label()} {self.verb()})"
        )

    def fields(self) -> list[str]:
        a = self.attempt
        fields = [
            f"*Session*\n{self.safe(self.session_text())}",
            f"*Attempt*\n#{a.index}" + (f" (retry {a.index - 1})" if a.index > 1 else ""),
            f"*Status*\n{'killed' if self.status is AttemptStatus.KILLED else 'error'}",
            f"*Finished*\n{self.finished_text()}",
        ]
        if a.duration_seconds is not None and a.finished_at is not None:
            fields.append(f"*Duration*\n{_duration(a.duration_seconds)}")
        if self.primary is not None and self.primary.job_id:
            job = self.safe(self.primary.job_id, 40)
            url = self.job_url(self.primary)
            fields.append(f"*TD job*\n<{url}|{job}>" if url else f"*TD job*\n{job}")
        return fields

    def failure_sections(self) -> list[str]:
        d = self.diagnosis
        if d is None:
            return ["_No diagnosis yet: use *Diagnose* for the failing task and its error._"]
        sections: list[str] = []
        if d.killed is not None:
            sections.append(f"*Killed:* {self.safe(d.killed.description, 500)}")
        first = self.primary
        if first is not None:
            op = f" ({self.safe(first.operator, 40)})" if first.operator else ""
            task = inline_code(first.task_full_name, _NAME_CHARS, extra_secret_values=self.secrets)
            root = code_block(
                first.root_error or "(no error text)", _ROOT_CHARS, extra_secret_values=self.secrets
            )
            sections.append(f"*Failing task* {task}{op}\n{root}")
            if first.evidence:
                ev = first.evidence[0]
                label = _SOURCE_LABEL.get(ev.source, ev.source)
                body = code_block(ev.text, _EVIDENCE_CHARS, extra_secret_values=self.secrets)
                sections.append(f"*{label}*\n{body}")
            others = [f.task_full_name for f in d.failures[1:]]
            if others:
                names = ", ".join(others[:5]) + (" …" if len(others) > 5 else "")
                sections.append(f"Also failed: {self.safe(names, 600)}")
        elif d.killed is None:
            sections.append("_No task carries an error; use *Diagnose* for details._")
        return sections

    def context_blocks(self) -> list[Block]:
        lines: list[str] = []
        d, first = self.diagnosis, self.primary
        if first is not None:
            note = self.safe(first.retry_note, 600)
            lines.append(f"*{first.category.title}* · {first.retry.label}. {note}")
            if first.next_step:
                lines.append(f"*Next:* {self.safe(first.next_step, 600)}")
        elif d is not None and d.killed is not None:
            lines.append(f"*{d.killed.category.title}*")
        if d is not None and d.streak is not None and d.streak.count > 1:
            more = "+" if d.streak.bounded else ""
            since = f" since session {d.streak.since:%Y-%m-%d %H:%M}" if d.streak.since else ""
            lines.append(f"Failing for {d.streak.count}{more} sessions in a row{since}.")
        if link := self.links():
            lines.append(link)
        return [ContextBlock(elements=[MarkdownTextObject(text=line)]) for line in lines]

    def links(self) -> str:
        a, console = self.attempt, self.console
        parts: list[str] = []
        if console and a.workflow.id:
            parts.append(
                f"<{urls.attempt_url(console, a.workflow.id, a.session_id, a.id)}|Attempt {a.id}>"
            )
        if console:
            parts.append(f"<{urls.session_url(console, a.session_id)}|Session {a.session_id}>")
        if self.primary is not None and self.primary.job_id and (url := self.job_url(self.primary)):
            parts.append(f"<{url}|Job {self.safe(self.primary.job_id, 40)}>")
        return " · ".join(parts)

    def job_url(self, failure: TaskFailure) -> str | None:
        if failure.job_url:
            return failure.job_url
        if self.console and failure.job_id and failure.job_id.isdigit():
            return urls.job_url(self.console, failure.job_id)
        return None

    def actions(self, *, retry: bool, mute: bool) -> ActionsBlock:
        a = self.attempt
        actions = [diagnose_button(a.id)]
        if retry:
            actions.append(action_button(ActionKind.RETRY, Target.from_attempt(a)))
        if mute:
            actions.append(mute_button(a.project.name, a.workflow.name))
        return ActionsBlock(elements=[button(x, secrets=self.secrets) for x in actions])

    def digest_line(self) -> str:
        a = self.attempt
        name = self.safe(self.where_raw, 120)
        if self.console and a.workflow.id:
            name = f"<{urls.attempt_url(self.console, a.workflow.id, a.session_id, a.id)}|{name}>"
        word = "killed" if self.status is AttemptStatus.KILLED else "failed"
        session = self.safe(self.session_text(), 40)
        return f"{self.emoji} {name} · session {session} · {self.attempt_label()} {word}"


def _section(mrkdwn: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=mrkdwn))


def _message(
    raw_text: str, blocks: Sequence[Block], *, secrets: Sequence[str] = ()
) -> AlertMessage:
    # to_dict() runs slack_sdk's own validators, so a limit missed here fails loudly.
    rendered = [block.to_dict() for block in blocks]
    return AlertMessage(
        text=fallback_text(raw_text, limits.FALLBACK_TEXT, extra_secret_values=secrets),
        blocks=rendered,
    )


def _when(moment: datetime | None) -> str:
    """A time every reader sees in their own zone (Slack date formatting), UTC as fallback."""
    if moment is None:
        return "an unknown time"
    fallback = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"

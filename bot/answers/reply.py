"""The answer to one command, as a value: no Slack, no I/O.

Trust rules, so escaping happens exactly once:

- ``title``, ``text``, ``Evidence.text``, ``Link.label`` and the buttons' labels
  and dialogs are *raw* text (possibly from TD). The renderer makes them safe.
- ``Field.value``, ``sections`` and ``context`` are *mrkdwn*, and every piece of
  TD text in them must have gone through ``bot.text.safe`` (answers build them
  with ``bot.answers.mrkdwn``). Labels are our own words.

``actions`` are the buttons of ``bot.buttons``, the one set every message
uses. ``files`` (a chart) are uploaded next to the message in Slack and saved
to disk by the console.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.buttons import Action


class Outcome(StrEnum):
    """How the command went (a metrics and log label)."""

    OK = "ok"
    USAGE = "usage"  # the command itself was wrong
    NOT_FOUND = "not_found"
    TD_ERROR = "td_error"  # TD refused or failed
    UNAVAILABLE = "unavailable"  # not built yet
    RATE_LIMITED = "rate_limited"  # the user sent expensive commands too fast
    REFUSED = "refused"  # tdbot would not act (not an admin, pointless now)
    INTERNAL = "internal"  # a bug in tdbot


@dataclass(frozen=True)
class Field:
    label: str
    value: str  # mrkdwn


@dataclass(frozen=True)
class Evidence:
    """An excerpt shown in a code block; the renderer masks, escapes and cuts it."""

    label: str
    text: str  # raw


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class ReplyFile:
    """A file that goes with the answer, e.g. a PNG chart."""

    name: str  # file name, our own words (e.g. ``timeline-123.png``)
    title: str  # raw
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class Reply:
    title: str  # raw, one line
    text: str  # raw plain-text fallback: notifications, screen readers, old clients
    emoji: str = ""  # a Slack emoji code such as ":x:"
    fields: tuple[Field, ...] = ()
    sections: tuple[str, ...] = ()  # mrkdwn paragraphs
    evidence: tuple[Evidence, ...] = ()
    links: tuple[Link, ...] = ()
    actions: tuple[Action, ...] = ()
    context: tuple[str, ...] = ()  # mrkdwn footnotes
    files: tuple[ReplyFile, ...] = ()
    outcome: Outcome = Outcome.OK
    # Only the asker needs it (help, errors): a slash command answers ephemerally.
    private: bool = False

    def __post_init__(self) -> None:
        ids = [a.action_id for a in self.actions]
        if len(ids) != len(set(ids)):
            raise ValueError(f"action ids must be unique in one message, got {ids}")

"""Every outbound message as one neutral value: no Slack, no terminal, no I/O.

Answers, alerts, thread diagnoses, recoveries, digests and action outcomes are
all built as a ``Message``; a renderer per surface (``bot.render``) turns it
into what that surface shows, and a notifier per surface (``bot.notify``) sends
it.

Trust rules, so escaping happens exactly once:

- ``title``, ``text``, ``Evidence`` text, ``Link.label``, button labels and
  dialogs, and file titles are *raw* text (possibly from TD). Renderers make
  them safe for their surface.
- ``Field.value``, ``sections`` and ``context`` are *mrkdwn*, and every piece of
  TD text in them went through ``bot.message.mrkdwn`` (escaped and cut).

Masking is not left to the builders or the renderers: constructing a
``Message`` masks every text it holds, with the masking rules and with
``secrets`` (the exact values to hide, e.g. an attempt's secret-looking
params) plus every value the rules find in its raw text (a ``password=`` value
found in one excerpt is hidden wherever else it appears, key or no key). No
path can build a message that still shows them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Literal

from bot.text import escape_mrkdwn, found_secrets, mask_secrets


class Outcome(StrEnum):
    """How a request went (a metrics and log label)."""

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
    label: str  # our own words
    value: str  # mrkdwn


@dataclass(frozen=True)
class Evidence:
    """An excerpt shown as code; renderers escape and cut it."""

    label: str  # raw
    text: str  # raw


@dataclass(frozen=True)
class Link:
    label: str  # raw
    url: str


@dataclass(frozen=True)
class Confirm:
    """A confirmation dialog in full; all raw text."""

    title: str
    text: str
    confirm: str = "Yes"
    deny: str = "Cancel"


@dataclass(frozen=True)
class Button:
    """A button: ``action_id`` names what a press does, ``value`` carries its target."""

    action_id: str
    label: str  # raw
    value: str  # compact JSON (bot.buttons), not shown
    style: Literal["primary", "danger"] | None = None
    confirm: Confirm | None = None


@dataclass(frozen=True)
class File:
    """A file that goes with the message, e.g. a PNG chart."""

    name: str  # file name, our own words (e.g. ``timeline-123.png``)
    title: str  # raw
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class Message:
    title: str  # raw, one line
    text: str  # raw plain-text fallback: notifications, screen readers, old clients
    emoji: str = ""  # a Slack emoji code such as ":x:"
    fields: tuple[Field, ...] = ()
    sections: tuple[str, ...] = ()  # mrkdwn paragraphs
    evidence: tuple[Evidence, ...] = ()
    links: tuple[Link, ...] = ()
    buttons: tuple[Button, ...] = ()
    context: tuple[str, ...] = ()  # mrkdwn footnotes
    files: tuple[File, ...] = ()
    # Exact values that must never be shown (kept out of repr: they are secrets).
    secrets: tuple[str, ...] = field(default=(), repr=False)
    outcome: Outcome = Outcome.OK
    # Only the asker needs it (help, errors): a slash command answers ephemerally.
    private: bool = False
    # A thread reply reads better without a header: the title leads in bold instead.
    header: bool = True
    # A thread reply the whole channel must see too (an escalation): Slack's reply_broadcast.
    broadcast: bool = False

    def __post_init__(self) -> None:
        ids = [b.action_id for b in self.buttons]
        if len(ids) != len(set(ids)):
            raise ValueError(f"button action ids must be unique in one message, got {ids}")
        hidden = sorted({*self.secrets, *self._found_secrets()}, key=len, reverse=True)
        _Masker(hidden).apply(self)

    def _raw_texts(self) -> Iterable[str]:
        yield self.title
        yield self.text
        for item in self.evidence:
            yield item.label
            yield item.text
        for link in self.links:
            yield link.label
        for button in self.buttons:
            yield button.label
        for file in self.files:
            yield file.title

    def _found_secrets(self) -> set[str]:
        found: set[str] = set()
        for text in self._raw_texts():
            found.update(found_secrets(text))
        return found


class _Masker:
    """Masks every text of a message in place (the message is frozen, hence setattr)."""

    def __init__(self, secrets: list[str]) -> None:
        # mrkdwn text holds the escaped form of a value, so hide that form too.
        escaped = (escape_mrkdwn(s) for s in secrets)
        self._values = list(dict.fromkeys([*secrets, *escaped]))
        self.secrets = tuple(secrets)

    def __call__(self, text: str) -> str:
        return mask_secrets(text, self._values)

    def apply(self, m: Message) -> None:
        mask = self
        updates: dict[str, object] = {
            "title": mask(m.title),
            "text": mask(m.text),
            "fields": tuple(Field(mask(f.label), mask(f.value)) for f in m.fields),
            "sections": tuple(mask(s) for s in m.sections),
            "evidence": tuple(Evidence(mask(e.label), mask(e.text)) for e in m.evidence),
            "links": tuple(Link(mask(lk.label), mask(lk.url)) for lk in m.links),
            "buttons": tuple(self._button(b) for b in m.buttons),
            "context": tuple(mask(c) for c in m.context),
            "files": tuple(replace(f, title=mask(f.title)) for f in m.files),
            "secrets": self.secrets,
        }
        for name, value in updates.items():
            object.__setattr__(m, name, value)

    def _button(self, button: Button) -> Button:
        dialog = button.confirm
        if dialog is not None:
            dialog = Confirm(
                self(dialog.title), self(dialog.text), self(dialog.confirm), self(dialog.deny)
            )
        return replace(button, label=self(button.label), confirm=dialog)

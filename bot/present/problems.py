"""Replies for what went wrong: TD errors, bad commands, features not there yet.

Each says what happened and what the user can do about it. TD's own message is
untrusted and only ever shown through ``mrkdwn.text``.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.commands import CommandError
from bot.message import Message, Outcome, mrkdwn
from bot.td import errors

# Path-template prefixes -> the kind of thing TD could not find.
_KINDS = (
    ("/v3/job/", "job"),
    ("/api/sessions/", "session"),
    ("/api/attempts/", "attempt"),
    ("/api/projects/", "project"),
    ("/api/workflows/", "workflow"),
    ("/api/logs/", "log file"),
)


@dataclass(frozen=True)
class Subject:
    """What a command is about, e.g. ``Subject("job", "123")``."""

    kind: str
    ident: str

    def __str__(self) -> str:
        return f"{self.kind} {self.ident}"


def _kind_of(path: str) -> str | None:
    return next((kind for prefix, kind in _KINDS if path.startswith(prefix)), None)


def _reply(title: str, detail: str, outcome: Outcome, emoji: str = ":warning:") -> Message:
    return Message(
        title=title,
        text=f"{title}: {detail}",
        emoji=emoji,
        sections=(mrkdwn.text(detail, 1000),),
        outcome=outcome,
        private=True,
    )


def not_found(subject: Subject) -> Message:
    return _reply(
        f"No {subject}",
        f"There is no {subject} in this TD account (or tdbot's key cannot see it).",
        Outcome.NOT_FOUND,
        ":mag:",
    )


def td_error(error: errors.TDError, subject: Subject | None) -> Message:
    about = f" about {subject}" if subject else ""
    if isinstance(error, errors.NotFound):
        kind = _kind_of(error.path)
        if subject is not None and kind == subject.kind:
            return not_found(subject)
        missing = kind or "object"
        return _reply(
            f"TD could not find a {missing}",
            f"TD answered 404 for a {missing} while looking up {subject or 'your request'}"
            f" ({error.method} {error.path}).",
            Outcome.NOT_FOUND,
            ":mag:",
        )
    if isinstance(error, errors.Unauthorized):
        return _reply(
            "TD rejected tdbot's API key",
            "TD rejected tdbot's API key (401): ask an admin to check TD_API_KEY.",
            Outcome.TD_ERROR,
            ":lock:",
        )
    if isinstance(error, errors.Forbidden):
        return _reply(
            "TD refused access",
            f"TD refused access{about} (403): tdbot's API key lacks the permission. "
            "Ask an admin to grant it.",
            Outcome.TD_ERROR,
            ":lock:",
        )
    if isinstance(error, errors.RateLimited):
        wait = f"{error.retry_after:.0f} seconds" if error.retry_after else "a minute"
        return _reply(
            "TD is rate-limiting tdbot",
            f"TD is rate-limiting tdbot (429); try again in {wait}.",
            Outcome.TD_ERROR,
            ":hourglass:",
        )
    if isinstance(error, errors.Unavailable):
        cause = f"HTTP {error.status}" if error.status is not None else error.message
        return _reply(
            "TD is not answering",
            f"TD is not answering right now ({cause}); try again in a minute.",
            Outcome.TD_ERROR,
            ":cloud:",
        )
    if isinstance(error, errors.BadRequest):
        return _reply(
            "TD rejected the request",
            f"TD rejected the request{about} (400): {error.message}",
            Outcome.TD_ERROR,
        )
    return _reply(
        "Unexpected answer from TD",
        f"TD's answer{about} was not what tdbot expected ({error}).",
        Outcome.TD_ERROR,
    )


def bad_command(error: CommandError) -> Message:
    return Message(
        # Unknown words and a known command's bad arguments alike: the text says which.
        title="tdbot could not run that command",
        text=f"{error.message} Usage: {error.usage}",
        emoji=":thinking_face:",
        sections=(
            mrkdwn.text(error.message, 1500),
            f"{mrkdwn.bold('Usage:')} {mrkdwn.text(error.usage, 1000)}",
        ),
        outcome=Outcome.USAGE,
        private=True,
    )


def not_available(name: str) -> Message:
    return _reply(
        f"/td {name} is not available yet",
        f"/td {name} is not available in this version of tdbot yet.",
        Outcome.UNAVAILABLE,
        ":construction:",
    )


def rate_limited(message: str) -> Message:
    """``message`` is tdbot's own sentence (``RateDecision.message``)."""
    return _reply(
        "Slow down a little",
        message[:1].upper() + message[1:] + ".",
        Outcome.RATE_LIMITED,
        ":hourglass:",
    )


def internal(reference: str) -> Message:
    return _reply(
        "tdbot hit an internal error",
        f"Something went wrong inside tdbot while answering (log reference {reference}). "
        "The error is logged; please tell the bot's admins.",
        Outcome.INTERNAL,
        ":boom:",
    )


# Slack cannot put a file where the bot is not a member.
_NOT_A_MEMBER = frozenset({"not_in_channel", "channel_not_found"})


def not_uploaded(error: str) -> Message:
    """A chart that could not go up: why, and what to do (``error`` is the surface's code)."""
    hint = (
        " Invite tdbot to this channel (`/invite @tdbot`), or ask in a channel it is in."
        if error in _NOT_A_MEMBER
        else " Try again in a minute."
    )
    detail = f"Slack refused the upload ({mrkdwn.code(error, 60)}).{hint}"
    return Message(
        title="The chart could not be uploaded",
        text=f"The chart could not be uploaded: Slack said {error}.",
        emoji=":warning:",
        sections=(detail,),
        private=True,
    )

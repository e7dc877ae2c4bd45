"""What every alert digest and parent shares: batching digest lines into short
messages, the digest message itself, and the owners / on-it lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.message import Message
from bot.message import mrkdwn as md
from bot.present import format as fmt

DIGEST_ITEMS = 40
"""Items per digest message at most (the visible size bounds it too)."""
# Digest lines per message are bounded by what a reader sees (and by count).
_DIGEST_VISIBLE = 1200
_MAX_OWNERS = 10


@dataclass(frozen=True)
class OnIt:
    """Who pressed I'm on it, and when."""

    user_id: str
    since: datetime


@dataclass(frozen=True)
class AlertOwnership:
    """Who an alert concerns: the scope's owners (mention ids) and who is on it."""

    owners: tuple[str, ...] = ()
    on_it: OnIt | None = None


NOBODY = AlertOwnership()
"""No owners, nobody on it."""


def ownership_lines(ownership: AlertOwnership) -> list[str]:
    lines: list[str] = []
    if ownership.owners:
        shown = " ".join(md.mention(o) for o in ownership.owners[:_MAX_OWNERS])
        lines.append(f"{md.bold('Owners:')} {shown}")
    if ownership.on_it is not None:
        who = md.mention(ownership.on_it.user_id)
        lines.append(f":eyes: {who} is on it since {fmt.slack_time(ownership.on_it.since)}")
    return lines


def batches(lines: Sequence[str]) -> list[range]:
    """The digest lines (mrkdwn) split into as few short messages as fit: index ranges."""
    found: list[range] = []
    start, size = 0, 0
    for i, line in enumerate(lines):
        seen = md.visible(line)
        if i > start and (i - start >= DIGEST_ITEMS or size + seen > _DIGEST_VISIBLE):
            found.append(range(start, i))
            start, size = i, 0
        size += seen + 1
    if start < len(lines):
        found.append(range(start, len(lines)))
    return found


def digest_message(
    *,
    title: str,
    names: Sequence[str],
    emoji: str,
    lines: Sequence[str],
    owners: Sequence[str],
    context: str,
    secrets: tuple[str, ...],
) -> Message:
    """One digest: its lines, the owners of the scopes listed mentioned once."""
    return Message(
        title=title,
        text=f"{title}: {', '.join(sorted(set(names)))}",
        emoji=emoji,
        sections=(*md.pack(lines), *ownership_lines(AlertOwnership(tuple(owners)))),
        context=(context,),
        secrets=secrets,
    )

"""What an action came to, as a value the Slack layer (or the console) shows.

``message`` and ``audit`` are mrkdwn: every piece of TD text in them has been
through ``bot.text.safe``, and users appear as ``<@U…>`` only when the id is a
real Slack user id (never taken from TD text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.store import ActionKind
from bot.text import safe

_SLACK_USER = re.compile(r"[UW][A-Z0-9]+")


class OutcomeKind(StrEnum):
    DONE = "done"  # TD accepted the action
    # TD accepted a kill, which it carries out later: the attempt stays canceling
    # until its tasks notice. ``follow_attempt_id`` names what to follow to its end.
    REQUESTED = "requested"
    # TD refused a retry: the account is at its limit of running attempts. Nothing
    # started; ``ActionService.retry_queued`` sends it again with TD's allowQueueing.
    AT_LIMIT = "at_limit"
    NOTHING_TO_DO = "nothing_to_do"  # the target had already finished: not an error
    REFUSED = "refused"  # tdbot refused (not an admin, or pointless); nothing was changed
    DUPLICATE = "duplicate"  # the same action (same key) was taken before; nothing was sent
    FAILED = "failed"  # TD refused the action or could not be reached


@dataclass(frozen=True)
class ActionOutcome:
    kind: OutcomeKind
    action: ActionKind
    target_id: str
    user_id: str
    message: str  # mrkdwn, for the person who acted
    audit: str  # mrkdwn, one line for the thread ("🔁 <@U123> retried …")
    # Post ``audit`` in the thread: something changed in TD, or may have.
    announce: bool
    key: str  # the key of the audit record in the store
    links: tuple[tuple[str, str], ...] = ()  # (label, url), our own labels
    new_attempt_id: str | None = None
    new_attempt_index: int | None = None
    # The attempt whose end is still to come (a requested kill): the Slack layer
    # may ``ActionService.follow_attempt`` it and post the end in the thread.
    follow_attempt_id: str | None = None
    # Attempts started (a retry, a backfill) whose end the Slack layer has watched
    # (``ActionService.watch``), to post it in the thread.
    watch_attempt_ids: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.kind in (OutcomeKind.DONE, OutcomeKind.REQUESTED, OutcomeKind.NOTHING_TO_DO)


def mention(user_id: str) -> str:
    """``<@U123>`` for a Slack user id; anything else is shown as escaped text."""
    if _SLACK_USER.fullmatch(user_id):
        return f"<@{user_id}>"
    return safe(user_id, 64) or "someone"

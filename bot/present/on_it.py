"""What I'm on it says: to the one who pressed, and in the alert's thread.

The parent's own edit (who is on it, since when, the Release button) is
``failure_parent`` with ``AlertOwnership.on_it``; these are the words around it.
"""

from __future__ import annotations

from datetime import datetime

from bot.buttons import take_over_button
from bot.message import Message
from bot.message import mrkdwn as md
from bot.present import format as fmt


def someone_is_on_it(holder: str, since: datetime, attempt_id: str) -> Message:
    """Private, to a second person: who has it, and the button to take it over."""
    return Message(
        title="Someone is on it",
        text="Someone is already on this alert",
        emoji=":eyes:",
        sections=(f"{md.mention(holder)} is on it since {fmt.slack_time(since)}.",),
        buttons=(take_over_button(attempt_id),),
        private=True,
    )


def taken_over(user: str, previous: str) -> Message:
    """In the thread, for everyone: the alert changed hands."""
    return Message(
        title="Taken over",
        text="This alert was taken over",
        emoji=":eyes:",
        header=False,
        sections=(f"{md.mention(user)} took this over from {md.mention(previous)}.",),
    )


def released(user: str) -> Message:
    return Message(
        title="Released",
        text="Nobody is on this alert now",
        emoji=":wave:",
        header=False,
        sections=(f"{md.mention(user)} released this alert: nobody is on it now.",),
    )


def nothing_to_take(reason: str) -> Message:
    return Message(
        title="Nothing to take",
        text=reason,
        emoji=":information_source:",
        sections=(md.text(reason, 300),),
        private=True,
    )

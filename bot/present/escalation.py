"""What an escalation says in the alert's thread (shown in the channel too)."""

from __future__ import annotations

from datetime import timedelta

from bot.message import Message
from bot.message import mrkdwn as md
from bot.present import format as fmt


def _waited(after: timedelta) -> str:
    return (
        f"nobody has been on it for {fmt.duration(after.total_seconds())} and it has not recovered"
    )


def escalated_to(target: str, after: timedelta) -> Message:
    """A mention of the scope's escalation target."""
    return Message(
        title="Escalated",
        text=f"Escalated: {_waited(after)}",
        emoji=":rotating_light:",
        header=False,
        sections=(f"{md.mention(target)}: this alert is yours now; {_waited(after)}.",),
        broadcast=True,
    )


def escalated_to_pagerduty(dedup_key: str, after: timedelta) -> Message:
    return Message(
        title="Escalated to PagerDuty",
        text=f"Escalated to PagerDuty: {_waited(after)}",
        emoji=":rotating_light:",
        header=False,
        sections=(
            f"Sent to PagerDuty ({md.code(dedup_key, 100)}): {_waited(after)}. "
            "I'm on it acknowledges it there; the recovery resolves it.",
        ),
        broadcast=True,
    )


def pagerduty_refused(error: str) -> Message:
    return Message(
        title="PagerDuty refused the escalation",
        text=f"PagerDuty refused the escalation: {error}",
        emoji=":warning:",
        header=False,
        sections=(
            f"PagerDuty refused the escalation: {md.text(error, 500)}. "
            "Check `TDBOT_PAGERDUTY_ROUTING_KEY`; nobody was paged.",
        ),
        broadcast=True,
    )

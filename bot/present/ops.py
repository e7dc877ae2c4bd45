"""Messages for the operators' channel: the alert path broke, and it works again."""

from __future__ import annotations

from datetime import datetime

from bot.message import Message, mrkdwn
from bot.present import format as fmt


def alert_path_broken(reason: str, since: datetime) -> Message:
    """``reason`` is tdbot's own sentence; TD's words in it are masked and escaped here."""
    return Message(
        title="tdbot cannot watch TD: alerts are not being sent",
        text=f"tdbot's alert polls are failing: {reason}",
        emoji=":rotating_light:",
        sections=(
            f"{mrkdwn.text(reason, 600)}\n"
            f"Polls have failed since {fmt.slack_time(since)}. Until they work again, no "
            "failure alert reaches any channel; /td lookups may fail the same way.",
        ),
        context=("Said once; tdbot says so here again when its polls work again.",),
    )


def alert_path_recovered(since: datetime, now: datetime) -> Message:
    down = fmt.duration((now - since).total_seconds())
    return Message(
        title="tdbot is watching TD again",
        text=f"tdbot's alert polls work again after {down}",
        emoji=":white_check_mark:",
        sections=(
            f"Polls work again after {down} (failing since {fmt.slack_time(since)}). "
            "Runs that failed meanwhile are alerted now, as they are found.",
        ),
    )

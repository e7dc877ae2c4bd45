"""The backfill confirmation: the session times TD's dry run would run, and the button."""

from __future__ import annotations

from bot.actions import BackfillPlan, session_time_text
from bot.buttons import backfill_button
from bot.message import Message, mrkdwn

_SHOWN = 30  # session times listed; the rest are counted


def backfill_confirmation(plan: BackfillPlan) -> Message:
    """What an admin confirms before a backfill: TD's dry run, nothing started yet."""
    name = f"{plan.project}/{plan.workflow}"
    count = len(plan.times)
    sessions = f"{count} session{'s' * (count > 1)}"
    listed = [f"• {session_time_text(t)}" for t in plan.times[:_SHOWN]]
    if count > _SHOWN:
        listed.append(f"… and {count - _SHOWN} more")
    return Message(
        title=f"Backfill {name}: {sessions}?",
        text=f"Backfill {name}: {sessions}?",
        emoji=":rewind:",
        sections=(
            f"TD's dry run: a backfill of {mrkdwn.code(name, 200)} runs {sessions} "
            f"({mrkdwn.text(plan.timezone, 60)}):\n" + "\n".join(listed),
            "Nothing is sent to TD until you press the button and confirm. Pressing it "
            "again runs nothing twice.",
        ),
        buttons=(backfill_button(plan),),
        private=True,
    )


def nothing_to_backfill(reason: str) -> Message:
    """``reason`` is mrkdwn from ``ActionService.plan_backfill``."""
    return Message(
        title="Nothing to backfill",
        text="Nothing to backfill",
        emoji=":information_source:",
        sections=(reason,),
        private=True,
    )

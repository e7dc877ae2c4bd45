"""`/td retry`, `/td kill`, `/td kill job`: a confirmation button, never an action at once.

An admin gets the target described and one button behind Block Kit's confirm
dialog; the click (``bot/slack/actions.py``) is what acts, through
``ActionService``, which checks everything again. Anyone else is refused here,
with an audit record and nothing sent to TD. The replies that show what an
action came to (``outcome_reply`` for the person acting, ``audit_reply`` for the
thread) live here too, so every front end words them alike.
"""

from __future__ import annotations

from typing import Any

from bot.actions import (
    ActionOutcome,
    ActionService,
    OutcomeKind,
    action_key_for_command,
    confirm_prompt,
)
from bot.answers import mrkdwn
from bot.answers.answerer import Handler
from bot.answers.context import RequestContext
from bot.answers.reply import Link, Outcome, Reply
from bot.answers.services import Services
from bot.buttons import action_button
from bot.commands import Kill, KillJob, Retry
from bot.store import ActionKind

_ACTION_TITLE = {
    ActionKind.RETRY: "Retry of attempt",
    ActionKind.KILL: "Kill of attempt",
    ActionKind.KILL_JOB: "Kill of TD job",
}
_RESULT: dict[OutcomeKind, tuple[str, str, Outcome]] = {
    OutcomeKind.DONE: ("done", ":white_check_mark:", Outcome.OK),
    OutcomeKind.REQUESTED: ("requested", ":hourglass_flowing_sand:", Outcome.OK),
    OutcomeKind.AT_LIMIT: ("not started", ":hourglass_flowing_sand:", Outcome.TD_ERROR),
    OutcomeKind.NOTHING_TO_DO: ("nothing to do", ":information_source:", Outcome.OK),
    OutcomeKind.DUPLICATE: (
        "already in progress or done",
        ":leftwards_arrow_with_hook:",
        Outcome.OK,
    ),
    OutcomeKind.REFUSED: ("not done", ":no_entry:", Outcome.REFUSED),
    OutcomeKind.FAILED: ("not done", ":warning:", Outcome.TD_ERROR),
}


def action_of(command: Retry | Kill | KillJob) -> tuple[ActionKind, str]:
    """What the command asks for, and of which attempt or job."""
    match command:
        case Retry(attempt_id=target):
            return ActionKind.RETRY, target
        case Kill(attempt_id=target):
            return ActionKind.KILL, target
        case KillJob(job_id=target):
            return ActionKind.KILL_JOB, target
    raise TypeError(f"not an action command: {command!r}")


class ActionAnswers:
    """The handlers of the admin commands, over one ``ActionService``."""

    def __init__(self, actions: ActionService) -> None:
        self._actions = actions

    def handlers(self) -> dict[type[Any], Handler]:
        return {Retry: self.confirm, Kill: self.confirm, KillJob: self.confirm}

    async def confirm(
        self, command: Retry | Kill | KillJob, ctx: RequestContext, services: Services
    ) -> Reply:
        kind, target_id = action_of(command)
        if not self._actions.authorize(ctx.user_id):
            # The service refuses before any TD request and keeps the audit record.
            key = action_key_for_command(user_id=ctx.user_id, command=command, now=services.now())
            refused = await self._actions.perform(
                command,
                ctx.user_id,
                channel_id=ctx.channel_id,
                thread_ts=ctx.thread_ts,
                action_key=key,
            )
            return outcome_reply(refused)
        target = await self._actions.describe_target(kind, target_id)
        question = confirm_prompt(kind, target).text
        return Reply(
            title=f"{_ACTION_TITLE[kind]} {target_id}?",
            text=question,
            emoji=":warning:",
            sections=(
                f"{mrkdwn.text(question, 600)}\n"
                "Nothing is sent to TD until you press the button and confirm.",
            ),
            actions=(action_button(kind, target),),
            private=True,
        )


def _title(outcome: ActionOutcome) -> str:
    word = _RESULT[outcome.kind][0]
    return f"{_ACTION_TITLE[outcome.action]} {outcome.target_id}: {word}"


def _links(outcome: ActionOutcome) -> tuple[Link, ...]:
    return tuple(Link(label, url) for label, url in outcome.links)


def outcome_reply(outcome: ActionOutcome) -> Reply:
    """What the person who acted is told (only them)."""
    _, emoji, result = _RESULT[outcome.kind]
    title = _title(outcome)
    return Reply(
        title=title,
        text=title,
        emoji=emoji,
        sections=(outcome.message,),
        links=_links(outcome),
        outcome=result,
        private=True,
    )


def audit_reply(outcome: ActionOutcome) -> Reply:
    """The line everyone in the thread sees: who did what to which attempt or job."""
    title = _title(outcome)
    return Reply(
        title=title,
        text=title,
        emoji=_RESULT[outcome.kind][1],
        sections=(outcome.audit,),
        links=_links(outcome),
    )

"""What an admin action came to, as Messages: the confirmation, the outcome, the audit line.

Every front end (Slack buttons, slash commands, the demo console) words an
action alike, because they all build these.
"""

from __future__ import annotations

import json

from bot.actions import (
    ActionOutcome,
    NoSuchTask,
    OutcomeKind,
    ParamChange,
    RetryPlan,
    Target,
    confirm_prompt,
    describe_attempt,
    end_message,
)
from bot.buttons import action_button, queue_button
from bot.message import Link, Message, Outcome, mrkdwn
from bot.present import format as fmt
from bot.store import ActionKind
from bot.td.models import Attempt

_ACTION_TITLE = {
    ActionKind.RETRY: "Retry of attempt",
    ActionKind.KILL: "Kill of attempt",
    ActionKind.KILL_JOB: "Kill of TD job",
    ActionKind.BACKFILL: "Backfill of schedule",
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


def confirmation(kind: ActionKind, target: Target, plan: RetryPlan | None = None) -> Message:
    """The question an admin answers with the button, before anything reaches TD; for a
    retry with params, each param it changes (old value -> new)."""
    question = confirm_prompt(kind, target, plan).text
    changes = plan.changes if plan is not None else ()
    lines = [_param_change(change) for change in changes]
    return Message(
        title=f"{_ACTION_TITLE[kind]} {target.id}?",
        text=question,
        emoji=":warning:",
        sections=(
            f"{mrkdwn.text(question, 600)}\n"
            "Nothing is sent to TD until you press the button and confirm.",
            *((mrkdwn.bold("Params that change:") + "\n" + "\n".join(lines),) if lines else ()),
        ),
        buttons=(action_button(kind, target, plan),),
        private=True,
    )


def no_such_task(attempt_id: str, missing: NoSuchTask) -> Message:
    """A rerun ``from`` a task the attempt does not have: nothing to confirm."""
    title = f"Attempt {attempt_id} has no such task"
    return Message(
        title=title,
        text=title,
        emoji=":no_entry:",
        sections=(missing.message,),
        outcome=Outcome.REFUSED,
        private=True,
    )


def _param_change(change: ParamChange) -> str:
    before = mrkdwn.code(json.dumps(change.before), 200) if change.had else "(not set)"
    after = mrkdwn.code(json.dumps(change.after), 200)
    return f"• {mrkdwn.code(change.key, 100)}: {before} → {after}"


def _title(outcome: ActionOutcome) -> str:
    word = _RESULT[outcome.kind][0]
    return f"{_ACTION_TITLE[outcome.action]} {outcome.target_id}: {word}"


def _links(outcome: ActionOutcome) -> tuple[Link, ...]:
    return tuple(Link(label, url) for label, url in outcome.links)


def outcome_reply(outcome: ActionOutcome) -> Message:
    """What the person who acted is told (only them)."""
    _, emoji, result = _RESULT[outcome.kind]
    title = _title(outcome)
    # At TD's limit of running attempts, the same retry can wait in TD's queue instead.
    queue = outcome.kind is OutcomeKind.AT_LIMIT and outcome.action is ActionKind.RETRY
    return Message(
        title=title,
        text=title,
        emoji=emoji,
        sections=(outcome.message,),
        links=_links(outcome),
        buttons=(queue_button(outcome.target_id),) if queue else (),
        outcome=result,
        private=True,
    )


def audit_reply(outcome: ActionOutcome) -> Message:
    """The line everyone in the thread sees: who did what to which attempt or job."""
    title = _title(outcome)
    return Message(
        title=title,
        text=title,
        emoji=_RESULT[outcome.kind][1],
        sections=(outcome.audit,),
        links=_links(outcome),
    )


def followed_end(attempt: Attempt) -> Message:
    """How an attempt that tdbot was asked to kill ended (or that it has not yet)."""
    status = attempt.status.value
    word = "ended" if attempt.done else "still " + status
    return Message(
        title=f"Attempt {attempt.id} {word}" + (f": {status}" if attempt.done else ""),
        text=f"Attempt {attempt.id} {word}",
        emoji=fmt.ATTEMPT_EMOJI[attempt.status],
        header=False,
        sections=(end_message(attempt),),
    )


def watched_success(attempt: Attempt) -> Message:
    """A rerun started from Slack succeeded: said in the thread it was started from."""
    end = attempt.finished_at
    took = fmt.duration(fmt.span(attempt.created_at, end, end) if end else None)
    title = f"Attempt {attempt.id} (#{attempt.index}) succeeded in {took}"
    return Message(
        title=title,
        text=title,
        emoji=fmt.ATTEMPT_EMOJI[attempt.status],
        header=False,
        sections=(f"{describe_attempt(attempt)}: attempt {attempt.id} succeeded in {took}.",),
    )


def watched_gone(attempt_id: str) -> Message:
    """A rerun started from Slack no longer exists at TD (deleted before it ended)."""
    title = f"Attempt {attempt_id} no longer exists at TD"
    return Message(
        title=title,
        text=title,
        emoji=":wastebasket:",
        header=False,
        sections=(
            f"Attempt {attempt_id}, started from this thread, was deleted at TD before it "
            "ended (or TD no longer keeps it), so tdbot stopped watching it: look at the "
            "workflow's sessions to see what runs now.",
        ),
    )

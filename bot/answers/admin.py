"""`/td retry`, `/td kill`, `/td kill job`: a confirmation button, never an action at once.

An admin gets the target described and one button behind a confirm dialog;
the click (``bot/slack/actions.py``) is what acts, through ``ActionService``,
which checks everything again. Anyone else is refused here, with an audit
record and nothing sent to TD. What an action came to is worded by
``bot.present.actions``, so every front end words it alike.
"""

from __future__ import annotations

from bot.actions import NoSuchTask, action_key_for_command
from bot.answers.answerer import Declared
from bot.answers.context import RequestContext
from bot.answers.services import Services, Unavailable
from bot.commands import Kill, KillJob, Retry, RunBackfill, Subcommand, read_kill, read_retry
from bot.message import Message
from bot.present.actions import confirmation, no_such_task, outcome_reply
from bot.store import ActionKind


def action_of(command: Retry | Kill | KillJob | RunBackfill) -> tuple[ActionKind, str]:
    """What the command asks for, and of which attempt or job."""
    match command:
        case Retry(attempt_id=target):
            return ActionKind.RETRY, target
        case Kill(attempt_id=target):
            return ActionKind.KILL, target
        case KillJob(job_id=target):
            return ActionKind.KILL_JOB, target
        case RunBackfill(schedule_id=target):
            return ActionKind.BACKFILL, target
    raise TypeError(f"not an action command: {command!r}")


async def confirm(
    command: Retry | Kill | KillJob, ctx: RequestContext, services: Services
) -> Message:
    actions = services.actions
    if actions is None:
        raise Unavailable
    kind, target_id = action_of(command)
    if not actions.authorize(ctx.user_id):
        # The service refuses before any TD request and keeps the audit record.
        key = action_key_for_command(user_id=ctx.user_id, command=command, now=services.now())
        refused = await actions.perform(
            command,
            ctx.user_id,
            channel_id=ctx.channel_id,
            thread_ts=ctx.thread_ts,
            action_key=key,
        )
        return outcome_reply(refused)
    if isinstance(command, Retry) and (command.from_task or command.params):
        preview = await actions.preview_retry(command)
        if isinstance(preview, NoSuchTask):
            return no_such_task(target_id, preview)
        return confirmation(kind, preview.target, preview.plan)
    return confirmation(kind, await actions.describe_target(kind, target_id))


SUBCOMMANDS: tuple[Declared, ...] = (
    Subcommand(
        "retry",
        "/td retry <attempt_id | attempt URL | project/workflow> [from <+task>] "
        "[with <key>=<value> ...]",
        "admins: retry the failed tasks of an attempt, or rerun from a task, with params changed",
        "/td retry 98765",
        read_retry,
        confirm,
        names=True,
    ),
    Subcommand(
        "kill",
        "/td kill <attempt_id | attempt URL | project/workflow> | kill job <job_id | job URL>",
        "admins: kill a running attempt or job",
        "/td kill job 12345",
        read_kill,
        confirm,
        names=True,
    ),
)

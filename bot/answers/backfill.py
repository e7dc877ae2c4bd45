"""`/td backfill`: TD's dry run first (the session times), the backfill after confirmation.

Admins only: anyone else is refused before TD is asked anything, with an audit
record. The button (``bot/slack/actions.py``) acts through ``ActionService``,
which checks everything again.
"""

from __future__ import annotations

from bot.answers.answerer import Declared
from bot.answers.context import RequestContext
from bot.answers.names import find_workflow
from bot.answers.services import Services, Unavailable
from bot.commands import Backfill, CommandError, Subcommand, read_backfill
from bot.message import Message
from bot.present import problems
from bot.present.actions import outcome_reply
from bot.present.backfill import backfill_confirmation, nothing_to_backfill
from bot.store import ActionKind


async def confirm_backfill(command: Backfill, ctx: RequestContext, services: Services) -> Message:
    actions = services.actions
    if actions is None:
        raise Unavailable
    if not actions.authorize(ctx.user_id):
        refused = await actions.refuse(
            ActionKind.BACKFILL,
            ctx.user_id,
            str(command.scope),
            channel_id=ctx.channel_id,
            thread_ts=ctx.thread_ts,
        )
        return outcome_reply(refused)
    found = await find_workflow(services.td, command.scope, services.grammar.usage("backfill"))
    if isinstance(found, CommandError):
        return problems.bad_command(found)
    plan = await actions.plan_backfill(command, *found)
    if isinstance(plan, str):
        return nothing_to_backfill(plan)
    return backfill_confirmation(plan)


SUBCOMMANDS: tuple[Declared, ...] = (
    Subcommand(
        "backfill",
        "/td backfill <project>/<workflow> from <YYYY-MM-DD[THH:MM]> "
        "(count <N> | to <YYYY-MM-DD[THH:MM]>)",
        "admins: run a schedule's past sessions (TD's dry run first), times in the "
        "workflow's time zone",
        "/td backfill sales/daily_load from 2024-06-01 count 3",
        read_backfill,
        confirm_backfill,
    ),
)

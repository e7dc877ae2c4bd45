"""`/td owner | owners`: who a scope's alerts mention.

Owners belong to the scope, not to the channel: they are stored once (the
store the subscriptions live in) and every channel subscribed to the scope
mentions them. Listing them is private: a mention in a listing would notify
everyone on it each time someone asks.
"""

from __future__ import annotations

from bot.alerts.subscriptions import SubscriptionService
from bot.answers.answerer import Declared
from bot.answers.context import RequestContext
from bot.answers.services import Services, Unavailable
from bot.answers.subscriptions import subscription_reply
from bot.commands import ListOwners, SetOwners, Subcommand, read_owner, read_owners
from bot.message import Message
from bot.message import mrkdwn as md
from bot.store import ScopeOwners


def _service(services: Services) -> SubscriptionService:
    if services.subscriptions is None:
        raise Unavailable
    return services.subscriptions


def mentions(owners: tuple[str, ...]) -> str:
    return " ".join(md.mention(o) for o in owners)


async def set_owners(command: SetOwners, ctx: RequestContext, services: Services) -> Message:
    service = _service(services)
    scope = command.scope
    if (unknown := await service.check_scope(scope)) is not None:
        return subscription_reply(unknown)
    assert scope.project is not None  # SetOwners refuses `*`
    had = await service.store.set_owners(
        scope.project, scope.workflow, command.owners, set_by=ctx.user_id, now=service.now()
    )
    where = md.code(str(scope), 300)
    if not command.owners:
        title = f"No owners for {scope}" if had else f"{scope} had no owners"
        return Message(
            title=title,
            text=title,
            emoji=":bust_in_silhouette:",
            sections=(f"Alerts of {where} mention nobody now.",),
        )
    return Message(
        title=f"Owners of {scope}",
        text=f"Owners of {scope} set: its alerts mention them",
        emoji=":busts_in_silhouette:",
        sections=(
            f"Alerts of {where} mention {mentions(command.owners)} in every channel "
            "subscribed to it (never on recovery).",
        ),
    )


def _line(scope: ScopeOwners) -> str:
    name = scope.project if scope.workflow is None else f"{scope.project}/{scope.workflow}"
    return f"• {md.code(name, 300)}: {mentions(scope.owners)}"


async def list_owners(_command: ListOwners, _ctx: RequestContext, services: Services) -> Message:
    owned = await _service(services).store.all_owners()
    lines = [_line(s) for s in owned] or [
        "No scope has owners: `/td owner <project>[/<workflow>] @person @group`."
    ]
    return Message(
        title="Owners",
        text=f"{len(owned)} scope(s) with owners",
        emoji=":busts_in_silhouette:",
        sections=md.pack(lines),
        private=True,
    )


SUBCOMMANDS: tuple[Declared, ...] = (
    Subcommand(
        "owner",
        "/td owner <project>[/<workflow>] <@person or @group ...> | none",
        "who that scope's alerts mention, in every channel subscribed to it",
        "/td owner sales_etl/daily <@U024BE7LH> <!subteam^SAZ94GDB8>",
        read_owner,
        set_owners,
    ),
    Subcommand(
        "owners",
        "/td owners",
        "every scope's owners (only you see the list)",
        "/td owners",
        read_owners,
        list_owners,
    ),
)

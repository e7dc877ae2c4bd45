"""`/td owner | owners | escalate`: who a scope's alerts mention, and where they escalate.

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
from bot.commands import (
    Escalate,
    ListOwners,
    SetOwners,
    Subcommand,
    read_escalate,
    read_owner,
    read_owners,
)
from bot.commands.durations import format_duration
from bot.message import Message, Outcome
from bot.message import mrkdwn as md
from bot.store import PAGERDUTY, ScopeOwners


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
        f"No scope has owners: {md.code('/td owner <project>[/<workflow>] @person @group')}."
    ]
    return Message(
        title="Owners",
        text=f"{len(owned)} scope(s) with owners",
        emoji=":busts_in_silhouette:",
        sections=md.pack(lines),
        private=True,
    )


NO_ROUTING_KEY = Message(
    title="PagerDuty is not set up",
    text="Escalating to PagerDuty needs TDBOT_PAGERDUTY_ROUTING_KEY; nothing was changed.",
    emoji=":warning:",
    sections=(
        "Escalating to PagerDuty needs an Events API v2 integration key in "
        "`TDBOT_PAGERDUTY_ROUTING_KEY`, and this tdbot has none: nothing was changed. "
        "Escalate to a person or a group instead, or ask whoever runs tdbot to set it.",
    ),
    outcome=Outcome.REFUSED,
    private=True,
)


def _target(target: str) -> str:
    return "PagerDuty" if target == PAGERDUTY else md.mention(target)


async def escalate(command: Escalate, ctx: RequestContext, services: Services) -> Message:
    service = _service(services)
    scope = command.scope
    if command.rule is not None and command.rule[1] == PAGERDUTY and not service.pagerduty:
        return NO_ROUTING_KEY
    if (unknown := await service.check_scope(scope)) is not None:
        return subscription_reply(unknown)
    assert scope.project is not None  # Escalate refuses `*`
    had = await service.store.set_escalation(
        scope.project, scope.workflow, command.rule, set_by=ctx.user_id, now=service.now()
    )
    where = md.code(str(scope), 300)
    if command.rule is None:
        title = f"No escalation for {scope}" if had else f"{scope} had no escalation"
        return Message(
            title=title,
            text=title,
            emoji=":bell:",
            sections=(f"Alerts of {where} are not escalated.",),
        )
    after, target = command.rule
    return Message(
        title=f"Escalation for {scope}",
        text=f"Alerts of {scope} nobody is on after {format_duration(after)} escalate",
        emoji=":rotating_light:",
        sections=(
            f"An alert of {where} that nobody is on and that has not recovered "
            f"{format_duration(after)} after it was posted is escalated to {_target(target)}.",
        ),
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
    Subcommand(
        "escalate",
        "/td escalate <project>[/<workflow>] after <duration> to <@person|@group|pagerduty> | off",
        "what happens to an alert that is neither claimed nor recovered after that long",
        "/td escalate sales_etl after 30m to pagerduty",
        read_escalate,
        escalate,
    ),
)

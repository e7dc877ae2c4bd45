"""`/td subscribe | unsubscribe | subscriptions | mute | unmute`: the channel's alert settings.

The work is ``bot.alerts.SubscriptionService`` (the same store the alert poller
reads); these handlers pass it the channel and user of the request and turn
its outcome into a Message. A Mute button's click is answered here too.
"""

from __future__ import annotations

from bot.alerts.subscriptions import (
    InvalidDuration,
    Muted,
    Subscribed,
    SubscriptionList,
    SubscriptionOutcome,
    SubscriptionService,
    UnknownScope,
    Unmuted,
    Unsubscribed,
)
from bot.answers.answerer import Declared
from bot.answers.context import RequestContext
from bot.answers.services import Services, Unavailable
from bot.commands import (
    ListSubscriptions,
    Mute,
    Scope,
    Subcommand,
    Subscribe,
    Unmute,
    Unsubscribe,
    read_mute,
    read_subscribe,
    read_subscriptions,
    read_unmute,
    read_unsubscribe,
)
from bot.message import Message, Outcome, mrkdwn
from bot.present import format as fmt
from bot.store import ALL_PROJECTS


def _service(services: Services) -> SubscriptionService:
    if services.subscriptions is None:
        raise Unavailable
    return services.subscriptions


async def subscribe(command: Subscribe, ctx: RequestContext, services: Services) -> Message:
    service = _service(services)
    return subscription_reply(await service.subscribe(ctx.channel_id, ctx.user_id, command.scope))


async def unsubscribe(command: Unsubscribe, ctx: RequestContext, services: Services) -> Message:
    return subscription_reply(await _service(services).unsubscribe(ctx.channel_id, command.scope))


async def list_subscriptions(
    _command: ListSubscriptions, ctx: RequestContext, services: Services
) -> Message:
    return subscription_reply(await _service(services).list(ctx.channel_id))


async def mute(command: Mute, ctx: RequestContext, services: Services) -> Message:
    outcome = await _service(services).mute(
        ctx.channel_id, ctx.user_id, command.scope, command.duration
    )
    return subscription_reply(outcome)


async def unmute(command: Unmute, ctx: RequestContext, services: Services) -> Message:
    return subscription_reply(await _service(services).unmute(ctx.channel_id, command.scope))


def _scope(scope: Scope) -> str:
    return "every project" if scope.everything else mrkdwn.code(str(scope), 300)


def _stored_scope(project: str, workflow: str | None) -> str:
    if project == ALL_PROJECTS:
        return "every project"
    return mrkdwn.code(project if workflow is None else f"{project}/{workflow}", 300)


def subscription_reply(outcome: SubscriptionOutcome) -> Message:
    match outcome:
        case Subscribed(scope=scope, created=created, threshold=threshold):
            what = "Subscribed" if created else "Already subscribed"
            streak = f" after {threshold} failed sessions in a row" if threshold > 1 else ""
            return Message(
                title=f"{what}: {scope}",
                text=f"{what}: failure alerts for {scope} come to this channel",
                emoji=":bell:",
                sections=(
                    f"Failed and killed runs of {_scope(scope)} are alerted here{streak}; "
                    "retries go into the alert's thread.",
                ),
            )
        case UnknownScope(scope=scope, missing=missing, suggestions=suggestions):
            name = (scope.project if missing == "project" else scope.workflow) or ""
            near = ", ".join(mrkdwn.code(s, 100) for s in suggestions)
            hint = f"Did you mean {near}?" if near else "Nothing with a similar name exists."
            plain_hint = (
                f"Did you mean {', '.join(suggestions)}?"
                if suggestions
                else "Nothing with a similar name exists."
            )
            return Message(
                title=f"No {missing} {name}",
                text=f"There is no {missing} {name} at TD. {plain_hint}",
                emoji=":mag:",
                sections=(f"There is no {missing} {mrkdwn.code(name, 200)} at TD. {hint}",),
                outcome=Outcome.NOT_FOUND,
                private=True,
            )
        case Unsubscribed(scope=scope, removed=removed, remaining=remaining):
            title = f"Unsubscribed: {scope}" if removed else f"Not subscribed to {scope}"
            left = ", ".join(_stored_scope(s.project, s.workflow) for s in remaining)
            return Message(
                title=title,
                text=title,
                emoji=":no_entry_sign:" if removed else ":grey_question:",
                sections=(f"This channel's subscriptions now: {left or 'none'}.",),
            )
        case SubscriptionList(subscriptions=subscriptions, mutes=mutes):
            lines = [
                f"• {_stored_scope(s.project, s.workflow)}"
                + (f" (after {s.threshold} failed sessions)" if s.threshold > 1 else "")
                for s in subscriptions
            ] or [
                f"No subscriptions: {mrkdwn.code('/td subscribe <project>')} or `/td subscribe *`."
            ]
            lines += [
                f"• muted: {_stored_scope(m.project, m.workflow)} until {fmt.slack_time(m.until)}"
                for m in mutes
            ]
            return Message(
                title="This channel's subscriptions",
                text=f"{len(subscriptions)} subscription(s), {len(mutes)} mute(s)",
                emoji=":bell:",
                sections=mrkdwn.pack(lines),
            )
        case Muted(scope=scope, until=until, duration_text=duration):
            return Message(
                title=f"Muted for {duration}: {scope}",
                text=f"Alerts for {scope} are muted for {duration}",
                emoji=":no_bell:",
                sections=(f"No alerts for {_scope(scope)} until {fmt.slack_time(until)}.",),
            )
        case Unmuted(scope=scope, removed=removed):
            title = f"Unmuted: {scope}" if removed else f"{scope} was not muted"
            return Message(title=title, text=title, emoji=":bell:")
        case InvalidDuration(message=message):
            return Message(
                title="That mute duration does not work",
                text=message,
                emoji=":warning:",
                sections=(mrkdwn.text(message, 300),),
                outcome=Outcome.USAGE,
                private=True,
            )
    raise TypeError(f"not a subscription outcome: {outcome!r}")


SUBCOMMANDS: tuple[Declared, ...] = (
    Subcommand(
        "subscribe",
        "/td subscribe <project>[/<workflow>] | *",
        "post failure alerts for that scope to this channel (`*`: every project)",
        "/td subscribe sales_etl",
        read_subscribe,
        subscribe,
    ),
    Subcommand(
        "unsubscribe",
        "/td unsubscribe <project>[/<workflow>] | *",
        "stop the alerts of a subscription",
        "/td unsubscribe sales_etl",
        read_unsubscribe,
        unsubscribe,
    ),
    Subcommand(
        "subscriptions",
        "/td subscriptions",
        "this channel's subscriptions",
        "/td subscriptions",
        read_subscriptions,
        list_subscriptions,
    ),
    Subcommand(
        "mute",
        "/td mute <project>[/<workflow>] | * <duration>",
        "silence alerts for a while: 30m, 4h, 2d (1 minute to 30 days)",
        "/td mute sales_etl/daily 4h",
        read_mute,
        mute,
    ),
    Subcommand(
        "unmute",
        "/td unmute <project>[/<workflow>] | *",
        "end a mute early",
        "/td unmute sales_etl/daily",
        read_unmute,
        unmute,
    ),
)

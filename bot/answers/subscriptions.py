"""`/td subscribe | unsubscribe | subscriptions | mute | unmute`: the channel's alert settings.

The work is ``bot.alerts.SubscriptionService`` (the same store the alert poller
reads); these handlers pass it the channel and user of the request and turn
its outcome into a Reply. A Mute button's click is answered here too.
"""

from __future__ import annotations

from typing import Any

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
from bot.answers import format as fmt
from bot.answers import mrkdwn
from bot.answers.answerer import Handler
from bot.answers.context import RequestContext
from bot.answers.reply import Outcome, Reply
from bot.answers.services import Services
from bot.commands import ListSubscriptions, Mute, Scope, Subscribe, Unmute, Unsubscribe
from bot.store import ALL_PROJECTS


class SubscriptionAnswers:
    """The handlers of the subscription commands, over one ``SubscriptionService``."""

    def __init__(self, service: SubscriptionService) -> None:
        self._service = service

    def handlers(self) -> dict[type[Any], Handler]:
        return {
            Subscribe: self.subscribe,
            Unsubscribe: self.unsubscribe,
            ListSubscriptions: self.list_subscriptions,
            Mute: self.mute,
            Unmute: self.unmute,
        }

    async def subscribe(self, command: Subscribe, ctx: RequestContext, _: Services) -> Reply:
        outcome = await self._service.subscribe(ctx.channel_id, ctx.user_id, command.scope)
        return subscription_reply(outcome)

    async def unsubscribe(self, command: Unsubscribe, ctx: RequestContext, _: Services) -> Reply:
        return subscription_reply(await self._service.unsubscribe(ctx.channel_id, command.scope))

    async def list_subscriptions(
        self, _command: ListSubscriptions, ctx: RequestContext, _: Services
    ) -> Reply:
        return subscription_reply(await self._service.list(ctx.channel_id))

    async def mute(self, command: Mute, ctx: RequestContext, _: Services) -> Reply:
        outcome = await self._service.mute(
            ctx.channel_id, ctx.user_id, command.scope, command.duration
        )
        return subscription_reply(outcome)

    async def unmute(self, command: Unmute, ctx: RequestContext, _: Services) -> Reply:
        return subscription_reply(await self._service.unmute(ctx.channel_id, command.scope))


def _scope(scope: Scope) -> str:
    return "every project" if scope.everything else mrkdwn.code(str(scope), 300)


def _stored_scope(project: str, workflow: str | None) -> str:
    if project == ALL_PROJECTS:
        return "every project"
    return mrkdwn.code(project if workflow is None else f"{project}/{workflow}", 300)


def subscription_reply(outcome: SubscriptionOutcome) -> Reply:
    match outcome:
        case Subscribed(scope=scope, created=created, threshold=threshold):
            what = "Subscribed" if created else "Already subscribed"
            streak = f" after {threshold} failed sessions in a row" if threshold > 1 else ""
            return Reply(
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
            return Reply(
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
            return Reply(
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
            ] or ["No subscriptions: `/td subscribe <project>` or `/td subscribe *`."]
            lines += [
                f"• muted: {_stored_scope(m.project, m.workflow)} until {fmt.slack_time(m.until)}"
                for m in mutes
            ]
            return Reply(
                title="This channel's subscriptions",
                text=f"{len(subscriptions)} subscription(s), {len(mutes)} mute(s)",
                emoji=":bell:",
                sections=mrkdwn.pack(lines),
            )
        case Muted(scope=scope, until=until, duration_text=duration):
            return Reply(
                title=f"Muted for {duration}: {scope}",
                text=f"Alerts for {scope} are muted for {duration}",
                emoji=":no_bell:",
                sections=(f"No alerts for {_scope(scope)} until {fmt.slack_time(until)}.",),
            )
        case Unmuted(scope=scope, removed=removed):
            title = f"Unmuted: {scope}" if removed else f"{scope} was not muted"
            return Reply(title=title, text=title, emoji=":bell:")
        case InvalidDuration(message=message):
            return Reply(
                title="That mute duration does not work",
                text=message,
                emoji=":warning:",
                sections=(mrkdwn.text(message, 300),),
                outcome=Outcome.USAGE,
                private=True,
            )
    raise TypeError(f"not a subscription outcome: {outcome!r}")

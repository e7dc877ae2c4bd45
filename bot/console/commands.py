"""The console's answers to the commands ``bot.answers.HANDLERS`` does not answer.

Subscriptions go through ``bot.alerts.SubscriptionService`` (the same service
and store the alert poller reads), and ``timeline`` writes the chart PNG to the
demo's directory instead of uploading it. The answers layer's own handlers win
wherever it has one (see ``handlers``), so these only fill its gaps.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.alerts import (
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
from bot.answers import HANDLERS, Handler, Outcome, Reply, RequestContext, Services, mrkdwn
from bot.answers import format as fmt
from bot.charts import render_timeline_png, timeline_bars
from bot.commands import (
    ListSubscriptions,
    Mute,
    Scope,
    Subscribe,
    Timeline,
    Unmute,
    Unsubscribe,
)
from bot.store import ALL_PROJECTS


class ConsoleCommands:
    def __init__(self, subscriptions: SubscriptionService, files: Path) -> None:
        self._subscriptions = subscriptions
        self._files = files

    def handlers(self) -> dict[type[Any], Handler]:
        """Every command the answers layer answers, plus these where it has none."""
        own: Mapping[type[Any], Handler] = {
            Subscribe: self.subscribe,
            Unsubscribe: self.unsubscribe,
            ListSubscriptions: self.list_subscriptions,
            Mute: self.mute,
            Unmute: self.unmute,
            Timeline: self.timeline,
        }
        return {**own, **HANDLERS}

    async def subscribe(self, command: Subscribe, ctx: RequestContext, _: Services) -> Reply:
        outcome = await self._subscriptions.subscribe(ctx.channel_id, ctx.user_id, command.scope)
        return subscription_reply(outcome)

    async def unsubscribe(self, command: Unsubscribe, ctx: RequestContext, _: Services) -> Reply:
        return subscription_reply(
            await self._subscriptions.unsubscribe(ctx.channel_id, command.scope)
        )

    async def list_subscriptions(
        self, _command: ListSubscriptions, ctx: RequestContext, _: Services
    ) -> Reply:
        return subscription_reply(await self._subscriptions.list(ctx.channel_id))

    async def mute(self, command: Mute, ctx: RequestContext, _: Services) -> Reply:
        outcome = await self._subscriptions.mute(
            ctx.channel_id, ctx.user_id, command.scope, command.duration
        )
        return subscription_reply(outcome)

    async def unmute(self, command: Unmute, ctx: RequestContext, _: Services) -> Reply:
        return subscription_reply(await self._subscriptions.unmute(ctx.channel_id, command.scope))

    async def timeline(self, command: Timeline, _: RequestContext, services: Services) -> Reply:
        attempt = await services.td.attempt(command.attempt_id)
        tasks = await services.td.tasks(attempt.id)
        where = f"{attempt.project.name}/{attempt.workflow.name}"
        title = f"Timeline of attempt {attempt.id}: {where}"
        bars = timeline_bars(tasks, services.now())
        if not bars:
            return Reply(
                title=f"Attempt {attempt.id} has no timeline yet",
                text=f"No task of attempt {attempt.id} ({where}) has started yet.",
                emoji=":hourglass_flowing_sand:",
                sections=("No task of this attempt has started yet, so there is nothing to draw.",),
            )
        path = self._files / f"timeline-{attempt.id}.png"
        path.write_bytes(render_timeline_png(title, bars))
        return Reply(
            title=title,
            text=f"{title}: {len(bars)} tasks, chart saved to {path}",
            emoji=":clipboard:",
            sections=(
                f"{fmt.plural(len(bars), 'task')} drawn ({attempt.status.value}). "
                "In Slack the chart is uploaded to the channel; here it is saved to:",
                mrkdwn.code(str(path), 1000),
            ),
        )


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
                    f"Failed and killed runs of {_scope(outcome.scope)} are alerted here{streak}; "
                    "retries go into the alert's thread.",
                ),
            )
        case UnknownScope(scope=scope, missing=missing, suggestions=suggestions):
            name = scope.project if missing == "project" else scope.workflow
            near = ", ".join(mrkdwn.code(s, 100) for s in suggestions)
            hint = f"Did you mean {near}?" if near else "Nothing with a similar name exists."
            return Reply(
                title=f"No {missing} {name}",
                text=f"There is no {missing} {name} at TD. {hint}",
                emoji=":mag:",
                sections=(f"There is no {missing} {mrkdwn.code(name or '', 200)} at TD. {hint}",),
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
                emoji=":no_entry_sign:",
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

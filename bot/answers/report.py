"""`/td report`: a reliability report now, or posted to the channel on a schedule.

Without a scope the report covers the channel's subscriptions; a report reads
TD's history for up to hundreds of workflows, so the slash command acks first
and answers through ``response_url`` (``bot.slack.commands``), the chart and
the table uploaded to the channel.
"""

from __future__ import annotations

from bot.answers.answerer import Declared
from bot.answers.context import RequestContext
from bot.answers.services import Services, Unavailable
from bot.answers.subscriptions import subscription_reply
from bot.commands import ScheduleReport, ShowReport, Subcommand, read_report
from bot.message import Message, Outcome
from bot.message import mrkdwn as md
from bot.present import format as fmt
from bot.present.report import present_report
from bot.reports import SCHEDULED_DAYS, ReportService

NO_SUBSCRIPTIONS = Message(
    title="This channel has no subscriptions to report on",
    text="This channel subscribes to nothing, so its report has nothing to cover.",
    emoji=":information_source:",
    sections=(
        "This channel subscribes to nothing, so its report has nothing to cover. Name what to "
        "report on (`/td report sales_etl 7d`, `/td report * 30d`), or subscribe the channel "
        "first (`/td subscribe sales_etl`).",
    ),
    outcome=Outcome.NOT_FOUND,
    private=True,
)

WHEN = {"daily": "every day at 09:00", "weekly": "every Monday at 09:00"}


def _service(services: Services) -> ReportService:
    if services.reports is None:
        raise Unavailable
    return services.reports


async def show_report(command: ShowReport, ctx: RequestContext, services: Services) -> Message:
    reports = _service(services)
    if command.scope is None:
        scopes = await reports.channel_scopes(ctx.channel_id)
        if not scopes:
            return NO_SUBSCRIPTIONS
    else:
        if services.subscriptions is not None:
            unknown = await services.subscriptions.check_scope(command.scope)
            if unknown is not None:
                return subscription_reply(unknown)
        scopes = [command.scope]
    return await present_report(await reports.report(scopes, command.days))


async def schedule_report(
    command: ScheduleReport, ctx: RequestContext, services: Services
) -> Message:
    reports = _service(services)
    was = await reports.schedule_of(ctx.channel_id) if command.cadence is None else None
    changed = await reports.set_schedule(ctx.channel_id, command.cadence, ctx.user_id)
    if command.cadence is None:
        title = "No more scheduled reports here" if changed else "No report was scheduled here"
        stopped = f"The {was} report is no longer posted here. " if changed and was else ""
        again = f"{md.code('/td report daily')} or {md.code('/td report weekly')} starts one."
        return Message(title=title, text=title, emoji=":no_bell:", sections=(stopped + again,))
    when = f"{WHEN[command.cadence]} ({reports.timezone})"
    days = fmt.plural(SCHEDULED_DAYS[command.cadence], "day")
    scopes = await reports.channel_scopes(ctx.channel_id)
    covers = (
        "this channel's subscriptions"
        if scopes
        else f"this channel's subscriptions (none yet: {md.code('/td subscribe <project>')})"
    )
    title = f"Reliability report {when}"
    return Message(
        title=title,
        text=f"{title}: the last {days} of {covers}",
        emoji=":calendar:",
        sections=(
            f"This channel gets the reliability report of the last {days} of {covers} "
            f"{when}. `/td report off` stops it.",
        ),
    )


async def report(
    command: ShowReport | ScheduleReport, ctx: RequestContext, services: Services
) -> Message:
    if isinstance(command, ScheduleReport):
        return await schedule_report(command, ctx, services)
    return await show_report(command, ctx, services)


SUBCOMMANDS: tuple[Declared, ...] = (
    Subcommand(
        "report",
        "/td report [<project>[/<workflow>] | *] [<N>d]  |  /td report daily | weekly | off",
        "a reliability report (default: this channel's subscriptions, 7 days), "
        "or post it here every day / every Monday at 09:00",
        "/td report sales_etl 30d",
        read_report,
        report,
    ),
)

"""`/td timeline <attempt>`: when each task of an attempt ran, as a PNG chart with the reply."""

from __future__ import annotations

import asyncio

from bot.aio import both
from bot.answers.answerer import Declared
from bot.answers.context import RequestContext
from bot.answers.services import Services
from bot.charts import render_timeline_png, timeline_bars
from bot.commands import Subcommand, Timeline, read_timeline
from bot.message import File, Link, Message
from bot.present import format as fmt
from bot.td import urls


async def timeline(command: Timeline, ctx: RequestContext, services: Services) -> Message:
    attempt, tasks = await both(
        services.td.attempt(command.attempt_id), services.td.tasks(command.attempt_id)
    )
    where = f"{attempt.project.name}/{attempt.workflow.name}"
    bars = timeline_bars(tasks, services.now())
    if not bars:
        return Message(
            title=f"Attempt {attempt.id} has no timeline yet",
            text=f"No task of attempt {attempt.id} ({where}) has started yet.",
            emoji=":hourglass_flowing_sand:",
            sections=("No task of this attempt has started yet, so there is nothing to draw.",),
        )
    title = f"Timeline of attempt {attempt.id}: {where}"
    # matplotlib takes a CPU-bound moment: off the loop, so acks stay quick meanwhile.
    png = await asyncio.to_thread(render_timeline_png, title, bars)
    shown = fmt.plural(len(bars), "task")
    more = len([t for t in tasks if t.started_at is not None]) - len(bars)
    cut = f" (the first {len(bars)}; {more} more are left out)" if more > 0 else ""
    links: tuple[Link, ...] = ()
    if attempt.workflow.id is not None:
        url = urls.attempt_url(
            services.console, attempt.workflow.id, attempt.session_id, attempt.id
        )
        links = (Link("Attempt in TD console", url),)
    return Message(
        title=title,
        text=f"{title}: {shown}, attempt {attempt.status.value}",
        emoji=":bar_chart:",
        sections=(f"{shown} drawn{cut}; the attempt is {attempt.status.value}.",),
        links=links,
        files=(File(f"timeline-{attempt.id}.png", title, png),),
    )


SUBCOMMANDS: tuple[Declared, ...] = (
    Subcommand(
        "timeline",
        "/td timeline <attempt_id | attempt URL | project/workflow>",
        "when each task of an attempt ran",
        "/td timeline 98765",
        read_timeline,
        timeline,
        names=True,
    ),
)

"""`/td job <id>` and `/td jobs [status] [N]`."""

from __future__ import annotations

from bot.answers.answerer import Declared
from bot.answers.context import RequestContext
from bot.answers.services import Services
from bot.buttons import diagnose_job_button
from bot.commands import (
    DEFAULT_LIMIT,
    JOB_STATUSES,
    MAX_LIMIT,
    ListJobs,
    ShowJob,
    Subcommand,
    read_job,
    read_jobs,
)
from bot.message import Evidence, Field, Link, Message, mrkdwn
from bot.present import format as fmt
from bot.td import urls
from bot.td.models import Job, JobStatus

# TD's own consoles, whatever the region; the configured console is added per call.
_TD_CONSOLE_DOMAINS = ("treasuredata.com", "treasuredata.co.jp")
_QUERY_EXCERPT = 1500


def job_link(job: Job, services: Services) -> str:
    """The job's own ``url`` when it points at a TD console, else the link tdbot builds."""
    hosts = (*_TD_CONSOLE_DOMAINS, services.console_host)
    return mrkdwn.checked_url(job.url, hosts) or urls.job_url(services.console, job.job_id)


async def show_job(command: ShowJob, ctx: RequestContext, services: Services) -> Message:
    job = await services.td.job(command.job_id)
    now = services.now()
    link = job_link(job, services)
    took = job.duration if job.duration is not None else fmt.span(job.start_at, job.end_at, now)
    fields = (
        Field("Type", mrkdwn.text(job.type, 100)),
        Field("Status", f"{fmt.JOB_EMOJI[job.status]} {mrkdwn.text(job.status.value, 50)}"),
        Field("Database", mrkdwn.text(job.database or "-", 200)),
        Field("User", mrkdwn.text(job.user_name or "-", 200)),
        Field("Created", fmt.slack_time(job.created_at)),
        Field("Started", fmt.slack_time(job.start_at)),
        Field("Ended", fmt.slack_time(job.end_at)),
        Field("Duration", fmt.duration(took)),
        Field("Records", fmt.count(job.num_records)),
        Field("Result size", fmt.size(job.result_size)),
    )
    evidence: list[Evidence] = []
    failed = job.status in (JobStatus.ERROR, JobStatus.KILLED)
    stderr = job.debug.stderr if job.debug else None
    if failed and stderr:
        evidence.append(Evidence("Error (debug.stderr)", stderr))
    if job.query_text:
        query = job.query_text
        if len(query) > _QUERY_EXCERPT:
            query = query[:_QUERY_EXCERPT] + "\n…"
        evidence.append(Evidence("Query", query))
    text = f"TD job {job.job_id} ({job.type}) {job.status.value}"
    if failed and stderr:
        first = next((line for line in stderr.splitlines() if line.strip()), "")
        text += f": {first}"
    return Message(
        title=f"Job {job.job_id}: {job.type} {job.status.value}",
        text=text,
        emoji=fmt.JOB_EMOJI[job.status],
        fields=fields,
        evidence=tuple(evidence),
        links=(Link("Open in TD console", link),),
        buttons=((diagnose_job_button(job.job_id),) if failed else ()),
    )


def _job_line(job: Job, services: Services) -> str:
    took = fmt.duration(job.duration)
    who = mrkdwn.text(job.user_name or "-", 80)
    database = mrkdwn.text(job.database or "-", 80)
    return (
        f"{fmt.JOB_EMOJI[job.status]} {mrkdwn.link(job_link(job, services), job.job_id)} "
        f"{mrkdwn.text(job.type, 30)} · {mrkdwn.text(job.status.value, 20)} · {database} · "
        f"{who} · {fmt.slack_time(job.created_at)} · {took}"
    )


async def list_jobs(command: ListJobs, ctx: RequestContext, services: Services) -> Message:
    jobs = await services.td.jobs(status=command.status, limit=command.limit)
    which = f"{command.status.value} " if command.status else ""
    title = f"Newest {fmt.plural(len(jobs), which + 'job')}"
    if not jobs:
        return Message(
            title=f"No {which}jobs",
            text=f"No {which}jobs in this TD account.",
            emoji=":mag:",
            sections=(f"TD lists no {which}jobs for this account.",),
        )
    lines = [_job_line(job, services) for job in jobs]
    by_status: dict[JobStatus, int] = {}
    for job in jobs:
        by_status[job.status] = by_status.get(job.status, 0) + 1
    summary = ", ".join(f"{n} {status.value}" for status, n in by_status.items())
    return Message(
        title=title,
        text=f"{title}: {summary}",
        emoji=":clipboard:",
        sections=mrkdwn.pack(lines),
        context=(f"Newest first · {summary}",),
    )


SUBCOMMANDS: tuple[Declared, ...] = (
    Subcommand(
        "job",
        "/td job <job_id | job URL>",
        "a job: status, timing, query, and the error excerpt of a failed job",
        "/td job 12345",
        read_job,
        show_job,
    ),
    Subcommand(
        "jobs",
        "/td jobs [status] [N]",
        f"the newest N jobs (default {DEFAULT_LIMIT}, at most {MAX_LIMIT}), optionally of one "
        f"status: {', '.join(JOB_STATUSES)}",
        "/td jobs error 20",
        read_jobs,
        list_jobs,
    ),
)

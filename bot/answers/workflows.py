"""`/td session`, `/td sessions` and `/td attempt`: the Workflow side of TD."""

from __future__ import annotations

from collections import Counter

from bot.aio import both
from bot.answers.answerer import Declared
from bot.answers.context import RequestContext
from bot.answers.services import Services
from bot.buttons import diagnose_button
from bot.commands import (
    DEFAULT_LIMIT,
    ListSessions,
    ShowAttempt,
    ShowSession,
    Subcommand,
    read_attempt,
    read_session,
    read_sessions,
)
from bot.message import Button, Field, Link, Message, mrkdwn
from bot.present import format as fmt
from bot.present import problems
from bot.td import urls
from bot.td.models import Attempt, AttemptStatus, IdAndName, Session, Task, TaskState

_LISTED_TASKS = 10


def _where(project: IdAndName, workflow: IdAndName) -> str:
    return f"{project.name}/{workflow.name}"


def _attempt_link(services: Services, attempt: Attempt) -> str:
    if attempt.workflow.id is None:
        return urls.session_url(services.console, attempt.session_id)
    return urls.attempt_url(services.console, attempt.workflow.id, attempt.session_id, attempt.id)


def _diagnose_button(attempt_id: str, status: AttemptStatus) -> tuple[Button, ...]:
    if not status.failed:
        return ()
    return (diagnose_button(attempt_id),)


def _retry_text(attempt: Attempt) -> str:
    name = f" ({attempt.retry_attempt_name})" if attempt.retry_attempt_name else ""
    return f"#{attempt.index}{name}"


async def show_session(command: ShowSession, ctx: RequestContext, services: Services) -> Message:
    session, attempts = await both(
        services.td.session(command.session_id),
        services.td.session_attempts(command.session_id),
    )
    where = _where(session.project, session.workflow)
    last = max(attempts, key=lambda a: a.index) if attempts else None
    status = (
        last.status if last else (session.last_attempt.status if session.last_attempt else None)
    )
    emoji = fmt.ATTEMPT_EMOJI[status] if status else ":grey_question:"
    status_text = status.value if status else "no attempt"
    fields = [
        Field("Project", mrkdwn.text(session.project.name, 200)),
        Field("Workflow", mrkdwn.text(session.workflow.name, 200)),
        Field("Session time", mrkdwn.text(session.session_time.isoformat(), 60)),
        Field("Status", f"{emoji} {status_text}"),
    ]
    links = [Link("Session in TD console", urls.session_url(services.console, session.id))]
    if last is not None:
        fields += [
            Field("Last attempt", f"{mrkdwn.text(last.id, 30)} {mrkdwn.text(_retry_text(last))}"),
            Field("Attempts", str(len(attempts))),
            Field("Started", fmt.slack_time(last.created_at)),
            Field("Finished", fmt.slack_time(last.finished_at)),
            Field(
                "Duration",
                fmt.duration(fmt.span(last.created_at, last.finished_at, services.now())),
            ),
        ]
        links.append(Link("Last attempt", _attempt_link(services, last)))
    return Message(
        title=f"Session {session.id}: {where} {status_text}",
        text=f"Session {session.id} of {where} ({session.session_time.isoformat()}): {status_text}",
        emoji=emoji,
        fields=tuple(fields),
        links=tuple(links),
        buttons=_diagnose_button(last.id, last.status) if last else (),
    )


def _session_line(session: Session, services: Services) -> str:
    last = session.last_attempt
    session_text = mrkdwn.link(
        urls.session_url(services.console, session.id), session.session_time.isoformat()
    )
    if last is None:
        return f":grey_question: {session_text} · no attempt"
    took = fmt.duration(fmt.span(last.created_at, last.finished_at, services.now()))
    name = f" · {mrkdwn.text(last.retry_attempt_name, 80)}" if last.retry_attempt_name else ""
    return (
        f"{fmt.ATTEMPT_EMOJI[last.status]} {session_text} · {last.status.value} · "
        f"attempt {mrkdwn.text(last.id, 30)}{name} · {took}"
    )


async def list_sessions(command: ListSessions, ctx: RequestContext, services: Services) -> Message:
    scope = command.project if command.workflow is None else f"{command.project}/{command.workflow}"
    project = await services.td.project_by_name(command.project)
    if project is None:
        return problems.not_found(problems.Subject("project", command.project))

    async def newest() -> list[Session]:
        found: list[Session] = []
        async for session in services.td.iter_sessions(
            project.id, command.workflow, page_size=command.limit
        ):
            found.append(session)
            if len(found) >= command.limit:
                break
        return found

    if command.workflow is None:
        sessions = await newest()
    else:
        # An unknown workflow name would only list nothing; say what is wrong instead.
        workflow, sessions = await both(
            services.td.workflow_by_name(project.id, command.workflow), newest()
        )
        if workflow is None:
            return problems.not_found(problems.Subject("workflow", scope))
    if not sessions:
        return Message(
            title=f"No sessions of {scope}",
            text=f"{scope} has no sessions yet.",
            emoji=":mag:",
            sections=(f"TD lists no sessions of {mrkdwn.text(scope)}.",),
        )
    oldest_first = list(reversed(sessions))
    statuses = [s.last_attempt.status if s.last_attempt else None for s in oldest_first]
    glyphs = "".join(fmt.ATTEMPT_GLYPH[s] if s else "?" for s in statuses)
    spark = fmt.sparkline(
        [
            fmt.span(s.last_attempt.created_at, s.last_attempt.finished_at, services.now())
            if s.last_attempt
            else None
            for s in oldest_first
        ]
    )
    failed = sum(1 for s in statuses if s is not None and s.failed)
    title = f"Newest {fmt.plural(len(sessions), 'session')} of {scope}"
    history = f"{mrkdwn.bold('History')} (oldest → newest)\n`{glyphs}` status\n`{spark}` duration"
    return Message(
        title=title,
        text=f"{title}: {failed} failed",
        emoji=":card_index_dividers:",
        sections=(history, *mrkdwn.pack(_session_line(s, services) for s in sessions)),
        context=(f"Newest first · {failed} of {len(sessions)} failed",),
    )


def _task_summary(tasks: list[Task]) -> str:
    counts = Counter(t.state for t in tasks)
    parts = [f"{counts[s]} {s.value}" for s in fmt.TASK_STATE_ORDER if counts[s]]
    return " · ".join(parts) or "no tasks"


def _task_line(task: Task) -> str:
    operator = f" ({mrkdwn.code(task.operator, 40)})" if task.operator else ""
    return f"• {mrkdwn.code(task.full_name, 300)}{operator}"


async def show_attempt(command: ShowAttempt, ctx: RequestContext, services: Services) -> Message:
    attempt, tasks = await both(
        services.td.attempt(command.attempt_id), services.td.tasks(command.attempt_id)
    )
    where = _where(attempt.project, attempt.workflow)
    status = attempt.status
    fields = (
        Field("Project", mrkdwn.text(attempt.project.name, 200)),
        Field("Workflow", mrkdwn.text(attempt.workflow.name, 200)),
        Field("Status", f"{fmt.ATTEMPT_EMOJI[status]} {status.value}"),
        Field("Attempt", mrkdwn.text(_retry_text(attempt), 200)),
        Field("Session time", mrkdwn.text(attempt.session_time.isoformat(), 60)),
        Field("Session", mrkdwn.text(attempt.session_id, 30)),
        Field("Started", fmt.slack_time(attempt.created_at)),
        Field("Finished", fmt.slack_time(attempt.finished_at)),
        Field(
            "Duration",
            fmt.duration(fmt.span(attempt.created_at, attempt.finished_at, services.now())),
        ),
        Field("Tasks", _task_summary(tasks)),
    )
    sections: list[str] = []
    for state, label in (
        (TaskState.ERROR, "Failed tasks"),
        (TaskState.RUNNING, "Running tasks"),
        (TaskState.RETRY_WAITING, "Waiting to retry"),
    ):
        picked = [t for t in tasks if t.state is state and not t.is_group]
        if picked:
            lines = [_task_line(t) for t in picked[:_LISTED_TASKS]]
            if len(picked) > _LISTED_TASKS:
                lines.append(f"… and {len(picked) - _LISTED_TASKS} more")
            sections.append("\n".join([mrkdwn.bold(label), *lines]))
    return Message(
        title=f"Attempt {attempt.id}: {where} {status.value}",
        text=f"Attempt {attempt.id} of {where} ({_retry_text(attempt)}): {status.value}; "
        f"tasks: {_task_summary(tasks)}",
        emoji=fmt.ATTEMPT_EMOJI[status],
        fields=fields,
        sections=tuple(sections),
        links=(
            Link("Attempt in TD console", _attempt_link(services, attempt)),
            Link("Session", urls.session_url(services.console, attempt.session_id)),
        ),
        buttons=_diagnose_button(attempt.id, status),
    )


SUBCOMMANDS: tuple[Declared, ...] = (
    Subcommand(
        "session",
        "/td session <session_id | session URL>",
        "a workflow session: project, workflow, session time, last attempt",
        "/td session 4567",
        read_session,
        show_session,
    ),
    Subcommand(
        "sessions",
        "/td sessions <project>[/<workflow>] [N]",
        f"the newest N sessions of a project or workflow (default {DEFAULT_LIMIT})",
        "/td sessions sales_etl/daily 5",
        read_sessions,
        list_sessions,
    ),
    Subcommand(
        "attempt",
        "/td attempt <attempt_id | attempt URL | project/workflow>",
        "an attempt: status, retries, timing, tasks by state",
        "/td attempt 98765",
        read_attempt,
        show_attempt,
        names=True,
    ),
)

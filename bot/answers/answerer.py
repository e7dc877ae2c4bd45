"""Command -> Reply: one handler per command type, all registered in ``HANDLERS``.

``answer`` never raises: TD failures become specific replies (failures.py) and
anything unexpected becomes an "internal error" reply with a log reference.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from bot.answers import diagnose, failures, help, jobs, mrkdwn, timeline, workflows
from bot.answers.context import RequestContext
from bot.answers.failures import Subject
from bot.answers.reply import Reply
from bot.answers.services import Services, utc_now
from bot.commands import (
    AttemptTarget,
    Command,
    CommandError,
    Diagnose,
    Help,
    JobTarget,
    Kill,
    KillJob,
    ListJobs,
    ListSessions,
    Retry,
    SessionTarget,
    ShowAttempt,
    ShowJob,
    ShowSession,
    Timeline,
    command_text,
    find_console_urls,
    parse,
)
from bot.td import TDClient
from bot.td.errors import TDError

log = logging.getLogger("bot.answers")

Handler = Callable[[Any, RequestContext, Services], Awaitable[Reply]]

# Add new commands here (and only here); commands without a handler are
# answered "not available yet". The commands that need more than TD (the
# store: subscriptions; the admins: retry and kill) are answered by handler
# tables built over their services (SubscriptionAnswers, ActionAnswers).
HANDLERS: dict[type[Any], Handler] = {
    Help: help.show_help,
    ShowJob: jobs.show_job,
    ListJobs: jobs.list_jobs,
    ShowSession: workflows.show_session,
    ListSessions: workflows.list_sessions,
    ShowAttempt: workflows.show_attempt,
    Diagnose: diagnose.diagnose,
    Timeline: timeline.timeline,
}
# Answered without calling TD, so the reply can go straight into the ack.
INSTANT: frozenset[type[Any]] = frozenset({Help})


def subject(command: Command, ctx: RequestContext | None = None) -> Subject | None:
    """What the command is about, for error messages."""
    match command:
        case (
            ShowJob(job_id=ident) | Diagnose(target=JobTarget(job_id=ident)) | KillJob(job_id=ident)
        ):
            return Subject("job", ident)
        case ShowSession(session_id=ident) | Diagnose(target=SessionTarget(session_id=ident)):
            return Subject("session", ident)
        case (
            ShowAttempt(attempt_id=ident)
            | Diagnose(target=AttemptTarget(attempt_id=ident))
            | Retry(attempt_id=ident)
            | Kill(attempt_id=ident)
            | Timeline(attempt_id=ident)
        ):
            return Subject("attempt", ident)
        case Diagnose(target=None) if ctx is not None and ctx.thread_attempt_id:
            return Subject("attempt", ctx.thread_attempt_id)
        case ListSessions(project=project):
            return Subject("project", project)
    return None


class Answerer:
    """Reads ``/td`` text and answers commands against one TD account."""

    def __init__(
        self,
        td: TDClient,
        console: str,
        *,
        handlers: Mapping[type[Any], Handler] = HANDLERS,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.services = Services(td=td, console=console.rstrip("/"), now=now)
        self._handlers = dict(handlers)

    def read(self, text: str) -> Command | CommandError:
        """Parse ``text``; free text that links a TD job, session or attempt asks for it."""
        parsed = parse(text, self.services.console)
        if not isinstance(parsed, CommandError):
            return parsed
        for link in find_console_urls(text, self.services.console):
            ident = link.object_id
            if ident is not None:
                if link.kind == "job":
                    return ShowJob(ident)
                if link.kind == "session":
                    return ShowSession(ident)
                return ShowAttempt(ident)
        return parsed

    @staticmethod
    def is_instant(command: Command) -> bool:
        """Answered without TD, so the answer can go in the ack itself."""
        return type(command) in INSTANT

    @staticmethod
    def working_text(command: Command) -> str:
        """What to show at once while TD is asked (mrkdwn: names in it are the user's)."""
        return f"Working on {mrkdwn.code('/td ' + command_text(command), 300)} …"

    async def answer(self, request: Command | CommandError, ctx: RequestContext) -> Reply:
        if isinstance(request, CommandError):
            return failures.bad_command(request)
        handler = self._handlers.get(type(request))
        if handler is None:
            return failures.not_available(command_text(request).split()[0])
        try:
            return await handler(request, ctx, self.services)
        except TDError as error:
            log.info("TD error answering %s: %s", command_text(request), error)
            return failures.td_error(error, subject(request, ctx))
        except Exception:
            reference = secrets.token_hex(4)
            log.exception("internal error %s answering %s", reference, command_text(request))
            return failures.internal(reference)

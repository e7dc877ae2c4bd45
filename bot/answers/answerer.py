"""Command -> Message: each command answered by its subcommand's declared handler.

``answer`` never raises: TD failures become specific messages
(``bot.present.problems``) and anything unexpected becomes an "internal error"
message with a log reference.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from bot.actions import ActionService
from bot.alerts import SubscriptionService
from bot.answers.context import RequestContext
from bot.answers.names import newest_failed
from bot.answers.services import Services, Unavailable, utc_now
from bot.commands import (
    ByName,
    Command,
    CommandError,
    Grammar,
    Help,
    ShowAttempt,
    ShowJob,
    ShowSession,
    Subcommand,
    find_console_urls,
)
from bot.message import Message, mrkdwn
from bot.present import problems
from bot.present.problems import Subject
from bot.reports import ReportService
from bot.td import TDClient
from bot.td.errors import TDError

log = logging.getLogger("bot.answers")

Handler = Callable[[Any, RequestContext, Services], Awaitable[Message]]
Declared = Subcommand[Handler]
# Answered without calling TD, so the answer can go straight into the ack.
INSTANT: frozenset[type[Command]] = frozenset({Help})


def subject(command: Command, ctx: RequestContext | None = None) -> Subject | None:
    """What the command is about, for error messages (a bare `diagnose`: the thread's)."""
    about = command.subject()
    if about is None and command.subcommand == "diagnose" and ctx and ctx.thread_attempt_id:
        about = ("attempt", ctx.thread_attempt_id)
    return Subject(*about) if about is not None else None


class Answerer:
    """Reads ``/td`` text and answers commands against one TD account."""

    def __init__(
        self,
        td: TDClient,
        console: str,
        subcommands: Sequence[Declared],
        *,
        subscriptions: SubscriptionService | None = None,
        actions: ActionService | None = None,
        reports: ReportService | None = None,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        grammar = Grammar(subcommands)
        self.services = Services(
            td=td,
            console=console.rstrip("/"),
            grammar=grammar,
            now=now,
            subscriptions=subscriptions,
            actions=actions,
            reports=reports,
        )
        self._handlers: dict[str, Handler] = {s.name: s.handler for s in grammar.subcommands}

    def read(self, text: str) -> Command | CommandError:
        """Parse ``text``; free text that links a TD job, session or attempt asks for it."""
        parsed = self.services.grammar.parse(text, self.services.console)
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
        return f"Working on {mrkdwn.code('/td ' + command.text(), 300)} …"

    async def _resolve(self, request: ByName) -> Command | Message:
        """The command with the workflow's newest failed attempt in place of its name."""
        usage = self.services.grammar.usage(request.verb)
        found = await newest_failed(self.services.td, request, usage)
        if isinstance(found, Message):
            return found
        command = self.read(request.with_id(found)) if isinstance(found, str) else found
        return problems.bad_command(command) if isinstance(command, CommandError) else command

    async def answer(self, request: Command | CommandError, ctx: RequestContext) -> Message:
        if isinstance(request, CommandError):
            return problems.bad_command(request)
        try:
            if isinstance(request, ByName):
                resolved = await self._resolve(request)
                if isinstance(resolved, Message):
                    return resolved
                request = resolved
        except TDError as error:
            log.info("TD error resolving %s: %s", request.text(), error)
            return problems.td_error(error, subject(request, ctx))
        handler = self._handlers.get(request.subcommand)
        if handler is None:
            return problems.not_available(request.subcommand)
        try:
            return await handler(request, ctx, self.services)
        except Unavailable:
            return problems.not_available(request.subcommand)
        except TDError as error:
            log.info("TD error answering %s: %s", request.text(), error)
            return problems.td_error(error, subject(request, ctx))
        except Exception:
            reference = secrets.token_hex(4)
            log.exception("internal error %s answering %s", reference, request.text())
            return problems.internal(reference)

"""What the listeners share: built once in ``create_app`` and passed to each ``register``."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.actions import ActionService, RateLimiter
from bot.alerts.on_it import OnItService
from bot.answers import Answerer, RequestContext
from bot.board import BoardReader
from bot.commands import Command, CommandError, command_text
from bot.message import Message
from bot.notify import SlackNotifier
from bot.ops.metrics import Metrics
from bot.present.problems import rate_limited
from bot.slack.dedupe import EventLog, RecentKeys
from bot.slack.tasks import BackgroundTasks
from bot.store import PendingCommands

log = logging.getLogger("bot.slack")

# (channel, thread_ts) -> the attempt id of the alert that started the thread.
ThreadLookup = Callable[[str, str], Awaitable[str | None]]


@dataclass
class SlackDeps:
    answerer: Answerer
    notifier: SlackNotifier
    tasks: BackgroundTasks
    thread_attempts: ThreadLookup | None = None
    metrics: Metrics | None = None
    # Retry and kill buttons act through it; without it they answer "not available".
    actions: ActionService | None = None
    limiter: RateLimiter | None = None
    seen_events: EventLog = field(default_factory=RecentKeys)
    # I'm on it, Release and Take it over act through it; without it they say "not available".
    on_it: OnItService | None = None
    # Commands acked but not answered yet, in the store: another replica answers them
    # if this one dies in between. Without it they live only in this process.
    pending: PendingCommands | None = None
    # The App Home board; without it opening the Home tab shows nothing new.
    home: BoardReader | None = None

    async def allowed(self, user_id: str, request: Command) -> str | None:
        """None, or the message for a user over their rate of expensive commands."""
        if self.limiter is None:
            return None
        decision = await self.limiter.check(user_id, request)
        return None if decision.allowed else decision.message

    async def answer(self, request: Command | CommandError, ctx: RequestContext) -> Message:
        too_fast = (
            None if isinstance(request, CommandError) else await self.allowed(ctx.user_id, request)
        )
        if too_fast is not None:
            reply = rate_limited(too_fast)
        else:
            reply = await self.answerer.answer(request, ctx)
        name = "invalid" if isinstance(request, CommandError) else command_text(request).split()[0]
        self.count(name, reply.outcome.value)
        log.info(
            "answered %s for %s in %s: %s", name, ctx.user_id, ctx.channel_id, reply.outcome.value
        )
        return reply

    def count(self, command: str, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.commands.labels(command, outcome).inc()

    async def thread_attempt(self, channel: str, thread_ts: str | None) -> str | None:
        if thread_ts is None or self.thread_attempts is None:
            return None
        try:
            return await self.thread_attempts(channel, thread_ts)
        except Exception:
            # Without it "@tdbot diagnose" asks for an id, which is still an answer.
            log.exception("looking up the alert of thread %s in %s failed", thread_ts, channel)
            return None

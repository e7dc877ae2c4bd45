"""The demo's moving parts, wired as the Slack app wires them, minus Slack.

The sandbox TD account serves real HTTP on loopback; ``TDClient``, the store,
the answers layer, ``bot.render`` and the alert poller are the production
ones. Lines typed at the console take the path of a slash command (``/td ...``
or bare words) or of an @-mention (``@tdbot ...``, answered in the thread of
the latest alert, so ``@tdbot why`` means that alert's attempt).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bot.actions import ActionService, action_key_for_command
from bot.alerts import Poller, PollerConfig, SubscriptionService
from bot.alerts.pacing import ChannelPacer
from bot.alerts.schedules import ScheduleWatcher, WatchConfig
from bot.alerts.silent import SilentAlerts
from bot.answers import SUBCOMMANDS, Answerer, RequestContext
from bot.board import BoardReader
from bot.buttons import command_of
from bot.commands import Backfill, ByName, Kill, KillJob, Retry, RunBackfill
from bot.console.chat import ConsoleChat, ConsoleNotifier
from bot.console.screen import Screen
from bot.message import Message
from bot.present.actions import audit_reply, outcome_reply
from bot.present.home import home_message
from bot.render import render_console
from bot.reports import ReportService
from bot.sandbox import Sandbox
from bot.store import Store
from bot.td import TDClient

CHANNEL = "C0TDBOTDEMO"
CHANNEL_NAME = "#tdbot-demo"
USER = "U0DEMOUSER"
BOT_NAME = "tdbot"
# Slack writes a mention of the bot as <@U...>; typed in the console it is the name.
_MENTION = re.compile(r"^\s*@tdbot\b[\s:,]*", re.IGNORECASE)


def as_mention(line: str) -> str | None:
    """The command after a leading ``@tdbot``, or None when the line is not a mention."""
    match = _MENTION.match(line)
    return line[match.end() :] if match else None


Confirmable = Retry | Kill | KillJob | RunBackfill


class DemoMembership:
    """The person at the console is in the demo's one channel."""

    async def channels_of(self, user_id: str) -> frozenset[str]:
        return frozenset({CHANNEL})


@dataclass
class DemoRuntime:
    sandbox: Sandbox
    td: TDClient
    store: Store
    answerer: Answerer
    actions: ActionService
    poller: Poller
    schedules: ScheduleWatcher  # late, not started, schedule disabled: a round per poll
    chat: ConsoleChat
    files: Path
    poll_seconds: float
    board: BoardReader
    # Raise on a failed poll (the tour) rather than log it and back off (interactive).
    strict: bool = False
    _next_poll: datetime | None = field(default=None, init=False)
    # The retry/kill whose confirmation was shown last: `confirm` stands in for its button.
    _pending: tuple[Confirmable, str | None] | None = field(default=None, init=False)
    _time: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)

    @property
    def screen(self) -> Screen:
        return self.chat.screen

    def now(self) -> datetime:
        return self.sandbox.clock.now()

    async def ask(self, line: str, *, shown_lines: int | None = None) -> Message:
        """Answer a typed line and show the answer where Slack would."""
        mention = as_mention(line)
        thread = self.chat.latest_parent(CHANNEL) if mention is not None else None
        thread_attempt = None
        if thread is not None:
            ref = await self.store.thread_by_ts(CHANNEL, thread.ts)
            thread_attempt = ref.attempt_id if ref is not None else None
        request = self.answerer.read(line if mention is None else mention)
        ctx = RequestContext(
            user_id=USER,
            channel_id=CHANNEL,
            thread_ts=thread.ts if thread is not None else None,
            thread_attempt_id=thread_attempt,
        )
        reply = await self.answerer.answer(request, ctx)
        if isinstance(request, Retry | Kill | KillJob | ByName | Backfill):
            # What the confirmation's button carries (a name resolved, a dry run's plan).
            acting = (command_of(b.action_id, b.value) for b in reply.buttons)
            confirmed = next((c for c in acting if isinstance(c, Confirmable)), None)
            if confirmed is not None:
                self._pending = (confirmed, ctx.thread_ts)
        self._show(reply, ctx.thread_ts, shown_lines=shown_lines)
        return reply

    async def confirm(self) -> Message | None:
        """Press the last confirmation's button: the action runs as the Slack click would."""
        if self._pending is None:
            return None
        command, thread_ts = self._pending
        self._pending = None
        key = action_key_for_command(user_id=USER, command=command, now=self.now())
        outcome = await self.actions.perform(
            command, USER, channel_id=CHANNEL, thread_ts=thread_ts, action_key=key
        )
        self._show(outcome_reply(outcome), thread_ts)
        if outcome.announce:
            self._show(audit_reply(outcome), thread_ts)
        return outcome_reply(outcome)

    async def home(self) -> Message:
        """The Home tab Slack would show the person at the console: their board."""
        board = home_message(await self.board.read(USER))
        self.screen.print(
            ["", self.screen.style.dim("Home tab"), *render_console(board, self.screen.style)]
        )
        return board

    def _show(
        self, reply: Message, thread_ts: str | None, *, shown_lines: int | None = None
    ) -> None:
        self.chat.post(CHANNEL, reply, thread_ts, shown_lines=shown_lines)

    async def advance(self, seconds: float) -> None:
        """Move the sandbox's clock on, running the alert poll each time one is due."""
        async with self._time:
            if self._next_poll is None:
                # The bot's first poll learns where history ends before time moves.
                await self._poll()
            end = self.now() + timedelta(seconds=seconds)
            while True:
                assert self._next_poll is not None
                step = (min(end, self._next_poll) - self.now()).total_seconds()
                if step > 0:
                    self.sandbox.advance(step)
                if self.now() < self._next_poll:
                    return
                await self._poll()
                if self.now() >= end:
                    return

    async def _poll(self) -> None:
        if self.strict:
            await self.poller.poll_once()
            await self.schedules.round()
        else:
            await self.poller.tick()
            await self.schedules()
        self._next_poll = self.now() + timedelta(seconds=self.poll_seconds)


@asynccontextmanager
async def open_demo(
    screen: Screen, files: Path, *, poll_seconds: float, strict: bool, seed: int = 7
) -> AsyncIterator[DemoRuntime]:
    """Start the sandbox and everything the bot runs on it; stop them all on exit."""
    async with AsyncExitStack() as stack:
        sandbox = stack.enter_context(Sandbox(seed=seed))
        td = await stack.enter_async_context(TDClient(sandbox.api_key, sandbox.endpoints()))
        store = await stack.enter_async_context(
            await Store.open(f"sqlite+aiosqlite:///{files / 'demo.db'}", clock=sandbox.clock.now)
        )
        subscriptions = SubscriptionService(td, store, clock=sandbox.clock.now)
        # The person at the console is the demo account's admin.
        actions = ActionService(td, store, frozenset({USER}), clock=sandbox.clock.now)
        answerer = Answerer(
            td,
            sandbox.url,
            SUBCOMMANDS,
            subscriptions=subscriptions,
            actions=actions,
            reports=ReportService(td, store, timezone="UTC", clock=sandbox.clock.now),
            now=sandbox.clock.now,
        )
        chat = ConsoleChat(
            screen, bot_name=BOT_NAME, channel_names={CHANNEL: CHANNEL_NAME}, files=files
        )
        notifier = ConsoleNotifier(chat)
        # A terminal has no rate limit; Slack's pacing would only slow the fast-forward.
        pacer = ChannelPacer(rate=1000, burst=1000)
        silent = SilentAlerts(
            store=store,
            notifier=notifier,
            pacer=pacer,
            console=sandbox.url,
            clock=sandbox.clock.now,
        )
        schedules = ScheduleWatcher(
            td,
            store,
            silent,
            config=WatchConfig(schedule_seconds=poll_seconds, poll_seconds=poll_seconds),
            clock=sandbox.clock.now,
        )
        poller = Poller(
            td,
            store,
            notifier,
            console=sandbox.url,
            config=PollerConfig(poll_seconds=poll_seconds),
            clock=sandbox.clock.now,
            pacer=pacer,
            silent=silent,
            observe=schedules.observe,
        )

        async def td_reachable() -> bool:
            return await td.server_status() == "ok"

        board = BoardReader(
            store,
            DemoMembership(),
            td_reachable=td_reachable,
            poll_failing=lambda: poller.failing,
            clock=sandbox.clock.now,
        )
        yield DemoRuntime(
            sandbox,
            td,
            store,
            answerer,
            actions,
            poller,
            schedules,
            chat,
            files,
            poll_seconds,
            board,
            strict=strict,
        )

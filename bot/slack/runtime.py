"""Assemble the Slack side of the bot from Settings; what ``bot.service`` runs.

    bot = build_bot(settings)
    await serve_http(bot.asgi, host, port)        # HTTP mode; shutdown closes the bot
    await run_socket_mode(bot, settings.slack_app_token, host=host, port=port)   # Socket Mode

``bot.asgi`` also serves /healthz, /readyz and /metrics in Socket Mode (without the Slack
endpoint, which would be unauthenticated there), which ``run_socket_mode``
serves next to the connection when given a port.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from starlette.applications import Starlette

from bot.actions import ActionService, RateLimiter
from bot.alerts import SubscriptionService
from bot.alerts.on_it import OnItService
from bot.answers import SUBCOMMANDS, Answerer
from bot.notify import SlackNotifier, slack_client
from bot.ops.metrics import Metrics
from bot.reports import ReportService
from bot.settings import Settings
from bot.slack.app import create_app
from bot.slack.command_lane import CommandLane
from bot.slack.commands import COMMAND, answer_orphans, take
from bot.slack.dedupe import EventLog
from bot.slack.deps import SlackDeps, ThreadLookup
from bot.slack.home import HomeSource, home_reader
from bot.slack.http import Health, HealthCheck, create_asgi_app, serve_http
from bot.slack.tasks import BackgroundTasks
from bot.store import PendingCommands
from bot.td import TDClient
from bot.td.errors import TDError

log = logging.getLogger("bot.slack")

SHUTDOWN_GRACE = 10.0  # seconds for answers in flight to finish
TD_HEALTH_TTL = 15.0  # probes come every few seconds; TD is asked at most this often


@dataclass
class TDHealth:
    """TD reachability for /healthz, cached so probes do not hammer TD."""

    td: TDClient
    ttl: float = TD_HEALTH_TTL
    _last: tuple[float, Health] | None = field(default=None, init=False)

    async def __call__(self) -> Health:
        now = time.monotonic()
        if self._last is not None and now - self._last[0] < self.ttl:
            return self._last[1]
        try:
            status = await self.td.server_status()
            result = Health(status == "ok", {"status": status})
        except TDError as error:
            result = Health(False, {"error": str(error)})
        self._last = (now, result)
        return result


class Pingable(Protocol):
    async def ping(self) -> None: ...


@dataclass(frozen=True)
class StoreHealth:
    """The store for /readyz: a bot that cannot read its state should get no traffic."""

    store: Pingable

    async def __call__(self) -> Health:
        await self.store.ping()  # a failure or a hang becomes ok=false in _run_check
        return Health(True)


@dataclass
class Bot:
    settings: Settings
    td: TDClient
    answerer: Answerer
    app: AsyncApp
    asgi: Starlette
    tasks: BackgroundTasks
    metrics: Metrics
    notifier: SlackNotifier
    deps: SlackDeps
    # What shutdown runs instead of ``aclose`` when the bot is part of more (bot.service).
    on_shutdown: Callable[[], Awaitable[None]] | None = None
    _closed: bool = field(default=False, init=False)

    async def answer_orphans(self) -> None:
        """Answer the slash commands a replica acked and died before answering."""
        try:
            await answer_orphans(self.deps)
        except Exception:  # the store or TD is down: the next run tries again
            log.exception("answering the commands of a stopped replica failed")

    async def shutdown(self) -> None:
        """What a stopping server calls: ``on_shutdown`` if given, else ``aclose``."""
        await (self.on_shutdown or self.aclose)()

    async def aclose(self) -> None:
        """Let answers in flight finish (bounded), then close Slack's and TD's connections."""
        if self._closed:
            return
        self._closed = True
        await self.tasks.drain(SHUTDOWN_GRACE)
        await self.notifier.aclose()
        await self.td.aclose()


def build_bot(
    settings: Settings,
    *,
    td: TDClient | None = None,
    metrics: Metrics | None = None,
    health_checks: Sequence[HealthCheck] = (),
    readiness_checks: Sequence[HealthCheck] = (),
    thread_attempts: ThreadLookup | None = None,
    subscriptions: SubscriptionService | None = None,
    action_service: ActionService | None = None,
    limiter: RateLimiter | None = None,
    seen_events: EventLog | None = None,
    on_it: OnItService | None = None,
    pending: PendingCommands | None = None,
    reports: ReportService | None = None,
    home: HomeSource | None = None,
    on_shutdown: Callable[[], Awaitable[None]] | None = None,
) -> Bot:
    """Everything but the serving loop.

    ``td`` is injectable for tests. ``subscriptions`` answers the subscription
    commands and ``action_service`` the admin ones (without them those answer
    "not available"). ``thread_attempts`` maps an alert thread to its attempt,
    for "@tdbot why". ``action_service`` acts on Retry and Kill buttons,
    ``limiter`` holds each user to a rate of expensive commands,
    ``seen_events`` answers each Slack event once (per process without it),
    ``on_it`` answers I'm on it, Release and Take it over, ``reports`` answers
    `/td report`,
    ``home`` is what the App Home board reads (without it the Home tab is left as is),
    ``readiness_checks`` decide /readyz (``health_checks`` only inform
    /healthz, as TD's does), and ``on_shutdown`` replaces ``Bot.aclose``
    when the server stops.
    """
    metrics = metrics or Metrics()
    td = td or TDClient(settings.td_api_key, settings.td, on_response=metrics.observe_td)
    answerer = Answerer(
        td,
        settings.td.console,
        SUBCOMMANDS,
        subscriptions=subscriptions,
        actions=action_service,
        reports=reports,
    )
    tasks = BackgroundTasks()
    notifier = SlackNotifier(
        slack_client(settings.slack_bot_token, settings.slack_api_url, retry_rate_limits=True),
        metrics=metrics,
    )
    td_health = TDHealth(td)

    async def td_reachable() -> bool:
        return (await td_health()).ok

    board = None if home is None else home_reader(home, notifier, td_reachable)
    app, deps = create_app(
        settings,
        answerer,
        notifier=notifier,
        tasks=tasks,
        thread_attempts=thread_attempts,
        metrics=metrics,
        action_service=action_service,
        limiter=limiter,
        seen_events=seen_events,
        on_it=on_it,
        pending=pending,
        board=board,
    )
    bot: Bot

    async def shutdown() -> None:
        await bot.shutdown()

    asgi = create_asgi_app(
        None if settings.socket_mode else app,
        metrics=metrics,
        health_checks=[("td", td_health), *health_checks],
        readiness_checks=readiness_checks,
        # In Socket Mode the connection outlives the ops server's shutdown:
        # run_socket_mode shuts the bot down after closing it.
        on_shutdown=None if settings.socket_mode else shutdown,
        acking=tasks.acking,
        command_lane=None
        if settings.socket_mode
        else CommandLane(settings.slack_signing_secret, COMMAND, functools.partial(take, deps)),
    )
    bot = Bot(settings, td, answerer, app, asgi, tasks, metrics, notifier, deps, on_shutdown)
    return bot


async def run_socket_mode(
    bot: Bot,
    app_token: str,
    *,
    host: str = "0.0.0.0",  # noqa: S104
    port: int | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Hold a Socket Mode connection, then shut the bot down.

    With a ``port``, /healthz and /metrics are served on ``host:port`` meanwhile,
    until SIGINT/SIGTERM; without one, until ``stop`` is set or the task is
    cancelled.
    """
    handler = AsyncSocketModeHandler(bot.app, app_token)
    try:
        await handler.connect_async()  # type: ignore[no-untyped-call]
        log.info("connected to Slack in Socket Mode")
        if port is not None:
            await serve_http(bot.asgi, host, port, stop=stop)
        else:
            await (stop or asyncio.Event()).wait()
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
        await bot.shutdown()

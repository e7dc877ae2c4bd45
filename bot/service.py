"""``tdbot serve``: the whole bot built from Settings, run until SIGINT/SIGTERM, stopped in order.

    TDClient ──┬── Answerer: SUBCOMMANDS (lookups, subscriptions, retry/kill confirmations)
               ├── ActionService (TDBOT_ADMINS): the Retry and Kill buttons
               └── Poller ── AlertScheduler (TDBOT_POLL_SECONDS) ── SlackNotifier
    Store (TDBOT_DATABASE_URL): subscriptions, mutes, alert threads, the action audit
    Slack: HTTP mode (/slack/events, /healthz, /readyz, /metrics on one port), or
    Socket Mode with /healthz, /readyz and /metrics still served on the port, so a
    container's HEALTHCHECK works in both.

This module is the composition root: every resource is started here and its
shutdown registered as it starts (``Service.resources``). Shutdown (a signal, or
the server stopping): Slack input stops first, then the poll loop, then answers
in flight are drained, then the store and TD close; a start-up that fails half
way closes what had already started.
"""

from __future__ import annotations

import asyncio
import logging
import math
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.actions import ActionService, RateLimiter
from bot.alerts import AlertScheduler, Poller, PollerConfig, SubscriptionService
from bot.alerts.diagnoser import Diagnoser
from bot.alerts.escalation import Escalator
from bot.alerts.on_it import OnItService
from bot.alerts.pacing import ChannelPacer
from bot.alerts.scheduled_reports import CRON, SWEEP_EVERY, ScheduledReports
from bot.alerts.schedules import ScheduleWatcher, WatchConfig
from bot.alerts.silent import SilentAlerts, SilentConfig
from bot.notify import PagerDutyNotifier, SlackNotifier, slack_client
from bot.ops.gc import PauseWatch, settle_after_start
from bot.ops.logs import configure_logging
from bot.ops.metrics import Metrics
from bot.ops.retention import PRUNE_EVERY, Retention
from bot.reports import ReportService
from bot.settings import Settings
from bot.slack import Bot, Health, build_bot, run_socket_mode, serve_http
from bot.slack.home import HomeSource
from bot.slack.runtime import SHUTDOWN_GRACE, StoreHealth
from bot.store import Clock, Store, wall_clock
from bot.td import TDClient
from bot.watch import WATCH_EVERY, Watcher

log = logging.getLogger("bot.service")

POLL_GRACE = 60.0  # seconds past three poll intervals before /healthz calls the loop stuck
ORPHAN_SWEEP = 10.0  # seconds between looks for commands a stopped replica acked
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass
class AlertHealth:
    """/healthz for the alert loop: healthy while the last successful poll is recent.

    The time of the last success comes from the store, where whichever replica
    polled recorded it, so a replica that is not the poll leader is healthy
    too. A bot that has just started gets the same allowance before its first
    poll, even on a database whose last poll is old.
    """

    store: Store
    poller: Poller
    interval: float
    grace: float = POLL_GRACE
    clock: Callable[[], datetime] = wall_clock
    started: datetime = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.clock()

    @property
    def max_age(self) -> float:
        return 3 * self.interval + self.grace

    async def __call__(self) -> Health:
        last = await self.store.last_poll_success()
        now = self.clock()
        age = math.inf if last is None else max(0.0, (now - last).total_seconds())
        up = (now - self.started).total_seconds()
        return Health(
            min(age, up) <= self.max_age,
            {
                "last_poll_age_seconds": None if last is None else round(age, 1),
                "max_age_seconds": round(self.max_age, 1),
                "last_poll_failed": self.poller.failing,
            },
        )


@dataclass
class Service:
    """The running bot's parts. ``resources`` owns every one that needs stopping, in the
    reverse of the order they started; ``aclose`` stops them (once)."""

    settings: Settings
    metrics: Metrics
    td: TDClient
    store: Store
    subscriptions: SubscriptionService
    actions: ActionService
    poller: Poller
    scheduler: AlertScheduler
    resources: AsyncExitStack
    bot: Bot = field(init=False)
    watcher: Watcher = field(init=False)
    reports: ScheduledReports = field(init=False)
    silent: SilentAlerts = field(init=False)  # silent-failure alerts (bot.alerts.findings)
    schedules: ScheduleWatcher = field(init=False)  # late, not started, schedule disabled
    _closing: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)
    _closed: bool = field(default=False, init=False)

    def start(self) -> None:
        """Start the alert loop (polls now, then every TDBOT_POLL_SECONDS)."""
        self.scheduler.start()

    async def aclose(self) -> None:
        async with self._closing:
            if self._closed:
                return
            self._closed = True
            await self.resources.aclose()
            log.info("tdbot stopped")


@asynccontextmanager
async def open_service(
    settings: Settings,
    *,
    metrics: Metrics | None = None,
    td: TDClient | None = None,
    poller_config: PollerConfig | None = None,
    poll_grace: float = POLL_GRACE,
    report_clock: Clock = wall_clock,
) -> AsyncIterator[Service]:
    """Build every part (the alert loop not started yet); close them all on exit.

    ``td``, ``poller_config``, ``poll_grace`` and ``report_clock`` (the time
    reports end at) are for tests; by default everything follows ``settings``.
    """
    metrics = metrics or Metrics()
    resources = AsyncExitStack()
    try:
        service = await _assemble(
            settings, metrics, resources, td, poller_config, poll_grace, report_clock
        )
    except BaseException:
        await resources.aclose()  # whatever had started before the failure
        raise
    try:
        yield service
    finally:
        await service.aclose()


async def _assemble(
    settings: Settings,
    metrics: Metrics,
    resources: AsyncExitStack,
    td: TDClient | None,
    poller_config: PollerConfig | None,
    poll_grace: float,
    report_clock: Clock,
) -> Service:
    """Start each part, registering its shutdown as it starts.

    The stack unwinds in reverse: the poll loop stops, answers in flight drain,
    then the store and TD close.
    """
    td = td or TDClient(settings.td_api_key, settings.td, on_response=metrics.observe_td)
    resources.push_async_callback(td.aclose)
    store = await Store.open(settings.database_url)
    resources.push_async_callback(store.close)
    subscriptions = SubscriptionService(
        td, store, pagerduty=settings.pagerduty_routing_key is not None
    )
    actions = ActionService(td, store, settings.admins)
    pagerduty = None
    if settings.pagerduty_routing_key is not None:
        pagerduty = PagerDutyNotifier(settings.pagerduty_routing_key, settings.pagerduty_url)
        resources.push_async_callback(pagerduty.aclose)
    escalator = Escalator(store, console=settings.td.console, clock=wall_clock, pagerduty=pagerduty)
    # Without slack_sdk's rate-limit retries: a 429 must reach delivery at
    # once, so it pauses only that channel rather than sleeping through it.
    notifier = SlackNotifier(
        slack_client(settings.slack_bot_token, settings.slack_api_url, retry_rate_limits=False),
        metrics=metrics,
    )
    config = poller_config or PollerConfig(poll_seconds=settings.poll_seconds)
    pacer = ChannelPacer()  # one pace per channel for failure and silent alerts alike
    silent = SilentAlerts(
        store=store,
        notifier=notifier,
        pacer=pacer,
        console=settings.td.console,
        clock=wall_clock,
        config=SilentConfig(digest_over=config.digest_over, delivery=config.delivery),
        metrics=metrics,
        on_resolved=escalator.recovered,
    )
    schedules = ScheduleWatcher(
        td,
        store,
        silent,
        config=WatchConfig(
            schedule_seconds=settings.schedule_seconds,
            poll_seconds=settings.poll_seconds,
            start_grace=settings.start_grace,
        ),
        clock=wall_clock,
    )
    poller = Poller(
        td,
        store,
        notifier,
        console=settings.td.console,
        config=config,
        metrics=metrics,
        pacer=pacer,
        ops_channel=settings.ops_channel,
        escalator=escalator,
        silent=silent,
        observe=schedules.observe,
    )
    scheduler = AlertScheduler(poller, interval=settings.poll_seconds)
    on_it = OnItService(
        td,
        store,
        Diagnoser(td, console=settings.td.console),
        console=settings.td.console,
        clock=wall_clock,
        on_taken=escalator.taken,
    )
    reports = ReportService(td, store, timezone=settings.timezone, clock=report_clock)
    service = Service(
        settings, metrics, td, store, subscriptions, actions, poller, scheduler, resources
    )
    service.silent = silent
    service.schedules = schedules
    # Late, not started, schedule disabled: one replica at a time (its own leader lock).
    service.scheduler.every(settings.schedule_seconds, schedules, job_id="tdbot-schedules")
    service.scheduler.every(
        PRUNE_EVERY, Retention(store, settings.retention_days), job_id="tdbot-retention"
    )

    async def thread_attempt(channel: str, thread_ts: str) -> str | None:
        thread = await store.thread_by_ts(channel, thread_ts)
        return thread.attempt_id if thread is not None else None

    alert_health = AlertHealth(store, poller, settings.poll_seconds, grace=poll_grace)
    service.bot = build_bot(
        settings,
        td=td,
        metrics=metrics,
        health_checks=[("alerts", alert_health)],
        thread_attempts=thread_attempt,
        subscriptions=subscriptions,
        readiness_checks=[("store", StoreHealth(store.upkeep))],
        action_service=actions,
        limiter=RateLimiter(
            store.rate_limits, per_minute=settings.rate_per_minute, burst=settings.rate_burst
        ),
        seen_events=store.seen_events,
        on_it=on_it,
        pending=store.pending_commands,
        home=HomeSource(
            store, poll_failing=lambda: poller.failing, poll_max_age=alert_health.max_age
        ),
        reports=reports,
        on_shutdown=service.aclose,
    )
    # Retries and backfills started from Slack: their end is posted in their thread.
    service.watcher = Watcher(td, store, service.bot.notifier, console=settings.td.console)
    service.scheduler.every(WATCH_EVERY, service.watcher, job_id="tdbot-watches")
    service.scheduler.every(
        ORPHAN_SWEEP, service.bot.answer_orphans, job_id="tdbot-orphan-commands"
    )
    # `report daily|weekly`: cron jobs in TDBOT_TIMEZONE; each post made once across replicas.
    service.reports = ScheduledReports(reports, store, service.bot.notifier, clock=report_clock)
    for cadence, fields in CRON.items():
        service.scheduler.cron(
            partial(service.reports.run, cadence),
            fields,
            job_id=f"tdbot-report-{cadence}",
            timezone=settings.timezone,
        )
    service.scheduler.every(SWEEP_EVERY, service.reports.sweep, job_id="tdbot-report-sweep")
    resources.push_async_callback(service.bot.notifier.aclose)
    resources.push_async_callback(service.bot.tasks.drain, SHUTDOWN_GRACE)
    resources.push_async_callback(scheduler.stop)
    return service


def secrets_of(settings: Settings) -> list[str]:
    """Every secret in the settings, for the log formatter to mask."""
    found = [
        settings.td_api_key,
        settings.td_api_key.rpartition("/")[2],  # the key without its account prefix
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token or "",
        settings.pagerduty_routing_key or "",
    ]
    with suppress(ArgumentError):  # a malformed URL fails Store.open, with its own message
        found.append(make_url(settings.database_url).password or "")
    return [secret for secret in found if secret]


async def serve(settings: Settings, *, host: str, port: int, log_level: str) -> None:
    """Run the bot until SIGINT or SIGTERM, then shut it down in order."""
    configure_logging(log_level.upper(), secrets=secrets_of(settings))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    # uvicorn takes these signals while it serves and raises them again when
    # it has stopped; this handler is what they then reach, so a second
    # shutdown path (or asyncio's KeyboardInterrupt) never cuts the first short.
    for sig in _STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    try:
        async with open_service(settings) as service:
            settle_after_start()
            PauseWatch(on_pause=service.metrics.gc_pause.observe).start()
            service.start()
            mode = "Socket Mode" if settings.socket_mode else "HTTP mode"
            log.info(
                "tdbot serving in %s on %s:%d; polling TD every %gs; %d admin(s)",
                mode,
                host,
                port,
                settings.poll_seconds,
                len(settings.admins),
            )
            if settings.socket_mode:
                assert settings.slack_app_token is not None  # what socket_mode means
                await run_socket_mode(
                    service.bot, settings.slack_app_token, host=host, port=port, stop=stop
                )
            else:
                await serve_http(service.bot.asgi, host, port, stop=stop)
    finally:
        for sig in _STOP_SIGNALS:
            loop.remove_signal_handler(sig)

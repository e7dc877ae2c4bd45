"""``tdbot serve``: the whole bot built from Settings, run until SIGINT/SIGTERM, stopped in order.

    TDClient ──┬── Answerer: HANDLERS + subscriptions + retry/kill confirmations
               ├── ActionService (TDBOT_ADMINS): the Retry and Kill buttons
               └── Poller ── AlertScheduler (TDBOT_POLL_SECONDS) ── SlackChatPoster
    Store (TDBOT_DATABASE_URL): subscriptions, mutes, alert threads, the action audit
    Slack: HTTP mode (/slack/events, /healthz, /readyz, /metrics on one port), or
    Socket Mode with /healthz, /readyz and /metrics still served on the port, so a
    container's HEALTHCHECK works in both.

Shutdown (a signal, or the server stopping): Slack input stops first, then the
poll loop, then answers in flight are drained, then the store and TD close.
"""

from __future__ import annotations

import asyncio
import logging
import math
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.actions import ActionService, RateLimiter
from bot.alerts import AlertScheduler, Poller, PollerConfig, SlackChatPoster, SubscriptionService
from bot.answers import HANDLERS
from bot.answers.admin import ActionAnswers
from bot.answers.subscriptions import SubscriptionAnswers
from bot.ops.logs import configure_logging
from bot.ops.metrics import Metrics
from bot.ops.retention import PRUNE_EVERY, Retention
from bot.settings import Settings
from bot.slack import Bot, Health, build_bot, run_socket_mode, serve_http
from bot.slack.runtime import SHUTDOWN_GRACE, StoreHealth
from bot.store import Store, wall_clock
from bot.td import TDClient

log = logging.getLogger("bot.service")

POLL_GRACE = 60.0  # seconds past three poll intervals before /healthz calls the loop stuck
SLACK_TIMEOUT = 15  # seconds, for each alert post
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
    """The running bot's parts; ``aclose`` stops them in order (and only once)."""

    settings: Settings
    metrics: Metrics
    td: TDClient
    store: Store
    subscriptions: SubscriptionService
    actions: ActionService
    poller: Poller
    scheduler: AlertScheduler
    bot: Bot = field(init=False)
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
            await self.scheduler.stop()
            await self.bot.tasks.drain(SHUTDOWN_GRACE)
            await self.store.close()
            await self.td.aclose()
            log.info("tdbot stopped")


def alert_client(settings: Settings) -> AsyncWebClient:
    """The alert poster's own client, without slack_sdk's rate-limit retry handler.

    The poller paces each channel itself: a 429 must reach it at once (as
    ChatRateLimited) rather than be slept through inside the client, holding up
    the other channels' alerts (see SlackChatPoster).
    """
    return AsyncWebClient(
        token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=SLACK_TIMEOUT
    )


@asynccontextmanager
async def open_service(
    settings: Settings,
    *,
    metrics: Metrics | None = None,
    td: TDClient | None = None,
    poller_config: PollerConfig | None = None,
    poll_grace: float = POLL_GRACE,
) -> AsyncIterator[Service]:
    """Build every part (the alert loop not started yet); close them all on exit.

    ``td``, ``poller_config`` and ``poll_grace`` are for tests;
    by default everything follows ``settings``.
    """
    metrics = metrics or Metrics()
    td = td or TDClient(settings.td_api_key, settings.td, on_response=metrics.observe_td)
    try:
        store = await Store.open(settings.database_url)
    except BaseException:
        await td.aclose()
        raise
    subscriptions = SubscriptionService(td, store)
    actions = ActionService(td, store, settings.admins)
    poller = Poller(
        td,
        store,
        SlackChatPoster(alert_client(settings), timeout=SLACK_TIMEOUT),
        console=settings.td.console,
        config=poller_config or PollerConfig(poll_seconds=settings.poll_seconds),
        metrics=metrics,
    )
    service = Service(
        settings,
        metrics,
        td,
        store,
        subscriptions,
        actions,
        poller,
        AlertScheduler(poller, interval=settings.poll_seconds),
    )
    service.scheduler.every(
        PRUNE_EVERY, Retention(store, settings.retention_days), job_id="tdbot-retention"
    )

    async def thread_attempt(channel: str, thread_ts: str) -> str | None:
        thread = await store.thread_by_ts(channel, thread_ts)
        return thread.attempt_id if thread is not None else None

    service.bot = build_bot(
        settings,
        td=td,
        metrics=metrics,
        health_checks=[
            ("alerts", AlertHealth(store, poller, settings.poll_seconds, grace=poll_grace))
        ],
        thread_attempts=thread_attempt,
        handlers={
            **HANDLERS,
            **SubscriptionAnswers(subscriptions).handlers(),
            **ActionAnswers(actions).handlers(),
        },
        readiness_checks=[("store", StoreHealth(store.upkeep()))],
        action_service=actions,
        limiter=RateLimiter(
            store.rate_limits(), per_minute=settings.rate_per_minute, burst=settings.rate_burst
        ),
        seen_events=store.seen_events(),
        on_shutdown=service.aclose,
    )
    try:
        yield service
    finally:
        await service.aclose()


def secrets_of(settings: Settings) -> list[str]:
    """Every secret in the settings, for the log formatter to mask."""
    found = [
        settings.td_api_key,
        settings.td_api_key.rpartition("/")[2],  # the key without its account prefix
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token or "",
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

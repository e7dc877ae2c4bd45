"""The Bolt AsyncApp: Slack requests in, listeners registered, nothing else.

Listeners ack within milliseconds and do TD work in background tasks
(``BackgroundTasks``), which shutdown drains. HTTP requests are signature-checked
(401 on a bad signature or a timestamp more than 5 minutes off): ``/td`` by
``CommandLane`` before Bolt sees it, the rest by Bolt; Socket Mode frames need no
signature.
"""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped

from bot.actions import ActionService, RateLimiter
from bot.alerts.on_it import OnItService
from bot.answers import Answerer
from bot.board import BoardReader
from bot.notify import SlackNotifier, slack_client
from bot.ops.metrics import Metrics
from bot.settings import Settings
from bot.slack import actions, commands, events, home, retry_modal
from bot.slack.dedupe import EventLog, RecentKeys
from bot.slack.deps import SlackDeps, ThreadLookup
from bot.slack.tasks import BackgroundTasks
from bot.store import PendingCommands


class _TokenFromEnvironment(logging.Filter):
    """Bolt reads ``SLACK_BOT_TOKEN`` itself and warns, at every start, that the client we
    give it (built from that same token) wins; nothing is wrong, so the warning is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


_BOLT_LOG = logging.getLogger("bot.slack.bolt")
_BOLT_LOG.addFilter(_TokenFromEnvironment())


def create_app(
    settings: Settings,
    answerer: Answerer,
    *,
    notifier: SlackNotifier | None = None,
    tasks: BackgroundTasks | None = None,
    thread_attempts: ThreadLookup | None = None,
    metrics: Metrics | None = None,
    action_service: ActionService | None = None,
    limiter: RateLimiter | None = None,
    seen_events: EventLog | None = None,
    on_it: OnItService | None = None,
    pending: PendingCommands | None = None,
    board: BoardReader | None = None,
) -> tuple[AsyncApp, SlackDeps]:
    if notifier is None:
        client = slack_client(
            settings.slack_bot_token, settings.slack_api_url, retry_rate_limits=True
        )
        notifier = SlackNotifier(client, metrics=metrics)
    app = AsyncApp(
        client=notifier.client,
        signing_secret=settings.slack_signing_secret,
        request_verification_enabled=not settings.socket_mode,
        # Listeners only ack and hand work to BackgroundTasks, so running them
        # inline is as quick as Bolt's default, without its 10 ms ack polling.
        process_before_response=True,
        logger=_BOLT_LOG,
    )
    deps = SlackDeps(
        answerer=answerer,
        notifier=notifier,
        tasks=tasks if tasks is not None else BackgroundTasks(),
        thread_attempts=thread_attempts,
        metrics=metrics,
        actions=action_service,
        limiter=limiter,
        seen_events=seen_events or RecentKeys(),
        on_it=on_it,
        pending=pending,
        home=board,
    )
    for listeners in (commands, events, actions, retry_modal, home):
        listeners.register(app, deps)
    return app, deps

"""Failure alerts: poll TD, decide, and post each alert exactly once.

``Poller`` does one poll (``poll_once``) or a scheduled one with backoff
(``tick``); ``AlertScheduler`` runs it every interval; ``SubscriptionService``
handles the subscribe/mute commands; ``SlackChatPoster`` posts through
slack_sdk (no Bolt here), and any ``ChatPoster`` can stand in for it.
"""

from bot.alerts.chat import ChatError, ChatPoster, ChatRateLimited, SlackChatPoster
from bot.alerts.delivery import DeliveryConfig
from bot.alerts.message import AlertMessage
from bot.alerts.poller import Poller, PollerConfig, PollReport
from bot.alerts.scheduler import AlertScheduler
from bot.alerts.subscriptions import (
    InvalidDuration,
    Muted,
    Subscribed,
    SubscriptionList,
    SubscriptionOutcome,
    SubscriptionService,
    UnknownScope,
    Unmuted,
    Unsubscribed,
)

__all__ = [
    "AlertMessage",
    "AlertScheduler",
    "ChatError",
    "ChatPoster",
    "ChatRateLimited",
    "DeliveryConfig",
    "InvalidDuration",
    "Muted",
    "PollReport",
    "Poller",
    "PollerConfig",
    "SlackChatPoster",
    "Subscribed",
    "SubscriptionList",
    "SubscriptionOutcome",
    "SubscriptionService",
    "UnknownScope",
    "Unmuted",
    "Unsubscribed",
]

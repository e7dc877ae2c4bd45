"""Failure alerts: poll TD, decide, and post each alert exactly once.

``Poller`` does one poll (``poll_once``) or a scheduled one with backoff
(``tick``); ``AlertScheduler`` runs it every interval; ``SubscriptionService``
handles the subscribe/mute commands. Messages are built by ``bot.present``
and sent through a ``bot.notify.Notifier`` (any surface).
"""

from bot.alerts.poller import Poller, PollerConfig, PollReport
from bot.alerts.scheduler import AlertScheduler
from bot.alerts.sender import DeliveryConfig
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
    "AlertScheduler",
    "DeliveryConfig",
    "InvalidDuration",
    "Muted",
    "PollReport",
    "Poller",
    "PollerConfig",
    "Subscribed",
    "SubscriptionList",
    "SubscriptionOutcome",
    "SubscriptionService",
    "UnknownScope",
    "Unmuted",
    "Unsubscribed",
]

"""One notifier per surface behind one port (port.py): post, update, find by mark.

``SlackNotifier`` (slack.py) is the Slack surface, ``PagerDutyNotifier``
(pagerduty.py) escalations to PagerDuty; the demo console's lives in
``bot.console.chat``. Alert delivery depends on the port only.
"""

from bot.notify.pagerduty import PagerDutyNotifier
from bot.notify.port import Capabilities, Marks, Notifier, NotifyError, NotifyRateLimited
from bot.notify.slack import SlackNotifier, slack_client

__all__ = [
    "Capabilities",
    "Marks",
    "Notifier",
    "NotifyError",
    "NotifyRateLimited",
    "PagerDutyNotifier",
    "SlackNotifier",
    "slack_client",
]

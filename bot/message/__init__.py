"""The neutral outbound message: what every answer, alert and report is built as.

``Message`` and its parts (value.py) and the helpers that put TD text into its
mrkdwn (``bot.message.mrkdwn``). Nothing here knows a surface.
"""

from bot.message.value import (
    Button,
    Confirm,
    Evidence,
    Field,
    File,
    Link,
    Message,
    Outcome,
)

__all__ = ["Button", "Confirm", "Evidence", "Field", "File", "Link", "Message", "Outcome"]

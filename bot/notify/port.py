"""The notifier port: how a message reaches a surface, and how that can fail.

Delivery (``bot.alerts.delivery``) and the Slack listeners send through one
notifier per surface (Slack, the demo console, later PagerDuty), each with the
same three calls. Capability flags say what a surface can do, so delivery keeps
its claim -> post -> record order and exactly-once guarantee where the surface
allows it and says plainly where it cannot:

- ``threads``: a message can be a reply in another message's thread;
- ``updates``: a sent message can be edited in place (a recovered alert);
- ``findable``: a sent message can be found again by its mark, so a post whose
  outcome is unknown (the sender died, the call timed out) is looked for
  before it is sent again. Without it such a post may be repeated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.message import Message

Marks = Sequence[str]
"""What a sent message carries so that ``find_marked`` can find it again."""


@dataclass(frozen=True)
class Capabilities:
    threads: bool
    updates: bool
    findable: bool


class NotifyError(Exception):
    """A send failed. ``error`` is the surface's error code (or a transport kind).

    ``permanent``: the same request cannot succeed later (a missing channel, a
    revoked token). ``content_rejected``: the surface refused the content; the
    notifier already tried its plain-text form.
    """

    def __init__(
        self,
        message: str,
        *,
        error: str,
        permanent: bool = False,
        content_rejected: bool = False,
    ) -> None:
        super().__init__(message)
        self.error = error
        self.permanent = permanent
        self.content_rejected = content_rejected


class NotifyRateLimited(NotifyError):
    """The surface said wait ``retry_after`` seconds before the next call to that place."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message, error="ratelimited")
        self.retry_after = retry_after


class Notifier(Protocol):
    """Sends messages to one surface; every call raises ``NotifyError`` on failure."""

    @property
    def surface(self) -> str:
        """A short name for logs and metrics: ``slack``, ``console``, ``pagerduty``."""
        ...

    @property
    def capabilities(self) -> Capabilities: ...

    async def post(
        self, destination: str, message: Message, *, thread: str | None = None, marks: Marks = ()
    ) -> str:
        """Send; return the reference of what was sent (Slack: its ``ts``).

        ``marks`` travel with the message so ``find_marked`` can find it.
        """
        ...

    async def update(self, destination: str, ref: str, message: Message) -> None: ...

    async def find_marked(
        self, destination: str, mark: str, *, thread: str | None, oldest: datetime
    ) -> str | None:
        """The reference of a message sent since ``oldest`` that carries ``mark``, if any."""
        ...

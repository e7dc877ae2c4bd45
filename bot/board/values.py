"""The board as plain values: open alerts per section, the person's scopes, the bot's health."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.store import OpenAlert, Subscription


class Section(StrEnum):
    """A heading of the board, in the order it shows them."""

    FAILING = "failing"
    RUNNING_LONG = "running_long"
    LATE = "late"
    NOT_STARTED = "not_started"
    SCHEDULE_DISABLED = "schedule_disabled"


STATUS_SECTIONS: Mapping[str, Section] = {
    # Values of ThreadRef.status (bot.alerts.plan.ThreadStatus and the kinds of issue 12):
    # an open thread shows under its section until its status moves on (recovered, ...).
    "failing": Section.FAILING,
    "digest": Section.FAILING,  # listed in a digest parent, and still failing
    "running_long": Section.RUNNING_LONG,
    "late": Section.LATE,
    "not_started": Section.NOT_STARTED,
    "schedule_disabled": Section.SCHEDULE_DISABLED,
}
"""Which open thread statuses the board shows, and where: a status not listed is closed."""


@dataclass(frozen=True)
class Listing:
    """The open alerts of one section, oldest first: the first few, and how many in all."""

    alerts: tuple[OpenAlert, ...]
    total: int


@dataclass(frozen=True)
class BoardHealth:
    last_poll: datetime | None  # the last successful poll by any replica
    poll_failing: bool  # this replica's last poll failed
    td_reachable: bool | None  # None: unknown (the check did not answer)
    poll_stale: bool = False  # the last success is older than /healthz allows


@dataclass(frozen=True)
class Board:
    user_id: str
    now: datetime
    listings: Mapping[Section, Listing]  # every section, empty ones too
    scopes: tuple[Subscription, ...]  # of the subscribed channels the person is in
    health: BoardHealth
    workspace_url: str | None  # https://<workspace>.slack.com/, for links to threads

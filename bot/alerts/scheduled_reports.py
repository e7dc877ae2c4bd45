"""Scheduled reports: each channel's report posted once per slot, across replicas.

Every replica runs the cron jobs (``report daily``: every day at 09:00,
``report weekly``: Mondays at 09:00, in ``TDBOT_TIMEZONE``). A run plans the
slot's posts in the store (the first insert wins) and then posts those it can
claim: a post is claimed, sent with a mark, and recorded, so with several
replicas exactly one posts it. ``sweep`` (every minute) takes over posts whose
holder died (after the lease; it looks for the post by its mark first where
the surface can), and plans a slot that every replica missed (all were down at
09:00) for up to ``CATCH_UP`` after it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, time, timedelta
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from bot.message import File
from bot.notify import Notifier, NotifyError
from bot.present.report import present_report
from bot.reports import SCHEDULED_DAYS, ReportService
from bot.store import Store
from bot.store.report_schedules import CADENCES, PostClaim
from bot.td.errors import TDError

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)  # a report over thousands of workflows takes a while
CATCH_UP = timedelta(hours=6)
SWEEP_EVERY = 60.0
AT = time(9, 0)
CRON: dict[str, dict[str, int | str]] = {
    "daily": {"hour": AT.hour, "minute": AT.minute},
    "weekly": {"day_of_week": "mon", "hour": AT.hour, "minute": AT.minute},
}


@runtime_checkable
class Uploads(Protocol):
    """A surface where files go up apart from the message (Slack); others keep them with it."""

    async def upload(self, channel: str, files: Sequence[File], *, thread: str | None) -> None: ...


def slot_of(cadence: str, now: datetime, timezone: str) -> tuple[str, datetime]:
    """The latest slot of ``cadence`` at or before ``now``: its name and its time."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    day = local.date()
    if cadence == "weekly":
        day -= timedelta(days=day.weekday())
    at = datetime.combine(day, AT, zone)
    if at > local:
        at = datetime.combine(day - timedelta(days=7 if cadence == "weekly" else 1), AT, zone)
    return f"{cadence}:{at.date().isoformat()}", at


def mark_of(slot: str) -> str:
    return f"report:{slot}"


class ScheduledReports:
    def __init__(
        self,
        reports: ReportService,
        store: Store,
        notifier: Notifier,
        *,
        clock: Callable[[], datetime],
        lease: timedelta = LEASE,
        catch_up: timedelta = CATCH_UP,
    ) -> None:
        self._reports = reports
        self._schedules = store.report_schedules
        self._notifier = notifier
        self._clock = clock
        self._lease = lease
        self._catch_up = catch_up

    async def run(self, cadence: str) -> int:
        """The cron job: plan this slot for the channels scheduled so far, then post."""
        now = self._clock()
        slot, _ = slot_of(cadence, now, self._reports.timezone)
        await self._schedules.plan(cadence, slot, scheduled_by=now, now=now)
        return await self.post_due()

    async def sweep(self) -> None:
        """Plan a recent slot no replica ran (for channels scheduled before it), then post
        what is due: unclaimed, or claimed by a holder whose lease ran out."""
        try:
            now = self._clock()
            for cadence in CADENCES:
                slot, at = slot_of(cadence, now, self._reports.timezone)
                if now - at <= self._catch_up:
                    await self._schedules.plan(cadence, slot, scheduled_by=at, now=now)
            await self.post_due()
        except Exception:  # the store is down: the next sweep tries again
            log.exception("scheduled reports: the sweep failed")

    async def post_due(self) -> int:
        """Post every planned, unposted report this replica can claim; how many it posted."""
        posted = 0
        due = await self._schedules.unposted(since=self._clock() - self._catch_up)
        for channel, slot in due:
            claim = await self._schedules.claim(channel, slot, lease=self._lease, now=self._clock())
            if claim is not None and await self._post(claim):
                posted += 1
        return posted

    async def _post(self, claim: PostClaim) -> bool:
        mark = mark_of(claim.slot)
        cadence = claim.slot.split(":", 1)[0]
        try:
            if claim.maybe_posted and self._notifier.capabilities.findable:
                _, at = slot_of(cadence, self._clock(), self._reports.timezone)
                found = await self._notifier.find_marked(
                    claim.channel_id, mark, thread=None, oldest=at
                )
                if found is not None:
                    await self._schedules.posted(claim, found, now=self._clock())
                    return False
            scopes = await self._reports.channel_scopes(claim.channel_id)
            if not scopes:
                log.info("scheduled report for %s: no subscriptions, nothing to post", claim)
                await self._schedules.posted(claim, None, now=self._clock())
                return False
            report = await self._reports.report(scopes, SCHEDULED_DAYS[cadence])
            message = await present_report(report)
            ts = await self._notifier.post(claim.channel_id, message, marks=(mark,))
            await self._schedules.posted(claim, ts, now=self._clock())
        except NotifyError as error:
            log.warning("scheduled report %s not posted: %s", claim, error.error)
            if error.permanent:  # a channel gone or closed to the bot: never retried
                await self._schedules.posted(claim, None, now=self._clock())
            return False
        except TDError as error:  # retried by the sweep once the lease runs out
            log.warning("scheduled report %s: TD failed: %s", claim, error)
            return False
        if message.files and isinstance(self._notifier, Uploads):
            try:
                await self._notifier.upload(claim.channel_id, message.files, thread=ts)
            except NotifyError as error:
                log.warning("scheduled report %s: files not uploaded: %s", claim, error.error)
        return True

"""Read one person's board from the store: three queries, no TD request.

TD's reachability is whatever the health check last learnt (``/healthz``'s
``TDHealth`` asks TD at most every 15 s and caches the answer), and the
workspace URL is the chat surface's, looked up once per process.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

from bot.board.membership import Membership
from bot.board.values import STATUS_SECTIONS, Board, BoardHealth, Listing, Section
from bot.store import Clock, OpenAlert, Store, wall_clock

log = logging.getLogger(__name__)

PER_STATUS = 40
"""Open alerts read per status: more than any section shows; the rest are only counted."""
HEALTH_WAIT = 2.0  # seconds: a board is not held up by a slow health check


class BoardReader:
    """``read(user_id)``: the open alerts and scopes of the channels the person is in.

    The rule for who sees what: a person sees the alerts and subscriptions of the
    channels ``membership`` says they are in (``users.conversations`` on Slack:
    public channels they joined, private ones they share with the bot), so a
    private channel's alerts never reach a non-member's board.
    """

    def __init__(
        self,
        store: Store,
        membership: Membership,
        *,
        td_reachable: Callable[[], Awaitable[bool]] | None = None,
        poll_failing: Callable[[], bool] = lambda: False,
        workspace_url: Callable[[], Awaitable[str | None]] | None = None,
        poll_max_age: float | None = None,
        clock: Clock = wall_clock,
        per_status: int = PER_STATUS,
    ) -> None:
        """``poll_max_age``: seconds after which the last successful poll is called stale
        (``bot.service.AlertHealth.max_age``, what /healthz allows)."""
        self._store = store
        self._membership = membership
        self._td_reachable = td_reachable
        self._poll_failing = poll_failing
        self._workspace_url = workspace_url
        self._poll_max_age = poll_max_age
        self._clock = clock
        self._per_status = per_status

    async def read(self, user_id: str) -> Board:
        channels = await self._membership.channels_of(user_id)
        found = await self._store.open_alerts(
            channels, STATUS_SECTIONS, per_status=self._per_status
        )
        scopes = await self._store.subscriptions_in(channels)
        now = self._clock()
        last_poll = await self._store.last_poll_success()
        stale = (
            self._poll_max_age is not None
            and last_poll is not None
            and (now - last_poll).total_seconds() > self._poll_max_age
        )
        health = BoardHealth(
            last_poll=last_poll,
            poll_failing=self._poll_failing(),
            td_reachable=await self._reachable(),
            poll_stale=stale,
        )
        listings = {section: _listing(section, found.alerts, found.totals) for section in Section}
        return Board(
            user_id=user_id,
            now=now,
            listings=listings,
            scopes=tuple(scopes),
            health=health,
            workspace_url=await self._workspace(),
        )

    async def _reachable(self) -> bool | None:
        if self._td_reachable is None:
            return None
        try:
            async with asyncio.timeout(HEALTH_WAIT):
                return await self._td_reachable()
        except Exception:
            log.warning("TD's health was not known for the board", exc_info=True)
            return None

    async def _workspace(self) -> str | None:
        if self._workspace_url is None:
            return None
        try:
            return await self._workspace_url()
        except Exception:  # the board links to threads less well, and is still a board
            log.warning("the workspace URL was not known for the board", exc_info=True)
            return None


def _listing(section: Section, alerts: tuple[OpenAlert, ...], totals: Mapping[str, int]) -> Listing:
    statuses = [status for status, s in STATUS_SECTIONS.items() if s is section]
    mine = sorted(
        (a for a in alerts if a.status in statuses),
        key=lambda a: (a.since, a.project, a.workflow, a.channel_id, a.session_id),
    )
    return Listing(tuple(mine), sum(totals.get(status, 0) for status in statuses))

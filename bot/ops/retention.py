"""The periodic prune of old delivery and audit rows (``TDBOT_RETENTION_DAYS``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from bot.store import Store

log = logging.getLogger(__name__)

PRUNE_EVERY = 6 * 3600.0
"""Seconds between prunes: a few a day keeps each one small (the first is a minute after start)."""


@dataclass(frozen=True)
class Retention:
    store: Store
    days: int

    async def __call__(self) -> None:
        """Prune once, on one replica at a time; a failure waits for the next run."""
        try:
            async with self.store.leader_lock("retention") as leader:
                if not leader:
                    return
                pruned = await self.store.upkeep.prune(timedelta(days=self.days))
        except Exception:
            log.warning("pruning old rows failed; the next run tries again", exc_info=True)
            return
        log.info(
            "pruned rows older than %d days: %d deliveries, %d actions, %d event ids, %d limits, "
            "%d watches, %d report attempts, %d report posts",
            self.days,
            pruned.deliveries,
            pruned.actions,
            pruned.events,
            pruned.rate_limits,
            pruned.watches,
            pruned.report_attempts,
            pruned.report_posts,
        )

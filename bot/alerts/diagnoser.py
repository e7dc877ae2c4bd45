"""Diagnoses for alert messages: concurrent within a bound, remembered for a while.

An alert is worth more posted without a diagnosis than not posted, so a
diagnosis that fails gives None (the message then offers the Diagnose button)
rather than an error; it is not remembered, so a later message tries again.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterable

from bot.aio import bounded_map
from bot.diagnosis import Diagnosis, diagnose_attempt
from bot.td import TDClient
from bot.td.errors import TDError

log = logging.getLogger(__name__)


class Diagnoser:
    def __init__(
        self,
        td: TDClient,
        *,
        console: str | None,
        concurrency: int = 8,
        cache_size: int = 512,
    ) -> None:
        self._td = td
        self._console = console
        self._concurrency = concurrency
        self._cache: OrderedDict[str, Diagnosis] = OrderedDict()
        self._cache_size = cache_size

    async def one(self, attempt_id: str) -> Diagnosis | None:
        if (found := self._cache.get(attempt_id)) is not None:
            self._cache.move_to_end(attempt_id)
            return found
        try:
            diagnosis = await diagnose_attempt(self._td, attempt_id, console_base=self._console)
        except TDError as exc:
            log.warning("diagnosis of attempt %s failed: %s", attempt_id, exc)
            return None
        self._cache[attempt_id] = diagnosis
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return diagnosis

    async def many(self, attempt_ids: Iterable[str]) -> dict[str, Diagnosis | None]:
        ids = list(dict.fromkeys(attempt_ids))
        found = await bounded_map(self.one, ids, self._concurrency)
        return dict(zip(ids, found, strict=True))

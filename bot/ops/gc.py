"""Garbage collection for a long-running server: start-up objects frozen, pauses watched.

Python's cyclic collector walks every tracked object of the generation it
collects; the oldest generation holds everything built at start-up (modules,
Bolt, slack_sdk, SQLAlchemy, pydantic schemas), so each full collection paused
the event loop for tens of milliseconds, and an ack arriving then waited that
long. Freezing what exists once start-up is done (``gc.freeze``) takes those
objects out of every later collection; the young generation's threshold is
raised so that a burst of requests (which allocate a lot and free most of it
by reference counting) does not set off a collection every few hundred
allocations.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

YOUNG_THRESHOLD = 10_000  # allocations between young collections (CPython's default: 700)


def settle_after_start() -> None:
    """Call once start-up is done and before serving: freeze what exists, tune thresholds."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)


@dataclass
class PauseWatch:
    """Every collection's pause, from ``gc.callbacks``: kept in ``pauses`` and passed on."""

    on_pause: Callable[[float], None] | None = None  # seconds, e.g. a histogram's observe
    pauses: list[float] = field(default_factory=list)  # seconds, in order
    keep: int = 10_000  # the newest pauses kept in ``pauses``
    _began: float = 0.0

    def start(self) -> None:
        gc.callbacks.append(self._callback)

    def stop(self) -> None:
        gc.callbacks.remove(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
        else:
            pause = time.perf_counter() - self._began
            self.pauses.append(pause)
            del self.pauses[: -self.keep]
            if self.on_pause is not None:
                self.on_pause(pause)

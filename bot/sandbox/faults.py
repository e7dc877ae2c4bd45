"""Injected trouble for TD requests (latency, failures, rate limits) and for TD's
scheduler (a lag, a stall), which the sandbox attaches as ``faults.schedules``."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol


class ScheduleFaults(Protocol):
    """TD's scheduler going wrong (``bot.sandbox.sandbox.SchedulerFaults``)."""

    def lag(self, seconds: float, workflow: str | None = None) -> None: ...
    def stall(self, workflow: str | None = None) -> None: ...
    def clear(self) -> None: ...


@dataclass(frozen=True)
class Fault:
    """What to answer instead of the real response."""

    status: int
    retry_after: float | None = None
    # The request is carried out first and only its answer is lost (a gateway
    # timing out after TD did the work), so a blind resend would do it twice.
    after: bool = False


@dataclass
class _Rule:
    remaining: int
    fault: Fault
    path_prefix: str | None


class Faults:
    """Shared by the test thread and the server thread, hence the lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latency = 0.0
        self._rules: list[_Rule] = []
        self.schedules: ScheduleFaults | None = None

    def lag_schedules(self, seconds: float, workflow: str | None = None) -> None:
        """TD's scheduler fires ``seconds`` late (for ``project/workflow``, or every one)."""
        self._scheduler().lag(seconds, workflow)

    def stall_schedules(self, workflow: str | None = None) -> None:
        """TD's scheduler fires nothing (for ``project/workflow``, or at all) until cleared."""
        self._scheduler().stall(workflow)

    def _scheduler(self) -> ScheduleFaults:
        if self.schedules is None:
            raise RuntimeError("no scheduler attached to these faults")
        return self.schedules

    @property
    def latency(self) -> float:
        """Seconds added to every TD request (an asyncio sleep: requests overlap)."""
        return self._latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("latency cannot be negative")
        self._latency = float(seconds)

    def fail(self, n: int, status: int = 500, path_prefix: str | None = None) -> None:
        """The next ``n`` requests under ``path_prefix`` (all when None) answer ``status``."""
        if n < 0 or not 400 <= status <= 599:
            raise ValueError("fail() needs n >= 0 and a 4xx/5xx status")
        with self._lock:
            self._rules.append(_Rule(n, Fault(status), path_prefix))

    def lose_answers(self, n: int, status: int = 504, path_prefix: str | None = None) -> None:
        """The next ``n`` requests under ``path_prefix`` are carried out, then answer
        ``status`` instead of their real response."""
        if n < 0 or not 500 <= status <= 599:
            raise ValueError("lose_answers() needs n >= 0 and a 5xx status")
        with self._lock:
            self._rules.append(_Rule(n, Fault(status, after=True), path_prefix))

    def rate_limit(self, n: int, retry_after: float = 1.0, path_prefix: str | None = None) -> None:
        """The next ``n`` requests answer 429 with ``Retry-After``."""
        if n < 0 or retry_after < 0:
            raise ValueError("rate_limit() needs n >= 0 and retry_after >= 0")
        with self._lock:
            self._rules.append(_Rule(n, Fault(429, retry_after), path_prefix))

    def clear(self) -> None:
        """Every fault, the scheduler's included (stalled schedules fire now)."""
        with self._lock:
            self._rules.clear()
            self._latency = 0.0
        if self.schedules is not None:
            self.schedules.clear()

    def take(self, path: str) -> Fault | None:
        """The fault this request gets (and uses one of its rule's turns), if any."""
        with self._lock:
            for rule in self._rules:
                if rule.remaining > 0 and (
                    rule.path_prefix is None or path.startswith(rule.path_prefix)
                ):
                    rule.remaining -= 1
                    return rule.fault
            self._rules = [r for r in self._rules if r.remaining > 0]
        return None

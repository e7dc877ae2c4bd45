"""Every TD request the sandbox answered, for assertions and benchmarks."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    query: str
    status: int
    time: float  # wall-clock epoch seconds when the request arrived
    duration: float  # seconds until the response was ready
    body: str = ""  # what the client sent (the start of it), for tests of writes

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    def add(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    @property
    def records(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def count(self, path_prefix: str | None = None, method: str | None = None) -> int:
        return sum(
            1
            for r in self.records
            if (path_prefix is None or r.path.startswith(path_prefix))
            and (method is None or r.method == method.upper())
        )

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

"""Structured JSON logs that never carry a secret.

Masking happens in a handler-level filter, after formatting inputs are merged,
so a secret passed as a log argument or inside an exception is caught too.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from bot.text import SECRETS_SEEN, mask_secrets

_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = tuple(s for s in secrets if s)

    def _clean(self, text: str) -> str:
        # The attempts' secret params too: TD text in a log line may echo one.
        return mask_secrets(text, extra_secret_values=(*self._secrets, *SECRETS_SEEN.values()))

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": self._clean(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = self._clean(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exception"] = self._clean(self.formatException(record.exc_info))
        return json.dumps(entry, default=lambda v: self._clean(str(v)), ensure_ascii=False)


def configure_logging(
    level: str = "INFO", *, secrets: Iterable[str] = (), json_logs: bool = True
) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if json_logs:
        handler.setFormatter(JsonFormatter(secrets))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO; URLs are fine but keep the noise down.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # APScheduler logs every poll run at INFO; /metrics counts polls instead.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)

from __future__ import annotations

import json
import logging
import sys

from bot.ops.logs import JsonFormatter

KEY = "1234/" + "ab" * 20


def _format(record: logging.LogRecord, secrets: tuple[str, ...] = ()) -> dict[str, object]:
    return json.loads(JsonFormatter(secrets).format(record))  # type: ignore[no-any-return]


def test_lines_are_json_with_extra_fields() -> None:
    record = logging.makeLogRecord(
        {"msg": "answered %s", "args": ("job",), "levelname": "INFO", "name": "bot", "user": "U1"}
    )
    entry = _format(record)
    assert entry["message"] == "answered job"
    assert entry["level"] == "info"
    assert entry["user"] == "U1"


def test_secrets_are_masked_in_messages_extras_and_exceptions() -> None:
    try:
        raise RuntimeError(f"TD said no to {KEY}")
    except RuntimeError:
        exc_info = sys.exc_info()
    record = logging.makeLogRecord(
        {
            "msg": "token %s and key %s",
            "args": ("xoxb-1111-2222-abcdef", KEY),
            "levelname": "ERROR",
            "name": "bot",
            "exc_info": exc_info,
            "url": "https://user:hunter2@example.com/x",
            "signing": "plain-signing-secret",
        }
    )
    line = JsonFormatter(("plain-signing-secret",)).format(record)
    for secret in (KEY, "xoxb-1111-2222-abcdef", "hunter2", "plain-signing-secret"):
        assert secret not in line
    assert "RuntimeError" in json.loads(line)["exception"]

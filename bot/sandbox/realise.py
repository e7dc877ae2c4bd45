"""FailureCase text made concrete: placeholders filled, log lines framed.

A case's ``log`` entries are ``"LEVEL|class|message"`` (a logged message) or
``"|raw text"`` (a continuation line), see ``corpus.py``. The sandbox stamps the
logged messages with a time and Digdag's thread name (failures.md 1.1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.sandbox.texts import LEVELS, frame


@dataclass(frozen=True)
class Placeholders:
    job_id: str
    attempt_id: str
    session_id: str
    task: str
    project: str
    workflow: str

    def fill(self, value: Any) -> Any:
        """Replace exactly the six placeholders in every string inside ``value``."""
        if isinstance(value, str):
            return (
                value.replace("{job_id}", self.job_id)
                .replace("{attempt_id}", self.attempt_id)
                .replace("{session_id}", self.session_id)
                .replace("{task}", self.task)
                .replace("{project}", self.project)
                .replace("{workflow}", self.workflow)
            )
        if isinstance(value, Mapping):
            return {k: self.fill(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.fill(v) for v in value]
        return value


@dataclass(frozen=True)
class LogEvent:
    level: str
    cls: str
    message: str  # continuation lines joined with "\n"


def parse_case_log(lines: Sequence[str]) -> list[LogEvent]:
    """Group a case's physical lines into logged events (continuations attach to the last)."""
    events: list[LogEvent] = []
    for line in lines:
        level, sep, rest = line.partition("|")
        if sep and level in LEVELS:
            cls, _, message = rest.partition("|")
            events.append(LogEvent(level, cls, message))
        elif events:
            text = rest if sep and not level else line
            last = events[-1]
            events[-1] = LogEvent(last.level, last.cls, last.message + "\n" + text)
        else:
            # Raw output before any logged message (py> prints first): keep it as
            # an unframed event so its text still reaches the log.
            events.append(LogEvent("", "", rest if sep and not level else line))
    return events


def split_at_failure(events: list[LogEvent]) -> tuple[list[LogEvent], list[LogEvent]]:
    """(what the first execution logged, the failure part): Digdag writes them as two files."""
    for i, event in enumerate(events):
        if event.level in ("ERROR", "WARN") and i > 0:
            return events[:i], events[i:]
    return events, []


def split_executions(events: list[LogEvent]) -> list[list[LogEvent]]:
    """The events per execution: a ``Task failed, retrying`` entry ends one (Digdag
    then runs the task again, and the new run logs to a new file)."""
    parts: list[list[LogEvent]] = [[]]
    for event in events:
        parts[-1].append(event)
        if event.level == "ERROR" and event.message.startswith("Task failed, retrying"):
            parts.append([])
    return [part for part in parts if part]


def render(events: Sequence[LogEvent], thread: str, start: datetime, step: timedelta) -> list[str]:
    """Framed lines, the n-th event stamped ``start + n * step``."""
    out: list[str] = []
    for n, event in enumerate(events):
        at = start + step * n
        if event.level:
            out.extend(frame(at, event.level, event.cls, event.message, thread))
        else:
            out.extend(event.message.split("\n"))
    return out

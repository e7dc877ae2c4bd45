"""Task-log files of healthy and canceled tasks (Digdag's line shapes, failures.md 1.1)."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.sandbox.model import LogFile, Task
from bot.sandbox.realise import LogEvent
from bot.sandbox.texts import (
    HTTP_OPERATOR,
    OPERATOR_MANAGER,
    TD_LOAD_OPERATOR,
    TD_OPERATOR,
    TD_RUN_OPERATOR,
    thread_name,
)
from bot.sandbox.timefmt import instant

_STEP = timedelta(milliseconds=870)


def command_text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def operator_event(task: Task) -> LogEvent | None:
    operator = task.operator
    if operator is None:
        return None
    return LogEvent("INFO", OPERATOR_MANAGER, f"{operator}: {command_text(task.config[operator])}")


def start_events(task: Task) -> list[LogEvent]:
    """What a healthy task logs when it starts (the job line once the job exists)."""
    first = operator_event(task)
    if first is None:
        return []
    events = [first]
    operator, job = task.operator, task.job
    if operator == "td>" and job is not None:
        query = job.query if isinstance(job.query, str) else ""
        events.append(
            LogEvent("INFO", TD_OPERATOR, f"Started {job.type} job id={job.id}:\n{query}")
        )
    elif operator == "td_run>" and job is not None:
        when = instant(task.attempt.session.time)
        name = command_text(task.config["td_run>"])
        events.append(
            LogEvent(
                "INFO",
                TD_RUN_OPERATOR,
                f"Started a saved query name={name} with time={when}, job id={job.id}",
            )
        )
    elif operator == "td_load>" and job is not None:
        events.append(LogEvent("INFO", TD_LOAD_OPERATOR, f"Started bulk load job id={job.id}"))
    elif operator == "py>":
        events.append(LogEvent("", "", "Wait running a command task: status provisioning"))
        events.append(LogEvent("", "", "Wait running a command task: status running"))
    elif operator == "http>":
        method = str(task.config.get("method", "GET")).upper()
        url = command_text(task.config["http>"])
        events.append(LogEvent("INFO", HTTP_OPERATOR, f"Sending HTTP request: {method} {url}"))
    elif operator == "echo>":
        events.append(LogEvent("", "", command_text(task.config["echo>"])))
    return events


def finish_events(task: Task, rng: random.Random) -> list[LogEvent]:
    """What a healthy task logs when it ends well."""
    operator = task.operator
    if operator == "py>":
        rows = rng.randrange(100, 900_000)
        return [
            LogEvent("", "", f"processed {rows} rows"),
            LogEvent("", "", "Wait running a command task: status finished"),
        ]
    if operator == "http>":
        method = str(task.config.get("method", "GET")).upper()
        url = command_text(task.config["http>"])
        return [
            LogEvent(
                "INFO",
                HTTP_OPERATOR,
                f"Received HTTP response: {method} {url}: "
                "HttpContentResponse[HTTP/1.1 200 OK - 2 bytes]",
            )
        ]
    return []


def canceled_events(task: Task) -> list[LogEvent]:
    return [LogEvent("WARN", OPERATOR_MANAGER, f"Task {task.full_name} is canceled.")]


def write(
    task: Task,
    events: Sequence[LogEvent],
    at: datetime,
    rng: random.Random,
    *,
    step: timedelta = _STEP,
) -> None:
    """A new log file of the task holding ``events``, the first stamped ``at``."""
    if not events:
        return
    attempt = task.attempt
    session = attempt.session
    thread = thread_name(
        rng.randrange(100, 999),
        session.project.site_id,
        session.project.name,
        session.id,
        attempt.id,
        task.full_name,
    )
    at = at.replace(microsecond=at.microsecond // 1000 * 1000 + rng.randrange(0, 999))
    task.logs.append(LogFile(task.full_name, at, attempt.agent_id, thread, tuple(events), step))

"""Line-level helpers over TD text: log framing, noise lines, bounded excerpts, job ids."""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.diagnosis.model import EVIDENCE_MAX_CHARS, EVIDENCE_MAX_LINES, Evidence, EvidenceSource

# `%d{yyyy-MM-dd HH:mm:ss.SSS Z} [%level] (%thread) %class: %m` (failures.md 1.1). The
# thread part has no spaces in either the old or the new (post-2022) format.
_LOG_PREFIX = re.compile(
    r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)? [+-]\d{4} \[[A-Z]+\] \(\S*\) [\w.$]+: ?"
)
_STARTED_JOB = re.compile(r"\bStarted\b.*\bjob\b.*\bid=(\d+)")
_STACK_FRAME = re.compile(
    r"^\s*(?:at [\w$.<>/]+\(.*\)|\.\.\. \d+ more|from\s+File \"|File \")"
    r"|^\s*[\w$.]+\([\w$]+\.(?:java|scala):\d+\)(?:, |$)"
)
_NOISE = re.compile(
    r"^\s*(?:(?:started|finished) at \S+|presto version: .*|trino version: .*|\(runtime\)"
    r"|\*\*.*|from\s*|Traceback \(most recent call last\):|-+)\s*$"
)
HEAD_LINES = 100
TAIL_LINES = 200


def strip_log_prefix(line: str) -> str:
    return _LOG_PREFIX.sub("", line, count=1)


def is_log_line(line: str) -> bool:
    return _LOG_PREFIX.match(line) is not None


def is_noise(line: str) -> bool:
    """Lines that are never the decisive one: framing, stack frames, blank."""
    return not line.strip() or bool(_NOISE.match(line)) or bool(_STACK_FRAME.match(line))


def bounded_lines(text: str, head: int = HEAD_LINES, tail: int = TAIL_LINES) -> list[str]:
    """Head and tail of a text, as lines: the middle of a 4 MB cmdout never decides."""
    lines = text.splitlines()
    if len(lines) <= head + tail:
        return lines
    return lines[:head] + lines[-tail:]


def sql_echo_lines(log: str) -> set[str]:
    """The SQL lines the log echoes after ``Started ... job id=N:``.

    The echo runs until the next framed log line. Knowing these lines lets the
    classifier skip a query whose text happens to contain an error phrase.
    """
    echoed: set[str] = set()
    inside = False
    for line in log.splitlines():
        if is_log_line(line):
            inside = bool(_STARTED_JOB.search(line)) and line.rstrip().endswith(":")
            continue
        if inside and line.strip():
            echoed.add(line.strip())
    return echoed


def job_id_from_log(log: str) -> str | None:
    """The last ``Started ... job id=N`` (or ``Last job id=N``) the task logged."""
    found: str | None = None
    for match in re.finditer(r"\b(?:Started\b[^\n]*?\bjob\b[^\n]*?|Last job )id=(\d+)", log):
        found = match.group(1)
    return found


def job_end_from_log(log: str, job_id: str) -> str | None:
    """The status (lower case) of ``> TD job <id> failed with status <STATUS> (td job)``:
    Digdag logs it exactly when the task's error is the job's ``cmdout + "\n" + stderr``
    (failures.md 1.2), so the job's debug output is already in hand."""
    found = re.search(
        rf"^> TD job {re.escape(job_id)} failed with status (\w+) \(td job\)", log, re.M
    )
    return found.group(1).lower() if found else None


def excerpt(source: EvidenceSource, text: str, around: str | None = None) -> Evidence | None:
    """A bounded excerpt of ``text``: a window holding ``around`` if present, else the tail."""
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        return None
    start = max(0, len(lines) - EVIDENCE_MAX_LINES)
    if around:
        hit = _last_index(lines, around)
        if hit is not None and hit < start:
            start = max(0, hit - 5)
    window = lines[start : start + EVIDENCE_MAX_LINES]
    body = "\n".join(window)
    cut = len(window) < len(lines)
    if len(body) > EVIDENCE_MAX_CHARS:
        body = _fit_chars(body, around)
        cut = True
    return Evidence(source=source, text=body, cut=cut)


def _last_index(lines: list[str], needle: str) -> int | None:
    for index in range(len(lines) - 1, -1, -1):
        if needle in lines[index]:
            return index
    return None


def _fit_chars(body: str, around: str | None) -> str:
    position = body.rfind(around) if around else -1
    if position < 0:
        return body[-EVIDENCE_MAX_CHARS:]
    start = max(0, min(position - 200, len(body) - EVIDENCE_MAX_CHARS))
    return body[start : start + EVIDENCE_MAX_CHARS]


def one_line(text: str, limit: int = 1000) -> str:
    """Collapse to one line and bound it (the renderer cuts further)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def first_meaningful(lines: Iterable[str]) -> str | None:
    for line in lines:
        if not is_noise(line):
            return line
    return None

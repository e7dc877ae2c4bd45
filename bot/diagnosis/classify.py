"""Classify one failure from its text: the mechanics of failures.md section 3.1.

The scope is the task's ``error`` (message and any extra keys), the TD job's
``debug.stderr``, the tail of its ``debug.cmdout`` and the ERROR entries of the
task log. Rules (``rules_*.py``, one module per engine or operator family) key on
error names and message bodies, never on the framing around them, and run in a
fixed order; the first rule that matches any line decides. The judgement
(``judgement.py``) then states category and retry in tdbot's own words. Lines
that are the echoed SQL itself are skipped, so a query that mentions an error
phrase cannot classify itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.diagnosis import advice
from bot.diagnosis.categories import Category, RetryAdvice
from bot.diagnosis.judgement import judge
from bot.diagnosis.lines import (
    bounded_lines,
    first_meaningful,
    is_log_line,
    is_noise,
    one_line,
    sql_echo_lines,
    strip_log_prefix,
)
from bot.diagnosis.model import SqlLineHint, Upstream
from bot.diagnosis.operators import (
    EXPORT_CONFIG_KEYS,
    EXPORT_JOB_TYPES,
    EXPORT_OPERATORS,
    TD_JOB_OPERATORS,
)
from bot.diagnosis.rule import Context, Rule
from bot.diagnosis.rules import RULES
from bot.diagnosis.rules_scripts import status_retry
from bot.diagnosis.rules_transfer import transfer_advice
from bot.diagnosis.sql_lines import line_hint, sent_sql

_C = Category
LONG_LINE = 400  # longer decisive lines are quoted around the matched text


@dataclass(frozen=True)
class FailureText:
    """Everything the classifier may read about one failed task (or job)."""

    operator: str | None
    config: Mapping[str, Any] = field(default_factory=dict)
    error_message: str = ""
    error_extra: str = ""  # other keys of the error object (e.g. bq>'s "errors")
    job_stderr: str | None = None
    job_cmdout: str | None = None
    job_query: str | None = None
    job_type: str | None = None
    job_status: str | None = None  # lower-case TD job status, if the job was fetched
    log: str | None = None
    job_id: str | None = None
    retry_count: int | None = None


@dataclass(frozen=True)
class Classification:
    category: Category
    retry: RetryAdvice
    root_error: str
    retry_note: str
    next_step: str
    sql_line_hint: SqlLineHint | None
    upstream: Upstream | None
    verdict: str  # the category in tdbot's words, one line
    retry_line: str  # the retry advice in tdbot's words, one line
    disagreement: str | None  # why tdbot differs from what TD's text suggests
    certain: bool  # False: tdbot cannot tell, and the verdict says what to check


# When no rule matched: what the operator says about the failure.
_OPERATOR_CATEGORY: dict[str, Category] = {
    "py>": _C.PYTHON_EXCEPTION,
    "sh>": _C.SHELL_EXIT,
    "rb>": _C.SHELL_EXIT,
    "http>": _C.HTTP_ERROR,
    "http_call>": _C.HTTP_ERROR,
    "td_load>": _C.IMPORT_FAILURE,
    "td_result_export>": _C.EXPORT_FAILURE,
    "td_table_export>": _C.EXPORT_FAILURE,
    "fail>": _C.DATA_ERROR,
}

# The decisive line of an operator's own failure report, best first.
_OPERATOR_ROOT = (
    re.compile(r"Error messages from python: "),
    re.compile(r"Error messages from CommandExecutor: "),
    re.compile(r"Failed to call python command\b"),
    re.compile(r"\b(?:Python|Ruby)? ?[Cc]ommand failed with code \d+"),
    re.compile(r"\bHTTP \dXX (?:Client|Server) Error: "),
    re.compile(r"Task failed with unexpected error: "),
)
_ERRORISH = re.compile(r"(?i)error|exception|failed|fatal|denied|refused|not found|invalid")
_TD_JOB_FAILED = re.compile(r"^\s*> TD job \d+ failed with status \w+")
_UPSTREAM_IDS = re.compile(r"Session id: (\d+), attempt id: (\d+)")


def classify(text: FailureText) -> Classification:
    ctx = Context(
        operator=text.operator,
        export=_is_export_context(text),
        load=text.operator == "td_load>" or (text.job_type or "").lower() == "bulkload",
    )
    sources = _scope(text)
    hit = _match_rules(sources, ctx)
    if hit is None and (text.job_status or "").lower() == "killed":
        hit = _Hit(_C.JOB_KILLED, _C.JOB_KILLED.default_retry, None, None)
    if hit is None:
        hit = _fallback(text, ctx, sources)
    earlier = _first_round_cause(text, ctx) if hit.retry is RetryAdvice.YES else None
    if earlier is not None:
        hit = earlier
    category, retry = hit.category, hit.retry
    retried = text.retry_count if text.operator not in TD_JOB_OPERATORS else None
    if retried and retry is RetryAdvice.YES:
        # The task's own _retry re-ran it (non-job operators re-run): the "passing"
        # cause outlasted those rounds, so another retry is no longer a safe bet.
        retry = RetryAdvice.DEPENDS
    root_line = _decisive(hit.line, hit.span) if hit.line else _no_text(text)
    hint = (
        line_hint(
            root_line,
            sent_sql(text.job_query, text.job_cmdout or text.error_message, text.log),
        )
        if category in (_C.SQL_SYNTAX, _C.MISSING_COLUMN, _C.MISSING_TABLE)
        else None
    )
    upstream = _upstream(sources) if category is _C.UPSTREAM_WAIT else None
    judged = judge(
        category,
        retry,
        hit.reason,
        operator=text.operator,
        job_id=text.job_id,
        engine=_engine(text),
        lines=(line for lines in sources for line in lines),
        retried=retried,
    )
    note = advice.retry_note(
        category, retry, operator=text.operator, job_id=text.job_id, retry_count=text.retry_count
    )
    if earlier is not None:
        note = (
            "The last execution failed on a passing condition, but the first one failed on "
            "this, which a retry meets again. " + note
        )
    return Classification(
        category=category,
        retry=retry,
        root_error=root_line,
        retry_note=note,
        next_step=advice.next_step(
            category, operator=text.operator, sql_line_hint=hint, upstream=upstream
        ),
        sql_line_hint=hint,
        upstream=upstream,
        verdict=judged.verdict,
        retry_line=judged.retry_line,
        disagreement=judged.disagreement,
        certain=judged.certain,
    )


def _engine(text: FailureText) -> str | None:
    job_type = (text.job_type or "").lower()
    if job_type in ("hive", "presto", "trino"):
        return job_type
    engine = text.config.get("engine")
    return engine.lower() if isinstance(engine, str) else None


def _is_export_context(text: FailureText) -> bool:
    return (
        text.operator in EXPORT_OPERATORS
        or any(key in text.config for key in EXPORT_CONFIG_KEYS)
        or (text.job_type or "").lower() in EXPORT_JOB_TYPES
    )


def _scope(text: FailureText) -> list[list[str]]:
    """The sources, most authoritative first, each as lines with the SQL echo removed."""
    echoed = sql_echo_lines(text.log or "")
    if text.job_query:
        echoed.update(line.strip() for line in text.job_query.splitlines() if line.strip())
    message = text.error_message
    if text.job_cmdout and message.startswith(text.job_cmdout):
        # td> messages are cmdout + "\n" + stderr; the cmdout part is a source of its own.
        message = message[len(text.job_cmdout) :]
    raw = [
        text.job_stderr or "",
        "\n".join(part for part in (message, text.error_extra) if part),
        text.job_cmdout or "",
        _error_entries(text.log or ""),
    ]
    return [
        [line for line in bounded_lines(source) if line.strip() and line.strip() not in echoed]
        for source in raw
    ]


def _first_round_cause(text: FailureText, ctx: Context) -> _Hit | None:
    """When the last execution failed on something passing, the first execution's
    failure (its ``Task failed, retrying`` entry, in an earlier log file) may be the
    real cause: a deterministic one there decides. TD-job operators re-poll the same
    job on _retry, so their rounds cannot differ."""
    if text.operator in TD_JOB_OPERATORS or not text.log:
        return None
    first = _first_retry_entry(text.log)
    if not first:
        return None
    sources: list[list[str]] = [[], first, [], []]
    found = _match_rules(sources, ctx) or _fallback(text, ctx, sources)
    return found if found.retry in (RetryAdvice.NO, RetryAdvice.AFTER_FIX) else None


def _first_retry_entry(log: str) -> list[str]:
    lines: list[str] = []
    for line in log.splitlines():
        if is_log_line(line):
            if lines:
                break
            if "[ERROR]" in line and "Task failed, retrying" in line:
                lines.append(strip_log_prefix(line))
        elif lines and line.strip():
            lines.append(line)
    return lines


def _error_entries(log: str) -> str:
    """The ERROR entries of a task log (a framed line plus its continuation lines).

    WARN entries are left out on purpose: TD-job operators log transient polling
    failures at WARN and then carry on, so they never decide a failure.
    """
    keep: list[str] = []
    inside = False
    for line in log.splitlines():
        if is_log_line(line):
            inside = "[ERROR]" in line
        if inside:
            keep.append(strip_log_prefix(line))
    return "\n".join(keep)


@dataclass(frozen=True)
class _Hit:
    category: Category
    retry: RetryAdvice
    line: str | None  # the decisive line, if any text was there
    reason: str | None  # what the matched text means (None for operator fallbacks)
    span: tuple[int, int] | None = None  # where in ``line`` the rule matched


def _match_rules(sources: list[list[str]], ctx: Context) -> _Hit | None:
    whole = "\n".join(line for lines in sources for line in lines)
    for rule in RULES:
        if rule.applies is not None and not rule.applies(ctx):
            continue
        if not rule.any_of.search(whole):
            continue
        for pattern in rule.patterns:
            for lines in sources:
                for line in lines:
                    match = pattern.search(line)
                    if match is not None:
                        retry = _rule_retry(rule, match, line)
                        return _Hit(rule.category, retry, line, rule.reason, match.span())
    return None


def _rule_retry(rule: Rule, match: re.Match[str], line: str) -> RetryAdvice:
    if rule.retry is None:
        return rule.category.default_retry
    if isinstance(rule.retry, RetryAdvice):
        return rule.retry
    return rule.retry(match, line)


def _fallback(text: FailureText, ctx: Context, sources: list[list[str]]) -> _Hit:
    category = _OPERATOR_CATEGORY.get(text.operator or "", _C.UNKNOWN)
    if ctx.export and category is _C.UNKNOWN:
        category = _C.EXPORT_FAILURE
    if ctx.load and category is _C.UNKNOWN:
        category = _C.IMPORT_FAILURE
    root = _operator_root(sources) or _generic_root(sources)
    if category in (_C.IMPORT_FAILURE, _C.EXPORT_FAILURE):
        scope_text = "\n".join(line for lines in sources for line in lines)
        return _Hit(category, transfer_advice(scope_text), root, None)
    if category is _C.HTTP_ERROR and root:
        status = re.search(r"\b([1-5]\d\d)\b", root)
        retry = status_retry(int(status.group(1))) if status else _C.HTTP_ERROR.default_retry
        return _Hit(category, retry, root, None)
    return _Hit(category, category.default_retry, root, None)


def _first_line(sources: list[list[str]]) -> str | None:
    return first_meaningful(line for lines in sources for line in lines)


def _operator_root(sources: list[list[str]]) -> str | None:
    for pattern in _OPERATOR_ROOT:
        for lines in sources:
            for line in lines:
                if pattern.search(line):
                    return line
    return None


def _generic_root(sources: list[list[str]]) -> str | None:
    """Without a known pattern: the first error-looking line of stderr, else the last
    meaningful line of the error message, cmdout or log."""
    stderr, message, cmdout, log = sources
    useful = [line for line in stderr if not is_noise(line) and not _TD_JOB_FAILED.match(line)]
    for line in useful:
        if _ERRORISH.search(line):
            return line
    if useful:
        return useful[0]
    for lines in (message, cmdout, log):
        tail = [line for line in lines if not is_noise(line) and not _TD_JOB_FAILED.match(line)]
        if tail:
            return tail[-1]
    return _first_line(sources)


def _decisive(line: str, span: tuple[int, int] | None = None) -> str:
    if span is not None and len(line) > LONG_LINE:
        # A Tez vertex diagnostic holds the cause deep in one long line: quote the
        # part around the match, not the framing before it.
        start, end = max(0, span[0] - 120), min(len(line), span[1] + 240)
        line = ("…" if start else "") + line[start:end] + ("…" if end < len(line) else "")
    # "> " marks a cause in Digdag's log body (failures.md 1.2): framing, not content.
    return one_line(strip_log_prefix(line)).removeprefix("> ")


def _no_text(text: FailureText) -> str:
    if text.job_id and (text.job_status or "").lower() == "killed":
        return f"TD job {text.job_id} ended with status killed"
    if text.job_id:
        return f"TD job {text.job_id} failed without an error message"
    return "the task failed without an error message"


def _upstream(sources: list[list[str]]) -> Upstream | None:
    for lines in sources:
        for line in lines:
            match = _UPSTREAM_IDS.search(line)
            if match:
                return Upstream(session_id=match.group(1), attempt_id=match.group(2))
    return None

"""The judgement in tdbot's own words: one line for the category, one for the retry,
and, when TD's own text points the other way, one line that says why tdbot differs.

TD's texts are evidence, never the verdict: "please retry" in a Trino message, a
400 that reads like a bad request, or "insufficient resources" on a query that is
simply too heavy all mislead a reader who takes them at their word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.diagnosis.categories import Category, RetryAdvice
from bot.diagnosis.model import KillCause
from bot.diagnosis.operators import TD_JOB_OPERATORS

_C = Category
_R = RetryAdvice

# What a category means when no rule gave a more precise reason (operator fallbacks).
_MEANING = {
    _C.PYTHON_EXCEPTION: "the py> script raised an exception of its own",
    _C.SHELL_EXIT: "the command exited with an error code of its own",
    _C.HTTP_ERROR: "the remote service answered with an error",
    _C.DATA_ERROR: "the workflow's own check failed on purpose: the data is not what it expects",
    _C.IMPORT_FAILURE: "the load failed in its source system or connector",
    _C.EXPORT_FAILURE: "the export failed at its target system or connector",
    _C.JOB_KILLED: "the TD job was killed outside the workflow",
}


@dataclass(frozen=True)
class Judgement:
    verdict: str  # the category, one line
    retry_line: str  # the retry advice, one line
    disagreement: str | None  # "TD says X, but ..." when TD's text points elsewhere
    certain: bool  # False: tdbot cannot tell, and the verdict says what to check


def judge(
    category: Category,
    retry: RetryAdvice,
    reason: str | None,
    *,
    operator: str | None,
    job_id: str | None,
    engine: str | None,
    lines: Iterable[str],
    retried: int | None = None,
) -> Judgement:
    """``retried``: rounds the task's own ``_retry`` already ran (re-runs, not re-polls)."""
    where = where_to_look(operator, job_id, engine)
    # An sla: failure is understood even though whether to re-run depends on the data.
    certain = category is not _C.UNKNOWN and (retry is not _R.DEPENDS or category is _C.SLA_MISSED)
    meaning = reason or _MEANING.get(category) or category.title.lower()
    if category is _C.UNKNOWN:
        about = f": {reason}" if reason else ""
        verdict = f"tdbot cannot tell the cause from TD's text{about}. Check {where}."
    elif not certain:
        verdict = f"{_sentence(meaning)}; tdbot cannot tell from the text whether it passes."
    else:
        verdict = _sentence(meaning) + "."
    retry_line = _retry_line(category, retry, where)
    if retried and retry is _R.DEPENDS and category is not _C.UNKNOWN:
        retry_line = (
            f"Its own _retry already re-ran it {retried} time(s), failing each time: retry "
            f"only once the cause is gone; check {where}."
        )
    return Judgement(
        verdict=verdict,
        retry_line=retry_line,
        disagreement=_disagreement(category, retry, meaning, lines),
        certain=certain,
    )


_KILL_MEANING = {
    "person": "the attempt was killed while this task ran, by a person or an API call (TD "
    "does not record who): the task did not fail by itself",
    "task_ttl": "TD canceled the task at its 24-hour limit: what it ran or waited for took "
    "longer than TD allows one task",
    "attempt_ttl": "TD canceled the attempt at its 7-day limit: the run as a whole took longer "
    "than TD allows one attempt",
}


def judge_killed(
    cause: KillCause, category: Category, retry: RetryAdvice, *, operator: str | None
) -> Judgement:
    """A task canceled by a kill: the kill is the verdict, whatever its own text says."""
    return judge(
        category, retry, _KILL_MEANING[cause], operator=operator, job_id=None, engine=None, lines=()
    )


def where_to_look(operator: str | None, job_id: str | None, engine: str | None) -> str:
    """Where the reason is kept when the task's own text does not hold it."""
    job = f"TD job {job_id}" if job_id else "the TD job"
    if engine == "hive":
        return f"the first 'Vertex failed' diagnostics in the output of {job}"
    if operator == "py>":
        return "the script's own output in the task log"
    if operator == "emr>":
        return "the EMR step's logs and the cluster's state-change reason in EMR"
    if operator in ("http>", "http_call>"):
        return "the remote service's status and the request the task sent"
    if operator in ("pg>", "redshift>", "redshift_load>", "redshift_unload>"):
        return "the database server's status and whether it accepts TD's IP addresses"
    if operator == "td_load>":
        return f"the connector's log in the output of {job}"
    if operator in TD_JOB_OPERATORS or job_id:
        return f"the output of {job}"
    return "the task log"


def _retry_line(category: Category, retry: RetryAdvice, where: str) -> str:
    special = {
        _C.CONCURRENCY_LIMIT: (
            "A retry helps once running attempts drain: the account is at its limit of "
            "concurrent attempts."
        ),
        _C.KILLED_BY_PERSON: "Retry only if the kill was a mistake: the task did not fail itself.",
        _C.JOB_KILLED: "Retry only if the kill was a mistake: the query did not fail itself.",
        _C.KILLED_BY_TIMEOUT: (
            "Retry once what it waited for is ready: TD's time limit stopped it, and it would "
            "wait just as long again."
        ),
        _C.SLA_MISSED: (
            "A retry cannot make the deadline: check whether the slow task finished and its "
            "output is there; re-run only what is missing."
        ),
        _C.TRANSIENT_PLATFORM: (
            "Retry as it is: this was a passing condition of the platform, not of the workflow."
        ),
    }.get(category)
    if special is not None:
        return special
    return {
        _R.YES: "Retry as it is: the cause passes by itself.",
        _R.NO: "A plain retry will fail the same way: change the query, code or data first.",
        _R.AFTER_FIX: "Retry only after fixing the cause above; as it is, it fails again.",
        _R.AFTER_UPSTREAM: "Retry once the data or workflow it depends on is there.",
        _R.DEPENDS: f"A retry may not help until you know the reason: check {where}.",
    }[retry]


_SAYS_RETRY = re.compile(
    r"(?i)please (?:try again|retry)|try again (?:in|later)|retry your query|retry later"
    r"|\btransient\b|\btemporar(?:y|ily)\b"
)
_SAYS_RESOURCES = re.compile(r"INSUFFICIENT_RESOURCES|[Ii]nsufficient resources")
_SAYS_INTERNAL = re.compile(r"(?i)\binternal (?:error|failure)\b|\btype=INTERNAL_ERROR\b")
_SAYS_BAD_REQUEST = re.compile(r"\[400:|\b400 (?:Client Error|Bad Request)\b|\"status\": ?400\b")
_NO_RETRY = (_R.NO, _R.AFTER_FIX, _R.AFTER_UPSTREAM)


def _disagreement(
    category: Category, retry: RetryAdvice, meaning: str, lines: Iterable[str]
) -> str | None:
    text = "\n".join(lines)
    if category is _C.SLA_MISSED:
        return (
            "TD marks the attempt failed, but the ^sla^fail task fails on purpose when the "
            "deadline passes: the steps themselves may all have done their work."
        )
    if retry in _NO_RETRY and _SAYS_RETRY.search(text):
        then = "a plain retry fails the same way" if retry is _R.NO else "a retry alone fails again"
        return f"TD's text suggests retrying, but {meaning}, so {then}."
    if category in (_C.TIME_LIMIT, _C.MEMORY_LIMIT) and _SAYS_RESOURCES.search(text):
        return (
            f"TD files this under insufficient resources, which reads like a busy cluster, "
            f"but {meaning}."
        )
    if retry is _R.YES and _SAYS_BAD_REQUEST.search(text):
        return f"TD answers 400, as if the request were wrong, but {meaning}."
    if category not in (_C.TRANSIENT_PLATFORM, _C.UNKNOWN) and _SAYS_INTERNAL.search(text):
        return f"TD's text calls this an internal error, but {meaning}."
    return None


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]

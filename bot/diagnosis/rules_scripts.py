"""Operators that talk to systems outside TD's query engines: py> (and its
container), http>, bq>, pg>/redshift>, emr>.

Where the text is only "it failed over there" (an EMR step, a script's exit code),
the rule says so: the verdict then names where the reason is kept.
"""

from __future__ import annotations

import re

from bot.diagnosis.categories import Category as C
from bot.diagnosis.categories import RetryAdvice
from bot.diagnosis.rule import Rule, Stage, not_export, rule


def status_retry(code: int | None) -> RetryAdvice:
    """5xx, 408 and 429 pass; any other 4xx needs the request fixed."""
    if code is None or code >= 500 or code in (408, 429):
        return RetryAdvice.YES
    return RetryAdvice.AFTER_FIX


def _http_retry(match: re.Match[str], _line: str) -> RetryAdvice:
    return status_retry(next((int(g) for g in match.groups() if g and g.isdigit()), None))


RULES: tuple[Rule, ...] = (
    rule(
        Stage.TRANSIENT,
        C.TRANSIENT_PLATFORM,
        "the py> container never started because TD had no capacity or network for it "
        "at that moment: the script did not run at all",
        r"Error messages from CommandExecutor: (?:ResourceInitializationError"
        r"|CannotStartContainerError|CannotCreateContainerError|Task failed to start"
        r"|Timeout waiting for network interface)",
        r"\bRESOURCE:(?:MEMORY|CPU|ENI)\b",
    ),
    rule(
        Stage.TRANSIENT,
        C.TRANSIENT_PLATFORM,
        "BigQuery reported a fault on its own side (backendError, internalError)",
        r"encountered an internal error during execution",
        r'"reason" ?: ?"(?:backendError|internalError|jobBackendError)"',
    ),
    rule(
        Stage.TRANSIENT,
        C.TRANSIENT_PLATFORM,
        "Redshift aborted the transaction in a conflict with a concurrent one "
        "(serializable isolation): rerunning usually succeeds",
        r"Serializable isolation violation on table",
    ),
    rule(
        Stage.RESOURCE,
        C.MEMORY_LIMIT,
        "the py> container ran out of memory: the script holds more data than the container has",
        r"Container killed due to memory usage",
        r"\(MemoryError\)",
        r"^\s*MemoryError\b",
        r"\bcommand failed with code 137\b",
        flags=re.IGNORECASE,
    ),
    rule(
        Stage.RESOURCE,
        C.MEMORY_LIMIT,
        "BigQuery ran out of resources for this query: the same query on the same data "
        "needs the same",
        r"Resources exceeded during query execution",
        r'"reason" ?: ?"resourcesExceeded"',
    ),
    rule(
        Stage.RESOURCE,
        C.TIME_LIMIT,
        "the statement ran past the database's statement_timeout",
        r"canceling statement due to statement timeout",
    ),
    rule(
        Stage.MISSING,
        C.MISSING_TABLE,
        "the BigQuery query names a table or dataset that does not exist (yet)",
        r"\bNot found: (?:Table|Dataset)\b",
        applies=not_export,
    ),
    rule(
        Stage.MISSING,
        C.MISSING_COLUMN,
        "the BigQuery query names a column its table does not have",
        r"\bUnrecognized name: ",
    ),
    rule(
        Stage.ANALYSIS,
        C.SQL_SYNTAX,
        "the query text itself is invalid: the engine rejected it before reading any data",
        r"\bSyntax error: ",
        r"\binvalidQuery\b",
    ),
    rule(
        Stage.PERMISSION,
        C.PERMISSION,
        "the database refused the workflow's credentials or the user's rights",
        r"password authentication failed for user",
        r"\bno pg_hba\.conf entry\b",
        r"permission denied for (?:table|relation|schema|database)\b",
        r'"reason" ?: ?"accessDenied"',
        applies=not_export,
    ),
    rule(
        Stage.PERMISSION,
        C.PERMISSION,
        "the cloud credentials may not read that bucket or object (S3 also answers 403 for "
        "a missing object when they may not list the bucket)",
        r"Status Code: 403; Error Code: AccessDenied",
        r"\bInvalidAccessKeyId\b|\bSignatureDoesNotMatch\b",
        applies=not_export,
    ),
    rule(
        Stage.CONFIG,
        C.CONFIG_ERROR,
        "the py> container never started: its image could not be pulled (a wrong image "
        "name or tag, or no access to the registry)",
        r"\bCannotPullContainerError\b",
    ),
    rule(
        Stage.REMOTE,
        C.HTTP_ERROR,
        "the remote service answered with an HTTP error status",
        # python-requests raise_for_status(), http> and urllib formats.
        r"\b(\d{3}) (?:Client|Server) Error: .* for url: ",
        r"\bHTTP \dXX (?:Client|Server) Error: \w+ \S+ - (\d{3})\b",
        r"\bHTTP Error (\d{3}): ",
        retry=_http_retry,
    ),
    rule(
        Stage.REMOTE,
        C.HTTP_ERROR,
        "the remote service did not answer in time",
        r"\((?:ReadTimeout|ConnectTimeout|ConnectionError|Timeout|ConnectTimeoutError"
        r"|MaxRetryError|RemoteDisconnected)\)\s*$",
        r"\bRead timed out\b",
        r"\bjava\.util\.concurrent\.TimeoutException\b",
        retry=RetryAdvice.YES,
    ),
    rule(
        Stage.REMOTE,
        C.CONNECTION_FAILURE,
        "the remote system could not be reached at all: down, firewalled or a wrong host",
        r"Failed to connect to the database",
        r"Connection (?:to \S+ )?refused",
        r"Connection timed out",
        r"\bUnknownHostException\b",
        r"\bConnectException\b",
        applies=not_export,
    ),
    rule(
        Stage.VAGUE,
        C.UNKNOWN,
        "an EMR step or cluster failed; EMR keeps the reason in the step's logs and the "
        "cluster's state-change reason, not in the task",
        r"\bEMR job failed\b",
        r"\bEMR boot failed\b",
    ),
)

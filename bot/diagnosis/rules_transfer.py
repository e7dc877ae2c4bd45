"""Bulk loads (``td_load>``, embulk and TD's data connectors) and result exports
(``td>`` with ``result_connection``, ``td_result_export>``, ``td_table_export>``).

The same text means a different system by context: "Access denied" in an export is
the target refusing TD's export user, in a load the source refusing the loader. So
each rule applies to one side only, and its reason names that side.
"""

from __future__ import annotations

import re

from bot.diagnosis.categories import Category as C
from bot.diagnosis.categories import RetryAdvice
from bot.diagnosis.rule import Rule, Stage, is_export, is_load, rule

_CREDENTIALS = re.compile(
    r"(?i)password authentication failed|access ?denied|permission denied|invalid credentials"
    r"|authenticat\w* fail|InvalidAccessKeyId|SignatureDoesNotMatch|unauthorized"
    r"|(?:Status Code: |\[|HTTP )40[13]\b|INVALID_LOGIN|does not have permission"
    r"|forbidden|ConfigException|Unknown database|Unknown column|Too few columns"
)
_TARGET_MISSING = re.compile(
    r"NoSuchBucket|Requested entity was not found|Not found: (?:Dataset|Project)"
)
_SOURCE_MISSING = re.compile(
    r"(?i)NoSuchKey|specified key does not exist|No such file|no files? (?:found|matched)"
)


def transfer_advice(text: str) -> RetryAdvice:
    """Loads and exports: bad credentials, config or a missing bucket/sheet need a fix;
    a missing source file needs the data; a connection failure may or may not pass."""
    if _CREDENTIALS.search(text) or _TARGET_MISSING.search(text):
        return RetryAdvice.AFTER_FIX
    if _SOURCE_MISSING.search(text):
        return RetryAdvice.AFTER_UPSTREAM
    return RetryAdvice.DEPENDS


def _transfer_retry(_match: re.Match[str], line: str) -> RetryAdvice:
    return transfer_advice(line)


def _both(
    stage: Stage,
    reason: str,
    *alternatives: str,
    retry: RetryAdvice | None = None,
    flags: int = 0,
) -> tuple[Rule, Rule]:
    """The export and the load reading of one text; ``{side}`` names the system."""
    return (
        rule(
            stage,
            C.EXPORT_FAILURE,
            reason.format(side="the export target"),
            *alternatives,
            retry=retry or _transfer_retry,
            applies=is_export,
            flags=flags,
        ),
        rule(
            stage,
            C.IMPORT_FAILURE,
            reason.format(side="the load's source"),
            *alternatives,
            retry=retry or _transfer_retry,
            applies=is_load,
            flags=flags,
        ),
    )


RULES: tuple[Rule, ...] = (
    *_both(
        Stage.TRANSFER,
        "{side} refused TD's credentials or the user's rights there: TD itself is fine",
        r"Error Code: AccessDenied",
        r"\bAccess ?Denied\b",
        r"Access denied for (?:user|the destination)",
        r"password authentication failed",
        r"permission denied for",
        r"\bINVALID_LOGIN\b",
        r"The caller does not have permission",
        r"\bInvalidAccessKeyId\b|\bSignatureDoesNotMatch\b",
        r"\bno pg_hba\.conf entry\b",
        retry=RetryAdvice.AFTER_FIX,
        flags=re.IGNORECASE,
    ),
    *_both(
        Stage.TRANSFER,
        "{side} has hit its own API quota or rate limit: a retry works once it resets",
        r"\bREQUEST_LIMIT_EXCEEDED\b",
        r"\brateLimitExceeded\b|\bRATE_LIMIT_EXCEEDED\b",
        r"Quota exceeded for quota metric",
        retry=RetryAdvice.YES,
    ),
    *_both(
        Stage.TRANSFER,
        "the data does not fit {side}'s limits: the same result fails the same way",
        r"above the limit of \d+ cells",
        r"\bexceeds the maximum (?:row|file|request) size\b",
        retry=RetryAdvice.NO,
    ),
    *_both(
        Stage.TRANSFER,
        "{side} does not have the object the transfer names (bucket, file, sheet or table)",
        r"\bNoSuchBucket\b",
        r"\bNoSuchKey\b|specified key does not exist",
        r"Requested entity was not found",
        r"No file is found\b|\bNo input files? (?:to read|found)\b",
        r"\bNot found: (?:Dataset|Table|Project)\b",
    ),
    *_both(
        Stage.TRANSFER,
        "TD could not reach {side} over the network: down, firewalled or a wrong host",
        r"Communications link failure",
        r"Connection (?:refused|timed out|reset)",
        r"Failed to connect to",
        r"\bUnknownHostException\b",
        r"\bSocketTimeoutException\b",
        flags=re.IGNORECASE,
    ),
    *_both(
        Stage.TRANSFER,
        "rows did not match what {side} expects (types, columns or format), so the "
        "transfer stopped",
        r"\bDataException\b",
        r"\bCsvTokenizer\$InvalidValueException\b|\bInvalid(?:Value|Format)Exception\b",
        r"Unknown column '[^']+' in 'field list'",
        r"Too few columns",
        retry=RetryAdvice.NO,
    ),
    rule(
        Stage.TRANSFER,
        C.EXPORT_FAILURE,
        "the export target's database rejected the write",
        r"\b(?:SQLException|PSQLException)\b",
        retry=_transfer_retry,
        applies=is_export,
    ),
)

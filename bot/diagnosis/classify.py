"""Classify one failure from its text: the mechanics of failures.md section 3.1.

The scope is the task's ``error`` (message and any extra keys), the TD job's
``debug.stderr``, the tail of its ``debug.cmdout`` and the ERROR entries of the
task log. Rules key on Trino/Hive error names and message bodies, never on the
framing around them, and run in a fixed order; the first rule that matches any
line decides. Lines that are the echoed SQL itself are skipped, so a query that
mentions an error phrase cannot classify itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.diagnosis import advice
from bot.diagnosis.categories import Category, RetryAdvice
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
from bot.diagnosis.operators import EXPORT_CONFIG_KEYS, EXPORT_JOB_TYPES, EXPORT_OPERATORS
from bot.diagnosis.sql_lines import line_hint, sent_sql


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


@dataclass(frozen=True)
class _Context:
    export: bool  # a result or table export: connection texts mean the target
    load: bool  # a bulk load: connection texts mean the source


RetryRefiner = Callable[[re.Match[str], str], RetryAdvice]


@dataclass(frozen=True)
class _Rule:
    category: Category
    any_of: re.Pattern[str]  # all alternatives at once: a cheap pre-check
    patterns: tuple[re.Pattern[str], ...]  # strongest first: the first one found decides
    retry: RetryAdvice | RetryRefiner | None = None  # None: the category's default
    applies: Callable[[_Context], bool] | None = None


def _rule(
    category: Category,
    *alternatives: str,
    retry: RetryAdvice | RetryRefiner | None = None,
    applies: Callable[[_Context], bool] | None = None,
    flags: int = 0,
) -> _Rule:
    return _Rule(
        category,
        re.compile("|".join(alternatives), flags | re.MULTILINE),
        tuple(re.compile(alternative, flags) for alternative in alternatives),
        retry,
        applies,
    )


def _http_retry(match: re.Match[str], _line: str) -> RetryAdvice:
    code = next((int(g) for g in match.groups() if g and g.isdigit()), None)
    if code is None or code >= 500 or code in (408, 429):
        return RetryAdvice.YES
    return RetryAdvice.AFTER_FIX


_CREDENTIALS = re.compile(
    r"(?i)password authentication failed|access ?denied|permission denied|invalid credentials"
    r"|authenticat\w* fail|InvalidAccessKeyId|SignatureDoesNotMatch|unauthorized"
    r"|(?:Status Code: |\[|HTTP )40[13]\b"
    r"|forbidden|ConfigException|Unknown database|Unknown column|Too few columns"
)
_SOURCE_MISSING = re.compile(
    r"(?i)NoSuchKey|specified key does not exist|No such file|no files? (?:found|matched)"
)


def _transfer_advice(text: str) -> RetryAdvice:
    """Loads and exports: bad credentials or config need a fix; a missing source needs
    the data; a connection failure may or may not be transient."""
    if _CREDENTIALS.search(text):
        return RetryAdvice.AFTER_FIX
    if _SOURCE_MISSING.search(text):
        return RetryAdvice.AFTER_UPSTREAM
    return RetryAdvice.DEPENDS


def _transfer_retry(_match: re.Match[str], line: str) -> RetryAdvice:
    return _transfer_advice(line)


def _is_export(ctx: _Context) -> bool:
    return ctx.export


def _not_export(ctx: _Context) -> bool:
    return not ctx.export


_C = Category
_R = RetryAdvice

# First match wins. Order follows failures.md 3.1: kill, transient (before memory,
# because the cluster-OOM text mentions memory), memory/time, analysis errors, data,
# export/permission, limits/dependencies, config, then HTTP texts.
_RULES: tuple[_Rule, ...] = (
    _rule(
        _C.JOB_KILLED,
        r"failed with status KILLED\b",
        r"\bQuery was canceled\b",
        r"\bQuery killed\. Message:",
    ),
    _rule(
        _C.TRANSIENT_PLATFORM,
        r"Query killed because the cluster is out of memory",
        r"\bCLUSTER_OUT_OF_MEMORY\b",
        r"\[SERVER_ERROR\]",
        r"\[CLIENT_ERROR\] \[429:",
        r"\[(?:INTERRUPTED|REQUEST_TIMEOUT|SOCKET_ERROR|SSL_ERROR)\]",
        r"\bGENERIC_INTERNAL_ERROR\b",
        r"\bInternal (?:error|failure)\b",
        r"Encountered too many errors talking to a worker node",
        r"\b(?:TOO_MANY_REQUESTS_FAILED|REMOTE_TASK_ERROR|REMOTE_HOST_GONE|REMOTE_TASK_MISMATCH"
        r"|PAGE_TRANSPORT_(?:ERROR|TIMEOUT)|NO_NODES_AVAILABLE|SERVER_SHUTTING_DOWN"
        r"|SERVER_STARTING_UP|QUERY_QUEUE_FULL|HIVE_METASTORE_ERROR|ABANDONED_QUERY)\b",
        r"\bNo (?:worker )?nodes available\b",
        r"Could not communicate with the remote task",
        r"Server is shutting down",
        r"Insufficient active worker nodes",
        r"Too many queued queries",
    ),
    _rule(
        _C.MEMORY_LIMIT,
        r"Query exceeded (?:per-node|per-task|distributed|local|max)[\w -]*? memory limit",
        r"\bEXCEEDED_(?:LOCAL_|GLOBAL_|DISTRIBUTED_)?MEMORY_LIMIT\b",
        r"Exceeded max (?:\(local\) |local |total |user )?memory",
        r"\bOutOfMemoryError\b",
        r"GC overhead limit exceeded",
        r"Java heap space",
        r"running beyond (?:physical|virtual) memory limits",
        r"Container killed (?:by YARN )?(?:for exceeding memory limits|due to memory usage)",
        r"\(MemoryError\)",
        r"^\s*MemoryError\b",
        r"\bcommand failed with code 137\b",
        r"\bEXCEEDED_SPILL_LIMIT\b|exceeded [\w-]+ spill limit",
        flags=re.IGNORECASE,
    ),
    _rule(
        _C.TIME_LIMIT,
        r"Query exceeded (?:the )?max(?:imum)? (?:[\w-]+ )?time limit",
        r"\bEXCEEDED_(?:TIME|CPU)_LIMIT\b",
        r"Query exceeded (?:the )?(?:CPU|cpu) (?:time )?limit",
        r"exceeded the maximum execution time",
    ),
    _rule(
        _C.MISSING_TABLE,
        r"\bTable '[^']+' does not exist",
        r"\bTABLE_NOT_FOUND\b",
        r"\bTable not found\b",
        r"\bTable or view not found\b",
        r"\b(?:Schema|Catalog) '[^']+' does not exist",
        r"\bSCHEMA_NOT_FOUND\b",
        r"\bDatabase does not exist\b",
        r"\[Error 100(?:01|72)\]",
        r"Couldn't find User(?:Database|TableReference)\b",
        r"\bNoSuchTableException\b",
        r"\bNot found: (?:Table|Dataset)\b",
    ),
    _rule(_C.MISSING_TABLE, r'\brelation "[^"]+" does not exist', applies=_not_export),
    _rule(
        _C.MISSING_COLUMN,
        r"\bColumn '[^']+' cannot be resolved",
        r"\bCOLUMN_NOT_FOUND\b",
        r"\[Error 1000[24]\]",
        r"Invalid table alias or column reference",
        r"Invalid column reference",
        r"\bUnrecognized name: ",
    ),
    _rule(
        _C.SQL_SYNTAX,
        r"\bmismatched input '",
        r"\bextraneous input '",
        r"\bno viable alternative at input\b",
        r"\bSYNTAX_ERROR\b",
        r"\bParseException\b",
        r"cannot recognize input near",
        r"Cannot apply operator: ",
        r"\bTYPE_MISMATCH\b",
        r"\bCannot cast [a-z]",
        r"\bFunction '?[\w.]+'? not registered",
        r"\bFUNCTION_NOT_FOUND\b",
        r"Unexpected parameters \(",
        r"must be an aggregate expression or appear in GROUP BY clause",
        r"\bEXPRESSION_NOT_AGGREGATE\b",
        r"\bColumn '[^']+' is ambiguous",
        r"\bAMBIGUOUS_NAME\b",
        r"mismatched column types",
        r"\bUnknown type\b",
        r"\bTYPE_NOT_FOUND\b",
        r"\bInvalid function\b",
        r"\bSemanticException\b",
        r"\bSyntax error: ",
        r"\binvalidQuery\b",
        r"\bQuery text length \(\d+\) exceeds",
        # Any other position-tagged Trino message is an analysis error: runtime
        # errors carry no line:column.
        r"(?:^|: )line \d+:\d+: ",
    ),
    _rule(
        _C.DATA_ERROR,
        r"\bDivision by zero\b",
        r"\bDIVISION_BY_ZERO\b",
        r"\bINVALID_CAST_ARGUMENT\b",
        r"\bCannot cast (?:\w+(?:\(\d+\))? )?'",
        r"\bValue cannot be cast\b",
        r"\bInvalid format: ",
        r"\bINVALID_FUNCTION_ARGUMENT\b",
        r"\bNUMERIC_VALUE_OUT_OF_RANGE\b",
        r"\bout of range for\b",
        r"\bSUBQUERY_MULTIPLE_ROWS\b",
        r"Scalar sub-query has returned multiple rows",
        r"Multiple rows returned by subquery",
        r"\bNumberFormatException\b",
        r"\b(?:Malformed|Invalid) JSON\b",
    ),
    _rule(
        _C.EXPORT_FAILURE,
        r"Error Code: AccessDenied",
        r"\bAccess ?Denied\b",
        r"Access denied for (?:user|the destination)",
        r"password authentication failed",
        r"permission denied for",
        r"Communications link failure",
        r"Connection (?:refused|timed out|reset)",
        r"Failed to connect to",
        r"\bUnknownHostException\b",
        r"\bNoSuchBucket\b",
        r"\b(?:SQLException|PSQLException)\b",
        retry=_transfer_retry,
        applies=_is_export,
        flags=re.IGNORECASE,
    ),
    _rule(
        _C.PERMISSION,
        r"\bAccess Denied: ",
        r"\bPERMISSION_DENIED\b",
        r"\[40[13]:",
        r"\bAUTHENTICATION_FAILURE\b",
        r"\((?:authentication failed|td client http (?:unauthorized|forbidden))\)",
        r"\bAccessControlException\b",
        r"Permission denied: user=",
        r"Access denied for (?:database|table|the destination)\b",
        r"\bInvalid API ?key\b",
    ),
    _rule(
        _C.ATTEMPT_LIMIT,
        r"\bToo many (?:tasks|subtasks|for_each subtasks|loop subtasks|for_range subtasks)\b",
        r"\((?:task|attempt) limit exceeded\)",
        r"\bToo many (?:running )?attempts\b",
    ),
    _rule(_C.CONFIG_ERROR, r"\bDependent workflow does not exist\b"),
    _rule(
        _C.UPSTREAM_WAIT,
        r"\bDependent workflow failed\b",
        r"\bTimeout happened\b",
        r"\(polling timeout\)",
    ),
    _rule(
        _C.CONFIG_ERROR,
        r"\bConfiguration error at task\b",
        r"\(config\)\s*$",
        r"\bSecret not found\b",
        r"\(secret not found\)",
        r"resource pool with name '[^']+' does not exist",
        r"\bis required but not set\b",
        r"\bUnknown (?:task type|operator)\b",
        r"\b(?:[Uu]nsupported|[Nn]ot supported)\b.*\b(?:operator|task type)\b",
        r"Failed to parse yaml",
        r"\[(?:TARGET_NOT_FOUND|INVALID_INPUT|TARGET_ALREADY_EXISTS)\]",
        r"\[CLIENT_ERROR\] \[4\d\d:",
        r"\(td client http not found\)",
    ),
    _rule(
        _C.HTTP_ERROR,
        # python-requests raise_for_status(), http> and urllib formats.
        r"\b(\d{3}) (?:Client|Server) Error: .* for url: ",
        r"\bHTTP \dXX (?:Client|Server) Error: \w+ \S+ - (\d{3})\b",
        r"\bHTTP Error (\d{3}): ",
        retry=_http_retry,
    ),
    _rule(
        _C.HTTP_ERROR,
        r"\((?:ReadTimeout|ConnectTimeout|ConnectionError|Timeout|ConnectTimeoutError"
        r"|MaxRetryError|RemoteDisconnected)\)\s*$",
        r"\bRead timed out\b",
        retry=RetryAdvice.YES,
    ),
)

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
    ctx = _Context(
        export=_is_export_context(text),
        load=text.operator == "td_load>" or (text.job_type or "").lower() == "bulkload",
    )
    sources = _scope(text)
    hit = _match_rules(sources, ctx)
    if hit is None and (text.job_status or "").lower() == "killed":
        hit = _Hit(_C.JOB_KILLED, _C.JOB_KILLED.default_retry, None)
    if hit is None:
        hit = _fallback(text, ctx, sources)
    category, retry = hit.category, hit.retry
    root_line = _decisive(hit.line) if hit.line else _no_text(text)
    hint = (
        line_hint(
            root_line,
            sent_sql(text.job_query, text.job_cmdout or text.error_message, text.log),
        )
        if category in (_C.SQL_SYNTAX, _C.MISSING_COLUMN, _C.MISSING_TABLE)
        else None
    )
    upstream = _upstream(sources) if category is _C.UPSTREAM_WAIT else None
    return Classification(
        category=category,
        retry=retry,
        root_error=root_line,
        retry_note=advice.retry_note(
            category,
            retry,
            operator=text.operator,
            job_id=text.job_id,
            retry_count=text.retry_count,
        ),
        next_step=advice.next_step(
            category, operator=text.operator, sql_line_hint=hint, upstream=upstream
        ),
        sql_line_hint=hint,
        upstream=upstream,
    )


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


def _match_rules(sources: list[list[str]], ctx: _Context) -> _Hit | None:
    whole = "\n".join(line for lines in sources for line in lines)
    for rule in _RULES:
        if rule.applies is not None and not rule.applies(ctx):
            continue
        if not rule.any_of.search(whole):
            continue
        for pattern in rule.patterns:
            for lines in sources:
                for line in lines:
                    match = pattern.search(line)
                    if match is not None:
                        return _Hit(rule.category, _rule_retry(rule, match, line), line)
    return None


def _rule_retry(rule: _Rule, match: re.Match[str], line: str) -> RetryAdvice:
    if rule.retry is None:
        return rule.category.default_retry
    if isinstance(rule.retry, RetryAdvice):
        return rule.retry
    return rule.retry(match, line)


def _fallback(text: FailureText, ctx: _Context, sources: list[list[str]]) -> _Hit:
    category = _OPERATOR_CATEGORY.get(text.operator or "", _C.UNKNOWN)
    if ctx.export and category is _C.UNKNOWN:
        category = _C.EXPORT_FAILURE
    if ctx.load and category is _C.UNKNOWN:
        category = _C.IMPORT_FAILURE
    root = _operator_root(sources) or _generic_root(sources)
    if category in (_C.IMPORT_FAILURE, _C.EXPORT_FAILURE):
        scope_text = "\n".join(line for lines in sources for line in lines)
        return _Hit(category, _transfer_advice(scope_text), root)
    if category is _C.HTTP_ERROR and root:
        status = re.search(r"\b([1-5]\d\d)\b", root)
        retry = _http_retry(status, root) if status else _C.HTTP_ERROR.default_retry
        return _Hit(category, retry, root)
    return _Hit(category, category.default_retry, root)


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


def _decisive(line: str) -> str:
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

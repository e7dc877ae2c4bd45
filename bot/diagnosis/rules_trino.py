"""Trino (TD's Presto) texts: error names from ``io.trino.spi.StandardErrorCode`` and
the messages behind them (docs/diagnosis-sources.md).

The error *type* does not decide: ``INSUFFICIENT_RESOURCES`` holds both passing
cluster conditions (``CLUSTER_OUT_OF_MEMORY``, ``QUERY_QUEUE_FULL``) and the query's
own limits (``EXCEEDED_TIME_LIMIT``, ``EXCEEDED_GLOBAL_MEMORY_LIMIT``), so rules key
on the name or the message body. The same rules read py> messages that wrap a
pytd/trino-client error (``TrinoUserError(type=..., name=...)``).
"""

from __future__ import annotations

import re

from bot.diagnosis.categories import Category as C
from bot.diagnosis.rule import Rule, Stage, not_export, rule

RULES: tuple[Rule, ...] = (
    rule(
        Stage.KILL,
        C.JOB_KILLED,
        "the TD job was stopped before it finished (a kill from a person, an API call or "
        "TD's cleanup), not failed by its own query",
        r"failed with status KILLED\b",
        r"\bQuery was canceled\b",
        r"\bQuery killed\. Message:",
        r"\b(?:USER_CANCELED|ADMINISTRATIVELY_KILLED)\b",
    ),
    rule(
        Stage.TRANSIENT,
        C.TRANSIENT_PLATFORM,
        "the Trino cluster as a whole ran out of memory (CLUSTER_OUT_OF_MEMORY): other "
        "queries' load, not this query's own limit",
        r"Query killed because the cluster is out of memory",
        r"\bCLUSTER_OUT_OF_MEMORY\b",
    ),
    rule(
        Stage.TRANSIENT,
        C.TRANSIENT_PLATFORM,
        "a Trino worker failed or went away while the query ran: a fault of the cluster, "
        "not of the query",
        r"Encountered too many errors talking to a worker node",
        r"\b(?:TOO_MANY_REQUESTS_FAILED|REMOTE_TASK_ERROR|REMOTE_HOST_GONE|REMOTE_TASK_MISMATCH"
        r"|PAGE_TRANSPORT_(?:ERROR|TIMEOUT)|ABANDONED_TASK|SERVER_SHUTTING_DOWN"
        r"|SERVER_STARTING_UP)\b",
        r"Could not communicate with the remote task",
        r"Server is shutting down",
    ),
    rule(
        Stage.TRANSIENT,
        C.TRANSIENT_PLATFORM,
        "Trino had no free workers or queue room to start the query: the query itself never ran",
        r"\b(?:NO_NODES_AVAILABLE|QUERY_QUEUE_FULL|GENERIC_INSUFFICIENT_RESOURCES"
        r"|ADMINISTRATIVELY_PREEMPTED)\b",
        r"\bNo (?:worker )?nodes available\b",
        r"Insufficient active worker nodes",
        r"Too many queued queries",
    ),
    rule(
        Stage.TRANSIENT,
        C.TRANSIENT_PLATFORM,
        "TD's query service reported an internal fault, not a problem in the query",
        r"\[SERVER_ERROR\]",
        r"\[CLIENT_ERROR\] \[429:",
        r"\[(?:INTERRUPTED|REQUEST_TIMEOUT|SOCKET_ERROR|SSL_ERROR)\]",
        r"\b(?:GENERIC_INTERNAL_ERROR|HIVE_METASTORE_ERROR|ABANDONED_QUERY)\b",
        r"\bInternal (?:error|failure)\b",
    ),
    rule(
        Stage.RESOURCE,
        C.MEMORY_LIMIT,
        "the query needed more memory than Trino allows one query: the same query on the "
        "same data needs the same memory",
        r"Query exceeded (?:per-node|per-task|distributed|local|max)[\w -]*? memory limit",
        r"\bEXCEEDED_(?:LOCAL_|GLOBAL_|DISTRIBUTED_)?MEMORY_LIMIT\b",
        r"Exceeded max (?:\(local\) |local |total |user )?memory",
        r"\bEXCEEDED_SPILL_LIMIT\b|exceeded [\w-]+ spill limit",
        flags=re.IGNORECASE,
    ),
    rule(
        Stage.RESOURCE,
        C.TIME_LIMIT,
        "the query itself ran past Trino's time limit for one query (EXCEEDED_TIME_LIMIT): "
        "it does too much work per run",
        r"Query exceeded (?:the )?max(?:imum)? (?:[\w-]+ )?time limit",
        r"\bEXCEEDED_TIME_LIMIT\b",
        r"exceeded the maximum execution time",
    ),
    rule(
        Stage.RESOURCE,
        C.TIME_LIMIT,
        "the query used more CPU time than Trino allows one query (EXCEEDED_CPU_LIMIT): "
        "it does too much work per run",
        r"\bEXCEEDED_CPU_LIMIT\b",
        r"Query exceeded (?:the )?(?:CPU|cpu) (?:time )?limit",
        r"\bExceeded CPU limit of\b",
    ),
    rule(
        Stage.MISSING,
        C.MISSING_TABLE,
        "the query names a table or database that does not exist (yet)",
        r"\bTable '[^']+' does not exist",
        r"\bTABLE_NOT_FOUND\b",
        r"\b(?:Schema|Catalog) '[^']+' does not exist",
        r"\bSCHEMA_NOT_FOUND\b",
        r"\bDatabase does not exist\b",
    ),
    rule(
        Stage.MISSING,
        C.MISSING_TABLE,
        "TD has no table or database by the name the task gives (yet)",
        r"Couldn't find User(?:Database|TableReference)\b",
    ),
    rule(
        Stage.MISSING,
        C.MISSING_TABLE,
        "the statement names a relation the database does not have",
        r'\brelation "[^"]+" does not exist',
        applies=not_export,
    ),
    rule(
        Stage.MISSING,
        C.MISSING_COLUMN,
        "the query names a column its table does not have",
        r"\bColumn '[^']+' cannot be resolved",
        r"\bCOLUMN_NOT_FOUND\b",
    ),
    rule(
        Stage.ANALYSIS,
        C.SQL_SYNTAX,
        "the query text itself is invalid: Trino rejected it before reading any data",
        r"\bmismatched input '",
        r"\bextraneous input '",
        r"\bno viable alternative at input\b",
        r"\bSYNTAX_ERROR\b",
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
        r"\bQuery text length \(\d+\) exceeds",
        # Any other position-tagged Trino message is an analysis error: runtime
        # errors carry no line:column.
        r"(?:^|: )line \d+:\d+: ",
    ),
    rule(
        Stage.DATA,
        C.DATA_ERROR,
        "a row broke the query at run time (a value it could not divide, cast or parse): "
        "the same data fails the same way",
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
    rule(
        Stage.PERMISSION,
        C.PERMISSION,
        "the user the workflow runs as may not read or write that database or table",
        r"\bAccess Denied: ",
        r"\bPERMISSION_DENIED\b",
    ),
)

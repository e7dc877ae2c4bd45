"""Hive on Tez (TD's ``engine: hive``): HiveQL errors, and YARN killing Tez containers.

A Tez failure reaches the task as ``FAILED: Execution Error, return code 2 from
org.apache.hadoop.hive.ql.exec.tez.TezTask`` with the cause deep inside a vertex
diagnostic on one long line (``Vertex failed, ... diagnostics=[... Container
[pid=..] is running ... beyond the 'PHYSICAL' memory limit ...]``). The rules look
for the cause first; the bare return code only says where to look.
"""

from __future__ import annotations

import re

from bot.diagnosis.categories import Category as C
from bot.diagnosis.rule import Rule, Stage, rule

RULES: tuple[Rule, ...] = (
    rule(
        Stage.TRANSIENT,
        C.TRANSIENT_PLATFORM,
        "YARN took a Tez container away (pre-empted, or its node was lost): a cluster "
        "event, not the query's fault",
        r"Container preempted by scheduler",
        r"Container released on a \*lost\* node",
        r"\bexitCode=-10[02]\b",
    ),
    rule(
        Stage.RESOURCE,
        C.MEMORY_LIMIT,
        "YARN killed a Hive/Tez container for using more memory than it was given: the "
        "same query on the same data needs the same memory",
        r"running beyond (?:physical|virtual) memory limits",
        r"is running \S+ beyond the '(?:PHYSICAL|VIRTUAL)' memory limit",
        r"Container killed (?:by YARN )?for exceeding memory limits",
        r"\bexitCode=-10[34]\b",
        flags=re.IGNORECASE,
    ),
    rule(
        Stage.RESOURCE,
        C.MEMORY_LIMIT,
        "a Java process of the job ran out of heap: the data per task is larger than its memory",
        r"\bOutOfMemoryError\b",
        r"GC overhead limit exceeded",
        r"Java heap space",
    ),
    rule(
        Stage.MISSING,
        C.MISSING_TABLE,
        "the query names a table or database that does not exist (yet)",
        r"\[Error 100(?:01|72)\]",
        r"\bTable not found\b",
        r"\bTable or view not found\b",
        r"\bNoSuchTableException\b",
    ),
    rule(
        Stage.MISSING,
        C.MISSING_COLUMN,
        "the query names a column its table does not have",
        r"\[Error 1000[24]\]",
        r"Invalid table alias or column reference",
        r"Invalid column reference",
    ),
    rule(
        Stage.ANALYSIS,
        C.SQL_SYNTAX,
        "the query text itself is invalid: Hive rejected it before reading any data",
        r"\bParseException\b",
        r"cannot recognize input near",
        r"\bSemanticException\b",
        r"\bInvalid function\b",
    ),
    rule(
        Stage.VAGUE,
        C.UNKNOWN,
        "Hive reports only that a Tez vertex failed; the cause sits in the vertex "
        "diagnostics of the job output",
        r"return code \d+ from org\.apache\.hadoop\.hive\.ql\.exec\."
        r"(?:tez\.TezTask|mr\.MapRedTask)",
        r"DAG did not succeed due to VERTEX_FAILURE",
    ),
)

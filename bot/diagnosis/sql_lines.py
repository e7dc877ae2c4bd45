"""Map a Trino/Hive line number back to the user's .sql file (failures.md 1.4).

td> prepends header comments (six on current Digdag, three on older TD) and, for
``insert_into:`` / ``create_table:``, one or two statement lines. Only when that
header is visible in the SQL that was sent can the shift be known; otherwise no
hint is given rather than a guess.
"""

from __future__ import annotations

import re

from bot.diagnosis.model import SqlLineHint

_HEADER = re.compile(
    r"^--\s*(?:project_id|project_name|workflow_name|session_id|attempt_id|task_name):"
)
# What td> inserts between the header and the user's statement.
_INSERTED = re.compile(
    r'^(?:INSERT INTO "[^"]+"|DROP TABLE IF EXISTS "[^"]+";|CREATE TABLE "[^"]+" AS'
    r"|INSERT (?:INTO|OVERWRITE) TABLE `[^`]+`)\s*$"
)
_POSITION = re.compile(r"\b[Ll]ine (\d+):(\d+)\b")
_EXECUTING = "executing query:"


def reported_position(line: str) -> tuple[int, int] | None:
    """``line 10:1:`` (Trino) or ``Line 11:5`` (Hive) in an error line."""
    match = _POSITION.search(line)
    return (int(match.group(1)), int(match.group(2))) if match else None


def sent_sql(query: str | None, cmdout: str | None, log: str | None) -> list[str] | None:
    """The SQL as TD received it, from the job's query, else cmdout, else the log echo."""
    if query and _HEADER.match(query.lstrip()):
        return query.lstrip().splitlines()
    if cmdout and _EXECUTING in cmdout:
        after = cmdout.split(_EXECUTING, 1)[1].lstrip(" ")
        return after.splitlines()
    if log:
        lines = log.splitlines()
        for index, line in enumerate(lines):
            if re.search(r"\bStarted \w+ job id=\d+:\s*$", line):
                return lines[index + 1 :]
    return None


def line_hint(error_line: str, sql: list[str] | None) -> SqlLineHint | None:
    position = reported_position(error_line)
    if position is None or not sql:
        return None
    header = 0
    while header < len(sql) and _HEADER.match(sql[header].strip()):
        header += 1
    if header == 0:
        return None
    reported, column = position
    inserted = sum(1 for line in sql[header : reported - 1] if _INSERTED.match(line.strip()))
    user_line = reported - header - inserted
    if user_line < 1:
        return None
    return SqlLineHint(
        reported_line=reported,
        column=column,
        header_lines=header + inserted,
        user_line=user_line,
    )

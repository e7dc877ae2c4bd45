"""Shape checks on the failure corpus: every case is well-formed and self-consistent.

These do not classify anything: they check that each case is what the sandbox and
the diagnosis tests need (unique names, a quotable decisive line, a job id where
``id_in`` says, log lines in the agreed format, Digdag's mechanics followed).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from bot.diagnosis.categories import Category
from bot.sandbox.cases import FailureCase
from bot.sandbox.corpus import FAILURE_CASES, JOB, PLACEHOLDERS
from tests.diagnosis.expected import EXPECTED
from tests.diagnosis.expected_ops import OPS

SAMPLE_JOB_ID = "2187654321"
LOG_ENTRY = re.compile(r"(TRACE|DEBUG|INFO|WARN|ERROR)\|[a-z][\w]*(\.[\w$]+)+\|.*", re.DOTALL)
SNAKE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
PLACEHOLDER_LIKE = re.compile(r"\{[a-z_]+\}")
# How a log parser finds the job id: "Started … job id=N", "…, id=N", "TD job N failed".
LOG_JOB_ID = re.compile(r"(?:job id=|, id=)(\d+)|TD job (\d+) failed")
HOSTILE = ("<!channel>", "<!here>", "<@U024BE7LH>", "<https://evil.example|click>")
SECRETS = (
    "1234/0123456789abcdef0123456789abcdef01234567",
    "AKIAIOSFODNN7EXAMPLE",
    "password=hunter2",
    "https://user:secret@host/",
)


def _all_cases() -> Iterator[tuple[str, FailureCase]]:
    """(workflow name, case) for every case, siblings included (they run in their parent)."""
    for case in FAILURE_CASES:
        yield case.key, case
        for sibling in case.siblings:
            yield case.key, sibling


ALL = list(_all_cases())


def _fill(text: str, workflow: str, case: FailureCase) -> str:
    values = {
        "{job_id}": SAMPLE_JOB_ID,
        "{attempt_id}": "412345678",
        "{session_id}": "98765432",
        "{project}": "sales_daily",
        "{workflow}": workflow,
        "{task}": f"+{workflow}" + "".join(p if p[0] == "^" else f"+{p}" for p in case.path),
    }
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text


def _log_text(case: FailureCase) -> str:
    """The log's message text, the LEVEL|class| framing removed."""
    lines = case.log or ()
    return "\n".join(line[1:] if line.startswith("|") else line.split("|", 2)[2] for line in lines)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _evidence(case: FailureCase) -> str:
    """Everything TD would show for the case: error, job debug output, task log."""
    parts = list(_strings(case.error))
    if case.job is not None:
        parts += [case.job.cmdout or "", case.job.stderr or "", *_strings(case.job.query)]
    parts.append(_log_text(case))
    return "\n".join(parts)


def _ids(params: list[tuple[str, FailureCase]]) -> list[str]:
    return [case.key for _, case in params]


def test_corpus_is_large_and_broad() -> None:
    assert len(FAILURE_CASES) >= 30
    categories = {EXPECTED[case.key].category for case in FAILURE_CASES}
    assert len(categories) >= 12, sorted(categories)


def test_every_case_has_exactly_one_expectation() -> None:
    assert sorted(case.key for _, case in ALL) == sorted(EXPECTED)


def test_keys_are_unique_snake_case() -> None:
    keys = [case.key for _, case in ALL]
    assert len(keys) == len(set(keys))
    bad = [key for key in keys if not SNAKE.fullmatch(key)]
    assert not bad


@pytest.mark.parametrize(("workflow", "case"), ALL, ids=_ids(ALL))
def test_decisive_line_is_in_the_evidence(workflow: str, case: FailureCase) -> None:
    decisive = EXPECTED[case.key].decisive
    assert decisive.strip() and "\n" not in decisive
    assert not PLACEHOLDER_LIKE.search(decisive)
    # The answer quotes it after masking and escaping, so it must carry none of these.
    assert not any(token in decisive for token in HOSTILE + SECRETS + ("<", ">"))
    assert decisive in _fill(_evidence(case), workflow, case)


@pytest.mark.parametrize(("workflow", "case"), ALL, ids=_ids(ALL))
def test_only_known_placeholders(workflow: str, case: FailureCase) -> None:
    texts = [
        *_strings(case.error),
        *_strings(case.config),
        *_strings(case.state_params),
        *_strings(case.store_params),
        *(case.log or ()),
    ]
    if case.job is not None:
        texts += [case.job.cmdout or "", case.job.stderr or "", *_strings(case.job.query)]
    found = {match for text in texts for match in PLACEHOLDER_LIKE.findall(text)}
    assert found <= set(PLACEHOLDERS)


@pytest.mark.parametrize(("workflow", "case"), ALL, ids=_ids(ALL))
def test_log_lines_follow_the_agreed_format(workflow: str, case: FailureCase) -> None:
    if case.log is None:
        return
    assert case.log and LOG_ENTRY.fullmatch(case.log[0])
    for line in case.log:
        assert "\n" not in line
        assert line.startswith("|") or LOG_ENTRY.fullmatch(line), line


JOB_CASES = [(workflow, case) for workflow, case in ALL if case.job is not None]


def test_job_ids_are_placed_in_varied_sources() -> None:
    placements = {case.job.id_in for _, case in JOB_CASES if case.job}
    assert ("log",) in placements
    assert ("store_params",) in placements
    assert len(placements) >= 3


@pytest.mark.parametrize(("workflow", "case"), JOB_CASES, ids=_ids(JOB_CASES))
def test_job_id_is_exactly_where_id_in_says(workflow: str, case: FailureCase) -> None:
    assert case.job is not None
    id_in = set(case.job.id_in)
    assert id_in and id_in <= {"state_params", "store_params", "log"}
    in_state = case.state_params.get("job", {}).get("jobId") == JOB
    in_store = case.store_params.get("td", {}).get("last_job_id") == JOB
    log_ids = {
        next(group for group in match.groups() if group)
        for match in LOG_JOB_ID.finditer(_fill(_log_text(case), workflow, case))
    }
    assert in_state == ("state_params" in id_in)
    assert in_store == ("store_params" in id_in)
    assert log_ids == ({SAMPLE_JOB_ID} if "log" in id_in else set())
    # Nothing else may leak the id where id_in says it is not.
    assert (JOB in json.dumps(case.state_params)) == in_state
    assert (JOB in json.dumps(case.store_params)) == in_store


FAILED_JOB_CASES = [(w, c) for w, c in JOB_CASES if c.state == "error"]


@pytest.mark.parametrize(("workflow", "case"), FAILED_JOB_CASES, ids=_ids(FAILED_JOB_CASES))
def test_failed_job_error_is_cmdout_newline_stderr(workflow: str, case: FailureCase) -> None:
    assert case.job is not None and case.job.status in {"error", "killed"}
    assert case.error["message"] == (case.job.cmdout or "") + "\n" + (case.job.stderr or "")
    if case.log is not None:
        status = case.job.status.upper()
        assert f"|> TD job {JOB} failed with status {status} (td job)" == case.log[-1]


def test_canceled_tasks_have_an_empty_error_and_a_killed_attempt() -> None:
    canceled = [case for _, case in ALL if case.state == "canceled"]
    assert len(canceled) >= 2
    for case in canceled:
        assert case.error == {} and case.attempt_killed


def _positions() -> Iterator[tuple[str, str, int, int, str, int]]:
    """(key, query, line, column, token, column base) for each located SQL error."""
    located = (
        (re.compile(r"line (\d+):(\d+): mismatched input '([^']+)'"), 1),
        (re.compile(r"line (\d+):(\d+): Column '([^']+)' cannot be resolved"), 1),
        (re.compile(r"line (\d+):(\d+): Function '([^']+)' not registered"), 1),
        (re.compile(r"Line (\d+):(\d+) Table not found '([^']+)'"), 0),
        (re.compile(r"line (\d+):(\d+) cannot recognize input near '([^']+)'"), 0),
    )
    for _, case in JOB_CASES:
        assert case.job is not None
        if not isinstance(case.job.query, str):
            continue
        text = (case.job.cmdout or "") + "\n" + (case.job.stderr or "")
        for pattern, base in located:
            for match in pattern.finditer(text):
                line, column, token = int(match[1]), int(match[2]), match[3]
                yield case.key, case.job.query, line, column, token, base


POSITIONS = list(_positions())


def test_sql_errors_are_located() -> None:
    assert len(POSITIONS) >= 6


@pytest.mark.parametrize(
    ("key", "query", "line", "column", "token", "base"),
    POSITIONS,
    ids=[p[0] for p in POSITIONS],
)
def test_sql_error_position_points_at_the_token(
    key: str, query: str, line: int, column: int, token: str, base: int
) -> None:
    text = query.split("\n")[line - 1]
    assert text[column - base :].startswith(token), (text, column, token)


def test_structural_scenarios_are_covered() -> None:
    cases = [case for _, case in ALL]
    assert any(len(case.path) >= 3 for case in cases)
    assert any(case.has_error_handler for case in cases)
    assert any(case.state_params.get("retry_count") == 3 for case in cases)
    assert any(
        case.task_runs_hours >= 24 and EXPECTED[case.key].category is Category.KILLED_BY_TIMEOUT
        for case in cases
    )
    with_siblings = [case for case in FAILURE_CASES if len(case.siblings) >= 2]
    assert with_siblings
    for case in with_siblings:
        kinds = {EXPECTED[c.key].category for c in (case, *case.siblings)}
        assert len(kinds) == 1 + len(case.siblings)
        assert len({c.path for c in (case, *case.siblings)}) == 1 + len(case.siblings)


def test_one_case_carries_every_hostile_string_in_its_error() -> None:
    assert any(
        all(token in case.error.get("message", "") for token in HOSTILE + SECRETS)
        for _, case in ALL
    )


def test_trino_failures_use_several_framings() -> None:
    stderr = [case.job.stderr or "" for _, case in JOB_CASES if case.job]
    framings = {
        "query_failed": any(re.match(r"Query \d{8}_\d{6}_\d{5}_\w+ failed: ", s) for s in stderr),
        "error_name": any(re.match(r"[A-Z_]+: ", s) for s in stderr),
        "java": any(s.startswith("io.trino.spi.TrinoException: ") for s in stderr),
    }
    assert all(framings.values()), framings
    cmdout_null = [c for _, c in JOB_CASES if c.job and c.job.cmdout is None]
    stderr_null_error_in_cmdout = [
        c for _, c in FAILED_JOB_CASES if c.job and c.job.stderr is None and c.job.status == "error"
    ]
    assert cmdout_null and stderr_null_error_in_cmdout


def test_new_scenarios_note_where_their_texts_come_from() -> None:
    """Issue 16's scenarios are built from real message texts; each names its source."""
    new = [case for _, case in ALL if case.key in OPS]
    assert len(new) >= 40 and len(new) == len(OPS)
    assert all(case.source.strip() for case in new)

"""The failure corpus: how TD workflow runs fail, as the sandbox serves them.

Each ``FailureCase`` in ``FAILURE_CASES`` is built by following the mechanics in
``failures.md`` (how Digdag turns an exception into a task ``error`` and task-log
lines, how TD jobs report in ``debug.cmdout`` / ``debug.stderr``), not by copying
its sample strings: framings, wordings and where the evidence sits vary from case
to case, so that a classifier built from the mechanics is what passes.

Placeholders. ``error``, ``log``, ``job`` and param texts may contain
``{job_id}``, ``{attempt_id}``, ``{session_id}``, ``{task}`` (the failing task's
full name, e.g. ``+wf+load+aggregate``), ``{project}`` and ``{workflow}``. The
sandbox replaces exactly these with ``str.replace``; other braces are literal.
Header comments say ``-- project_id: 501234``: that id is not a placeholder.

Log lines. Each entry of ``FailureCase.log`` is one physical line of the task log
without Digdag's ``<timestamp> [<LEVEL>] (<thread>) <class>: `` prefix:

* a logged message is ``"LEVEL|class|message"``, e.g.
  ``"INFO|io.digdag.core.agent.OperatorManager|td>: queries/aggregate.sql"``;
* a continuation line (multi-line messages, the SQL after ``Started presto job
  id=…:``, raw py>/sh> output, Java stack frames) is ``"|"`` + the raw text,
  e.g. ``"|SELECT 1"``.

The sandbox formats the first kind into full Digdag lines and writes the second
kind as-is.
"""

from __future__ import annotations

from bot.sandbox.cases import FailureCase
from bot.sandbox.corpus_hive_api import HIVE_API_CASES
from bot.sandbox.corpus_hive_yarn import HIVE_YARN_CASES
from bot.sandbox.corpus_limits import LIMIT_CASES
from bot.sandbox.corpus_log import JOB, PLACEHOLDERS, TASK
from bot.sandbox.corpus_operators import OPERATOR_CASES
from bot.sandbox.corpus_scripts import SCRIPT_CASES
from bot.sandbox.corpus_transfer import TRANSFER_CASES
from bot.sandbox.corpus_transfer_more import TRANSFER_MORE_CASES
from bot.sandbox.corpus_trino_codes import TRINO_CODE_CASES
from bot.sandbox.corpus_trino_run import TRINO_RUN_CASES
from bot.sandbox.corpus_trino_sql import TRINO_SQL_CASES
from bot.sandbox.corpus_workflow import WORKFLOW_CASES

__all__ = ["FAILURE_CASES", "JOB", "PLACEHOLDERS", "TASK"]

FAILURE_CASES: tuple[FailureCase, ...] = (
    *TRINO_SQL_CASES,
    *TRINO_RUN_CASES,
    *HIVE_API_CASES,
    *TRANSFER_CASES,
    *SCRIPT_CASES,
    *LIMIT_CASES,
    # Issue 16: operators and engines beyond td>/py>/sh>, each with its source noted.
    *TRINO_CODE_CASES,
    *HIVE_YARN_CASES,
    *TRANSFER_MORE_CASES,
    *OPERATOR_CASES,
    *WORKFLOW_CASES,
)

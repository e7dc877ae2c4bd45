"""Operator families that change how a failure is read."""

from __future__ import annotations

# Operators that submit a TD job and poll it. Their task-level _retry re-polls the
# same failed job (failures.md 1.3), and the job's debug output is evidence.
TD_JOB_OPERATORS = frozenset(
    {
        "td>",
        "td_run>",
        "td_load>",
        "td_result_export>",
        "td_table_export>",
        "td_partial_delete>",
        "td_wait>",
        "td_wait_table>",
    }
)
EXPORT_OPERATORS = frozenset({"td_result_export>", "td_table_export>"})
# td> config keys that turn a query into a result export.
EXPORT_CONFIG_KEYS = frozenset({"result_connection", "result_url", "result_settings"})
EXPORT_JOB_TYPES = frozenset({"export", "result_export", "table_export"})

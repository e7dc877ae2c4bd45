"""All classification rules in the order they are tried: by stage, then family."""

from __future__ import annotations

from bot.diagnosis import rules_hive, rules_scripts, rules_transfer, rules_trino, rules_workflow
from bot.diagnosis.rule import Rule

# Within a stage, earlier families win: a py> container's memory kill is read by the
# scripts family before the Hive family reads "OutOfMemoryError" as a Java heap.
_FAMILIES = (
    rules_trino.RULES,
    rules_scripts.RULES,
    rules_hive.RULES,
    rules_transfer.RULES,
    rules_workflow.RULES,
)

RULES: tuple[Rule, ...] = tuple(
    sorted((r for family in _FAMILIES for r in family), key=lambda r: r.stage)
)

"""Digdag's own failures: TD API refusals, task and attempt limits, dependencies,
SLA, configuration, and operators TD Workflow does not run."""

from __future__ import annotations

from bot.diagnosis.categories import Category as C
from bot.diagnosis.rule import Rule, Stage, rule

RULES: tuple[Rule, ...] = (
    rule(
        Stage.PERMISSION,
        C.PERMISSION,
        "TD refused the request for the user the workflow runs as (its API key or its "
        "database permissions)",
        r"\[40[13]:",
        r"\bAUTHENTICATION_FAILURE\b",
        r"\((?:authentication failed|td client http (?:unauthorized|forbidden))\)",
        r"\bAccessControlException\b",
        r"Permission denied: user=",
        r"Access denied for (?:database|table|the destination)\b",
        r"\bInvalid API ?key\b",
    ),
    rule(
        Stage.LIMIT,
        C.CONCURRENCY_LIMIT,
        "the account already had as many attempts running as TD allows: nothing is wrong "
        "with this workflow, and the limit clears as running attempts finish",
        r"\bToo many attempts running\b",
        r"\(attempt limit exceeded\)",
    ),
    rule(
        Stage.LIMIT,
        C.ATTEMPT_LIMIT,
        "the attempt would exceed TD's limit on tasks per attempt: the same loop generates "
        "the same number of tasks again",
        r"\bToo many (?:tasks|subtasks|for_each subtasks|loop subtasks|for_range subtasks)\b",
        r"\(task limit exceeded\)",
    ),
    rule(
        Stage.DEPENDENCY,
        C.CONFIG_ERROR,
        "require> names a workflow or project that does not exist",
        r"\bDependent workflow does not exist\b",
    ),
    rule(
        Stage.DEPENDENCY,
        C.UPSTREAM_WAIT,
        "the workflow this one requires failed first",
        r"\bDependent workflow failed\b",
    ),
    rule(
        Stage.DEPENDENCY,
        C.UPSTREAM_WAIT,
        "the task stopped waiting at its timeout: what it waited for never appeared",
        r"\bTimeout happened\b",
        r"\(polling timeout\)",
    ),
    rule(
        Stage.DEPENDENCY,
        C.SLA_MISSED,
        "the workflow's sla: deadline passed while a task was still running, and sla: "
        "has fail: true; the failing task is Digdag's own ^sla^fail, not a broken step",
        r"^SLA violation$",
    ),
    rule(
        Stage.CONFIG,
        C.CONFIG_ERROR,
        "TD Workflow does not run this operator (emr>, param_get>, sh>, rb> and embulk> "
        "are for self-hosted Digdag)",
        r"\bUnknown task type\b",
        r"\bUnknown operator\b",
        r"\b(?:[Uu]nsupported|[Nn]ot supported)\b.*\b(?:operator|task type)\b",
        r"param_server\.type is required",
    ),
    rule(
        Stage.CONFIG,
        C.CONFIG_ERROR,
        "the td_wait> condition query returned a row without columns: it must select one "
        "true or false value",
        r"\bGot empty row in result of query\b",
    ),
    rule(
        Stage.CONFIG,
        C.CONFIG_ERROR,
        "the workflow definition or a parameter it needs is wrong or missing",
        r"\bConfiguration error at task\b",
        r"\(config\)\s*$",
        r"\bSecret not found\b",
        r"\(secret not found\)",
        r"resource pool with name '[^']+' does not exist",
        r"\bis required but not set\b",
        r"Failed to parse yaml",
        r"\[(?:TARGET_NOT_FOUND|INVALID_INPUT|TARGET_ALREADY_EXISTS)\]",
        r"\[CLIENT_ERROR\] \[4\d\d:",
        r"\(td client http not found\)",
    ),
)

"""Real ids from the sandbox account to show in the banner and to play in the tour."""

from __future__ import annotations

from dataclasses import dataclass

from bot.console.runtime import DemoRuntime
from bot.diagnosis import diagnose_attempt
from bot.sandbox.corpus import FAILURE_CASES

# A failure with a TD job behind it, whose diagnosis shows the whole chain:
# failing task, root error, category, retry advice and what changed.
FEATURED_CASE = "presto_missing_column"


@dataclass(frozen=True)
class Examples:
    failed_attempt_id: str
    job_id: str
    project: str  # of a scheduled workflow
    workflow: str


def featured_case_key() -> str:
    keys = [case.key for case in FAILURE_CASES]
    return FEATURED_CASE if FEATURED_CASE in keys else keys[0]


async def find_examples(demo: DemoRuntime) -> Examples:
    attempt_id = demo.sandbox.case_attempt_id(featured_case_key())
    diagnosis = await diagnose_attempt(demo.td, attempt_id, console_base=demo.sandbox.url)
    job_id = diagnosis.primary.job_id if diagnosis.primary is not None else None
    if not job_id:
        newest = await demo.td.jobs(limit=1)
        if not newest:
            raise LookupError("the sandbox account has no TD job to show")
        job_id = newest[0].job_id
    async for schedule in demo.td.iter_schedules():
        if schedule.disabled_at is None:
            return Examples(attempt_id, job_id, schedule.project.name, schedule.workflow.name)
    raise LookupError("the sandbox account has no enabled schedule to show")

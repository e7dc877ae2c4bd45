"""Failure diagnosis: what broke in a TD workflow attempt or job, and what to do."""

from bot.diagnosis.categories import Category, RetryAdvice
from bot.diagnosis.engine import diagnose_attempt, diagnose_job, diagnose_session
from bot.diagnosis.model import (
    AttemptSummary,
    Changes,
    Diagnosis,
    Evidence,
    FailureStreak,
    JobDiagnosis,
    KillInfo,
    LastGoodRun,
    ParamChange,
    SqlLineHint,
    TaskFailure,
    Upstream,
)

__all__ = [
    "AttemptSummary",
    "Category",
    "Changes",
    "Diagnosis",
    "Evidence",
    "FailureStreak",
    "JobDiagnosis",
    "KillInfo",
    "LastGoodRun",
    "ParamChange",
    "RetryAdvice",
    "SqlLineHint",
    "TaskFailure",
    "Upstream",
    "diagnose_attempt",
    "diagnose_job",
    "diagnose_session",
]

"""The shape of one expected diagnosis (see ``expected.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.diagnosis.categories import Category, RetryAdvice


@dataclass(frozen=True)
class Expected:
    category: Category
    retry: RetryAdvice
    decisive: str  # a line (or unique part of one) the answer must quote
    # A phrase of tdbot's own judgement (verdict, retry line or disagreement) that TD's
    # text does not contain: the category and advice are stated, not copied.
    says: str | None = None
    disagrees: bool = False  # the answer must say why it differs from TD's text
    iteration: str | None = None  # part of the sub-workflow iteration label
    handles: str | None = None  # a failed ^error handler: the handled task's path suffix
    slow_task: str | None = None  # an sla: failure: the slow task's path suffix

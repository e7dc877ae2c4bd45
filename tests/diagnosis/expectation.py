"""The shape of one expected diagnosis (see ``expected.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.diagnosis.categories import Category, RetryAdvice


@dataclass(frozen=True)
class Expected:
    category: Category
    retry: RetryAdvice
    decisive: str  # a line (or unique part of one) the answer must quote

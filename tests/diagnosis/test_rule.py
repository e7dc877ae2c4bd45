"""A rule's pre-check may only be looser than its patterns, never stricter."""

from __future__ import annotations

import pytest

from bot.diagnosis.rule import _loose
from bot.diagnosis.rules import RULES
from bot.sandbox.corpus import FAILURE_CASES


@pytest.mark.parametrize(
    ("pattern", "loose"),
    [
        (r"\bA\b|\bB", r"A\b|B"),  # each top-level branch loses its opening \b
        (r"(\bx|\by)|\bz", r"(\bx|\by)|z"),  # a group's branches are left alone
        (r"[\b|]\bq|\bw", r"[\b|]\bq|w"),  # a | in a class starts no branch
        (r"\\b|\bk", r"\\b|k"),  # an escaped backslash is no \b
        (r"plain", "plain"),
    ],
)
def test_loose_drops_only_the_opening_word_boundaries(pattern: str, loose: str) -> None:
    assert _loose(pattern) == loose


def _corpus_lines() -> list[str]:
    lines: list[str] = []
    for case in FAILURE_CASES:
        texts = [str(value) for value in case.error.values()]
        texts += list(case.log or ())
        if case.job is not None:
            texts += [case.job.stderr or "", case.job.cmdout or ""]
        lines += [line for text in texts for line in text.splitlines() if line.strip()]
    return lines


def test_every_line_a_rule_matches_passes_its_pre_check() -> None:
    lines = _corpus_lines()
    matched = 0
    for rule in RULES:
        for line in lines:
            if any(pattern.search(line) for pattern in rule.patterns):
                matched += 1
                assert rule.any_of.search(line), (rule.category, line)
    assert matched > len(FAILURE_CASES)  # the corpus really exercises the rules

"""Every corpus case, diagnosed over loopback HTTP; the expectations live in the tests.

Four facts per failing task: the task, the decisive line, the category and the
retry advice; the last two also as tdbot's own sentences, never TD's text.
"""

from __future__ import annotations

import pytest

from bot.diagnosis import Category, Diagnosis, RetryAdvice, TaskFailure, diagnose_attempt
from bot.sandbox import Sandbox
from bot.sandbox.cases import FailureCase
from bot.sandbox.corpus import FAILURE_CASES
from bot.td import TDClient
from tests.diagnosis.expectation import Expected
from tests.diagnosis.expected import EXPECTED


def _full_name(case: FailureCase, leaf: FailureCase) -> str:
    # Digdag-generated elements (^sla^fail, ^error) hang on their owner without a "+".
    return f"+{case.key}" + "".join(p if p.startswith("^") else f"+{p}" for p in leaf.path)


def _failure(diagnosis: Diagnosis, full_name: str) -> TaskFailure:
    found = [f for f in diagnosis.failures if f.task_full_name == full_name]
    names = [f.task_full_name for f in diagnosis.failures]
    assert len(found) == 1, f"{full_name} not diagnosed once; got {names}"
    return found[0]


def _check(failure: TaskFailure, expected: Expected, case_key: str) -> None:
    assert (failure.category, failure.retry) == (expected.category, expected.retry), (
        failure.root_error
    )
    texts = [failure.root_error, *(e.text for e in failure.evidence)]
    assert any(expected.decisive in text for text in texts), (expected.decisive, failure.root_error)
    assert failure.root_error and "\n" not in failure.root_error
    assert failure.retry_note and failure.next_step
    _check_own_words(failure, expected)
    _check_location(failure, expected, case_key)


def _check_own_words(failure: TaskFailure, expected: Expected) -> None:
    """Category and retry are tdbot's sentences, one line each, never TD's text."""
    td_texts = [e.text for e in failure.evidence]
    own = [failure.verdict, failure.retry_line]
    for line in own:
        assert line and "\n" not in line
        assert expected.decisive not in line and failure.root_error not in line
        assert not any(line in text for text in td_texts)
    if failure.disagreement is not None:
        own.append(failure.disagreement)
        assert failure.disagreement.startswith("TD ") and ", but " in failure.disagreement
    assert (failure.disagreement is not None) == expected.disagrees, failure.disagreement
    if expected.says is not None:
        assert any(expected.says in line for line in own), (expected.says, own)
        assert not any(expected.says in text for text in td_texts)
    if expected.retry is RetryAdvice.DEPENDS and expected.category is not Category.SLA_MISSED:
        # It cannot tell: it says so, and says where the reason is kept.
        assert not failure.certain
        assert "cannot tell" in failure.verdict and "check " in failure.retry_line
    else:
        assert failure.certain


def _check_location(failure: TaskFailure, expected: Expected, case_key: str) -> None:
    # Inside a generated body (if>, call>, for_each>, loop>) the answer says where.
    assert (failure.iteration is not None) == ("^sub" in failure.task_full_name)
    if expected.iteration is not None:
        assert failure.iteration is not None and expected.iteration in failure.iteration
    if expected.handles is None:
        assert failure.handles is None
    else:
        assert failure.is_handler and failure.handles == f"+{case_key}{expected.handles}"
        assert failure.handles in failure.next_step
    if expected.slow_task is None:
        assert failure.slow_task is None
    else:
        assert failure.slow_task == f"+{case_key}{expected.slow_task}"


@pytest.mark.parametrize("case", FAILURE_CASES, ids=[c.key for c in FAILURE_CASES])
async def test_case(lab: Sandbox, td: TDClient, case: FailureCase) -> None:
    diagnosis = await diagnose_attempt(td, lab.case_attempt_id(case.key), console_base=lab.url)
    assert not diagnosis.nothing_failed and diagnosis.status.failed
    _check(_failure(diagnosis, _full_name(case, case)), EXPECTED[case.key], case.key)
    for sibling in case.siblings:
        _check(_failure(diagnosis, _full_name(case, sibling)), EXPECTED[sibling.key], case.key)
    # Evidence stays bounded whatever TD sent.
    for failure in diagnosis.failures:
        assert all(len(e.text) <= 4000 and e.text.count("\n") < 40 for e in failure.evidence)


_NO_RETRY = (RetryAdvice.NO, RetryAdvice.AFTER_FIX)


@pytest.mark.parametrize("case", FAILURE_CASES, ids=[c.key for c in FAILURE_CASES])
def test_the_world_agrees_with_the_retry_advice(case: FailureCase) -> None:
    """The sandbox states whether a retry recovers; a firm judgement must match it."""
    advice = EXPECTED[case.key].retry
    if advice in _NO_RETRY:
        assert not case.retry_recovers
    if advice is RetryAdvice.YES:
        assert case.retry_recovers

"""Every corpus case, diagnosed over loopback HTTP; the expectations live in the tests."""

from __future__ import annotations

import pytest

from bot.diagnosis import Diagnosis, RetryAdvice, TaskFailure, diagnose_attempt
from bot.sandbox import Sandbox
from bot.sandbox.cases import FailureCase
from bot.sandbox.corpus import FAILURE_CASES
from bot.td import TDClient
from tests.diagnosis.expectation import Expected
from tests.diagnosis.expected import EXPECTED


def _full_name(case: FailureCase, leaf: FailureCase) -> str:
    return f"+{case.key}+" + "+".join(leaf.path)


def _failure(diagnosis: Diagnosis, full_name: str) -> TaskFailure:
    found = [f for f in diagnosis.failures if f.task_full_name == full_name]
    names = [f.task_full_name for f in diagnosis.failures]
    assert len(found) == 1, f"{full_name} not diagnosed once; got {names}"
    return found[0]


def _check(failure: TaskFailure, expected: Expected) -> None:
    assert (failure.category, failure.retry) == (expected.category, expected.retry), (
        failure.root_error
    )
    texts = [failure.root_error, *(e.text for e in failure.evidence)]
    assert any(expected.decisive in text for text in texts), (expected.decisive, failure.root_error)
    assert failure.root_error and "\n" not in failure.root_error
    assert failure.retry_note and failure.next_step


@pytest.mark.parametrize("case", FAILURE_CASES, ids=[c.key for c in FAILURE_CASES])
async def test_case(lab: Sandbox, td: TDClient, case: FailureCase) -> None:
    diagnosis = await diagnose_attempt(td, lab.case_attempt_id(case.key), console_base=lab.url)
    assert not diagnosis.nothing_failed and diagnosis.status.failed
    _check(_failure(diagnosis, _full_name(case, case)), EXPECTED[case.key])
    for sibling in case.siblings:
        _check(_failure(diagnosis, _full_name(case, sibling)), EXPECTED[sibling.key])
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

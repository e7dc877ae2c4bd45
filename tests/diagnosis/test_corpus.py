"""Every corpus case, diagnosed over loopback HTTP: the engine never sees ``expected``."""

from __future__ import annotations

import pytest

from bot.diagnosis import Diagnosis, TaskFailure, diagnose_attempt
from bot.sandbox import Sandbox
from bot.sandbox.cases import Expectation, FailureCase
from bot.sandbox.corpus import FAILURE_CASES
from bot.td import TDClient


def _full_name(case: FailureCase, leaf: FailureCase) -> str:
    return f"+{case.key}+" + "+".join(leaf.path)


def _failure(diagnosis: Diagnosis, full_name: str) -> TaskFailure:
    found = [f for f in diagnosis.failures if f.task_full_name == full_name]
    names = [f.task_full_name for f in diagnosis.failures]
    assert len(found) == 1, f"{full_name} not diagnosed once; got {names}"
    return found[0]


def _check(failure: TaskFailure, expected: Expectation) -> None:
    assert (failure.category, failure.retry) == (expected.category, expected.retry), (
        failure.root_error
    )
    texts = [failure.root_error, *(e.text for e in failure.evidence)]
    assert any(expected.decisive in text for text in texts), (expected.decisive, failure.root_error)
    assert failure.root_error and "\n" not in failure.root_error
    assert failure.retry_note and failure.next_step


@pytest.mark.parametrize("case", FAILURE_CASES, ids=[c.key for c in FAILURE_CASES])
async def test_case(lab: Sandbox, td: TDClient, case: FailureCase) -> None:
    assert case.expected is not None
    diagnosis = await diagnose_attempt(td, lab.case_attempt_id(case.key), console_base=lab.url)
    assert not diagnosis.nothing_failed and diagnosis.status.failed
    _check(_failure(diagnosis, _full_name(case, case)), case.expected)
    for sibling in case.siblings:
        assert sibling.expected is not None
        _check(_failure(diagnosis, _full_name(case, sibling)), sibling.expected)
    # Evidence stays bounded whatever TD sent.
    for failure in diagnosis.failures:
        assert all(len(e.text) <= 4000 and e.text.count("\n") < 40 for e in failure.evidence)

"""The judgement in tdbot's own words, over texts that mislead when read literally."""

from __future__ import annotations

import pytest

from bot.diagnosis.categories import Category, RetryAdvice
from bot.diagnosis.classify import FailureText, classify


def _judge(message: str, operator: str = "td>") -> tuple[str, ...]:
    found = classify(FailureText(operator=operator, error_message=message))
    return found.verdict, found.retry_line, found.disagreement or ""


def test_td_saying_retry_on_a_query_that_fails_again_is_contradicted() -> None:
    message = (
        "Query 20240601_0000_00001_k7hx2 failed: EXCEEDED_TIME_LIMIT: Query exceeded maximum "
        "time limit of 1.00h. Please retry later."
    )
    found = classify(FailureText(operator="td>", error_message=message))
    assert (found.category, found.retry) == (Category.TIME_LIMIT, RetryAdvice.NO)
    assert found.disagreement is not None
    assert found.disagreement.startswith("TD's text suggests retrying, but ")
    assert "fails the same way" in found.disagreement


def test_an_internal_error_label_on_a_user_error_is_contradicted() -> None:
    message = (
        'PrestoQueryError(type=INTERNAL_ERROR, name=DIVISION_BY_ZERO, message="Division by '
        'zero", query_id=20240601_0000_00002_k7hx2)'
    )
    verdict, _, disagreement = _judge(message, operator="py>")
    assert "divide" in verdict
    assert disagreement.startswith("TD's text calls this an internal error, but ")


@pytest.mark.parametrize(
    "message",
    [
        "Query killed because the cluster is out of memory. Please try again in a few minutes.",
        "NO_NODES_AVAILABLE: No nodes available to run query",
    ],
)
def test_no_disagreement_when_tdbot_agrees(message: str) -> None:
    verdict, retry_line, disagreement = _judge(message)
    assert retry_line.startswith("Retry as it is")
    assert not disagreement and message not in verdict


def test_unknown_text_says_it_cannot_tell_and_where_to_look() -> None:
    found = classify(
        FailureText(operator="td>", error_message="something odd happened", job_id="2187")
    )
    assert found.category is Category.UNKNOWN and not found.certain
    assert found.verdict.startswith("tdbot cannot tell the cause")
    assert "TD job 2187" in found.verdict and "TD job 2187" in found.retry_line


def test_a_transient_cause_that_outlasted_the_tasks_own_retries_is_not_a_safe_retry() -> None:
    message = (
        "Python command failed with code 1\nError messages from python: 503 Server Error: "
        "Service Unavailable for url: https://api.example.com/x (HTTPError)"
    )
    once = classify(FailureText(operator="py>", error_message=message))
    thrice = classify(FailureText(operator="py>", error_message=message, retry_count=3))
    assert once.retry is RetryAdvice.YES
    assert thrice.retry is RetryAdvice.DEPENDS and "3 time(s)" in thrice.retry_line
    # td> re-polls the same job on _retry: the count says nothing about the cause.
    td = classify(FailureText(operator="td>", error_message="REMOTE_TASK_ERROR: x", retry_count=3))
    assert td.retry is RetryAdvice.YES

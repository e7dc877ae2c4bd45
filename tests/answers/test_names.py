"""`<project>/<workflow>` in place of an attempt id: its newest failed attempt, or suggestions."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.answers import SUBCOMMANDS, Answerer, RequestContext
from bot.commands import (
    AttemptTarget,
    ByName,
    CommandError,
    Diagnose,
    Grammar,
    Retry,
    Scope,
    ShowAttempt,
)
from bot.message import Outcome
from bot.sandbox import Sandbox
from bot.td import RetryPolicy, TDClient

CTX = RequestContext(user_id="U1", channel_id="C1")
WORKFLOW = "sales_daily/sales_daily"


@pytest.fixture
async def answerer(sandbox: Sandbox) -> AsyncIterator[Answerer]:
    async with TDClient(
        sandbox.api_key, sandbox.endpoints(), retry=RetryPolicy(max_attempts=1)
    ) as td:
        yield Answerer(td, sandbox.endpoints().console, SUBCOMMANDS)


def test_a_name_parses_where_an_attempt_id_goes_and_the_rest_is_checked_at_once() -> None:
    grammar = Grammar(SUBCOMMANDS)
    scope = Scope("Sales_Daily", "SALES_daily")
    for verb in ("diagnose", "retry", "kill", "attempt", "timeline"):
        assert grammar.parse(f"{verb} Sales_Daily/SALES_daily") == ByName(verb, scope)
    assert grammar.parse("why a/b") == ByName("diagnose", Scope("a", "b"))
    bad = grammar.parse("timeline a/b extra")
    assert isinstance(bad, CommandError) and "one too many" in bad.message
    no_workflow = grammar.parse("retry sales/")
    assert isinstance(no_workflow, CommandError)
    assert "<project>/<workflow>" in no_workflow.message
    # The text reads back to the same value, quotes and all.
    spaced = ByName("attempt", Scope("my project", "daily"))
    assert grammar.parse(spaced.text()) == spaced


def newest_failure(sandbox: Sandbox) -> str:
    """A run of WORKFLOW that fails now: the workflow's newest failed attempt."""
    sandbox.fail_next(WORKFLOW, "presto_missing_column")
    sandbox.advance(60)
    newest = sandbox.last_attempt_id(WORKFLOW)
    assert newest is not None
    return newest


async def test_a_name_means_the_newest_failed_attempt_whatever_its_case(
    answerer: Answerer, sandbox: Sandbox
) -> None:
    newest = newest_failure(sandbox)
    via_name = await answerer.answer(answerer.read("attempt SALES_daily/Sales_Daily"), CTX)
    via_id = await answerer.answer(ShowAttempt(newest), CTX)
    assert via_name == via_id and via_id.outcome is Outcome.OK
    diagnosis = await answerer.answer(answerer.read("diagnose sales_daily/sales_daily"), CTX)
    assert diagnosis.title == (await answerer.answer(Diagnose(AttemptTarget(newest)), CTX)).title
    assert newest in diagnosis.title


async def test_a_misspelt_name_gets_did_you_mean_and_td_sees_no_write(
    answerer: Answerer, sandbox: Sandbox
) -> None:
    project = await answerer.answer(answerer.read("diagnose sales_dialy/sales_daily"), CTX)
    assert project.outcome is Outcome.USAGE
    assert "TD has no project named `sales_dialy`; did you mean `sales_daily`" in project.text
    workflow = await answerer.answer(answerer.read("retry Sales_Daily/sales_daly"), CTX)
    assert "TD has no workflow named `sales_daly`; did you mean `sales_daily`" in workflow.text
    assert sandbox.requests.count(method="PUT") == sandbox.requests.count(method="POST") == 0


async def test_a_retry_by_name_confirms_the_newest_failed_attempt(
    sandbox: Sandbox, answerer: Answerer
) -> None:
    newest = newest_failure(sandbox)
    # Without admins the bot has no actions: the name is resolved, then "not available".
    reply = await answerer.answer(answerer.read("retry sales_daily/sales_daily"), CTX)
    assert reply == await answerer.answer(Retry(newest), CTX)

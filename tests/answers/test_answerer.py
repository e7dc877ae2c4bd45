"""The Answerer against the sandbox TD account: dispatch, errors, and thread context."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.answers import SUBCOMMANDS, Answerer, RequestContext
from bot.answers.services import Services
from bot.commands import (
    Diagnose,
    ListSessions,
    ShowAttempt,
    ShowJob,
)
from bot.message import Message, Outcome
from bot.render import TerminalStyle, render_console
from bot.sandbox import Sandbox
from bot.sandbox.corpus import FAILURE_CASES
from bot.td import RetryPolicy, TDClient
from tests.commands.grammar import parse
from tests.diagnosis.expected import EXPECTED

CTX = RequestContext(user_id="U1", channel_id="C1")
FAST = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02, max_total=0.5)


@pytest.fixture
async def td(sandbox: Sandbox) -> AsyncIterator[TDClient]:
    async with TDClient(sandbox.api_key, sandbox.endpoints(), retry=FAST) as client:
        yield client


@pytest.fixture
def answerer(sandbox: Sandbox, td: TDClient) -> Answerer:
    return Answerer(td, sandbox.endpoints().console, SUBCOMMANDS)


def shown(reply: Message) -> str:
    return "\n".join(render_console(reply, TerminalStyle(width=200)))


async def test_free_text_with_a_console_link_reads_as_a_lookup(
    answerer: Answerer, sandbox: Sandbox
) -> None:
    console = sandbox.endpoints().console
    assert answerer.read(f"what happened in {console}/app/jobs/42 ?") == ShowJob("42")
    link = f"<{console}/app/workflows/3/sessions/4/attempt/5|the run>"
    assert answerer.read(f"hey look {link}") == ShowAttempt("5")
    assert answerer.read("job 7") == parse("job 7")


async def test_commands_whose_service_is_absent_say_not_available(answerer: Answerer) -> None:
    """A bot without a store or admins (this one) cannot subscribe, mute, retry or kill."""
    for text in ("subscribe sales", "mute sales 4h", "retry 5", "kill job 6"):
        reply = await answerer.answer(answerer.read(text), CTX)
        assert reply.outcome is Outcome.UNAVAILABLE and reply.private
        assert "is not available in this version of tdbot yet" in shown(reply)


async def test_diagnose_without_id_needs_an_alert_thread(
    answerer: Answerer, sandbox: Sandbox
) -> None:
    outside = await answerer.answer(Diagnose(), CTX)
    assert outside.outcome is Outcome.USAGE
    assert "only works inside the thread of a tdbot alert" in shown(outside)

    case = FAILURE_CASES[0]
    attempt_id = sandbox.case_attempt_id(case.key)
    thread = RequestContext("U1", "C1", thread_ts="1.2", thread_attempt_id=str(attempt_id))
    inside = await answerer.answer(answerer.read("why"), thread)
    assert inside.outcome is Outcome.OK
    assert EXPECTED[case.key].category.title in shown(inside)


async def test_unknown_project_and_workflow_are_named(answerer: Answerer, td: TDClient) -> None:
    no_project = await answerer.answer(ListSessions("no_such_project_x"), CTX)
    assert no_project.outcome is Outcome.NOT_FOUND
    assert "There is no project no_such_project_x" in shown(no_project)
    [attempt] = await td.attempts_page(page_size=1)
    no_workflow = await answerer.answer(ListSessions(attempt.project.name, "nope_wf"), CTX)
    assert f"There is no workflow {attempt.project.name}/nope_wf" in shown(no_workflow)


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (403, "TD refused access about attempt"),
        (503, "TD is not answering right now (HTTP 503)"),
    ],
)
async def test_td_failures_become_clear_answers(
    answerer: Answerer, sandbox: Sandbox, td: TDClient, status: int, words: str
) -> None:
    [attempt] = await td.attempts_page(page_size=1)
    sandbox.faults.fail(10, status=status)
    reply = await answerer.answer(ShowAttempt(attempt.id), CTX)
    assert reply.outcome is Outcome.TD_ERROR and reply.private
    assert words in shown(reply)


async def test_rate_limited_by_td(answerer: Answerer, sandbox: Sandbox, td: TDClient) -> None:
    [attempt] = await td.attempts_page(page_size=1)
    sandbox.faults.rate_limit(10, retry_after=0.01)
    reply = await answerer.answer(ShowAttempt(attempt.id), CTX)
    assert "TD is rate-limiting tdbot (429)" in shown(reply)


async def test_a_bug_in_a_handler_becomes_an_internal_error_reply(
    td: TDClient, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(command: object, ctx: RequestContext, services: Services) -> Message:
        raise KeyError("bug")

    declared = [replace(s, handler=broken) if s.name == "job" else s for s in SUBCOMMANDS]
    answerer = Answerer(td, "http://console.example", declared)
    reply = await answerer.answer(ShowJob("1"), CTX)
    assert reply.outcome is Outcome.INTERNAL and reply.private
    found = re.search(r"log reference ([0-9a-f]{8})", shown(reply))
    assert found is not None
    assert f"internal error {found[1]} answering job 1" in caplog.text
    assert "KeyError" in caplog.text

"""`/td retry | kill | kill job` answers: an admin gets a confirmation, nobody else gets TD."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.actions import ActionService
from bot.answers import SUBCOMMANDS, Answerer, RequestContext
from bot.commands import Kill, KillJob, Retry
from bot.message import Outcome
from bot.render import TerminalStyle, render_console
from bot.sandbox import Sandbox
from bot.store import ActionState, Store
from bot.td import RetryPolicy, TDClient

ADMIN = RequestContext(user_id="UADMIN01", channel_id="C1")
SOMEONE = RequestContext(user_id="USOMEONE1", channel_id="C1", thread_ts="1.2")
FAILED_CASE = "presto_cluster_out_of_memory"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with await Store.open(f"sqlite:///{tmp_path / 'state.db'}") as opened:
        yield opened


@pytest.fixture
async def answerer(sandbox: Sandbox, store: Store) -> AsyncIterator[Answerer]:
    async with TDClient(
        sandbox.api_key, sandbox.endpoints(), retry=RetryPolicy(max_attempts=1)
    ) as td:
        actions = ActionService(td, store, frozenset({ADMIN.user_id}))
        yield Answerer(td, sandbox.endpoints().console, SUBCOMMANDS, actions=actions)


async def test_an_admin_gets_a_confirmation_and_td_is_only_read(
    answerer: Answerer, sandbox: Sandbox
) -> None:
    attempt_id = sandbox.case_attempt_id(FAILED_CASE)
    reply = await answerer.answer(Retry(attempt_id), ADMIN)
    assert reply.private and reply.outcome is Outcome.OK
    assert reply.title == f"Retry of attempt {attempt_id}?"
    [button] = reply.buttons
    assert json.loads(button.value) == {"attempt_id": attempt_id}
    assert "Nothing is sent to TD until you press the button" in "\n".join(
        render_console(reply, TerminalStyle(width=200))
    )
    assert sandbox.requests.count(method="PUT") == sandbox.requests.count(method="POST") == 0


async def test_everyone_else_is_refused_without_a_request_and_audited(
    answerer: Answerer, sandbox: Sandbox, store: Store
) -> None:
    attempt_id = sandbox.case_attempt_id(FAILED_CASE)
    sandbox.requests.clear()
    for command in (Retry(attempt_id), Kill(attempt_id), KillJob("12345")):
        reply = await answerer.answer(command, SOMEONE)
        assert reply.private and reply.outcome is Outcome.REFUSED and not reply.buttons
        assert "Only tdbot admins (TDBOT_ADMINS) may" in reply.sections[0]
    assert sandbox.requests.records == []
    records = await store.actions(user_id=SOMEONE.user_id)
    assert len(records) == 3 and all(r.state is ActionState.FAILED for r in records)
    assert {r.thread_ts for r in records} == {SOMEONE.thread_ts}


async def test_an_unknown_target_is_named(answerer: Answerer) -> None:
    reply = await answerer.answer(Retry("999999999999"), ADMIN)
    assert reply.outcome is Outcome.NOT_FOUND
    assert reply.title == "No attempt 999999999999"
    job = await answerer.answer(KillJob("999999999999"), ADMIN)
    assert job.title == "No job 999999999999"

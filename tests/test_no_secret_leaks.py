"""No secret reaches any surface, whatever message carries it: one test for every channel.

A run fails with its own secrets echoed everywhere TD puts text: the task's
error message, its log, and its TD job's stderr and output echo a secret
session param, a TD API key, a ``password=`` value and a URL with credentials.
Every kind of message built from it is rendered on every surface, and sent
through every notifier (and, end to end, through the Slack app over HTTP), and
none of the secrets may appear in what is sent.

The Home board shows names the store copied from TD; its kind here carries the
run's error in a workflow name and a scope, which TD would never allow, so the
board's masking is tested on the worst text there is. Reports are not built
yet; their messages join ``KINDS`` when they are.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest

from bot.actions import Target
from bot.answers import SUBCOMMANDS, Answerer, RequestContext
from bot.answers.jobs import show_job
from bot.board import Board, BoardHealth, Listing, Section
from bot.buttons import ActionId
from bot.commands import ShowJob
from bot.console.chat import ConsoleChat, ConsoleNotifier
from bot.console.screen import Screen
from bot.diagnosis import Diagnosis, diagnose_attempt
from bot.message import Message
from bot.notify import SlackNotifier, slack_client
from bot.ops.logs import JsonFormatter
from bot.present.actions import confirmation
from bot.present.alerts import (
    AlertOwnership,
    OnIt,
    Recovery,
    alert_diagnosis,
    digest_messages,
    failure_parent,
    recovery_reply,
    retry_failure_reply,
)
from bot.present.diagnosis import diagnosis_message
from bot.present.escalation import escalated_to, escalated_to_pagerduty
from bot.present.home import home_message
from bot.present.silent import resolved_reply, silent_digests, silent_parent, silent_reply
from bot.render import TerminalStyle, render_console, render_home, render_slack
from bot.sandbox import Sandbox
from bot.sandbox.cases import FailureCase, JobSpec
from bot.silent.codec import dump_finding, load_finding
from bot.silent.findings import (
    Baseline,
    Facts,
    Finding,
    Late,
    LateState,
    LimitSource,
    NotStarted,
    Resolved,
    ResolvedHow,
    RunningLong,
    RunningTask,
    ScheduleDisabled,
)
from bot.store import ActionKind, OpenAlert, Subscription
from bot.td import TDClient
from bot.td.models import Attempt
from tests.alerts.chat_fakes import SlackWithHistory
from tests.fakes.slack_requests import block_action
from tests.slack.harness import running_bot

PARAM_SECRET = "Sftp-Partner-9f2c"
TD_KEY_SECRET = "0123456789abcdef0123456789abcdef01234567"
PASSWORD_SECRET = "hunter2-Xyz-77"
URL_SECRET = "Url-Pass-4411"
SECRETS = (PARAM_SECRET, TD_KEY_SECRET, PASSWORD_SECRET, URL_SECRET)

_ECHO = (
    f"could not log in to sftp with {PARAM_SECRET}; "
    f"apikey=10042/{TD_KEY_SECRET} "
    f"password={PASSWORD_SECRET} "
    f"via https://etl_user:{URL_SECRET}@sftp.partner.example/inbox"
)
LEAKY = FailureCase(
    key="partner_export_leaks_its_secrets",
    title="td> export whose errors echo the run's own secrets",
    path=("export",),
    config={"td>": "queries/partner_export.sql", "database": "partners"},
    # A param echoed alone, with no key next to it: only the params say it is secret.
    error={"message": f"export failed: {_ECHO}\n{PARAM_SECRET}"},
    log=(
        "INFO|io.digdag.core.agent.OperatorManager|td>: queries/partner_export.sql",
        "ERROR|io.digdag.core.agent.OperatorManager|Task {task} failed.",
        f"|{_ECHO}",
        f"|retrying with {PARAM_SECRET} and {quote(PARAM_SECRET)}",
    ),
    job=JobSpec(
        type="presto",
        status="error",
        query=f"SELECT * FROM partner_inbox -- {PARAM_SECRET}",
        database="partners",
        cmdout=f"connecting: {_ECHO}",
        stderr=f"Query failed: {_ECHO}",
    ),
    state_params={"job": {"jobId": "{job_id}", "pollIteration": 2, "errorPollIteration": 0}},
)
NOW = datetime(2026, 12, 1, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
PARAMS = {"target_date": "2026-12-01", "partner_sftp_password": PARAM_SECRET}


def assert_hidden(sent: str, secrets: tuple[str, ...] = SECRETS) -> None:
    for secret in secrets:
        assert secret not in sent, f"{secret!r} leaked"
        assert quote(secret, safe="") not in sent, f"{secret!r} leaked URL-encoded"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=11) as sb:
        sb.run_case_now(LEAKY, PARAMS)
        sb.advance(6 * 3600)
        yield sb


@pytest.fixture
async def td(sandbox: Sandbox) -> AsyncIterator[TDClient]:
    async with TDClient(sandbox.api_key, sandbox.endpoints()) as client:
        yield client


@pytest.fixture
async def failed(sandbox: Sandbox, td: TDClient) -> tuple[Attempt, Diagnosis]:
    attempt = await td.attempt(sandbox.case_attempt_id(LEAKY.key))
    assert attempt.status.value == "error"
    return attempt, await diagnose_attempt(td, attempt.id, console_base=sandbox.url)


def test_the_scenario_really_echoes_every_secret(failed: tuple[Attempt, Diagnosis]) -> None:
    """Otherwise the tests below would pass for want of anything to hide."""
    _, diagnosis = failed
    evidence = " ".join(e.text for f in diagnosis.failures for e in f.evidence)
    raw = evidence + " ".join(f.root_error or "" for f in diagnosis.failures)
    for secret in SECRETS:
        assert secret in raw


def home_board(attempt: Attempt, diagnosis: Diagnosis) -> Message:
    """A board whose names echo the run's error, a word per alert so no cut hides one."""
    words = " ".join(f.root_error or "" for f in diagnosis.failures).split()
    assert all(any(secret in word for word in words) for secret in SECRETS)
    alerts = tuple(
        OpenAlert(
            channel_id="C0ALERTS01",
            session_id=attempt.session_id,
            parent_ts="1700000000.000001",
            status="failing",
            attempt_id=attempt.id,
            project=attempt.project.name,
            workflow=word,
            since=NOW,
            holder="U0ONCALL1",
            holder_since=NOW,
        )
        for word in words
    )
    listings = {s: Listing(alerts if s is Section.FAILING else (), len(alerts)) for s in Section}
    scopes = tuple(
        Subscription(f"C0SCOPE{i:03d}", attempt.project.name, word, 1, "U0LEAD001", NOW)
        for i, word in enumerate(words)
    )
    board = Board(
        user_id="U0LEAD001",
        now=NOW + timedelta(hours=1),
        listings=listings,
        scopes=scopes,
        health=BoardHealth(NOW, poll_failing=False, td_reachable=True),
        workspace_url="https://fake.slack.com/",
    )
    return home_message(board)


def test_the_home_board_shows_the_names_it_masks(failed: tuple[Attempt, Diagnosis]) -> None:
    """Otherwise the board's rows in the table above would pass for want of text."""
    shown = json.dumps(render_home(home_board(*failed)))
    assert shown.count("sftp") >= 4 and shown.count("password=") == 2, shown


def silent_findings(a: Attempt) -> list[Finding]:
    """Each silent kind about the leaky run; its running task's name (for_each>-style)
    and the stored form (what a claim taken over is worded from) echo a secret too."""
    task = RunningTask(f"+export+for-0=key={PARAM_SECRET}", "td>", NOW, "123")
    facts: list[Facts] = [
        RunningLong(
            timedelta(hours=3),
            timedelta(hours=1),
            LimitSource.BASELINE,
            None,
            Baseline(20, timedelta(minutes=9), timedelta(minutes=31), timedelta(minutes=31)),
            (task,),
        ),
        Late(LateState.FAILED, timedelta(hours=3), "*", NOW),
        Late(LateState.RUNNING, timedelta(hours=3), "*", NOW, (task,)),
        NotStarted("77", NOW, timedelta(minutes=30)),
        ScheduleDisabled("77", NOW),
    ]
    found = [Finding(a.project.name, a.workflow.name, a.session_id, NOW, a, f) for f in facts]
    return found + [load_finding(dump_finding(f)) for f in found]


def silent_ends(a: Attempt) -> list[Message]:
    messages: list[Message] = []
    for f in silent_findings(a):
        end = Resolved(f.kind, f.subject, f.project, f.workflow, ResolvedHow.FAILED, NOW, a)
        messages += [silent_parent(f, console=None, resolved=end), resolved_reply(end, f)]
    return messages


Kind = Callable[[Attempt, Diagnosis, str], list[Message]]
KINDS: dict[str, Kind] = {
    "diagnosis": lambda a, d, c: [diagnosis_message(d)],
    "alert parent": lambda a, d, c: [
        failure_parent(
            a, d, console=c, ownership=AlertOwnership(("U0OWNER01",), OnIt("U0ONCALL1", NOW))
        )
    ],
    "thread diagnosis": lambda a, d, c: [alert_diagnosis(d)],
    "escalation": lambda a, d, c: [
        escalated_to("U0ONCALL1", timedelta(minutes=30)),
        escalated_to_pagerduty(f"tdbot-session-{a.session_id}", timedelta(minutes=30)),
    ],
    "thread reply": lambda a, d, c: [retry_failure_reply(a, d, console=c)],
    "recovered parent": lambda a, d, c: [failure_parent(a, d, console=c, recovered=Recovery(a))],
    "recovery": lambda a, d, c: [recovery_reply(a, console=c)],
    "digest": lambda a, d, c: [x.message for x in digest_messages([a, a], console=c)],
    "confirmation": lambda a, d, c: [confirmation(ActionKind.RETRY, Target.from_attempt(a))],
    "home board": lambda a, d, c: [home_board(a, d)],
    "silent parent": lambda a, d, c: [
        silent_parent(f, console=c, ownership=AlertOwnership(("U0OWNER01",)))
        for f in silent_findings(a)
    ],
    "silent reply": lambda a, d, c: [silent_reply(f, console=c) for f in silent_findings(a)],
    "silent end": lambda a, d, c: silent_ends(a),
    "silent digest": lambda a, d, c: [
        x.message for x in silent_digests(silent_findings(a), console=c)
    ],
}
SURFACES: dict[str, Callable[[Message], str]] = {
    "slack": lambda m: json.dumps(render_slack(m).__dict__, ensure_ascii=False),
    "console": lambda m: "\n".join(render_console(m, TerminalStyle(width=100))),
    "slack home": lambda m: json.dumps(render_home(m), ensure_ascii=False),
}


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_message_kind_on_every_surface_hides_the_secrets(
    kind: str, surface: str, failed: tuple[Attempt, Diagnosis], sandbox: Sandbox
) -> None:
    attempt, diagnosis = failed
    for message in KINDS[kind](attempt, diagnosis, sandbox.url):
        assert_hidden(SURFACES[surface](message))


async def test_an_answer_showing_the_jobs_stderr_hides_what_the_rules_find(
    failed: tuple[Attempt, Diagnosis], td: TDClient, sandbox: Sandbox
) -> None:
    """`/td job` reads the job alone: TD does not say which session started it, so the
    session's params are unknown there and a bare param value cannot be recognised.
    Everything the masking rules find (key, password, URL credentials) stays hidden."""
    _, diagnosis = failed
    job_id = diagnosis.failures[0].job_id
    assert job_id is not None
    answerer = Answerer(td, sandbox.url, SUBCOMMANDS)
    reply = await show_job(ShowJob(job_id), RequestContext("U1", "C1"), answerer.services)
    assert "Query failed" in json.dumps(render_slack(reply).blocks)
    for surface in SURFACES.values():
        assert_hidden(surface(reply), (TD_KEY_SECRET, PASSWORD_SECRET, URL_SECRET))


async def test_what_each_notifier_sends_hides_the_secrets(
    failed: tuple[Attempt, Diagnosis], sandbox: Sandbox, tmp_path: Path
) -> None:
    attempt, diagnosis = failed
    parent = failure_parent(attempt, diagnosis, console=sandbox.url)
    full = diagnosis_message(diagnosis)
    with SlackWithHistory() as slack:
        client = slack_client(slack.token, slack.api_url, retry_rate_limits=False)
        notifier = SlackNotifier(client)
        ts = await notifier.post("C1", parent, marks=[attempt.id])
        await notifier.post("C1", full, thread=ts)
        await notifier.update("C1", ts, failure_parent(attempt, diagnosis, console=None))
        await notifier.ephemeral("C1", "U1", full)
        assert await notifier.respond(slack.hook_url("1"), full, public=True)
        await notifier.publish_home("U1", home_board(attempt, diagnosis))
        sent = [json.dumps(call.body) for call in slack.calls()]
    assert len(sent) == 6
    assert_hidden("\n".join(sent))

    out = io.StringIO()
    chat = ConsoleChat(
        Screen(out, TerminalStyle(width=100)), bot_name="tdbot", channel_names={}, files=tmp_path
    )
    console = ConsoleNotifier(chat)
    ts = await console.post("C1", parent, marks=[attempt.id])
    await console.post("C1", full, thread=ts)
    assert "export failed" in out.getvalue()
    assert_hidden(out.getvalue())


async def test_slash_command_button_and_mention_over_http_hide_the_secrets(
    failed: tuple[Attempt, Diagnosis], sandbox: Sandbox
) -> None:
    """The leak the one pipeline closed: `/td diagnose` and the thread's Diagnose button."""
    attempt, _ = failed
    with SlackWithHistory() as slack:
        async with running_bot(sandbox.api_key, sandbox.endpoints(), slack) as bot:
            answer = await bot.ask(f"diagnose {attempt.id}")
            assert "partner_export_leaks_its_secrets" in json.dumps(answer.body)

            value = json.dumps({"attempt_id": attempt.id})
            hook = slack.base_url + "/hooks/button"
            body = block_action(ActionId.DIAGNOSE, value, response_url=hook)
            assert (await bot.post(body, "application/x-www-form-urlencoded")).status_code == 200
            await slack.wait_for("/api/chat.postMessage", timeout=10)

            response = await bot.mention(f"diagnose {attempt.id}")
            assert response.status_code == 200
            await slack.wait_for("/api/chat.postMessage", 2, timeout=10)
        sent = [json.dumps(call.body) for call in slack.calls()]
    assert len(sent) >= 3
    assert_hidden("\n".join(sent))


def test_values_found_by_key_are_not_hidden_inside_ids() -> None:
    message = Message(
        title="Job 2187736001 failed",
        text="token_ttl: 3600, retries: 2",
        sections=("job 2187736001 ran with `token_ttl: 3600`",),
    )
    assert "2187736001" in message.title and "2187736001" in message.sections[0]


def test_a_log_line_that_echoes_the_run_hides_the_secrets(
    failed: tuple[Attempt, Diagnosis],
) -> None:
    """A log line has no attempt at hand: the params of every attempt read are remembered."""
    _, diagnosis = failed
    record = logging.makeLogRecord(
        {"msg": "TD said: %s", "args": (diagnosis.failures[0].root_error,), "levelno": 30}
    )
    line = JsonFormatter().format(record)
    assert "could not log in" in line or "Query failed" in line or "export failed" in line
    assert_hidden(line)

"""End to end in HTTP mode: signed Slack requests -> the real ASGI app -> sandbox TD -> fake Slack.

Every id comes from the sandbox through the TD API, never hard-coded.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from bot.sandbox import Sandbox
from bot.sandbox.corpus import FAILURE_CASES
from bot.td import TDClient
from bot.td.models import Attempt, Job, JobStatus
from bot.text import escape_mrkdwn
from tests.diagnosis.expected import EXPECTED
from tests.fakes import slack_requests
from tests.fakes.slack_api import Call, FakeSlackAPI
from tests.slack.harness import SIGNING_SECRET, BotUnderTest, running_bot

HOSTILE_CASE = "py_value_error_hostile"


@pytest.fixture
def slack() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI() as fake:
        yield fake


@pytest.fixture
async def td(sandbox: Sandbox) -> AsyncIterator[TDClient]:
    async with TDClient(sandbox.api_key, sandbox.endpoints()) as client:
        yield client


@pytest.fixture
async def bot(sandbox: Sandbox, slack: FakeSlackAPI) -> AsyncIterator[BotUnderTest]:
    async with running_bot(sandbox.api_key, sandbox.endpoints(), slack) as running:
        yield running


def texts(call: Call) -> str:
    """Every text a message carries (fallback, header, sections, fields, buttons), joined."""
    found: list[str] = [call.body.get("text", "")]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                found.append(node["text"])
            if isinstance(node.get("url"), str):
                found.append(node["url"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(call.body.get("blocks", []))
    return "\n".join(found)


def buttons(call: Call) -> list[dict[str, Any]]:
    return [
        element
        for block in call.body.get("blocks", [])
        if block["type"] == "actions"
        for element in block["elements"]
    ]


async def failed_job(td: TDClient) -> Job:
    for job in await td.jobs(status=JobStatus.ERROR, limit=20):
        full = await td.job(job.job_id)
        if full.debug and full.debug.stderr:
            return full
    raise AssertionError("the sandbox has no failed job with stderr")


async def failed_attempt(sandbox: Sandbox, td: TDClient) -> Attempt:
    case = next(c for c in FAILURE_CASES if c.job is not None)
    return await td.attempt(sandbox.case_attempt_id(case.key))


# ------------------------------------------------------------------ lookups


async def test_help_is_answered_in_the_ack_itself(bot: BotUnderTest) -> None:
    response, hook = await bot.slash("help")
    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    assert "/td job" in json.dumps(body["blocks"])
    assert bot.slack.calls(hook) == []


async def test_job_shows_a_failed_job_with_its_stderr(bot: BotUnderTest, td: TDClient) -> None:
    job = await failed_job(td)
    response, hook = await bot.slash(f"job {job.job_id}")
    assert response.json() == {
        "text": f"Working on `/td job {job.job_id}` …",
        "response_type": "ephemeral",
    }
    [answer] = await bot.slack.wait_for(hook)
    assert answer.body["response_type"] == "in_channel"
    shown = texts(answer)
    assert f"Job {job.job_id}: {job.type} error" in shown
    assert f"*Database*\n{job.database}" in shown
    assert job.debug is not None and job.debug.stderr
    first_line = next(line for line in job.debug.stderr.splitlines() if line.strip())
    assert escape_mrkdwn(first_line)[:60] in shown
    link = next(b for b in buttons(answer) if "url" in b)
    assert link["url"].endswith(f"/jobs/{job.job_id}")
    diagnose = next(b for b in buttons(answer) if b["action_id"] == "tdbot.diagnose")
    assert json.loads(diagnose["value"]) == {"job_id": job.job_id}


async def test_jobs_lists_the_newest_of_a_status(bot: BotUnderTest, td: TDClient) -> None:
    expected = await td.jobs(status=JobStatus.ERROR, limit=5)
    answer = await bot.ask("jobs error 5")
    shown = texts(answer)
    assert f"Newest {len(expected)} error jobs" in shown
    for job in expected:
        assert f"|{job.job_id}>" in shown


async def test_session_and_attempt(bot: BotUnderTest, sandbox: Sandbox, td: TDClient) -> None:
    attempt = await failed_attempt(sandbox, td)
    session = await bot.ask(f"session {attempt.session_id}")
    shown = texts(session)
    assert f"*Project*\n{attempt.project.name}" in shown
    assert f"*Workflow*\n{attempt.workflow.name}" in shown

    answer = await bot.ask(f"attempt {attempt.id}")
    shown = texts(answer)
    tasks = await td.tasks(attempt.id)
    failing = [t for t in tasks if t.state.value == "error" and not t.is_group]
    assert failing and all(t.full_name in shown for t in failing)
    assert f"{len(failing)} error" in shown
    [diagnose] = [b for b in buttons(answer) if b["action_id"] == "tdbot.diagnose"]
    assert json.loads(diagnose["value"]) == {"attempt_id": attempt.id}


async def test_sessions_with_history_strip(bot: BotUnderTest, td: TDClient) -> None:
    [attempt, *_] = await td.attempts_page(page_size=1)
    scope = f"{attempt.project.name}/{attempt.workflow.name}"
    answer = await bot.ask(f"sessions {scope} 4")
    shown = texts(answer)
    assert f"of {scope}" in shown
    strip = next(line for line in shown.splitlines() if line.endswith("` status"))
    assert len(strip.removesuffix("` status").strip("`")) == shown.count(" · attempt ")


async def test_diagnose_names_task_category_and_evidence(
    bot: BotUnderTest, sandbox: Sandbox, td: TDClient
) -> None:
    case = next(c for c in FAILURE_CASES if c.job is not None)
    attempt_id = sandbox.case_attempt_id(case.key)
    answer = await bot.ask(f"diagnose {attempt_id}", timeout=15)
    shown = texts(answer)
    assert EXPECTED[case.key].category.title in shown
    assert "+" + "+".join((case.key, *case.path)) in shown  # the failing task's full name
    assert "```" in shown  # the evidence excerpt


async def test_diagnose_session_and_job(bot: BotUnderTest, sandbox: Sandbox, td: TDClient) -> None:
    attempt = await failed_attempt(sandbox, td)
    by_session = texts(await bot.ask(f"diagnose session {attempt.session_id}", timeout=15))
    assert f"attempt {attempt.id}" in by_session
    job = await failed_job(td)
    by_job = texts(await bot.ask(f"diagnose job {job.job_id}"))
    assert f"TD job {job.job_id} error" in by_job


# ------------------------------------------------------------------ mentions and buttons


async def test_mention_answers_in_the_thread_once(bot: BotUnderTest, td: TDClient) -> None:
    job = await failed_job(td)
    body = slack_requests.app_mention(f"job {job.job_id}", event_id="EvTWICE")
    first = await bot.post(body, slack_requests.JSON)
    assert first.status_code == 200
    # Slack's redelivery of the same event.
    headers = slack_requests.signed_headers(SIGNING_SECRET, body, slack_requests.JSON) | {
        "X-Slack-Retry-Num": "1",
        "X-Slack-Retry-Reason": "http_timeout",
    }
    again = await bot.http.post(f"{bot.url}/slack/events", content=body, headers=headers)
    assert again.status_code == 200
    [posted] = await bot.slack.wait_for("/api/chat.postMessage")
    event = json.loads(body)["event"]
    assert posted.body["thread_ts"] == event["ts"]
    assert posted.body["channel"] == event["channel"]
    assert f"Job {job.job_id}" in texts(posted)
    await bot.bot.tasks.drain(grace=5)
    assert len(bot.slack.calls("/api/chat.postMessage")) == 1


async def test_mention_with_a_console_link_in_free_text(
    bot: BotUnderTest, sandbox: Sandbox, td: TDClient
) -> None:
    job = await failed_job(td)
    url = f"{sandbox.endpoints().console}/app/jobs/{job.job_id}"
    await bot.mention(f"can someone look at <{url}> please?", thread_ts="1700000000.000009")
    [posted] = await bot.slack.wait_for("/api/chat.postMessage")
    assert posted.body["thread_ts"] == "1700000000.000009"
    assert f"Job {job.job_id}" in texts(posted)


async def test_diagnose_button_answers_in_the_thread(
    bot: BotUnderTest, sandbox: Sandbox, td: TDClient
) -> None:
    attempt = await failed_attempt(sandbox, td)
    body = slack_requests.block_action(
        "tdbot.diagnose",
        json.dumps({"attempt_id": attempt.id}),
        response_url=bot.slack.hook_url("button"),
        message_ts="1700000000.000042",
    )
    response = await bot.post(body, slack_requests.FORM)
    assert response.status_code == 200
    [posted] = await bot.slack.wait_for("/api/chat.postMessage", timeout=15)
    assert posted.body["thread_ts"] == "1700000000.000042"
    assert f"attempt {attempt.id}" in texts(posted)


async def test_diagnose_button_outside_the_channel_answers_in_place(
    bot: BotUnderTest, sandbox: Sandbox, td: TDClient
) -> None:
    attempt = await failed_attempt(sandbox, td)
    bot.slack.reject(1, error="not_in_channel", path="/api/chat.postMessage")
    body = slack_requests.block_action(
        "tdbot.diagnose",
        json.dumps({"attempt_id": attempt.id}),
        response_url=bot.slack.hook_url("in-place"),
    )
    await bot.post(body, slack_requests.FORM)
    [answer] = await bot.slack.wait_for("/hooks/in-place", timeout=15)
    assert f"attempt {attempt.id}" in texts(answer)
    assert answer.body["response_type"] == "in_channel"


async def test_why_in_an_alert_thread_diagnoses_that_alert(
    sandbox: Sandbox, slack: FakeSlackAPI, td: TDClient
) -> None:
    attempt = await failed_attempt(sandbox, td)
    asked: list[tuple[str, str]] = []

    async def alert_of_thread(channel: str, thread_ts: str) -> str | None:
        asked.append((channel, thread_ts))
        return attempt.id

    async with running_bot(
        sandbox.api_key, sandbox.endpoints(), slack, thread_attempts=alert_of_thread
    ) as bot:
        await bot.mention("why?", thread_ts="1700000000.000077", channel="C0ALERTS01")
        [posted] = await slack.wait_for("/api/chat.postMessage", timeout=15)
    assert asked == [("C0ALERTS01", "1700000000.000077")]
    assert posted.body["thread_ts"] == "1700000000.000077"
    assert f"Diagnosis: {attempt.project.name}/{attempt.workflow.name}" in texts(posted)


# ------------------------------------------------------------------ errors


async def test_unknown_job_id(bot: BotUnderTest, td: TDClient) -> None:
    newest = max(int(j.job_id) for j in await td.jobs(limit=20))
    missing = newest + 1_000_000
    answer = await bot.ask(f"job {missing}")
    assert answer.body["response_type"] == "ephemeral"
    assert f"There is no job {missing} in this TD account" in texts(answer)


async def test_bad_command_gets_usage_in_the_ack(bot: BotUnderTest) -> None:
    response, hook = await bot.slash("jbo 12")
    body = response.json()
    assert body["response_type"] == "ephemeral"
    assert "did you mean" in body["text"] and "Usage" in body["text"]
    assert bot.slack.calls(hook) == []


async def test_td_down(bot: BotUnderTest, sandbox: Sandbox, td: TDClient) -> None:
    job = await failed_job(td)
    sandbox.faults.fail(100, status=500)
    answer = await bot.ask(f"job {job.job_id}")
    assert "TD is not answering right now (HTTP 500); try again in a minute" in texts(answer)
    # Degraded, not dead: a restart does not fix TD, and users need the answer above.
    health = await bot.http.get(f"{bot.url}/healthz")
    assert health.status_code == 200 and health.json()["status"] == "degraded"
    assert health.json()["checks"]["td"]["ok"] is False
    ready = await bot.http.get(f"{bot.url}/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


async def test_td_rejects_the_key(sandbox: Sandbox, slack: FakeSlackAPI, td: TDClient) -> None:
    job = await failed_job(td)
    wrong = sandbox.api_key[:-1] + ("0" if sandbox.api_key[-1] != "0" else "1")
    async with running_bot(wrong, sandbox.endpoints(), slack) as bot:
        answer = await bot.ask(f"job {job.job_id}")
    assert "TD rejected tdbot's API key (401): ask an admin to check TD_API_KEY" in texts(answer)


async def test_unsigned_and_stale_requests_are_refused(bot: BotUnderTest) -> None:
    body = slack_requests.slash_command("help", bot.slack.hook_url("x"))
    bad = await bot.post(body, slack_requests.FORM, secret="not-the-signing-secret")
    stale = await bot.post(body, slack_requests.FORM, timestamp=int(time.time()) - 301)
    assert (bad.status_code, stale.status_code) == (401, 401)
    mention = slack_requests.app_mention("job 1")
    stale_event = await bot.post(mention, slack_requests.JSON, timestamp=int(time.time()) - 600)
    assert stale_event.status_code == 401
    await bot.bot.tasks.drain(grace=1)
    assert [c.path for c in bot.slack.calls() if c.path != "/api/auth.test"] == []


async def test_hostile_td_text_is_inert_in_slack(bot: BotUnderTest, sandbox: Sandbox) -> None:
    answer = await bot.ask(f"diagnose {sandbox.case_attempt_id(HOSTILE_CASE)}", timeout=15)
    raw = answer.raw.decode()
    body = json.dumps(answer.body)
    assert "&lt;!channel&gt;" in texts(answer)
    assert "<!channel>" not in texts(answer) and "<!here>" not in texts(answer)
    assert "<@U024BE7LH>" not in texts(answer)
    assert "hunter2" not in raw and "hunter2" not in body


async def test_ack_is_quick_while_td_is_slow(
    sandbox: Sandbox, slack: FakeSlackAPI, td: TDClient
) -> None:
    job = await failed_job(td)
    sandbox.faults.latency = 5.0
    async with running_bot(
        sandbox.api_key, sandbox.endpoints(), slack, td_timeout=httpx.Timeout(1.0)
    ) as bot:
        started = time.monotonic()
        response, hook = await bot.slash(f"job {job.job_id}")
        mention = await bot.mention(f"job {job.job_id}")
        acked = time.monotonic() - started
        assert response.status_code == 200 and mention.status_code == 200
        assert acked < 3.0
        [answer] = await slack.wait_for(hook, timeout=10)
        assert "TD is not answering right now" in texts(answer)


# ------------------------------------------------------------------ delivery


async def test_slack_429_and_rejected_blocks_still_deliver(bot: BotUnderTest, td: TDClient) -> None:
    job = await failed_job(td)
    bot.slack.rate_limit(1, retry_after=0, path="/api/chat.postMessage")
    bot.slack.reject(1, error="invalid_blocks", path="/api/chat.postMessage")
    await bot.mention(f"job {job.job_id}")
    calls = await bot.slack.wait_for("/api/chat.postMessage", n=3)
    assert "blocks" not in calls[-1].body
    assert f"TD job {job.job_id}" in calls[-1].body["text"]


async def test_health_and_metrics(bot: BotUnderTest, td: TDClient) -> None:
    health = await bot.http.get(f"{bot.url}/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    job = await failed_job(td)
    await bot.ask(f"job {job.job_id}")
    metrics = (await bot.http.get(f"{bot.url}/metrics")).text
    assert 'tdbot_commands_total{command="job",outcome="ok"} 1.0' in metrics

"""SilentAlerts.report, the delivery every silent kind goes through (the schedule
watcher's late / not started / disabled findings as much as running long): once per
channel, threaded, resolved, muted, digested, taken over after a crash."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.alerts.diagnoser import Diagnoser
from bot.alerts.escalation import Escalator
from bot.alerts.on_it import OnItService, Press
from bot.alerts.silent import SilentAlerts, SilentConfig
from bot.buttons import ActionId, alert_of
from bot.present.alerts import PARENT_VISIBLE, AlertOwnership
from bot.present.silent import silent_parent
from bot.render import render_slack, visible_chars
from bot.sandbox import Sandbox
from bot.silent.findings import (
    Finding,
    Late,
    LateState,
    NotStarted,
    Resolved,
    ResolvedHow,
    ScheduleDisabled,
    SilentKind,
    schedule_subject,
    slot_subject,
)
from bot.store import AlertKind, Store
from bot.td import TDClient
from bot.td.models import Attempt
from tests.alerts.conftest import CHANNEL, OTHER_CHANNEL, TEST_CONFIG, sandbox_pacer
from tests.fakes.notifier import Posted, RecordingNotifier

PROJECT = "finance_reports"
WORKFLOW = "ledger_export"


def _silent(store: Store, notifier: RecordingNotifier, sandbox: Sandbox) -> SilentAlerts:
    return SilentAlerts(
        store=store,
        notifier=notifier,
        pacer=sandbox_pacer(sandbox),
        console=sandbox.url,
        clock=sandbox.clock.now,
        config=SilentConfig(digest_over=TEST_CONFIG.digest_over, delivery=TEST_CONFIG.delivery),
    )


def _late(attempt: Attempt, now: datetime) -> Finding:
    return Finding(
        PROJECT,
        WORKFLOW,
        attempt.session_id,
        attempt.session_time,
        attempt,
        Late(LateState.RUNNING, timedelta(hours=3), PROJECT, now),
    )


def _not_started(slot: datetime) -> Finding:
    facts = NotStarted("71015", slot, timedelta(minutes=30))
    return Finding(PROJECT, WORKFLOW, slot_subject("71015", slot), slot, None, facts)


def _disabled(at: datetime, workflow: str = WORKFLOW) -> Finding:
    facts = ScheduleDisabled("71015", at)
    return Finding(PROJECT, workflow, schedule_subject("71015", at), None, None, facts)


def _end(finding: Finding, how: ResolvedHow, at: datetime) -> Resolved:
    return Resolved(finding.kind, finding.subject, PROJECT, finding.workflow, how, at)


@pytest.fixture
async def attempt(td: TDClient) -> Attempt:
    project = await td.project_by_name(PROJECT)
    assert project is not None
    return (await td.attempts_page(project=PROJECT, workflow=WORKFLOW, page_size=1))[0]


async def test_each_kind_is_posted_once_per_channel_and_resolved_in_its_thread(
    store: Store, notifier: RecordingNotifier, sandbox: Sandbox, attempt: Attempt
) -> None:
    now = sandbox.clock.now()
    for channel in (CHANNEL, OTHER_CHANNEL):
        await store.add_subscription(channel, PROJECT, created_by="U1", now=now - timedelta(days=9))
    await store.set_owners(PROJECT, None, ["U0OWNER01"], set_by="U1")
    silent = _silent(store, notifier, sandbox)
    findings = [_late(attempt, now), _not_started(now), _disabled(now - timedelta(days=1))]
    await silent.report(findings, [])
    await silent.report(findings, [])  # seen again on the next round: nothing new
    assert len(notifier.messages) == 6 and len(notifier.parents()) == 6
    for finding in findings:
        for channel in (CHANNEL, OTHER_CHANNEL):
            thread = await store.get_thread(channel, finding.subject)
            assert thread is not None and thread.status == finding.kind.value
    texts = [m.text for m in notifier.parents(CHANNEL)]
    assert texts[0].startswith(f"{PROJECT}/{WORKFLOW} late: session")
    assert "it is still running" in texts[0]
    assert texts[1].startswith(f"{PROJECT}/{WORKFLOW} not started")
    assert texts[2].startswith(f"{PROJECT}/{WORKFLOW} schedule disabled")

    ends = [
        _end(findings[0], ResolvedHow.SUCCEEDED, now),
        _end(findings[1], ResolvedHow.STARTED, now),
        _end(findings[2], ResolvedHow.ENABLED, now),
    ]
    await silent.report([], ends)
    await silent.report([], ends)
    assert len(notifier.messages) == 12
    for parent in notifier.parents():
        [reply] = notifier.replies(parent.ts)
        assert reply.marks == [f"{parent.marks[0]}:end"]
        assert parent.edits and parent.current.buttons == ()
        # Owners are mentioned while it is open, never once it ended.
        assert "<@U0OWNER01>" in str(parent.blocks)
        assert "U0OWNER01" not in str(parent.current_blocks) + str(reply.blocks)
        assert "(ended)" in parent.current.title
        thread = await store.get_thread(parent.channel, _subject(parent))
        assert thread is not None and thread.status == "recovered"
    words = " ".join(str(m.blocks) for m in notifier.messages if m.thread_ts)
    for said in ("Succeeded", "Started", "The schedule was enabled again"):
        assert said in words


def _subject(posted: Posted) -> str:
    return posted.marks[0].split(":", 1)[1]


async def test_muted_scopes_and_schedules_disabled_before_subscribing_stay_silent(
    store: Store, notifier: RecordingNotifier, sandbox: Sandbox, attempt: Attempt
) -> None:
    now = sandbox.clock.now()
    await store.add_subscription(CHANNEL, PROJECT, created_by="U1", now=now - timedelta(hours=1))
    await store.add_subscription(OTHER_CHANNEL, PROJECT, created_by="U1", now=now)
    await store.set_mute(CHANNEL, PROJECT, None, until=now + timedelta(hours=4), created_by="U1")
    silent = _silent(store, notifier, sandbox)
    # Disabled before OTHER_CHANNEL subscribed: old news there; CHANNEL is muted.
    report = await silent.report([_disabled(now - timedelta(minutes=5)), _late(attempt, now)], [])
    [late] = notifier.messages
    assert late.channel == OTHER_CHANNEL and late.marks == [f"late:{attempt.session_id}"]
    assert report.posted == 1
    # Its end is posted where it went out only.
    await silent.report([], [_end(_late(attempt, now), ResolvedHow.SUCCEEDED, now)])
    assert [m.channel for m in notifier.messages] == [OTHER_CHANNEL, OTHER_CHANNEL]


async def test_more_new_threads_than_digest_over_in_one_round_make_a_digest(
    store: Store, notifier: RecordingNotifier, sandbox: Sandbox
) -> None:
    now = sandbox.clock.now()
    await store.add_subscription(CHANNEL, PROJECT, created_by="U1", now=now - timedelta(days=9))
    silent = _silent(store, notifier, sandbox)
    slots = [now - timedelta(hours=h) for h in range(1, 8)]
    findings = [_not_started(slot) for slot in slots]
    await silent.report(findings, [])
    [digest] = notifier.messages
    assert digest.thread_ts is None and len(digest.marks) == 7
    assert "7 silent failures" in digest.message.title
    for finding in findings:
        thread = await store.get_thread(CHANNEL, finding.subject)
        assert thread is not None and thread.parent_ts == digest.ts
        claim = await store.claim_of(CHANNEL, finding.key)
        assert claim is not None and claim.kind is AlertKind.SILENT_DIGEST
    # One ends: a reply in the digest's thread; a digest is never edited for one.
    await silent.report([], [_end(findings[0], ResolvedHow.STARTED, now)])
    [_, reply] = notifier.messages
    assert reply.thread_ts == digest.ts and not digest.edits


async def test_a_claim_taken_over_after_a_crash_is_found_not_repeated(
    store: Store, notifier: RecordingNotifier, sandbox: Sandbox
) -> None:
    now = sandbox.clock.now()
    await store.add_subscription(CHANNEL, PROJECT, created_by="U1", now=now - timedelta(days=9))
    finding = _not_started(now)
    notifier.lose_responses = 1  # posted, but the answer never came back
    await _silent(store, notifier, sandbox).report([finding], [])
    assert len(notifier.messages) == 1
    claim = await store.claim_of(CHANNEL, finding.key)
    assert claim is not None and claim.message_ts is None

    sandbox.advance(300)  # past the retry: another replica (or the restarted one) takes it
    report = await _silent(store, notifier, sandbox).report([], [])
    assert report.found == 1 and report.posted == 0
    [parent] = notifier.messages
    claim = await store.claim_of(CHANNEL, finding.key)
    assert claim is not None and claim.message_ts == parent.ts
    thread = await store.get_thread(CHANNEL, finding.subject)
    assert thread is not None and thread.status == SilentKind.NOT_STARTED


def test_every_parent_is_short(attempt_free_names: None = None) -> None:
    now = datetime(2026, 12, 1, 7, 0).astimezone()
    long = "w" * 255
    for finding in (_not_started(now), _disabled(now, workflow=long)):
        message = silent_parent(
            finding,
            console="https://console.example",
            ownership=AlertOwnership(("U0OWNER01",) * 10),
        )
        assert visible_chars(render_slack(message).blocks) <= PARENT_VISIBLE


async def test_an_open_silent_alert_nobody_is_on_is_escalated_once(
    store: Store, notifier: RecordingNotifier, sandbox: Sandbox, attempt: Attempt
) -> None:
    now = sandbox.clock.now()
    await store.add_subscription(CHANNEL, PROJECT, created_by="U1", now=now - timedelta(days=9))
    await store.set_escalation(
        PROJECT, None, (timedelta(minutes=30), "U0ONCALL1"), set_by="U1", now=now
    )
    silent = _silent(store, notifier, sandbox)
    late, gone = _late(attempt, now), _not_started(now)
    await silent.report([late, gone], [])
    await silent.report([], [_end(gone, ResolvedHow.STARTED, now)])  # resolved: not escalated
    escalator = Escalator(store, console=sandbox.url, clock=sandbox.clock.now)
    assert await escalator.run(silent.sender) == 0
    sandbox.advance(31 * 60)
    assert await escalator.run(silent.sender) == 1
    assert await escalator.run(silent.sender) == 0
    parent = notifier.parents()[0]
    [escalation] = [m for m in notifier.replies(parent.ts) if m.message.title == "Escalated"]
    assert "<@U0ONCALL1>" in str(escalation.blocks) and escalation.message.broadcast


async def test_i_am_on_it_works_on_an_alert_with_no_attempt_and_stops_its_escalation(
    store: Store, notifier: RecordingNotifier, sandbox: Sandbox, td: TDClient
) -> None:
    now = sandbox.clock.now()
    await store.add_subscription(CHANNEL, PROJECT, created_by="U1", now=now - timedelta(days=9))
    await store.set_escalation(
        PROJECT, None, (timedelta(minutes=30), "U0ONCALL1"), set_by="U1", now=now
    )
    silent = _silent(store, notifier, sandbox)
    stalled = _not_started(now)
    await silent.report([stalled], [])
    [parent] = notifier.messages
    [button] = [b for b in parent.message.buttons if b.action_id == ActionId.ON_IT]
    subject = alert_of(button.value)
    assert subject == stalled.subject

    on_it = OnItService(
        td, store, Diagnoser(td, console=sandbox.url), console=sandbox.url, clock=sandbox.clock.now
    )
    outcome = await on_it.press(Press.TAKE, channel=CHANNEL, user="U0TAKER01", attempt_id=subject)
    assert outcome.parent_ts == parent.ts and outcome.parent is not None
    shown = str(render_slack(outcome.parent).blocks)
    assert "Not started" in outcome.parent.title and "<@U0TAKER01> is on it since" in shown
    assert outcome.parent.buttons[0].action_id == ActionId.RELEASE

    sandbox.advance(31 * 60)
    escalator = Escalator(store, console=sandbox.url, clock=sandbox.clock.now)
    assert await escalator.run(silent.sender) == 0  # someone is on it


async def test_an_ended_parent_states_no_live_fact_and_says_how_it_ended(
    store: Store, notifier: RecordingNotifier, sandbox: Sandbox, attempt: Attempt
) -> None:
    # At 3 a.m. an edited parent that still says "it is still running" reads as open.
    now = sandbox.clock.now()
    await store.add_subscription(CHANNEL, PROJECT, created_by="U1", now=now - timedelta(days=9))
    silent = _silent(store, notifier, sandbox)
    late, disabled = _late(attempt, now), _disabled(now - timedelta(days=1))
    await silent.report([late, disabled], [])
    late_parent, disabled_parent = notifier.parents(CHANNEL)
    assert "it is still running" in str(late_parent.blocks)
    assert "no scheduled run starts" in str(disabled_parent.blocks)

    ends = [_end(late, ResolvedHow.SUCCEEDED, now), _end(disabled, ResolvedHow.ENABLED, now)]
    await silent.report([], ends)
    late_now, disabled_now = str(late_parent.current_blocks), str(disabled_parent.current_blocks)
    assert "is still running" not in late_now
    assert "it was still running" in late_now
    assert "no scheduled run starts" not in disabled_now
    assert "The schedule was enabled again" in disabled_now

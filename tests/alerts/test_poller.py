"""The poller end to end: sandbox over HTTP -> TDClient -> store -> recording notifier."""

from __future__ import annotations

from datetime import timedelta

from bot.alerts import Poller
from bot.alerts.plan import ThreadStatus
from bot.sandbox import Sandbox
from bot.store import AlertKind, Store
from tests.alerts.conftest import (
    CHANNEL,
    KEEPS_FAILING,
    LAB,
    OTHER_CHANNEL,
    RECOVERS,
    Scenario,
)
from tests.fakes.notifier import RecordingNotifier, rate_limited


async def started(poller: Poller) -> None:
    """The first poll only learns where history ends."""
    report = await poller.poll_once()
    assert report.leader and report.claimed == 0


async def test_a_failure_is_alerted_exactly_once(
    poller: Poller, store: Store, notifier: RecordingNotifier, scenario: Scenario
) -> None:
    await started(poller)
    await store.add_subscription(CHANNEL, LAB, created_by="U1")
    scenario.fail(KEEPS_FAILING)
    scenario.advance()
    failed = await scenario.last_attempt(KEEPS_FAILING)
    assert failed.status.failed

    await poller.poll_once()
    await poller.poll_once()
    scenario.advance(60)
    await poller.poll_once()

    [parent] = notifier.alerts()
    assert parent.channel == CHANNEL and parent.thread_ts is None
    assert parent.marks == [failed.id]
    assert f"{LAB}/{KEEPS_FAILING}" in parent.text and "failed" in parent.text
    thread = await store.get_thread(CHANNEL, failed.session_id)
    assert thread is not None and thread.parent_ts == parent.ts
    assert thread.status == ThreadStatus.FAILING
    # The full diagnosis is the first reply in its thread, posted with it, once.
    [diagnosis] = notifier.diagnoses()
    assert notifier.messages == [parent, diagnosis] and diagnosis.thread_ts == parent.ts
    assert diagnosis.message.evidence and "Since the last good run" in str(diagnosis.blocks)


async def test_failed_retry_goes_into_the_thread(
    poller: Poller, store: Store, notifier: RecordingNotifier, scenario: Scenario
) -> None:
    await started(poller)
    await store.add_subscription(CHANNEL, LAB, KEEPS_FAILING, created_by="U1")
    scenario.fail(KEEPS_FAILING)
    scenario.advance()
    first = await scenario.last_attempt(KEEPS_FAILING)
    await poller.poll_once()

    second = await scenario.retry(first)
    await poller.poll_once()  # still running: watched, not alerted
    assert len(notifier.alerts()) == 1
    scenario.advance()
    await poller.poll_once()

    parent, reply = notifier.alerts()
    assert reply.thread_ts == parent.ts and reply.marks == [second.id]
    assert "attempt #2 (retry 1)" in reply.text
    assert f"{LAB}/{KEEPS_FAILING} attempt #2 (retry 1) failed too" in str(reply.blocks)
    thread = await store.get_thread(CHANNEL, first.session_id)
    assert thread is not None and thread.attempt_id == second.id
    # The board says when the run first failed: the retry failing later does not move it.
    failed_first = await scenario.td.attempt(first.id)
    [open_alert] = (await store.open_alerts([CHANNEL], ["failing"], per_status=5)).alerts
    assert failed_first.finished_at is not None
    assert open_alert.failed_at == open_alert.since == failed_first.finished_at
    assert open_alert.session_time == first.session_time


async def test_successful_retry_recovers_the_thread(
    poller: Poller, store: Store, notifier: RecordingNotifier, scenario: Scenario
) -> None:
    await started(poller)
    await store.add_subscription(CHANNEL, LAB, created_by="U1")
    scenario.fail(RECOVERS)
    scenario.advance()
    failed = await scenario.last_attempt(RECOVERS)
    await poller.poll_once()

    fixed = await scenario.retry(failed)
    scenario.advance()
    assert (await scenario.td.attempt(fixed.id)).status.value == "success"
    await poller.poll_once()
    await poller.poll_once()

    parent, recovery = notifier.alerts()
    assert recovery.thread_ts == parent.ts and recovery.marks == [fixed.id]
    assert "recovered" in recovery.text
    assert "@" not in recovery.text and "<!" not in recovery.text.replace("<!date", "")
    [edited] = parent.edits
    assert "recovered by attempt #2" in edited.text
    assert "recovered by attempt #2 at" in str(parent.current_blocks)
    thread = await store.get_thread(CHANNEL, failed.session_id)
    assert thread is not None and thread.status == ThreadStatus.RECOVERED


async def test_muted_scope_stays_silent_and_other_channels_do_not(
    poller: Poller, store: Store, notifier: RecordingNotifier, scenario: Scenario, sandbox: Sandbox
) -> None:
    await started(poller)
    await store.add_subscription(CHANNEL, LAB, created_by="U1")
    await store.add_subscription(OTHER_CHANNEL, LAB, created_by="U1")
    now = sandbox.clock.now()
    await store.set_mute(
        CHANNEL, LAB, KEEPS_FAILING, until=now + timedelta(hours=4), created_by="U1", now=now
    )
    scenario.fail(KEEPS_FAILING)
    scenario.advance()
    await poller.poll_once()
    assert [m.channel for m in notifier.alerts()] == [OTHER_CHANNEL]

    scenario.advance(5 * 3600)  # the mute is over
    before = len(notifier.alerts())
    scenario.fail(KEEPS_FAILING)
    scenario.advance()
    await poller.poll_once()
    assert sorted(m.channel for m in notifier.alerts()[before:]) == [CHANNEL, OTHER_CHANNEL]


async def test_threshold_waits_for_consecutive_failed_sessions(
    poller: Poller, store: Store, notifier: RecordingNotifier, scenario: Scenario
) -> None:
    await started(poller)
    # The lab's seeded history ends with one failed session of each workflow.
    await store.add_subscription(CHANNEL, LAB, KEEPS_FAILING, created_by="U1", threshold=3)
    scenario.fail(KEEPS_FAILING)
    scenario.advance()
    await poller.poll_once()
    assert notifier.alerts() == []  # two failed sessions in a row

    scenario.fail(KEEPS_FAILING)
    scenario.advance()
    third = await scenario.last_attempt(KEEPS_FAILING)
    await poller.poll_once()
    [parent] = notifier.alerts()
    assert parent.marks == [third.id]
    assert "Failing for 3 sessions in a row" in str(parent.blocks)


async def test_many_failures_in_one_poll_become_a_digest(
    poller: Poller, store: Store, notifier: RecordingNotifier, scenario: Scenario
) -> None:
    await started(poller)
    await store.add_subscription(CHANNEL, LAB, created_by="U1")
    workflows = [
        KEEPS_FAILING,
        RECOVERS,
        "presto_missing_column",
        "presto_type_mismatch",
        "presto_time_limit",
        "presto_division_by_zero",
        "presto_cast_failure",
    ]
    for wf in workflows:
        scenario.fail(wf)
    scenario.advance()
    failed = [await scenario.last_attempt(wf) for wf in workflows]
    report = await poller.poll_once()
    assert report.claimed == len(workflows)

    [digest] = notifier.alerts()
    assert digest.thread_ts is None
    assert sorted(digest.marks) == sorted(a.id for a in failed)
    assert f"{len(workflows)} workflow runs failed" in digest.text
    for wf in workflows:
        assert wf in str(digest.blocks)

    # Later attempts of those sessions reply in the digest's thread; the digest
    # itself is not rewritten for one of its sessions.
    fixed = await scenario.retry(failed[1])
    scenario.advance()
    await poller.poll_once()
    _, recovery = notifier.alerts()
    assert recovery.thread_ts == digest.ts and recovery.marks == [fixed.id]
    assert digest.edits == []


async def test_slack_429_is_retried_and_delivered_once(
    poller: Poller, store: Store, notifier: RecordingNotifier, scenario: Scenario
) -> None:
    await started(poller)
    await store.add_subscription(CHANNEL, LAB, created_by="U1")
    scenario.fail(KEEPS_FAILING)
    scenario.advance()
    notifier.fail_next(rate_limited(0.01), rate_limited(0.01))  # short: retried in the poll
    await poller.poll_once()
    assert len(notifier.alerts()) == 1


async def test_long_retry_after_waits_for_a_later_poll(
    poller: Poller, store: Store, notifier: RecordingNotifier, scenario: Scenario
) -> None:
    await started(poller)
    await store.add_subscription(CHANNEL, LAB, created_by="U1")
    scenario.fail(KEEPS_FAILING)
    scenario.advance()
    failed = await scenario.last_attempt(KEEPS_FAILING)
    notifier.fail_next(rate_limited(30))
    report = await poller.poll_once()
    assert notifier.alerts() == [] and report.delivery is not None
    assert report.delivery.deferred == 1

    await poller.poll_once()  # Retry-After not over yet
    assert notifier.alerts() == []
    scenario.advance(60)
    await poller.poll_once()
    await poller.poll_once()
    [parent] = notifier.alerts()
    assert parent.marks == [failed.id]


async def test_lost_slack_answer_is_not_posted_twice(
    poller: Poller, store: Store, notifier: RecordingNotifier, scenario: Scenario
) -> None:
    await started(poller)
    await store.add_subscription(CHANNEL, LAB, created_by="U1")
    scenario.fail(KEEPS_FAILING)
    scenario.advance()
    failed = await scenario.last_attempt(KEEPS_FAILING)
    notifier.lose_responses = 1  # Slack posts it, but the bot sees a timeout
    await poller.poll_once()
    assert len(notifier.alerts()) == 1

    scenario.advance(3600)
    report = await poller.poll_once()
    assert report.delivery is not None and report.delivery.found == 1
    assert len(notifier.alerts()) == 1 and notifier.lookups >= 1
    thread = await store.get_thread(CHANNEL, failed.session_id)
    assert thread is not None and thread.parent_ts == notifier.alerts()[0].ts
    # The lost answer came before the diagnosis reply: the next holder posts it, once.
    [diagnosis] = notifier.diagnoses()
    assert diagnosis.thread_ts == thread.parent_ts
    again = await store.claim_alert(
        CHANNEL, failed.id, failed.session_id, LAB, KEEPS_FAILING, AlertKind.FAILURE
    )
    assert again is None
    assert await store.pending_deliveries(scenario.sandbox.clock.now() + timedelta(days=1)) == []


async def test_recovery_in_the_same_poll_as_the_failure(
    poller: Poller, store: Store, notifier: RecordingNotifier, scenario: Scenario
) -> None:
    await started(poller)
    await store.add_subscription(CHANNEL, LAB, created_by="U1")
    scenario.fail(RECOVERS)
    scenario.advance()
    failed = await scenario.last_attempt(RECOVERS)
    fixed = await scenario.retry(failed)
    scenario.advance()
    await poller.poll_once()
    parent, recovery = notifier.alerts()
    assert parent.marks == [failed.id] and recovery.marks == [fixed.id]
    assert recovery.thread_ts == parent.ts and len(parent.edits) == 1


async def test_unsubscribed_scopes_cost_nothing_and_post_nothing(
    poller: Poller, store: Store, notifier: RecordingNotifier, scenario: Scenario
) -> None:
    await started(poller)
    await store.add_subscription(CHANNEL, "sales_daily", created_by="U1")
    scenario.fail(KEEPS_FAILING)
    scenario.advance()
    report = await poller.poll_once()
    assert notifier.alerts() == [] and report.claimed == 0
    assert report.td_requests == report.pages  # no diagnosis, no watched attempt lookups
    assert await store.watched_attempts() == []

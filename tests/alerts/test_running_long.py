"""Running long end to end: sandbox over HTTP -> poller -> SilentAlerts -> recording notifier."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.alerts import Poller
from bot.alerts.plan import ThreadStatus
from bot.sandbox import Sandbox
from bot.silent.findings import SilentKind
from bot.store import AlertKind, Store
from bot.td import RetryPolicy, TDClient
from bot.td.errors import TDError
from bot.td.models import Attempt, AttemptStatus
from tests.alerts.conftest import CHANNEL
from tests.alerts.silent_kit import PROJECT, WORKFLOW, Runs, poll_for, silent_poller
from tests.fakes.notifier import RecordingNotifier


async def _started(
    td: TDClient, store: Store, notifier: RecordingNotifier, sandbox: Sandbox
) -> Poller:
    poller = silent_poller(td, store, notifier, sandbox)
    await poller.poll_once()
    await store.add_subscription(CHANNEL, PROJECT, WORKFLOW, created_by="U1")
    return poller


async def test_past_its_sla_runtime_a_run_is_alerted_once_and_resolved_when_it_ends(
    td: TDClient, store: Store, notifier: RecordingNotifier, sandbox: Sandbox
) -> None:
    poller = await _started(td, store, notifier, sandbox)
    await store.set_sla(PROJECT, None, runtime=timedelta(minutes=30), set_by="U1")
    runs = Runs(sandbox, td)
    hanging = await runs.start(hang=timedelta(hours=2))

    await poll_for(poller, sandbox, timedelta(minutes=29))
    assert notifier.messages == []
    requests = sandbox.requests.count()
    await poll_for(poller, sandbox, timedelta(minutes=3))
    # Three polls of one listing page each (which showed the run); the crossing read its tasks.
    assert sandbox.requests.count() - requests == 3 + 1
    [parent] = notifier.messages
    assert parent.thread_ts is None and parent.marks == [f"running_long:{hanging.id}"]
    text = str(parent.blocks)
    assert parent.text.startswith(f"{PROJECT}/{WORKFLOW} running long: running for 3")
    assert "Running long" in text and f"sla {PROJECT} runtime" in text
    assert "+ledger_export+export" in text and "td&gt;" in text
    tasks = await td.tasks(hanging.id)
    [job] = [str(t.state_params["job"]["jobId"]) for t in tasks if t.state_params.get("job")]
    assert f"/td kill job {job}" in text and f"/td kill {hanging.id}" in text
    # Later polls ask TD nothing more than their listing page.
    thread = await store.get_thread(CHANNEL, hanging.session_id)
    assert thread is not None and thread.status == SilentKind.RUNNING_LONG
    quiet = sandbox.requests.count()
    await poll_for(poller, sandbox, timedelta(minutes=10))
    assert len(notifier.messages) == 1
    assert sandbox.requests.count() - quiet == 10  # one listing page per poll

    await poll_for(poller, sandbox, timedelta(hours=2))
    [parent, reply] = notifier.messages
    assert reply.thread_ts == parent.ts and reply.marks == [f"running_long:{hanging.id}:end"]
    assert "Succeeded after 2h" in str(reply.blocks)
    assert parent.edits and "Succeeded after 2h" in str(parent.current_blocks)
    assert parent.current.buttons == ()
    thread = await store.get_thread(CHANNEL, hanging.session_id)
    assert thread is not None and thread.status == ThreadStatus.RECOVERED
    claim = await store.claim_of(CHANNEL, f"running_long:{hanging.id}")
    assert claim is not None and claim.kind is AlertKind.SILENT


async def _good_runs(runs: Runs, poller: Poller, sandbox: Sandbox, count: int) -> None:
    for _ in range(count):
        await runs.start()
        await poll_for(poller, sandbox, timedelta(minutes=10), step=300)


async def test_no_alert_before_five_good_runs_exist(
    td: TDClient, store: Store, notifier: RecordingNotifier, sandbox: Sandbox
) -> None:
    poller = await _started(td, store, notifier, sandbox)
    runs = Runs(sandbox, td)
    await _good_runs(runs, poller, sandbox, 4)
    assert len((await store.good_runs_of([(PROJECT, WORKFLOW)]))[(PROJECT, WORKFLOW)]) == 4

    await runs.start(hang=timedelta(hours=1))
    await poll_for(poller, sandbox, timedelta(hours=1, minutes=10), step=300)
    assert notifier.messages == []


async def test_past_its_learned_baseline_a_run_is_alerted_with_the_baseline(
    td: TDClient, store: Store, notifier: RecordingNotifier, sandbox: Sandbox
) -> None:
    poller = await _started(td, store, notifier, sandbox)
    runs = Runs(sandbox, td)
    await _good_runs(runs, poller, sandbox, 5)
    took = (await store.good_runs_of([(PROJECT, WORKFLOW)]))[(PROJECT, WORKFLOW)]
    assert len(took) == 5 and max(took) < timedelta(minutes=10)
    limit = max(max(took) * 1.5, max(took) + timedelta(minutes=5))  # p95 of 5 is the slowest

    hanging = await runs.start(hang=timedelta(hours=1))
    await poll_for(poller, sandbox, limit - timedelta(minutes=1))
    assert notifier.messages == []
    await poll_for(poller, sandbox, timedelta(minutes=2))
    [parent] = notifier.messages
    assert parent.marks == [f"running_long:{hanging.id}"]
    assert "learned, its last 5 good runs took" in str(parent.blocks)

    await poll_for(poller, sandbox, timedelta(hours=1), step=300)
    [parent, reply] = notifier.messages
    assert reply.thread_ts == parent.ts and "Succeeded after 1h" in str(reply.blocks)
    # The long run was a good run too: it is part of the baseline now.
    assert len((await store.good_runs_of([(PROJECT, WORKFLOW)]))[(PROJECT, WORKFLOW)]) == 6


async def test_a_muted_scope_is_not_alerted(
    td: TDClient, store: Store, notifier: RecordingNotifier, sandbox: Sandbox
) -> None:
    poller = await _started(td, store, notifier, sandbox)
    await store.set_sla(PROJECT, WORKFLOW, runtime=timedelta(minutes=10), set_by="U1")
    await store.set_mute(
        CHANNEL, PROJECT, WORKFLOW, until=sandbox.clock.now() + timedelta(days=1), created_by="U1"
    )
    hanging = await runs_start(sandbox, td)
    before = sandbox.requests.count()
    await poll_for(poller, sandbox, timedelta(minutes=30))
    assert notifier.messages == []
    assert await store.claim_of(CHANNEL, f"running_long:{hanging.id}") is None
    assert sandbox.requests.count() - before == 30  # muted: TD is not asked about it


async def runs_start(sandbox: Sandbox, td: TDClient) -> Attempt:
    return await Runs(sandbox, td).start(hang=timedelta(hours=2))


async def test_a_failure_of_the_run_joins_its_running_long_thread(
    td: TDClient, store: Store, notifier: RecordingNotifier, sandbox: Sandbox
) -> None:
    poller = await _started(td, store, notifier, sandbox)
    await store.set_sla("*", None, runtime=timedelta(minutes=10), set_by="U1")
    hanging = await runs_start(sandbox, td)
    await poll_for(poller, sandbox, timedelta(minutes=12))
    [parent] = notifier.messages
    assert "sla * runtime" in str(parent.blocks)
    # The board names the run from the running-long alert on; nothing has failed yet.
    [open_alert] = (await store.open_alerts([CHANNEL], ["running_long"], per_status=5)).alerts
    assert (open_alert.session_time, open_alert.failed_at) == (hanging.session_time, None)

    await td.kill_attempt(hanging.id)
    await poll_for(poller, sandbox, timedelta(minutes=2))
    killed = await td.attempt(hanging.id)
    assert killed.status.failed
    replies = notifier.replies(parent.ts)
    failure = next(r for r in replies if r.marks == [hanging.id])
    assert failure.message.broadcast and "Killed" in failure.message.title
    end = next(r for r in replies if r.marks == [f"running_long:{hanging.id}:end"])
    assert "Ended in failure after 1" in str(end.blocks)
    assert "Ended in failure" in str(parent.current_blocks)
    assert len(notifier.parents()) == 1  # no second thread for the failure
    thread = await store.get_thread(CHANNEL, hanging.session_id)
    assert thread is not None and thread.status == ThreadStatus.FAILING
    assert thread.attempt_id == hanging.id
    [open_alert] = (await store.open_alerts([CHANNEL], ["failing"], per_status=5)).alerts
    assert (open_alert.session_time, open_alert.failed_at) == (
        killed.session_time,
        killed.finished_at,
    )


async def test_restart_in_the_middle_neither_loses_nor_repeats(
    td: TDClient, store: Store, notifier: RecordingNotifier, sandbox: Sandbox
) -> None:
    first = await _started(td, store, notifier, sandbox)
    await store.set_sla(PROJECT, None, runtime=timedelta(minutes=10), set_by="U1")
    hanging = await runs_start(sandbox, td)
    await poll_for(first, sandbox, timedelta(minutes=9))
    # The alert goes out, but its answer is lost and the process dies before recording it.
    notifier.lose_responses = 1
    await poll_for(first, sandbox, timedelta(minutes=2))
    assert len(notifier.messages) == 1
    claim = await store.claim_of(CHANNEL, f"running_long:{hanging.id}")
    assert claim is not None and claim.message_ts is None

    second = silent_poller(td, store, notifier, sandbox)  # a new process, the same store
    await poll_for(second, sandbox, timedelta(minutes=10))
    [parent] = notifier.messages
    assert notifier.lookups >= 1
    claim = await store.claim_of(CHANNEL, f"running_long:{hanging.id}")
    assert claim is not None and claim.message_ts == parent.ts

    await poll_for(second, sandbox, timedelta(hours=2), step=300)
    [parent, reply] = notifier.messages
    assert reply.thread_ts == parent.ts and "Succeeded after 2h" in str(reply.blocks)


async def test_a_run_deleted_at_td_ends_its_alert_but_a_passing_error_does_not(
    td: TDClient, store: Store, notifier: RecordingNotifier, sandbox: Sandbox
) -> None:
    await store.set_sla(PROJECT, None, runtime=timedelta(minutes=10), set_by="U1")
    # No retries of its own: one 500 is one failed poll.
    async with TDClient(sandbox.api_key, sandbox.endpoints(), retry=RetryPolicy(1)) as once:
        poller = await _started(once, store, notifier, sandbox)
        hanging = await runs_start(sandbox, td)
        await poll_for(poller, sandbox, timedelta(minutes=12))
        [parent] = notifier.messages
        sandbox.delete_attempt(hanging.id)

        # Gone from the listing, then a 500 for the attempt itself: not proof of anything.
        sandbox.faults.fail(1, status=500, path_prefix=f"/api/attempts/{hanging.id}")
        sandbox.advance(60)
        with pytest.raises(TDError):
            await poller.poll_once()
        assert notifier.messages == [parent] and not parent.edits
        assert hanging.id in {w.attempt_id for w in await store.watched_attempts()}

        before = sandbox.requests.count()
        await poll_for(poller, sandbox, timedelta(minutes=1))
        assert sandbox.requests.count() - before == 2  # the listing page, then its 404
        [parent, reply] = notifier.messages
        assert reply.thread_ts == parent.ts and reply.marks == [f"running_long:{hanging.id}:end"]
        assert "The run no longer exists at TD" in str(reply.blocks)
        assert "gone" in reply.text
        assert parent.edits and "no longer exists at TD" in str(parent.current_blocks)
        assert parent.current.buttons == ()
        thread = await store.get_thread(CHANNEL, hanging.session_id)
        assert thread is not None and thread.status == ThreadStatus.RECOVERED
        assert await store.watched_attempts() == []

        # Nothing more to read or say about it.
        quiet = sandbox.requests.count()
        await poll_for(poller, sandbox, timedelta(minutes=5))
        assert sandbox.requests.count() - quiet == 5 and len(notifier.messages) == 2


async def test_a_run_queued_at_the_attempt_limit_counts_from_its_start(
    td: TDClient, store: Store, notifier: RecordingNotifier, sandbox: Sandbox
) -> None:
    poller = await _started(td, store, notifier, sandbox)
    await store.set_sla(PROJECT, None, runtime=timedelta(minutes=30), set_by="U1")
    sandbox.set_attempt_limit(0)
    queued = await Runs(sandbox, td).start(hang=timedelta(hours=2), queueing=True)
    assert queued.status is AttemptStatus.QUEUED

    await poll_for(poller, sandbox, timedelta(minutes=45))  # waiting, not running
    assert notifier.messages == []
    sandbox.set_attempt_limit(None)  # it starts now
    await poll_for(poller, sandbox, timedelta(minutes=1))  # its tasks tell when it started
    quiet = sandbox.requests.count()
    await poll_for(poller, sandbox, timedelta(minutes=27))
    assert notifier.messages == []  # 73 minutes after createdAt, 28 running
    assert sandbox.requests.count() - quiet == 27  # its start is kept: one listing a poll
    await poll_for(poller, sandbox, timedelta(minutes=5))
    [parent] = notifier.messages
    assert parent.marks == [f"running_long:{queued.id}"]
    assert parent.text.startswith(f"{PROJECT}/{WORKFLOW} running long: running for 3")

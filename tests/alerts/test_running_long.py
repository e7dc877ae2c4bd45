"""Running long end to end: sandbox over HTTP -> poller -> SilentAlerts -> recording notifier."""

from __future__ import annotations

from datetime import timedelta

from bot.alerts import Poller
from bot.alerts.plan import ThreadStatus
from bot.sandbox import Sandbox
from bot.silent.findings import SilentKind
from bot.store import AlertKind, Store
from bot.td import TDClient
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
    # Three polls of one listing page each; the crossing read the attempt and its tasks.
    assert sandbox.requests.count() - requests == 3 + 2
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
    assert "Finished after 2h" in str(reply.blocks)
    assert parent.edits and "Finished after 2h" in str(parent.current_blocks)
    assert parent.current.buttons == ()
    thread = await store.get_thread(CHANNEL, hanging.session_id)
    assert thread is not None and thread.status == ThreadStatus.RECOVERED
    claim = await store.claim_of(CHANNEL, f"running_long:{hanging.id}")
    assert claim is not None and claim.kind is AlertKind.SILENT

"""Running-long scenarios: good runs of a plain workflow, then one that hangs on its
``td>`` task, all started through the sandbox's Workflow API and timed by its clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.alerts import Poller
from bot.alerts.silent import SilentAlerts, SilentConfig
from bot.sandbox import Sandbox
from bot.sandbox.life import Script
from bot.store import Store
from bot.td import TDClient
from bot.td.models import Attempt
from tests.alerts.conftest import TEST_CONFIG, sandbox_pacer
from tests.fakes.notifier import RecordingNotifier

PROJECT = "finance_reports"
WORKFLOW = "ledger_export"  # one td> task (+export), no script of its own in the seed
TASK = ("export",)


def silent_poller(
    td: TDClient, store: Store, notifier: RecordingNotifier, sandbox: Sandbox
) -> Poller:
    pacer = sandbox_pacer(sandbox)
    silent = SilentAlerts(
        store=store,
        notifier=notifier,
        pacer=pacer,
        console=sandbox.url,
        clock=sandbox.clock.now,
        config=SilentConfig(digest_over=TEST_CONFIG.digest_over, delivery=TEST_CONFIG.delivery),
    )
    return Poller(
        td,
        store,
        notifier,
        console=sandbox.url,
        config=TEST_CONFIG,
        clock=sandbox.clock.now,
        pacer=pacer,
        silent=silent,
    )


@dataclass
class Runs:
    sandbox: Sandbox
    td: TDClient
    _slot: int = 0

    def _session_time(self) -> datetime:
        # Each run its own session, on its own day (the sandbox scripts slowness per day).
        self._slot += 1
        return datetime(2024, 1, 1, 0, 0) + timedelta(days=self._slot)

    async def start(self, *, hang: timedelta | None = None, queueing: bool = False) -> Attempt:
        """A manual run of the workflow now; ``hang``: its td> task takes that long;
        ``queueing``: it may wait in TD's queue at the attempt limit (allowQueueing)."""
        workflow = self.sandbox.workflow(f"{PROJECT}/{WORKFLOW}")
        when = self._session_time()
        if hang is not None:
            # The sandbox's world script: this session's td> task runs that long.
            life = self.sandbox.world.life
            key = (workflow.project.id, workflow.name)
            script = life.scripts.get(key) or Script()
            slow = {**script.slow_on, when.date(): (TASK, hang.total_seconds())}
            life.scripts[key] = Script(slow_on=slow)
        found = await self.td.workflow_by_name(str(workflow.project.id), WORKFLOW)
        assert found is not None
        session_time = when.strftime("%Y-%m-%dT%H:%M:%S+00:00")
        return await self.td.start_attempt(found.id, session_time, {}, allow_queueing=queueing)


async def poll_for(poller: Poller, sandbox: Sandbox, span: timedelta, step: float = 60) -> None:
    """Poll every ``step`` seconds of sandbox time for ``span``."""
    for _ in range(int(span.total_seconds() // step)):
        sandbox.advance(step)
        await poller.poll_once()

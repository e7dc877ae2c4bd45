"""What a schedule round adds to a finding before it is claimed (``Evidence``), read
from the sandbox over HTTP: only for a finding some channel will post, never twice."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.alerts.findings import (
    Finding,
    NotStarted,
    ScheduleDisabled,
    schedule_subject,
    slot_subject,
)
from bot.alerts.schedules.evidence import Evidence
from bot.alerts.silent import claim_key
from bot.sandbox import Sandbox
from bot.store import AlertKind, Store
from bot.td import TDClient
from bot.td.errors import NotFound
from tests.alerts.conftest import CHANNEL

PROJECT, WORKFLOW = "web_analytics", "pageviews_hourly"


def _stalled(schedule_id: str, sandbox: Sandbox) -> Finding:
    slot = sandbox.clock.now() - timedelta(hours=1)
    facts = NotStarted(schedule_id, slot, timedelta(minutes=30))
    return Finding(PROJECT, WORKFLOW, slot_subject(schedule_id, slot), slot, None, facts)


async def test_a_schedule_no_page_has_shown_is_read_once_by_id(
    td: TDClient, store: Store, sandbox: Sandbox
) -> None:
    schedule_id = sandbox.schedule_id(f"{PROJECT}/{WORKFLOW}")
    schedule = await td.schedule(schedule_id)
    assert schedule.workflow.name == WORKFLOW and schedule.workflow.id
    await store.add_subscription(CHANNEL, PROJECT, created_by="U1")
    subs = await store.all_subscriptions()
    evidence = Evidence(td, store)  # a fresh process: no page read yet
    path = f"/api/schedules/{schedule_id}"
    before = sandbox.requests.count(path)

    [found] = await evidence.add([_stalled(schedule_id, sandbox)], subs, sandbox.clock.now())
    assert found.workflow_id == schedule.workflow.id
    disabled_at = sandbox.clock.now()
    gone = Finding(
        PROJECT,
        WORKFLOW,
        schedule_subject(schedule_id, disabled_at),
        None,
        None,
        ScheduleDisabled(schedule_id, disabled_at),
    )
    [again] = await evidence.add([gone], subs, sandbox.clock.now())
    assert again.workflow_id == schedule.workflow.id
    assert sandbox.requests.count(path) - before == 1  # remembered after the first read

    with pytest.raises(NotFound):
        await td.schedule("99999999")


async def test_nothing_is_read_for_a_finding_no_channel_will_post(
    td: TDClient, store: Store, sandbox: Sandbox
) -> None:
    schedule_id = sandbox.schedule_id(f"{PROJECT}/{WORKFLOW}")
    finding = _stalled(schedule_id, sandbox)
    now = sandbox.clock.now()
    evidence = Evidence(td, store)
    before = sandbox.requests.count()
    # Nobody subscribed; then muted; then already claimed there.
    assert await evidence.add([finding], [], now) == [finding]
    await store.add_subscription(CHANNEL, PROJECT, created_by="U1")
    subs = await store.all_subscriptions()
    await store.set_mute(CHANNEL, PROJECT, None, until=now + timedelta(hours=1), created_by="U1")
    assert await evidence.add([finding], subs, now) == [finding]
    later = now + timedelta(hours=2)  # the mute is over
    claimed = await store.claim_alert(
        CHANNEL,
        claim_key(finding.key),
        finding.subject,
        PROJECT,
        WORKFLOW,
        AlertKind.SILENT,
        now=now,
        payload="{}",
    )
    assert claimed is not None
    assert await evidence.add([finding], subs, later) == [finding]
    assert sandbox.requests.count() == before
    # The same finding unclaimed, once the mute is over: read.
    sandbox.advance(60)
    [fresh] = await evidence.add([_stalled(schedule_id, sandbox)], subs, later)
    assert fresh.workflow_id is not None and sandbox.requests.count() == before + 1

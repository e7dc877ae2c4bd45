"""The subscribe/mute commands as a domain service, against the sandbox."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.alerts import (
    InvalidDuration,
    Muted,
    Subscribed,
    SubscriptionService,
    UnknownScope,
    Unmuted,
    Unsubscribed,
)
from bot.alerts.subscriptions import nearest
from bot.commands import Scope
from bot.sandbox import Sandbox
from bot.store import ALL_PROJECTS, Store
from bot.td import TDClient
from tests.alerts.conftest import CHANNEL, KEEPS_FAILING, LAB


@pytest.fixture
def service(td: TDClient, store: Store, sandbox: Sandbox) -> SubscriptionService:
    return SubscriptionService(td, store, clock=sandbox.clock.now)


async def test_subscribe_to_existing_scopes(service: SubscriptionService, store: Store) -> None:
    assert await service.subscribe(CHANNEL, "U1", Scope(LAB)) == Subscribed(Scope(LAB), True, 1)
    again = await service.subscribe(CHANNEL, "U1", Scope(LAB))
    assert isinstance(again, Subscribed) and not again.created
    wf = await service.subscribe(CHANNEL, "U1", Scope(LAB, KEEPS_FAILING), threshold=2)
    assert wf == Subscribed(Scope(LAB, KEEPS_FAILING), True, 2)
    everything = await service.subscribe(CHANNEL, "U1", Scope(None))
    assert isinstance(everything, Subscribed) and everything.created
    listed = await service.list(CHANNEL)
    assert {(s.project, s.workflow, s.threshold) for s in listed.subscriptions} == {
        (LAB, None, 1),
        (LAB, KEEPS_FAILING, 2),
        (ALL_PROJECTS, None, 1),
    }


async def test_unknown_names_are_refused_with_the_nearest(
    service: SubscriptionService, store: Store
) -> None:
    typo = await service.subscribe(CHANNEL, "U1", Scope("diagnosis_lba"))
    assert isinstance(typo, UnknownScope) and typo.missing == "project"
    assert typo.suggestions[0] == LAB
    wf = await service.subscribe(CHANNEL, "U1", Scope(LAB, "presto_syntax_query_faild"))
    assert isinstance(wf, UnknownScope) and wf.missing == "workflow"
    assert KEEPS_FAILING in wf.suggestions
    muted = await service.mute(CHANNEL, "U1", Scope("nope_nothing_like_it"), timedelta(hours=1))
    assert isinstance(muted, UnknownScope)
    assert await store.subscriptions(CHANNEL) == []


async def test_unsubscribe_reports_what_is_left(service: SubscriptionService) -> None:
    await service.subscribe(CHANNEL, "U1", Scope(LAB))
    await service.subscribe(CHANNEL, "U1", Scope(LAB, KEEPS_FAILING))
    gone = await service.unsubscribe(CHANNEL, Scope(LAB))
    assert isinstance(gone, Unsubscribed) and gone.removed
    assert [(s.project, s.workflow) for s in gone.remaining] == [(LAB, KEEPS_FAILING)]
    missing = await service.unsubscribe(CHANNEL, Scope("never_subscribed"))
    assert not missing.removed


async def test_mute_and_unmute(
    service: SubscriptionService, store: Store, sandbox: Sandbox
) -> None:
    now = sandbox.clock.now()
    muted = await service.mute(CHANNEL, "U1", Scope(LAB, KEEPS_FAILING), timedelta(hours=4))
    assert muted == Muted(Scope(LAB, KEEPS_FAILING), now + timedelta(hours=4), "4h")
    assert await store.is_muted(CHANNEL, LAB, KEEPS_FAILING, now)
    assert not await store.is_muted(CHANNEL, LAB, "other", now)
    listed = await service.list(CHANNEL)
    assert [(m.project, m.workflow) for m in listed.mutes] == [(LAB, KEEPS_FAILING)]
    assert await service.unmute(CHANNEL, Scope(LAB, KEEPS_FAILING)) == Unmuted(
        Scope(LAB, KEEPS_FAILING), True
    )
    assert not await store.is_muted(CHANNEL, LAB, KEEPS_FAILING, now)
    assert await service.unmute(CHANNEL, Scope(LAB)) == Unmuted(Scope(LAB), False)


@pytest.mark.parametrize("duration", [timedelta(seconds=10), timedelta(days=31)])
async def test_mute_durations_are_checked(
    service: SubscriptionService, duration: timedelta
) -> None:
    refused = await service.mute(CHANNEL, "U1", Scope(LAB), duration)
    assert isinstance(refused, InvalidDuration) and "1m" in refused.message


def test_nearest_prefers_case_then_spelling() -> None:
    names = ["Sales", "sales_daily", "marketing", "salse"]
    assert nearest("sales", names)[0] == "Sales"
    assert nearest("marketting", names) == ("marketing",)
    assert nearest("zzz", names) == ()

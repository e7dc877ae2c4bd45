"""Owners, who is on an alert, escalation rules and once-only escalation claims."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.store import PAGERDUTY, AlertKind, Store
from tests.store.helpers import T0, at


async def test_owners_belong_to_the_scope(store: Store) -> None:
    assert await store.set_owners("etl", None, ["U1AAA", "S2BBB"], set_by="U9", now=T0)
    assert await store.set_owners("etl", "daily", ["U3CCC", "U1AAA"], set_by="U9", now=T0)
    # The workflow's owners first, then the project's, each once.
    assert await store.owners_for("etl", "daily") == ("U3CCC", "U1AAA", "S2BBB")
    assert await store.owners_for("etl", "hourly") == ("U1AAA", "S2BBB")
    assert await store.owners_for("other", "daily") == ()
    assert [(o.project, o.workflow) for o in await store.all_owners()] == [
        ("etl", None),
        ("etl", "daily"),
    ]
    assert await store.set_owners("etl", None, [], set_by="U9")
    assert not await store.set_owners("etl", None, [], set_by="U9")
    assert await store.owners_for("etl", "hourly") == ()


async def test_on_it_is_taken_over_and_released(store: Store) -> None:
    first = await store.take_alert("C1", "500", "U1AAA", now=T0)
    assert (first.user_id, first.since) == ("U1AAA", T0)
    await store.take_alert("C1", "500", "U2BBB", now=at(5))
    holder = await store.on_it("C1", "500")
    assert holder is not None and (holder.user_id, holder.since) == ("U2BBB", at(5))
    assert await store.on_it("C2", "500") is None
    assert await store.release_alert("C1", "500")
    assert await store.on_it("C1", "500") is None


async def _alerted(store: Store, session: str = "500", ts: str = "1700000000.000100") -> None:
    claim = await store.claim_alert("C1", "900", session, "etl", "daily", AlertKind.FAILURE, now=T0)
    assert claim is not None
    await store.mark_delivered(claim, ts, None, now=T0)
    await store.set_thread(
        "C1", session, ts, status="failing", attempt_id="900", project="etl", workflow="daily"
    )


async def test_an_alert_is_due_after_its_scope_delay_unless_someone_is_on_it(store: Store) -> None:
    await _alerted(store)
    assert await store.due_escalations(at(60)) == []  # no rule
    await store.set_escalation("etl", None, (timedelta(minutes=30), PAGERDUTY), set_by="U9")
    await store.set_escalation("etl", "daily", (timedelta(minutes=10), "S2BBB"), set_by="U9")
    assert await store.due_escalations(at(9)) == []
    [due] = await store.due_escalations(at(11))  # the workflow's rule wins
    assert (due.rule.target, due.thread.parent_ts, due.posted_at) == (
        "S2BBB",
        "1700000000.000100",
        T0,
    )
    await store.take_alert("C1", "500", "U1AAA", now=at(11))
    assert await store.due_escalations(at(11)) == []


async def test_an_escalation_is_claimed_once_and_taken_over_after_the_lease(
    store_url: str,
) -> None:
    replicas = [
        await Store.open(store_url, lease=timedelta(minutes=2), clock=lambda: T0) for _ in range(3)
    ]
    try:
        claims = await asyncio.gather(
            *(r.claim_escalation("C1", "500", PAGERDUTY, now=T0) for r in replicas)
        )
        [claim] = [c for c in claims if c is not None]
        assert claim.tries == 1 and not claim.maybe_sent
        assert await replicas[0].claim_escalation("C1", "500", PAGERDUTY, now=at(1)) is None
        # Its holder died: after the lease another replica takes it over, and looks first.
        again = await replicas[1].claim_escalation("C1", "500", PAGERDUTY, now=at(3))
        assert again is not None and again.maybe_sent
        await replicas[1].mark_escalated(again, now=at(3))
        assert await replicas[2].claim_escalation("C1", "500", PAGERDUTY, now=at(60)) is None
        assert await replicas[2].escalated_to("500", PAGERDUTY)
    finally:
        for replica in replicas:
            await replica.close()

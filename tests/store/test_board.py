"""What the Home board reads: open alert threads per status, ranked and counted, and scopes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.store import AlertKind, Store
from tests.store.helpers import T0, at

STATUSES = ("failing", "digest", "running_long", "late")


async def _thread(
    store: Store,
    channel: str,
    session: str,
    status: str,
    minutes: float,
    workflow: str = "daily",
    *,
    attempt: str | None = None,
    session_time: datetime | None = None,
    failed_at: datetime | None = None,
) -> None:
    await store.set_thread(
        channel,
        session,
        f"1700000000.{int(minutes * 10):06d}",
        status=status,
        attempt_id=attempt or f"9{session}",
        project="etl",
        workflow=workflow,
        session_time=session_time,
        failed_at=failed_at,
        now=at(minutes),
    )


async def test_open_threads_of_the_channels_with_their_holder_and_first_delivery(
    store: Store,
) -> None:
    claim = await store.claim_alert("C1", "9500", "500", "etl", "daily", AlertKind.FAILURE, now=T0)
    assert claim is not None
    await store.mark_delivered(claim, "1700000000.000100", None, now=at(1))
    await store.set_thread(
        "C1", "500", "1700000000.000100", status="failing", attempt_id="9500",
        project="etl", workflow="daily", now=at(1),
    )  # fmt: skip
    # A retry failed again later: the thread changes, the failure is as old as its parent.
    await store.set_thread(
        "C1", "500", "1700000000.000100", status="failing", attempt_id="9501",
        project="etl", workflow="daily", now=at(30),
    )  # fmt: skip
    await store.take_alert("C1", "500", "U0ONCALL1", now=at(40))
    await _thread(store, "C1", "501", "recovered", 2)
    await _thread(store, "C2", "502", "failing", 3)  # another channel
    await _thread(store, "C1", "503", "late", 4)

    found = await store.open_alerts(["C1"], STATUSES, per_status=10)

    assert [(a.session_id, a.status) for a in found.alerts] == [("500", "failing"), ("503", "late")]
    failing = found.alerts[0]
    assert failing.since == at(1) and failing.attempt_id == "9501"
    assert (failing.holder, failing.holder_since) == ("U0ONCALL1", at(40))
    late = found.alerts[1]
    assert late.since == at(4) and late.holder is None and late.holder_since is None
    assert found.totals == {"failing": 1, "late": 1}


async def test_each_status_gives_its_oldest_few_and_counts_the_rest(store: Store) -> None:
    for i in range(7):
        await _thread(store, "C1", f"f{i}", "failing", 10 - i, workflow=f"w{i}")
    for i in range(2):
        await _thread(store, "C2", f"r{i}", "running_long", i)
    await _thread(store, "C3", "x", "failing", 0)  # not one of the person's channels

    found = await store.open_alerts(["C1", "C2"], STATUSES, per_status=3)

    failing = [a.session_id for a in found.alerts if a.status == "failing"]
    assert failing == ["f6", "f5", "f4"]  # the oldest first
    assert [a.session_id for a in found.alerts if a.status == "running_long"] == ["r0", "r1"]
    assert found.totals == {"failing": 7, "running_long": 2}


async def test_no_channel_or_no_status_reads_nothing(store: Store) -> None:
    await _thread(store, "C1", "1", "failing", 0)
    assert (await store.open_alerts([], STATUSES, per_status=5)).alerts == ()
    assert (await store.open_alerts(["C1"], [], per_status=5)).totals == {}
    with pytest.raises(ValueError, match="per_status"):
        await store.open_alerts(["C1"], STATUSES, per_status=0)


async def test_subscriptions_of_several_channels(store: Store) -> None:
    await store.add_subscription("C2", "etl", "daily", created_by="U1", threshold=3)
    await store.add_subscription("C1", "*", created_by="U1")
    await store.add_subscription("C3", "other", created_by="U1")
    found = await store.subscriptions_in(["C1", "C2"])
    assert [(s.channel_id, s.project, s.workflow, s.threshold) for s in found] == [
        ("C1", "*", None, 1),
        ("C2", "etl", "daily", 3),
    ]
    assert await store.subscriptions_in([]) == []


async def test_a_thread_keeps_its_session_time_and_when_its_run_first_failed(
    store: Store,
) -> None:
    tokyo = timezone(timedelta(hours=9))
    session_time = datetime(2026, 3, 2, 2, 0, tzinfo=tokyo)
    claim = await store.claim_alert("C1", "9600", "600", "etl", "daily", AlertKind.FAILURE, now=T0)
    assert claim is not None
    await store.mark_delivered(claim, "1700000000.000600", None, now=at(20))
    # First recorded by a running-long alert: the session's time, nothing failed yet.
    await _thread(store, "C1", "600", "running_long", 10, session_time=session_time)
    await _thread(store, "C1", "600", "failing", 20, session_time=session_time, failed_at=at(15))
    # A retry fails again; then a write that knows no times (a status change).
    await _thread(
        store, "C1", "600", "failing", 50, attempt="9601", session_time=session_time,
        failed_at=at(45),
    )  # fmt: skip
    await _thread(store, "C1", "600", "failing", 55, attempt="9601")
    # Failed earlier, alerted later: listed by when the run failed, not when it was alerted.
    await _thread(store, "C1", "700", "failing", 60, failed_at=at(12))
    await _thread(store, "C1", "800", "failing", 13)  # recorded without times: as before

    found = await store.open_alerts(["C1"], STATUSES, per_status=10)

    assert [a.session_id for a in found.alerts] == ["700", "800", "600"]
    first = found.alerts[2]
    assert first.session_time == session_time
    assert first.session_time is not None and first.session_time.utcoffset() == timedelta(hours=9)
    assert first.failed_at == first.since == at(15) and first.attempt_id == "9601"
    assert (found.alerts[0].failed_at, found.alerts[0].session_time) == (at(12), None)
    assert found.alerts[1].failed_at is None and found.alerts[1].since == at(13)

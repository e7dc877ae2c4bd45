"""The PagerDuty notifier against the fake Events API v2 over loopback HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from bot.message import Link, Message
from bot.notify import NotifyError, PagerDutyNotifier
from tests.fakes.pagerduty import FakePagerDuty

ROUTING_KEY = "R0UTINGKEY0123456789abcdef012345"


@pytest.fixture
def pagerduty() -> Iterator[FakePagerDuty]:
    with FakePagerDuty() as fake:
        yield fake


class Waits(list[float]):
    """The backoff waits the notifier asked for, instead of sleeping them."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def waits() -> Waits:
    return Waits()


@pytest.fixture
async def notifier(pagerduty: FakePagerDuty, waits: Waits) -> AsyncIterator[PagerDutyNotifier]:
    sent = PagerDutyNotifier(ROUTING_KEY, pagerduty.url, tries=4, backoff=0.5, sleep=waits)
    yield sent
    await sent.aclose()


ALERT = Message(
    title="Failed: sales/daily",
    text="sales/daily failed (session 2026-03-01, attempt #1): +daily+load (td>): Table missing",
    links=(Link("Open in TD console", "https://console.example/app/workflows/1"),),
)


async def test_trigger_acknowledge_resolve_share_one_dedup_key(
    pagerduty: FakePagerDuty, notifier: PagerDutyNotifier
) -> None:
    assert await notifier.post("tdbot: sales/daily", ALERT, marks=["tdbot-s-42"]) == "tdbot-s-42"
    await notifier.acknowledge("tdbot-s-42")
    await notifier.resolve("tdbot-s-42")
    assert pagerduty.actions() == [
        ("trigger", "tdbot-s-42"),
        ("acknowledge", "tdbot-s-42"),
        ("resolve", "tdbot-s-42"),
    ]
    trigger = pagerduty.events[0]
    assert trigger["payload"]["summary"].startswith("sales/daily failed")
    assert trigger["payload"]["source"] == "tdbot: sales/daily"
    assert trigger["payload"]["severity"] == "error"
    assert trigger["links"] == [
        {"href": "https://console.example/app/workflows/1", "text": "Open in TD console"}
    ]


async def test_429_and_500_are_retried_with_backoff(
    pagerduty: FakePagerDuty, notifier: PagerDutyNotifier, waits: Waits
) -> None:
    pagerduty.fail_next(429, 500, 503)
    await notifier.post("tdbot", ALERT, marks=["k1"])
    assert pagerduty.actions() == [("trigger", "k1")] and len(pagerduty.attempts) == 4
    assert waits == [0.5, 1.0, 2.0]


async def test_a_bad_event_is_a_clear_permanent_error(
    pagerduty: FakePagerDuty, pagerduty_notifier_bad_key: PagerDutyNotifier
) -> None:
    with pytest.raises(NotifyError) as refused:
        await pagerduty_notifier_bad_key.post("tdbot", ALERT, marks=["k1"])
    assert refused.value.permanent and refused.value.error == "http_400"
    assert "routing_key" in str(refused.value)
    assert len(pagerduty.attempts) == 1 and pagerduty.events == []


async def test_giving_up_after_the_last_try(
    pagerduty: FakePagerDuty, notifier: PagerDutyNotifier
) -> None:
    pagerduty.fail_next(500, 500, 500, 500)
    with pytest.raises(NotifyError) as failed:
        await notifier.resolve("k1")
    assert not failed.value.permanent and failed.value.error == "http_500"
    assert len(pagerduty.attempts) == 4


@pytest.fixture
async def pagerduty_notifier_bad_key(
    pagerduty: FakePagerDuty,
) -> AsyncIterator[PagerDutyNotifier]:
    sent = PagerDutyNotifier("too-short", pagerduty.url, tries=3, backoff=0)
    yield sent
    await sent.aclose()

"""Prometheus metrics for /metrics.

Each Metrics owns its registry instead of using the process-global one, so
tests (and several bots in one process) never see each other's counts.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

_TD_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.commands = Counter(
            "tdbot_commands",
            "Commands handled, by name and outcome",
            ["command", "outcome"],
            registry=r,
        )
        self.td_requests = Counter(
            "tdbot_td_requests",
            "TD API requests, by endpoint and status",
            ["endpoint", "status"],
            registry=r,
        )
        self.gc_pause = Histogram(
            "tdbot_gc_pause_seconds",
            "Garbage-collection pauses of the event loop",
            buckets=(0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5),
            registry=r,
        )
        self.td_latency = Histogram(
            "tdbot_td_request_seconds",
            "TD API request latency",
            ["endpoint"],
            buckets=_TD_BUCKETS,
            registry=r,
        )
        self.polls = Counter("tdbot_polls", "Alert polls, by outcome", ["outcome"], registry=r)
        self.alerts_posted = Counter(
            "tdbot_alerts_posted", "Alert messages posted to Slack, by kind", ["kind"], registry=r
        )
        self.slack_errors = Counter(
            "tdbot_slack_errors",
            "Slack Web API errors, by method and error",
            ["method", "error"],
            registry=r,
        )
        self.slack_rate_limited = Counter(
            "tdbot_slack_rate_limited", "Slack 429 answers, by method", ["method"], registry=r
        )
        self.poll_lag = Gauge(
            "tdbot_poll_lag_seconds", "Seconds since the last successful alert poll", registry=r
        )

    def observe_td(self, method: str, endpoint: str, status: int | None, seconds: float) -> None:
        """Matches TDClient's ``on_response`` hook."""
        label = f"{method} {endpoint}"
        self.td_requests.labels(label, str(status) if status is not None else "error").inc()
        self.td_latency.labels(label).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)

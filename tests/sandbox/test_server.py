"""Serving: loopback only, a free or a chosen port, quick start and stop."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from bot.sandbox import Sandbox


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_start_serves_on_loopback_and_stop_is_quick() -> None:
    sandbox = Sandbox()
    url = sandbox.start()
    assert url.startswith("http://127.0.0.1:")
    assert httpx.get(f"{url}/api/version").status_code == 200
    begun = time.perf_counter()
    sandbox.stop()
    assert time.perf_counter() - begun < 0.5
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/api/version")
    with pytest.raises(RuntimeError):
        _ = sandbox.url


def test_a_chosen_port() -> None:
    port = _free_port()
    with Sandbox(port=port) as sandbox:
        assert sandbox.url == f"http://127.0.0.1:{port}"
        assert sandbox.endpoints().workflow == sandbox.url
        assert httpx.get(f"{sandbox.url}/v3/system/server_status").json() == {"status": "ok"}


def test_keep_alive_requests_do_not_stall(sandbox: Sandbox) -> None:
    # Without TCP_NODELAY each keep-alive answer waited ~40 ms on delayed ACKs.
    with httpx.Client(base_url=sandbox.url) as client:
        client.get("/api/version")
        begun = time.perf_counter()
        for _ in range(20):
            client.get("/api/version")
        assert (time.perf_counter() - begun) / 20 < 0.02

"""Safe by default: without an admin password only the laptop itself facilitates.

Against the real server over Streamlit's websocket: a request that came through a proxy
(it carries X-Forwarded-For) never counts as the laptop itself, so ``/`` shows it the
pointer to the join page (and plain HTTP GET / is redirected there, tests/web/test_home_gate.py);
the same page from loopback, or with the password set, is the facilitator's
home. Loopback only: the proxied client is simulated by its header.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bench.streamlit_protocol import StreamlitClient
from tests.support.server import running_server
from workshop.addresses import client_address, is_loopback

FORWARDED = {"X-Forwarded-For": "203.0.113.9"}


# What each page draws first: the facilitator's home, or the phone's join page.
PAGE_MARKERS = ("Workshop sessions", "Join a session")


async def _page_text(url: str, headers: dict[str, str]) -> str:
    client = StreamlitClient(url, page="", headers=headers)

    def text() -> str:
        return " ".join(str(node.proto) for node in client.elements())

    try:
        await client.connect()
        await client.wait_for(lambda: any(m in text() for m in PAGE_MARKERS), timeout=60)
        await client.wait_idle(timeout=60)
        return text()
    finally:
        await client.close()


def _text(url: str, headers: dict[str, str]) -> str:
    with ThreadPoolExecutor(max_workers=1) as pool:  # Playwright may own this loop
        return pool.submit(asyncio.run, _page_text(url, headers)).result()


@pytest.mark.slow
def test_without_a_password_only_the_laptop_itself_sees_the_facilitator_home(tmp_path: Path):
    with running_server(tmp_path / "data") as server:
        laptop = _text(server.url, {})
        assert "Workshop sessions" in laptop and "Start a session" in laptop
        proxied = _text(server.url, FORWARDED)
        assert "Join a session" in proxied
        assert "Workshop sessions" not in proxied and "Start a session" not in proxied


@pytest.mark.slow
def test_with_the_password_other_devices_may_facilitate(tmp_path: Path):
    env = {"WORKSHOP_ADMIN_PASSWORD": "s3cret-pass"}
    with running_server(tmp_path / "data", extra_env=env) as server:
        proxied = _text(server.url, FORWARDED)
        assert "Workshop sessions" in proxied and "Admin password" in proxied


def test_loopback_and_proxies():
    assert is_loopback("127.0.0.1", {}) and is_loopback("::1", {})
    assert not is_loopback("127.0.0.1", {"x-forwarded-for": "127.0.0.1"})  # proxied
    assert not is_loopback("127.0.0.1", {"forwarded": "for=10.0.0.9"})
    assert not is_loopback("192.168.1.20", {}) and not is_loopback(None, {})
    hops = {"x-forwarded-for": "198.51.100.7, 10.0.0.2"}
    assert client_address("10.0.0.2", hops, ()) == "10.0.0.2"  # no proxy named: the peer
    assert client_address("10.0.0.2", hops, ("10.0.0.0/8",)) == "198.51.100.7"
    assert client_address("192.0.2.1", hops, ("10.0.0.0/8",)) == "192.0.2.1"  # not a proxy

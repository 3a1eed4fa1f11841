"""``/`` from another device without an admin password is sent on to the join page."""

from __future__ import annotations

import asyncio

import pytest

from workshop.web.context import web_settings
from workshop.web.home_gate import HomeGateMiddleware


async def _inner(scope, receive, send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"streamlit"})


def _get(path: str, peer: str, headers: dict[str, str] | None = None, method: str = "GET"):
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    async def receive() -> dict:
        return {"type": "http.request", "body": b""}

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "client": (peer, 50000),
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
    }
    asyncio.run(HomeGateMiddleware(_inner)(scope, receive, send))
    return sent[0]["status"], dict(sent[0]["headers"])


@pytest.fixture
def no_password(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("WORKSHOP_ADMIN_PASSWORD", raising=False)
    web_settings.cache_clear()
    yield
    web_settings.cache_clear()


def test_another_device_is_sent_to_the_join_page(no_password):
    status, headers = _get("/", "192.168.1.23")
    assert status == 303 and headers[b"location"] == b"/join"
    assert _get("/", "192.168.1.23", method="HEAD")[0] == 303


def test_a_proxied_request_never_counts_as_the_laptop(no_password):
    assert _get("/", "127.0.0.1", {"X-Forwarded-For": "203.0.113.9"})[0] == 303


def test_the_laptop_itself_and_other_paths_pass(no_password):
    assert _get("/", "127.0.0.1")[0] == 200
    assert _get("/", "::1")[0] == 200
    # Only the home: a facilitator's console link with its key, Streamlit's files, phones.
    for path in ("/console", "/_stcore/health", "/static/js/index.js", "/join"):
        assert _get(path, "192.168.1.23")[0] == 200


def test_with_an_admin_password_other_devices_reach_the_home(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("WORKSHOP_ADMIN_PASSWORD", "s3cret-pass")
    web_settings.cache_clear()
    try:
        assert _get("/", "192.168.1.23")[0] == 200
    finally:
        web_settings.cache_clear()

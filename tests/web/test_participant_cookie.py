"""The participant cookie middleware: in-process (plain ASGI) and on the real server."""

from __future__ import annotations

import asyncio
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tests.support.server import running_server
from workshop.domain.codes import is_issued_token, is_plausible_token, new_participant_token
from workshop.guards import MINT_GUARD
from workshop.web.participant_cookie import (
    PARTICIPANT_COOKIE,
    ParticipantCookieMiddleware,
    cookie_header,
    read_cookie,
)

SECRET = b"cookie-test-installation-secret"
VALID = new_participant_token(SECRET)


def _run(coroutine: Any) -> None:
    """asyncio.run in a worker thread: Playwright's sync API may own this thread's loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine).result()


def _app(content_type: str, status: int = 200):
    async def app(scope: dict, receive: Any, send: Any) -> None:
        headers = [(b"content-type", content_type.encode())] if content_type else []
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"x"})

    return app


def _call(
    app: Any,
    *,
    path: str = "/join",
    method: str = "GET",
    headers: dict[str, str] | None = None,
    scheme: str = "http",
    client: str = "192.0.2.10",
) -> list[str]:
    """Run one request through the middleware; return the Set-Cookie values sent."""
    sent: list[dict] = []
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "scheme": scheme,
        "client": (client, 40000),
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
    }

    async def receive() -> dict:
        return {"type": "http.request", "body": b""}

    async def send(message: dict) -> None:
        sent.append(message)

    middleware = ParticipantCookieMiddleware(app, secret=lambda: SECRET, trusted_proxies=tuple)
    _run(middleware(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return [v.decode() for k, v in start["headers"] if k.lower() == b"set-cookie"]


def _token_of(set_cookie: str) -> str:
    return set_cookie.split(";")[0].split("=", 1)[1]


def test_html_page_without_cookie_gets_a_fresh_token_with_safe_attributes():
    (header,) = _call(_app("text/html; charset=utf-8"))
    assert header.startswith(f"{PARTICIPANT_COOKIE}=")
    assert is_issued_token(_token_of(header), SECRET)
    for attribute in ("Path=/", "Max-Age=31536000", "SameSite=Lax", "HttpOnly"):
        assert attribute in header
    assert "Secure" not in header  # plain http: a Secure cookie would be dropped


def test_each_new_browser_gets_its_own_token():
    first = _token_of(_call(_app("text/html"))[0])
    second = _token_of(_call(_app("text/html"))[0])
    assert first != second


def test_a_valid_cookie_is_kept_and_not_overwritten():
    headers = {"Cookie": f"other=1; {PARTICIPANT_COOKIE}={VALID}"}
    assert _call(_app("text/html"), headers=headers) == []


def test_a_forged_or_malformed_cookie_is_replaced():
    made_up = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQR"  # the right shape, unsigned
    other_install = new_participant_token(b"another-installation")
    for bad in (
        "short",
        "<script>alert(1)</script>",
        "x" * 200,
        '"unterminated',
        made_up,
        other_install,
    ):
        headers = {"Cookie": f"{PARTICIPANT_COOKIE}={bad}"}
        (header,) = _call(_app("text/html"), headers=headers)
        assert is_issued_token(_token_of(header), SECRET)
    assert is_plausible_token(made_up) and is_plausible_token(other_install)


def test_minting_is_limited_per_client_address_in_memory():
    MINT_GUARD.configure(burst=3, interval=60.0)
    assert all(len(_call(_app("text/html"), client="192.0.2.7")) == 1 for _ in range(3))
    assert _call(_app("text/html"), client="192.0.2.7") == []  # this address used its burst
    assert len(_call(_app("text/html"), client="192.0.2.8")) == 1  # another one did not
    # A forwarded address is believed only from a named proxy: the spoofer stays limited.
    spoofed = {"X-Forwarded-For": "198.51.100.1"}
    assert _call(_app("text/html"), client="192.0.2.7", headers=spoofed) == []


def test_only_html_pages_get_the_cookie():
    assert _call(_app("application/javascript"), path="/static/app.js") == []
    assert _call(_app("text/plain"), path="/_stcore/health") == []
    assert _call(_app("text/html"), method="POST") == []


def test_a_not_modified_page_still_gets_the_cookie():
    page_request = {"Accept": "text/html,application/xhtml+xml"}
    assert len(_call(_app("", status=304), headers=page_request)) == 1
    assert _call(_app("", status=304), headers={"Accept": "*/*"}) == []


def test_secure_behind_https_or_a_proxy_that_says_so():
    assert "Secure" in _call(_app("text/html"), scheme="https")[0]
    forwarded = {"X-Forwarded-Proto": "https"}
    assert "Secure" in _call(_app("text/html"), headers=forwarded)[0]


def test_websockets_pass_untouched():
    seen: list[str] = []

    async def app(scope: dict, receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    async def nothing() -> dict:
        return {}

    async def ignore(message: dict) -> None:
        return None

    _run(ParticipantCookieMiddleware(app)({"type": "websocket"}, nothing, ignore))
    assert seen == ["websocket"]


def test_cookie_helpers():
    assert read_cookie(f"a=1; {PARTICIPANT_COOKIE}={VALID}", PARTICIPANT_COOKIE) == VALID
    assert read_cookie("a=1", PARTICIPANT_COOKIE) is None
    assert read_cookie("", PARTICIPANT_COOKIE) is None
    assert cookie_header(VALID, secure=True).endswith("Secure; HttpOnly")


def test_the_real_server_sets_the_cookie_on_the_join_page(tmp_path: Path):
    with running_server(tmp_path / "data") as server:
        with urllib.request.urlopen(f"{server.url}/join?code=K7Q4MX", timeout=10) as response:
            cookies = response.headers.get_all("Set-Cookie") or []
            assert "text/html" in response.headers["Content-Type"]
        ours = [c for c in cookies if c.startswith(f"{PARTICIPANT_COOKIE}=")]
        assert len(ours) == 1 and "HttpOnly" in ours[0]
        issued = _token_of(ours[0])

        again = urllib.request.Request(
            f"{server.url}/join", headers={"Cookie": f"{PARTICIPANT_COOKIE}={issued}"}
        )
        with urllib.request.urlopen(again, timeout=10) as response:
            cookies = response.headers.get_all("Set-Cookie") or []
        assert not [c for c in cookies if c.startswith(f"{PARTICIPANT_COOKIE}=")]

        with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=10) as response:
            cookies = response.headers.get_all("Set-Cookie") or []
        assert not [c for c in cookies if c.startswith(f"{PARTICIPANT_COOKIE}=")]

"""The participant cookie: its helpers (``cookie_header``, ``read_cookie``, ``is_https``),
and the real server setting it on ``/join`` only.

The page that sets it (``web/phone_page.py``) is tested route by route in
``tests/web/test_phone_page.py``; here: what the header says, how it is read back, when it
is Secure, and that the running server (Streamlit around workshop's routes) sends it on the
join page's first visit and nowhere else.
"""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.builders import make_session
from tests.support.server import RunningServer, running_server
from tests.support.web import open_phone, routes_client
from workshop.domain.codes import is_issued_token, new_participant_token
from workshop.guards import MINT_GUARD
from workshop.storage import make_database
from workshop.web.context import installation_secret
from workshop.web.participant_cookie import (
    ONE_YEAR_SECONDS,
    PARTICIPANT_COOKIE,
    cookie_header,
    is_https,
    read_cookie,
)

SECRET = b"cookie-test-installation-secret"
VALID = new_participant_token(SECRET)


def _token_of(set_cookie: str) -> str:
    return set_cookie.split(";")[0].split("=", 1)[1]


def _scope(scheme: str = "http", headers: dict[str, str] | None = None) -> dict:
    return {
        "type": "http",
        "scheme": scheme,
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
    }


# ---- the helpers -------------------------------------------------------------------------


def test_the_header_names_the_token_with_safe_attributes():
    header = cookie_header(VALID, secure=False)
    assert header.startswith(f"{PARTICIPANT_COOKIE}={VALID};")
    parts = header.split("; ")
    for attribute in ("Path=/", f"Max-Age={ONE_YEAR_SECONDS}", "SameSite=Lax", "HttpOnly"):
        assert attribute in parts
    assert "Secure" not in parts  # plain http: a Secure cookie would be dropped
    assert cookie_header(VALID, secure=True).endswith("Secure; HttpOnly")
    assert f"Max-Age={60}" in cookie_header(VALID, secure=False, max_age=60).split("; ")


def test_a_cookie_is_read_back_from_a_cookie_header():
    assert read_cookie(f"a=1; {PARTICIPANT_COOKIE}={VALID}", PARTICIPANT_COOKIE) == VALID
    assert read_cookie(f"{PARTICIPANT_COOKIE}={VALID}; b=2", PARTICIPANT_COOKIE) == VALID
    assert read_cookie("a=1", PARTICIPANT_COOKIE) is None
    assert read_cookie("", PARTICIPANT_COOKIE) is None
    # What the header helper writes, a browser sends back as name=value: round trip.
    sent_back = cookie_header(VALID, secure=True).split(";")[0]
    assert read_cookie(sent_back, PARTICIPANT_COOKIE) == VALID


@pytest.mark.parametrize(
    "header",
    ['workshop_participant="unterminated', "\x00\x01", "=;=;=", "a" * 10_000 + '="', ";;;"],
)
def test_a_malformed_cookie_header_reads_as_no_cookie_never_an_error(header: str):
    assert read_cookie(header, PARTICIPANT_COOKIE) in (None, "")


def test_https_is_the_scheme_or_what_a_proxy_says():
    assert is_https(_scope("https")) is True
    assert is_https(_scope("http")) is False
    assert is_https(_scope("http", {"X-Forwarded-Proto": "https"})) is True
    assert is_https(_scope("http", {"X-Forwarded-Proto": "HTTPS, http"})) is True  # first hop
    assert is_https(_scope("http", {"X-Forwarded-Proto": "http, https"})) is False
    assert is_https(_scope("http", {"X-Forwarded-Proto": ""})) is False


# ---- minting is limited per address, in memory (in-process) ----------------------------


@pytest.fixture
def code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("WORKSHOP_DATA_DIR", str(tmp_path / "data"))
    for name in ("WORKSHOP_DATABASE_URL", "WORKSHOP_SECRET_KEY", "WORKSHOP_TRUSTED_PROXIES"):
        monkeypatch.delenv(name, raising=False)
    db = make_database(f"sqlite:///{tmp_path / 'data' / 'workshop.db'}")
    try:
        return make_session(db).session.code
    finally:
        db.dispose()


def test_minting_is_limited_per_address_and_a_forwarded_address_is_no_way_round(code: str):
    MINT_GUARD.configure(burst=2, interval=60.0)  # the conftest sets it back after the test
    with routes_client() as client:
        for _ in range(2):
            reply, token = open_phone(client, code)
            assert reply.status_code == 200 and is_issued_token(token, installation_secret())
        client.cookies.clear()
        refused = client.get("/join", params={"code": code}, follow_redirects=False)
        assert refused.status_code == 429 and "set-cookie" not in refused.headers
        # A forwarded address is believed only from a named proxy: the spoofer stays limited.
        spoofed = client.get(
            "/join",
            params={"code": code},
            headers={"X-Forwarded-For": "198.51.100.1"},
            follow_redirects=False,
        )
        assert spoofed.status_code == 429 and "set-cookie" not in spoofed.headers
        # A phone that already has its cookie is not a new one: it is never held back.
        reply, again = open_phone(client, code, token=token)
        assert reply.status_code == 200 and again == token


# ---- on the real server -------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningServer, str]]:
    with running_server(tmp_path_factory.mktemp("cookie-server")) as running:
        db = make_database(f"sqlite:///{running.data_dir / 'workshop.db'}")
        try:
            started = make_session(db)
        finally:
            db.dispose()
        yield running, started.session.code


def _get(
    server: RunningServer, path: str, cookie: str | None = None
) -> tuple[int, dict[str, str], list[str], str]:
    """(status, headers, Set-Cookie values, body) of one GET, redirects not followed."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=15)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        body = response.read().decode("utf-8", "replace")
        headers = {k.lower(): v for k, v in response.getheaders()}
        return response.status, headers, response.headers.get_all("Set-Cookie") or [], body
    finally:
        conn.close()


def _ours(set_cookies: list[str]) -> list[str]:
    return [c for c in set_cookies if c.startswith(f"{PARTICIPANT_COOKIE}=")]


def test_the_real_server_sets_the_cookie_on_the_first_visit_to_the_join_page(server):
    running, code = server
    status, headers, set_cookies, _ = _get(running, f"/join?code={code}")
    assert status == 303
    (cookie,) = _ours(set_cookies)
    for attribute in ("HttpOnly", "SameSite=Lax", "Path=/"):
        assert attribute in cookie.split("; ")
    token = _token_of(cookie)
    assert headers["location"] == f"/join?code={code}&p={token}"  # the fallback: same token

    # The cookie comes back: the page is drawn, and no second cookie is set.
    status, _, set_cookies, body = _get(
        running, f"/join?code={code}&p={token}", cookie=f"{PARTICIPANT_COOKIE}={token}"
    )
    assert status == 200 and _ours(set_cookies) == []
    assert 'id="phone-data"' in body and token not in body  # HttpOnly: not in the page
    status, _, set_cookies, _ = _get(
        running, f"/join?code={code}", cookie=f"other=1; {PARTICIPANT_COOKIE}={token}"
    )
    assert status == 200 and _ours(set_cookies) == []

    # Each new browser gets its own.
    _, _, other_cookies, _ = _get(running, f"/join?code={code}")
    assert _token_of(_ours(other_cookies)[0]) != token


def test_the_real_server_replaces_a_cookie_it_did_not_issue(server):
    running, code = server
    made_up = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQR"  # the right shape, unsigned
    for bad in (made_up, new_participant_token(b"another-installation"), "short"):
        status, _, set_cookies, _ = _get(
            running, f"/join?code={code}", cookie=f"{PARTICIPANT_COOKIE}={bad}"
        )
        assert status == 303
        (cookie,) = _ours(set_cookies)
        assert _token_of(cookie) != bad


def test_nothing_but_the_join_page_sets_the_cookie(server):
    running, code = server
    for path in (
        "/join",  # the code form: nobody to be yet
        "/join?code=ZZZZZZ",  # no such session
        "/_stcore/health",
        f"/api/view/{code}",
        "/",
        "/console",
    ):
        status, _, set_cookies, _ = _get(running, path)
        assert status < 500, (path, status)
        assert _ours(set_cookies) == [], path

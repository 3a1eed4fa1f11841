"""The phone's HTTP routes in-process: its page, its answers, its view.

``routes_client`` serves ``workshop.web.routes`` (GET /join, POST /api/answer,
GET /api/view, /events) with Starlette's test client, on the app context the environment describes
(set WORKSHOP_DATA_DIR and the like first). ``Phone`` is one participant sending answers
the way the browser does: JSON, with the participant cookie (or, where cookies are
blocked, the URL token in the body).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx2
from starlette.applications import Starlette
from starlette.testclient import TestClient

from workshop import services
from workshop.context import forget_shared_contexts
from workshop.domain.codes import new_participant_token
from workshop.storage import Database
from workshop.web.context import installation_secret, web_settings
from workshop.web.participant_cookie import PARTICIPANT_COOKIE
from workshop.web.routes import MIDDLEWARE, ROUTES


def _forget_web_context() -> None:
    forget_shared_contexts()
    web_settings.cache_clear()
    installation_secret.cache_clear()


@contextmanager
def routes_client() -> Iterator[TestClient]:
    """The routes on a fresh app context (read from the environment now)."""
    _forget_web_context()
    # 127.0.0.1: a host this server answers to (web/host_check.py)
    app = Starlette(routes=ROUTES, middleware=MIDDLEWARE)
    client = TestClient(app, base_url="http://127.0.0.1")
    try:
        yield client
    finally:
        client.close()
        _forget_web_context()


@dataclass
class Phone:
    """One participant's browser: its token travels in the cookie, or in the body.

    The token is minted with this installation's secret, as the join page does.
    """

    client: TestClient
    token: str = field(default_factory=lambda: new_participant_token(installation_secret()))
    cookieless: bool = False

    def send(self, code: str, prompt: object, value: object, **extra: object) -> httpx2.Response:
        body: dict[str, Any] = {"code": code, "prompt": prompt, "value": value, **extra}
        headers = {"content-type": "application/json"}
        if self.cookieless:
            body.setdefault("p", self.token)
        else:
            headers["cookie"] = f"{PARTICIPANT_COOKIE}={self.token}"
        # Escaped like JSON.stringify does a lone surrogate (httpx2's json= cannot).
        content = json.dumps(body).encode()
        return self.client.post("/api/answer", content=content, headers=headers)

    def answer(self, code: str, prompt: object, value: object) -> dict[str, Any]:
        """Send, and insist that it was stored (200 and ``ok``)."""
        reply = self.send(code, prompt, value)
        assert reply.status_code == 200, reply.text
        assert reply.json()["ok"] is True
        return reply.json()

    def view(self, code: str) -> dict[str, Any]:
        reply = self.client.get(f"/api/view/{code}")
        assert reply.status_code == 200, reply.text
        return reply.json()


def refusal(reply: httpx2.Response, status: int, reason: str) -> str:
    """Assert a refusal in plain words (JSON, never cached); return its message."""
    assert reply.status_code == status, (reply.status_code, reply.text)
    assert reply.headers["content-type"] == "application/json"
    assert reply.headers["cache-control"] == "no-store"
    body = reply.json()
    assert body["ok"] is False and body["reason"] == reason, body
    message = body["message"]
    assert isinstance(message, str) and message.strip(), body
    assert len(message) <= 300 and "\n" not in message, message
    for leak in ("Traceback", "Error(", "sqlalchemy", "sqlite3", "psycopg", "None"):
        assert leak not in message, message
    return message


def current_prompt_id(db: Database, session_id: int) -> int:
    prompt = services.get_live_view(db=db, session_id=session_id).prompt
    assert prompt is not None
    return prompt.id


# ---- the phone page (/join) ---------------------------------------------------------------

PAGE_DATA = re.compile(r'<script type="application/json" id="phone-data">(.*?)</script>', re.S)


def page_data(html: str) -> dict[str, Any] | None:
    """The data the page hands to the phone app: {code, view, mine, token, cleanUrl, urls};
    None on a screen without the live part (code entry, ended, busy)."""
    found = PAGE_DATA.search(html)
    return None if found is None else json.loads(found.group(1))


def open_phone(
    client: TestClient, code: str, *, token: str | None = None, cookies: bool = True
) -> tuple[httpx2.Response, str | None]:
    """Open /join?code=... as a phone does (following the first-visit redirect).

    With ``token``, the phone has that participant cookie already (or, ``cookies=False``,
    carries it in the URL). Returns the final response and the participant token the
    phone holds afterwards.
    """
    client.cookies.clear()
    params: dict[str, str] = {"code": code}
    if token is not None and cookies:
        client.cookies.set(PARTICIPANT_COOKIE, token)
    elif token is not None:
        params["p"] = token
    reply = client.get("/join", params=params, follow_redirects=False)
    if reply.status_code == 303:
        fresh = reply.headers["location"].split("p=")[-1]
        if not cookies:
            client.cookies.clear()
        reply = client.get(reply.headers["location"], follow_redirects=False)
        token = fresh
    elif cookies and PARTICIPANT_COOKIE in client.cookies:
        token = client.cookies[PARTICIPANT_COOKIE]
    if not cookies:
        client.cookies.clear()
    return reply, token

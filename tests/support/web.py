"""The phone's HTTP routes in-process, and the phone component's data on an AppTest page.

``routes_client`` serves ``workshop.web.routes`` (POST /api/answer, GET /api/view,
/events) with Starlette's test client, on the app context the environment describes
(set WORKSHOP_DATA_DIR and the like first). ``Phone`` is one participant sending answers
the way the browser does: JSON, with the participant cookie (or, where cookies are
blocked, the URL token in the body).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx2
from starlette.applications import Starlette
from starlette.testclient import TestClient
from streamlit.testing.v1 import AppTest

from workshop import services
from workshop.context import forget_shared_contexts
from workshop.domain.codes import new_participant_token
from workshop.storage import Database
from workshop.ui.phone_app import COMPONENT_KEY
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


# ---- the phone component on the join page (AppTest) ------------------------------------


def phone_component(at: AppTest) -> Any | None:
    """The phone's live-part component element, or None when the page did not mount it."""
    found = [e for e in at.get("bidi_component") if e.key == COMPONENT_KEY]
    assert len(found) <= 1, "the phone component is mounted more than once"
    return found[0] if found else None


def phone_data(at: AppTest) -> dict[str, Any]:
    """The data the page hands to the phone component: {code, view, mine, token, urls}."""
    element = phone_component(at)
    assert element is not None, "the live part is not on the page"
    return json.loads(element.proto.json)


def url_token(at: AppTest) -> str:
    token = at.query_params["p"]
    return token[0] if isinstance(token, list) else token

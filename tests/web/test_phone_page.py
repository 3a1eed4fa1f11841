"""GET /join: the phone's own light page, and the phone app's script and stylesheet.

The real routes (``workshop.web.routes``) in-process with Starlette's test client; the
facilitator acts through the services on the same database, as the room would. What the
page hands the browser is the data in ``<script id="phone-data">``: the phone view (as
the push stream carries it), this phone's own answer and, where cookies are blocked, its
URL token. How an answer is taken is tested on its route (``tests/web/test_answers.py``);
what the browser draws from the data in ``tests/browser/``.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.support.builders import every_kind_template, make_session, make_template
from tests.support.web import Phone, open_phone, page_data, routes_client
from workshop import services
from workshop.activities import KINDS, make_spec
from workshop.domain.codes import display_code, is_issued_token, new_participant_token
from workshop.domain.errors import StoreBusy
from workshop.domain.model import Prompt
from workshop.guards import CODE_GUARD, MINT_GUARD
from workshop.phone_view import read_phone_view
from workshop.storage import Database, make_database
from workshop.web import phone_page
from workshop.web.participant_cookie import PARTICIPANT_COOKIE
from workshop.web.phone_assets import phone_app
from workshop.web.phone_html import NO_SCRIPT, PRIVACY_LINE, STORE_BUSY, TOO_MANY_NEW

SECRET = "phone-page-installation-secret"
ENDED = "This session has ended. Thank you for taking part!"
# The budget for a phone's first load, compressed, without the event stream.
FIRST_LOAD_BUDGET_BYTES = 150_000
FIRST_LOAD_MAX_REQUESTS = 10


@dataclass
class Room:
    db: Database
    client: TestClient
    started: services.StartedSession

    @property
    def session_id(self) -> int:
        return self.started.session.id

    @property
    def code(self) -> str:
        return self.started.session.code

    def prompts(self) -> list[Prompt]:
        return services.list_prompts(db=self.db, session_id=self.session_id)

    def facilitator(self, action: object, **kwargs: object) -> None:
        action(db=self.db, session_id=self.session_id, key=self.started.facilitator_key, **kwargs)  # type: ignore[operator]

    def go_to(self, position: int) -> None:
        self.facilitator(services.go_to_prompt, position=position)

    def joined(self) -> int:
        return services.get_live_view(db=self.db, session_id=self.session_id).counts.joined

    def answer(self, position: int, raw: object, *, token: str) -> int:
        """``token`` answers the prompt at ``position`` (made current); returns its id."""
        self.go_to(position)
        prompt_id = self.prompts()[position].id
        services.submit_answer(
            db=self.db, secret=SECRET.encode(), session_id=self.session_id,
            prompt_id=prompt_id, token=token, raw=raw,
        )  # fmt: skip
        return prompt_id

    def open(self, *, token: str | None = None, cookies: bool = True, code: str | None = None):
        """The phone opens the QR address; returns (final response, its data, its token)."""
        reply, held = open_phone(self.client, code or self.code, token=token, cookies=cookies)
        return reply, page_data(reply.text), held


@pytest.fixture
def app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    monkeypatch.setenv("WORKSHOP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("WORKSHOP_SECRET_KEY", SECRET)
    monkeypatch.delenv("WORKSHOP_DATABASE_URL", raising=False)
    database = make_database(f"sqlite:///{tmp_path / 'workshop.db'}")
    yield database
    database.dispose()


@pytest.fixture
def client(app_env: Database) -> Iterator[TestClient]:
    with routes_client() as test_client:
        yield test_client


@pytest.fixture
def room(app_env: Database, client: TestClient) -> Room:
    return Room(app_env, client, make_session(app_env, make_template()))


def alerts(html: str) -> list[str]:
    return re.findall(r'role="alert">([^<]*)<', html)


def title(html: str) -> str:
    found = re.search(r'<h1 class="title">([^<]*)</h1>', html)
    return found.group(1) if found else ""


# ---- the first visit: a participant token, by cookie and (where blocked) by URL ----------


def test_a_first_visit_gets_an_issued_token_as_an_httponly_cookie_and_in_a_redirect(room: Room):
    reply = room.client.get("/join", params={"code": room.code}, follow_redirects=False)
    assert reply.status_code == 303
    assert reply.headers["cache-control"] == "no-store"
    location = reply.headers["location"]
    assert location.startswith(f"/join?code={room.code}&p=")
    token = location.split("p=")[1]
    assert is_issued_token(token, SECRET.encode())
    cookie = reply.headers["set-cookie"]
    assert cookie.startswith(f"{PARTICIPANT_COOKIE}={token};")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain HTTP here; behind HTTPS it is Secure
    assert room.joined() == 0  # nobody joined before the page is drawn


def test_behind_https_the_cookie_is_secure(room: Room):
    reply = room.client.get(
        "/join",
        params={"code": room.code},
        headers={"x-forwarded-proto": "https"},
        follow_redirects=False,
    )
    assert "Secure" in reply.headers["set-cookie"]


def test_when_the_cookie_comes_back_the_address_bar_loses_the_token(room: Room):
    reply, data, token = room.open()
    assert reply.status_code == 200
    assert data is not None and token is not None
    assert data["token"] is None  # the cookie carries it; the page never needs to
    assert data["cleanUrl"] == f"/join?code={room.code}"
    assert token not in reply.text  # an HttpOnly cookie stays out of the page
    assert room.joined() == 1


def test_a_phone_that_blocks_cookies_keeps_its_token_in_the_url_and_stays_one_participant(
    room: Room,
):
    _, data, token = room.open(cookies=False)
    assert data is not None and token is not None
    assert data["token"] == token and data["cleanUrl"] is None  # the URL keeps it
    prompt_id = data["view"]["prompt"]["id"]
    phone = Phone(room.client, token=token, cookieless=True)
    phone.answer(room.code, prompt_id, "A")
    phone.answer(room.code, prompt_id, "B")  # changed their mind
    # A reload with the same URL: the same participant, and their answer is handed over.
    _, again, _ = room.open(token=token, cookies=False)
    assert again is not None and again["mine"] == {"prompt": prompt_id, "value": "B"}
    assert room.joined() == 1


def test_a_reload_with_the_cookie_is_the_same_participant_with_its_answer(room: Room):
    _, data, token = room.open()
    assert data is not None and token is not None
    prompt_id = data["view"]["prompt"]["id"]
    Phone(room.client, token=token).answer(room.code, prompt_id, "C")
    reply, again, held = room.open(token=token)
    assert reply.status_code == 200 and held == token
    assert again is not None and again["mine"] == {"prompt": prompt_id, "value": "C"}
    assert again["cleanUrl"] is None  # nothing to clean: no token in this URL
    assert room.joined() == 1


def test_a_forged_or_foreign_token_counts_for_nothing_and_gets_a_fresh_one(room: Room):
    forged = "<script>alert(1)</script>"
    reply = room.client.get(
        "/join", params={"code": room.code, "p": forged}, follow_redirects=False
    )
    assert reply.status_code == 303
    fresh = reply.headers["location"].split("p=")[1]
    assert is_issued_token(fresh, SECRET.encode()) and fresh != forged
    foreign = new_participant_token(b"another installation's secret")
    room.client.cookies.clear()
    room.client.cookies.set(PARTICIPANT_COOKIE, foreign)
    reply = room.client.get("/join", params={"code": room.code}, follow_redirects=False)
    assert reply.status_code == 303  # a cookie this server did not sign is no participant
    assert room.joined() == 0


def test_too_many_new_phones_from_one_address_wait_on_a_page_that_retries(room: Room):
    MINT_GUARD.configure(burst=2, interval=60)  # the conftest sets it back after the test
    for _ in range(2):
        assert room.open()[0].status_code == 200
    room.client.cookies.clear()
    reply = room.client.get("/join", params={"code": room.code}, follow_redirects=False)
    assert reply.status_code == 429
    assert "set-cookie" not in reply.headers
    assert TOO_MANY_NEW in reply.text
    assert '<meta http-equiv="refresh" content="60">' in reply.text
    assert reply.headers["retry-after"] == "60"
    assert room.joined() == 2


# ---- what the page hands the app ----------------------------------------------------------


def test_the_page_hands_the_live_question_as_the_push_stream_carries_it(room: Room):
    reply, data, _ = room.open(code=display_code(room.code).lower())
    assert data is not None
    assert data["view"] == read_phone_view(db=room.db, session_id=room.session_id)
    prompt = data["view"]["prompt"]
    assert (prompt["text"], prompt["kind"], prompt["options"]) == (
        "Pick one", "single_choice", ["A", "B", "C"],
    )  # fmt: skip
    assert data["code"] == room.code and data["mine"] is None
    # Absolute addresses: the routes live at the server's root.
    assert data["urls"] == {
        "events": f"/events/{room.code}",
        "view": f"/api/view/{room.code}",
        "mine": f"/api/mine/{room.code}",
        "answer": "/api/answer",
    }
    assert PRIVACY_LINE in reply.text
    assert room.joined() == 1


def test_the_page_hands_over_this_phones_answer_and_no_one_elses(room: Room):
    _, _, token = room.open()
    assert token is not None
    room.answer(0, "C", token=new_participant_token(SECRET.encode()))  # someone else
    assert room.open(token=token)[1]["mine"] is None  # type: ignore[index]
    first = room.answer(0, "A", token=token)
    assert room.open(token=token)[1]["mine"] == {"prompt": first, "value": "A"}  # type: ignore[index]
    room.go_to(1)  # the next question starts blank
    _, data, _ = room.open(token=token)
    assert data is not None and data["view"]["prompt"]["text"] == "Pick some"
    assert data["mine"] is None
    second = room.answer(1, ["Z", "X"], token=token)
    assert room.open(token=token)[1]["mine"] == {"prompt": second, "value": ["X", "Z"]}  # type: ignore[index]


def test_a_closed_prompt_still_hands_over_the_participants_answer(room: Room):
    _, _, token = room.open()
    assert token is not None
    prompt_id = room.answer(0, "B", token=token)
    room.facilitator(services.set_answering_open, is_open=False)
    _, data, _ = room.open(token=token)
    assert data is not None and data["view"]["prompt"]["open"] is False
    assert data["mine"] == {"prompt": prompt_id, "value": "B"}


def test_results_reach_the_page_as_the_facilitator_shows_them(room: Room):
    _, _, token = room.open()
    assert token is not None
    room.answer(0, "B", token=token)
    results = room.open(token=token)[1]["view"]["results"]  # type: ignore[index]
    assert results["n"] == 1 and [b["count"] for b in results["bars"]] == [0, 1, 0]
    room.go_to(2)  # the scale prompt keeps results until revealed
    assert room.open(token=token)[1]["view"]["results"] is None  # type: ignore[index]
    room.facilitator(services.set_results_visible, visible=True)
    assert room.open(token=token)[1]["view"]["results"] == {  # type: ignore[index]
        "n": 0, "needed": 1, "kind": "scale",
    }  # fmt: skip


def test_no_session_or_participant_text_can_end_the_data_script(
    app_env: Database, client: TestClient
):
    hostile = '</script><script>alert("x")</script><!--'
    started = make_session(app_env, make_template(make_spec("open_text", text=hostile)))
    reply, _ = open_phone(client, started.session.code)
    data = page_data(reply.text)
    assert data is not None and data["view"]["prompt"]["text"] == hostile  # intact as data
    assert hostile not in reply.text and "<script>alert" not in reply.text
    assert reply.text.count("</script>") == 2  # the app's tag and the data's, nothing else


# ---- the screens around the session ------------------------------------------------------


def test_without_a_code_the_page_is_a_form_that_works_without_javascript(client: TestClient):
    reply = client.get("/join")
    assert reply.status_code == 200
    html = reply.text
    assert title(html) == "Join a session" and page_data(html) is None
    assert '<form class="code-form" method="get" action="/join">' in html
    assert 'name="code"' in html and ">Join</button>" in html
    assert '<html lang="en">' in html
    assert "maximum-scale" not in html and "user-scalable" not in html  # pinch-zoom stays


def test_a_typed_code_is_forgiven_case_spaces_and_dashes(room: Room):
    typed = f" {display_code(room.code).lower().replace('-', ' – ')} "  # a phone's en dash
    reply, data, _ = room.open(code=typed)
    assert reply.status_code == 200
    assert data is not None and data["code"] == room.code


def test_an_empty_code_asks_for_one_in_plain_words(client: TestClient):
    reply = client.get("/join", params={"code": "  - "})
    assert reply.status_code == 400
    assert alerts(reply.text) == ["Please type the code shown on the screen."]


def test_an_unknown_code_is_echoed_as_the_screen_shows_codes(app_env: Database, client):
    reply = client.get("/join", params={"code": "zzz-zzz"})
    assert reply.status_code == 404
    assert alerts(reply.text) == ["No session with code ZZZ-ZZZ — check the code on the screen."]
    assert 'value="zzz-zzz"' in reply.text  # what they typed, to correct it
    assert "set-cookie" not in reply.headers  # no token minted for a code that is no session


def test_a_hostile_code_is_text_never_markup(app_env: Database, client: TestClient):
    reply = client.get("/join", params={"code": '"><img src=x onerror=alert(1)>'})
    assert reply.status_code == 404
    assert "<img" not in reply.text
    assert "&quot;&gt;&lt;img" in reply.text  # escaped in the field, to correct it


def test_an_ended_session_thanks_the_participant(room: Room):
    room.facilitator(services.end_session)
    reply = room.client.get("/join", params={"code": room.code}, follow_redirects=False)
    assert reply.status_code == 200 and page_data(reply.text) is None
    assert title(reply.text) == "Thank you!"
    assert ENDED in reply.text and "Test session" in reply.text
    assert "set-cookie" not in reply.headers


def test_a_deleted_session_says_so(room: Room):
    code = room.code
    room.open()
    room.facilitator(services.delete_session)
    reply = room.client.get("/join", params={"code": code}, follow_redirects=False)
    assert reply.status_code == 404
    assert alerts(reply.text)[0].startswith(("This session no longer exists.", "No session"))


def busy(**_: object) -> None:
    raise StoreBusy()


def test_a_busy_store_is_explained_and_the_page_retries_by_itself(
    room: Room, monkeypatch: pytest.MonkeyPatch
):
    _, _, token = room.open()
    with monkeypatch.context() as patched:
        patched.setattr(services, "join_session", busy)
        reply, data, _ = room.open(token=token)
    assert reply.status_code == 503 and data is None
    assert STORE_BUSY in reply.text
    assert '<meta http-equiv="refresh" content="3">' in reply.text
    assert room.open(token=token)[1] is not None  # the store is back: the same phone is in


def test_codes_that_keep_missing_get_slower_from_that_address(
    app_env: Database, client: TestClient, monkeypatch: pytest.MonkeyPatch
):
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr("workshop.web.events.asyncio.sleep", fake_sleep)
    for _ in range(CODE_GUARD.free_failures):
        client.get("/join", params={"code": "zzz-zzz"})
    assert slept == []
    client.get("/join", params={"code": "zzz-zzz"})
    assert slept and slept[-1] > 0  # the next try from here waits
    assert CODE_GUARD.delay_for("10.9.8.7") == 0  # another address does not


def test_the_live_page_says_what_to_do_without_javascript(room: Room):
    reply, _, _ = room.open()
    assert f'<noscript><div class="box warning">{NO_SCRIPT}' in reply.text.replace("&#x27;", "'")


# ---- headers, compression, the app's files ------------------------------------------------


def test_pages_are_never_cached_and_are_compressed(room: Room):
    reply, _, _ = room.open()
    assert reply.headers["cache-control"] == "no-store"
    assert reply.headers["content-encoding"] == "gzip"  # httpx asks for gzip
    assert "Accept-Encoding" in reply.headers["vary"]


def test_the_page_names_the_app_files_and_nothing_else(room: Room):
    html = room.open()[0].text
    script, stylesheet = phone_app()
    assert re.findall(r'(?:src|href)="([^"]+)"', html) == ["data:,", stylesheet.url, script.url]
    assert "<script>" not in html and "style=" not in html  # nothing inline (strict CSP)


def test_the_app_files_are_compressed_and_cached_for_a_year(client: TestClient):
    for asset in phone_app():
        reply = client.get(asset.url)
        assert reply.status_code == 200
        assert reply.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert reply.headers["content-encoding"] == "gzip"
        assert reply.content == asset.body  # httpx unzips what came gzipped
        plain = client.get(asset.url, headers={"accept-encoding": "identity"})
        assert "content-encoding" not in plain.headers and plain.content == asset.body
    assert client.get("/phone/app.000000000000.js").status_code == 404


def test_the_script_carries_every_registered_kind(client: TestClient):
    script, _ = phone_app()
    text = script.body.decode()
    for name in KINDS:
        assert f'registerKind("{name}"' in text, name


def test_a_first_load_stays_within_its_byte_and_request_budget(
    app_env: Database, client: TestClient
):
    """Everything a cold phone downloads before it draws, compressed, as on the wire.

    The page of the heaviest prompt counts: every kind, in the leadership template's
    order, opened one by one."""
    started = make_session(app_env, every_kind_template())
    sizes: list[int] = []
    requests = 0
    reply = client.get("/join", params={"code": started.session.code}, follow_redirects=False)
    requests += 1
    sizes.append(len(reply.headers.get("location", "")) + 300)  # a redirect's headers
    reply = client.get(reply.headers["location"])
    requests += 1
    heaviest_page = len(gzip.compress(reply.content))
    for position in range(1, len(services.list_prompts(db=app_env, session_id=started.session.id))):
        services.go_to_prompt(
            db=app_env, session_id=started.session.id, key=started.facilitator_key,
            position=position,
        )  # fmt: skip
        page = client.get("/join", params={"code": started.session.code})
        heaviest_page = max(heaviest_page, len(gzip.compress(page.content)))
    sizes.append(heaviest_page)
    for asset in phone_app():
        sizes.append(len(asset.gzipped))
        requests += 1
    total = sum(sizes)
    print(f"first load: {total:,} bytes compressed in {requests} requests")
    assert total <= FIRST_LOAD_BUDGET_BYTES
    assert requests <= FIRST_LOAD_MAX_REQUESTS


def test_the_phone_page_is_workshops_own_route_before_streamlits():
    from workshop.web.routes import ROUTES

    paths = [getattr(route, "path", "") for route in ROUTES]
    assert paths[:2] == [phone_page.JOIN_PATH, phone_page.JOIN_PATH + "/"]

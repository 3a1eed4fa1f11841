"""The phone's join page through ``app.py`` (AppTest: no cookies, so the URL token is used).

Streamlit draws what surrounds the session (the code entry, unknown code, ended, a busy
store) and mounts the live part: one component whose data is the phone view, this
phone's own answer and its URL token. The browser draws and sends from there on
(``ui/phone_app``); how an answer is taken is tested on its route
(``tests/web/test_answers.py``), what the view holds in ``tests/test_phone_view.py``.

Each test drives one phone (one AppTest) while the facilitator acts through the
services on the same database, as the room would.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.support.builders import make_session, make_template
from tests.support.web import Phone, phone_component, phone_data, routes_client, url_token
from workshop import services
from workshop.domain.codes import display_code, is_plausible_token, new_participant_token
from workshop.domain.errors import StoreBusy
from workshop.domain.model import Prompt
from workshop.guards import CODE_GUARD
from workshop.phone_view import read_phone_view
from workshop.storage import Database, make_database

ROOT = Path(__file__).resolve().parents[2]
SECRET = "app-test-installation-secret"


@dataclass
class Room:
    """The facilitator's side: the database the app uses, and one started session."""

    db: Database
    started: services.StartedSession

    @property
    def session_id(self) -> int:
        return self.started.session.id

    @property
    def code(self) -> str:
        return self.started.session.code

    def prompts(self) -> list[Prompt]:
        return services.list_prompts(db=self.db, session_id=self.session_id)

    def go_to(self, position: int) -> None:
        services.go_to_prompt(
            db=self.db, session_id=self.session_id, key=self.started.facilitator_key,
            position=position,
        )  # fmt: skip

    def set_open(self, is_open: bool) -> None:
        services.set_answering_open(
            db=self.db, session_id=self.session_id, key=self.started.facilitator_key,
            is_open=is_open,
        )  # fmt: skip

    def answers(self, position: int) -> list:
        prompt = self.prompts()[position]
        return services.list_answers(db=self.db, session_id=self.session_id, prompt_id=prompt.id)

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


@pytest.fixture
def app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """The app's settings point at a fresh data directory; the test shares its database."""
    monkeypatch.setenv("WORKSHOP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("WORKSHOP_SECRET_KEY", SECRET)
    monkeypatch.delenv("WORKSHOP_DATABASE_URL", raising=False)
    database = make_database(f"sqlite:///{tmp_path / 'workshop.db'}")
    yield database
    database.dispose()


@pytest.fixture
def room(app_env: Database) -> Room:
    return Room(app_env, make_session(app_env, make_template()))


def open_phone(query: dict[str, str] | None = None) -> AppTest:
    """A phone on the join page, with these URL query parameters."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    at.switch_page("pages/join.py")
    for name, value in (query or {}).items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, at.exception
    return at


def messages(at: AppTest) -> list[str]:
    return [m.value for kind in (at.error, at.warning, at.success, at.info) for m in kind]


def shown_prompt(at: AppTest) -> str:
    """The text of the prompt the live part was handed."""
    prompt = phone_data(at)["view"]["prompt"]
    assert prompt is not None
    return prompt["text"]


# ---- joining ---------------------------------------------------------------------------


def test_without_a_code_the_page_asks_for_one_and_forgives_case_spaces_and_dashes(room: Room):
    at = open_phone()
    assert [t.value for t in at.title] == ["Join a session"]
    assert phone_component(at) is None
    typed = f" {display_code(room.code).lower().replace('-', ' - ')} "
    at.text_input(key="phone_code").input(typed)
    next(b for b in at.button if b.label == "Join").click()
    at.run()
    assert not at.exception
    assert at.query_params["code"] == [room.code] or at.query_params["code"] == room.code
    assert shown_prompt(at) == "Pick one"
    assert room.joined() == 1


def test_a_valid_code_in_the_url_hands_the_live_question_to_the_browser(room: Room):
    at = open_phone({"code": display_code(room.code)})
    data = phone_data(at)
    # What the push stream carries, so the first draw and every later one agree.
    assert data["view"] == read_phone_view(db=room.db, session_id=room.session_id)
    prompt = data["view"]["prompt"]
    assert (prompt["text"], prompt["kind"], prompt["options"]) == (
        "Pick one", "single_choice", ["A", "B", "C"],
    )  # fmt: skip
    assert prompt["open"] is True and data["view"]["results"] is not None  # live results
    assert data["code"] == room.code
    assert data["mine"] is None  # nothing sent yet
    # Absolute addresses: the routes live at the server's root whatever the page's path
    # (a relative "events/..." from a page at /some/path/ would miss them).
    assert data["urls"] == {
        "events": f"/events/{room.code}",
        "view": f"/api/view/{room.code}",
        "mine": f"/api/mine/{room.code}",
        "answer": "/api/answer",
    }
    # The live part is the browser's: no Streamlit widget to answer with, no rerun per tap.
    assert not at.button and not at.radio and not at.text_area
    assert any("No name, no IP address" in c.value for c in at.caption)
    assert room.joined() == 1


def test_an_unknown_code_says_so_in_plain_words(app_env: Database):
    at = open_phone({"code": "zzz-zzz"})
    assert [e.value for e in at.error] == [
        "No session with code ZZZZZZ — check the code on the screen."
    ]
    assert at.text_input(key="phone_code") is not None  # and offers to type another
    assert phone_component(at) is None


def test_an_ended_session_thanks_the_participant(room: Room):
    services.end_session(db=room.db, session_id=room.session_id, key=room.started.facilitator_key)
    at = open_phone({"code": room.code})
    assert [t.value for t in at.title] == ["Thank you!"]
    assert "This session has ended. Thank you for taking part!" in messages(at)
    assert not at.button
    assert phone_component(at) is None


def test_a_session_that_ends_while_the_phone_is_open_thanks_too(room: Room):
    at = open_phone({"code": room.code})
    assert phone_component(at) is not None
    services.end_session(db=room.db, session_id=room.session_id, key=room.started.facilitator_key)
    at.run()  # a reload (the open page draws the end from the pushed view itself)
    assert [t.value for t in at.title] == ["Thank you!"]
    assert phone_component(at) is None


def busy(**_: object) -> None:
    raise StoreBusy()


def test_an_ended_session_is_thanked_for_by_its_title_even_when_the_store_is_busy(
    room: Room, monkeypatch: pytest.MonkeyPatch
):
    """The title is a nicety: a busy store while looking it up must not break the page."""
    services.end_session(db=room.db, session_id=room.session_id, key=room.started.facilitator_key)
    at = open_phone({"code": room.code})
    assert "Test session" in [c.value for c in at.caption]  # the title, as plain text
    real = services.find_session_by_code
    calls: list[str] = []

    def busy_after_the_join(**kwargs: object) -> object:
        calls.append(str(kwargs["code"]))
        if len(calls) == 1:  # joining finds the session (ended)...
            return real(**kwargs)  # type: ignore[arg-type]
        raise StoreBusy()  # ...then the store is busy when the title is looked up

    monkeypatch.setattr(services, "find_session_by_code", busy_after_the_join)
    at = open_phone({"code": room.code})  # open_phone insists on no exception
    assert len(calls) >= 1
    assert [t.value for t in at.title] == ["Thank you!"]
    assert "This session has ended. Thank you for taking part!" in messages(at)
    assert "Test session" not in [c.value for c in at.caption]


def test_a_session_ending_while_open_is_thanked_for_from_the_view_alone(
    room: Room, monkeypatch: pytest.MonkeyPatch
):
    """The view read for the live part already holds the title: no second lookup."""
    at = open_phone({"code": room.code})
    assert phone_component(at) is not None
    services.end_session(db=room.db, session_id=room.session_id, key=room.started.facilitator_key)
    monkeypatch.setattr(services, "find_session_by_code", busy)
    at.run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Thank you!"]
    assert "Test session" in [c.value for c in at.caption]
    assert phone_component(at) is None


# ---- this phone, its token and its own answer ----------------------------------------


def test_the_url_token_keeps_a_cookieless_phone_the_same_participant(room: Room):
    at = open_phone({"code": room.code})
    token = url_token(at)
    assert is_plausible_token(token)
    assert phone_data(at)["token"] == token  # the browser sends it with each answer
    prompt_id = phone_data(at)["view"]["prompt"]["id"]
    with routes_client() as client:
        phone = Phone(client, token=token, cookieless=True)
        phone.answer(room.code, prompt_id, "A")
        phone.answer(room.code, prompt_id, "B")  # changed their mind
    assert [a.value for a in room.answers(0)] == ["B"]
    # A reload (a brand-new browser session) with the same URL: same participant.
    again = open_phone({"code": room.code, "p": token})
    assert room.joined() == 1
    assert phone_data(again)["mine"] == {"prompt": prompt_id, "value": "B"}
    assert phone_data(again)["token"] == token


def test_the_page_hands_over_this_phones_answer_and_no_one_elses(room: Room):
    at = open_phone({"code": room.code})
    token = url_token(at)
    room.answer(0, "C", token=new_participant_token(SECRET.encode()))  # someone else
    at.run()
    assert phone_data(at)["mine"] is None
    first = room.answer(0, "A", token=token)
    at.run()
    assert phone_data(at)["mine"] == {"prompt": first, "value": "A"}
    room.go_to(1)  # the next question starts blank
    at.run()
    assert shown_prompt(at) == "Pick some"
    assert phone_data(at)["mine"] is None
    second = room.answer(1, ["Z", "X"], token=token)
    at.run()
    assert phone_data(at)["mine"] == {"prompt": second, "value": ["X", "Z"]}


def test_a_closed_prompt_still_hands_over_the_participants_answer(room: Room):
    at = open_phone({"code": room.code})
    prompt_id = room.answer(0, "B", token=url_token(at))
    room.set_open(False)
    at.run()
    data = phone_data(at)
    assert data["view"]["prompt"]["open"] is False  # the calm "answering is closed" screen
    assert data["mine"] == {"prompt": prompt_id, "value": "B"}


def test_a_forged_url_token_gets_a_fresh_one_and_never_reaches_the_browser(room: Room):
    forged = "<script>alert(1)</script>"
    at = open_phone({"code": room.code, "p": forged})
    token = url_token(at)
    assert is_plausible_token(token) and token != forged
    assert phone_data(at)["token"] == token
    assert forged not in phone_component(at).proto.json


# ---- results ---------------------------------------------------------------------------


def test_results_reach_the_phone_when_the_facilitator_shows_them(room: Room):
    at = open_phone({"code": room.code})
    room.answer(0, "B", token=url_token(at))
    at.run()
    results = phone_data(at)["view"]["results"]  # prompt 1 shows results live
    assert results["n"] == 1 and [b["count"] for b in results["bars"]] == [0, 1, 0]
    room.go_to(2)  # the scale prompt keeps results until revealed
    at.run()
    assert phone_data(at)["view"]["results"] is None
    services.set_results_visible(
        db=room.db, session_id=room.session_id, key=room.started.facilitator_key, visible=True
    )
    at.run()
    assert phone_data(at)["view"]["results"] == {"n": 0, "needed": 1, "kind": "scale"}


# ---- the store, the session ------------------------------------------------------------


def test_a_busy_store_is_explained_and_the_page_recovers(
    room: Room, monkeypatch: pytest.MonkeyPatch
):
    """The store cannot be made busy on demand for a read, so this one failure is injected."""
    at = open_phone({"code": room.code})

    real = services.get_live_view
    monkeypatch.setattr(services, "get_live_view", busy)
    at.run()
    assert not at.exception
    assert any("tries again by itself" in m for m in messages(at))
    assert phone_component(at) is None
    monkeypatch.setattr(services, "get_live_view", real)  # the store is back
    at.run()
    assert shown_prompt(at) == "Pick one"


def test_a_session_deleted_while_the_phone_is_open_is_explained(room: Room):
    at = open_phone({"code": room.code})
    key = room.started.facilitator_key
    services.delete_session(db=room.db, session_id=room.session_id, key=key)
    at.run()
    assert not at.exception
    assert "This session no longer exists." in [e.value for e in at.error]
    assert phone_component(at) is None


def test_codes_that_keep_missing_on_the_page_get_slower(app_env: Database):
    """The join page counts misses per address in the same guard as the phone routes:
    after ``free_failures`` misses the next lookup from there waits (memory only)."""
    assert CODE_GUARD.delay_for("127.0.0.1") == 0
    for _ in range(CODE_GUARD.free_failures):
        open_phone({"code": "zzz-zzz"})
    assert CODE_GUARD.delay_for("127.0.0.1") > 0  # the next try from here waits
    assert CODE_GUARD.delay_for("10.9.8.7") == 0  # another address does not

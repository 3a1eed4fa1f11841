"""The phone's join page through ``app.py`` (AppTest: no cookies, so the URL token is used).

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
from workshop import services
from workshop.domain.codes import display_code, is_plausible_token
from workshop.domain.errors import StoreBusy
from workshop.domain.model import Prompt, PromptKind, PromptSpec
from workshop.guards import SUBMIT_GUARD
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


def send(at: AppTest) -> AppTest:
    """Tap the (only visible) send button of the answer form."""
    labels = [b.label for b in at.button]
    label = "Send my answer" if "Send my answer" in labels else "Update my answer"
    next(b for b in at.button if b.label == label).click()
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> list[str]:
    return [t.value for t in at.text]


def messages(at: AppTest) -> list[str]:
    return [m.value for kind in (at.error, at.warning, at.success, at.info) for m in kind]


# ---- joining ---------------------------------------------------------------------------


def test_without_a_code_the_page_asks_for_one_and_forgives_case_spaces_and_dashes(room: Room):
    at = open_phone()
    assert [t.value for t in at.title] == ["Join a session"]
    typed = f" {display_code(room.code).lower().replace('-', ' - ')} "
    at.text_input(key="phone_code").input(typed)
    next(b for b in at.button if b.label == "Join").click()
    at.run()
    assert not at.exception
    assert at.query_params["code"] == [room.code] or at.query_params["code"] == room.code
    assert [s.value for s in at.subheader] == ["Pick one"]
    assert room.joined() == 1


def test_a_valid_code_in_the_url_shows_the_live_question(room: Room):
    at = open_phone({"code": display_code(room.code)})
    assert [s.value for s in at.subheader] == ["Pick one"]
    assert at.radio[0].options == ["A", "B", "C"]
    assert at.radio[0].label == "Choose one"
    assert any("No name, no IP address" in c.value for c in at.caption)
    assert room.joined() == 1


def test_an_unknown_code_says_so_in_plain_words(app_env: Database):
    at = open_phone({"code": "zzz-zzz"})
    assert [e.value for e in at.error] == [
        "No session with code ZZZZZZ — check the code on the screen."
    ]
    assert at.text_input(key="phone_code") is not None  # and offers to type another


def test_an_ended_session_thanks_the_participant(room: Room):
    services.end_session(db=room.db, session_id=room.session_id, key=room.started.facilitator_key)
    at = open_phone({"code": room.code})
    assert [t.value for t in at.title] == ["Thank you!"]
    assert "This session has ended. Thank you for taking part!" in messages(at)
    assert not at.button


def test_a_session_that_ends_while_the_phone_is_open_thanks_too(room: Room):
    at = open_phone({"code": room.code})
    services.end_session(db=room.db, session_id=room.session_id, key=room.started.facilitator_key)
    at.run()
    assert [t.value for t in at.title] == ["Thank you!"]


def test_the_url_token_keeps_a_cookieless_phone_the_same_participant(room: Room):
    at = open_phone({"code": room.code})
    token = at.query_params["p"]
    token = token[0] if isinstance(token, list) else token
    assert is_plausible_token(token)
    at.radio[0].set_value("B")
    send(at)
    # A reload (a brand-new browser session) with the same URL: same participant.
    again = open_phone({"code": room.code, "p": token})
    assert room.joined() == 1
    assert "B" in texts(again)
    assert any("Received" in m for m in messages(again))


# ---- answering every kind --------------------------------------------------------------


def test_every_prompt_kind_can_be_answered_and_is_stored(room: Room):
    SUBMIT_GUARD.configure(interval=0)  # one phone, five quick answers
    at = open_phone({"code": room.code})

    at.radio[0].set_value("C")
    send(at)
    assert [a.value for a in room.answers(0)] == ["C"]

    room.go_to(1)
    at.run()
    assert [s.value for s in at.subheader] == ["Pick some"]
    labels = [c.label for c in at.checkbox]
    assert labels == ["X", "Y", "Z"]
    at.checkbox[0].check()
    at.checkbox[2].check()
    send(at)
    assert [a.value for a in room.answers(1)] == [["X", "Z"]]

    room.go_to(2)
    at.run()
    assert at.segmented_control[0].options == ["1", "2", "3", "4", "5"]
    assert any("Low" in c.value and "High" in c.value for c in at.caption)
    at.segmented_control[0].set_value(4)
    send(at)
    assert [a.value for a in room.answers(2)] == [4]

    room.go_to(3)
    at.run()
    at.text_area[0].input("  Less meetings,\nmore   talking.  ")
    send(at)
    assert [a.value for a in room.answers(3)] == ["Less meetings,\nmore talking."]

    room.go_to(4)
    at.run()
    words = [t for t in at.text_input if t.key and t.key.startswith("phone_word_")]
    assert [w.label for w in words] == ["Answer 1", "Answer 2", "Answer 3"]
    words[0].input("Trust")
    words[2].input("clear goals")
    send(at)
    assert [a.value for a in room.answers(4)] == [["Trust", "clear goals"]]
    assert "Trust\nclear goals" in texts(at)
    assert room.joined() == 1


def test_a_resubmit_replaces_the_earlier_answer(room: Room):
    at = open_phone({"code": room.code})
    at.radio[0].set_value("A")
    send(at)
    assert any("Received" in m for m in messages(at))
    assert [b.label for b in at.button if b.label.endswith("answer")] == []  # folded away
    at.session_state["phone_change"] = True  # tap "Change my answer"
    at.run()
    assert at.radio[0].value == "A"  # the form starts from their current answer
    at.radio[0].set_value("B")
    send(at)
    stored = room.answers(0)
    assert [a.value for a in stored] == ["B"]
    assert "B" in texts(at) and "A" not in texts(at)


def test_the_next_prompt_confirms_once_that_the_last_answer_was_saved(room: Room):
    at = open_phone({"code": room.code})
    room.go_to(1)
    at.run()
    assert not any("was saved" in c.value for c in at.caption)  # nothing sent yet
    room.go_to(0)
    at.run()
    at.radio[0].set_value("A")
    send(at)
    room.go_to(1)
    at.run()
    saved = [c.value for c in at.caption if "was saved" in c.value]
    assert saved == [":material/check_circle: Your answer to question 1 was saved."]
    at.run()  # said once; the next redraw no longer repeats it
    assert not any("was saved" in c.value for c in at.caption)


def test_switching_prompts_does_not_carry_the_previous_answer_over(room: Room):
    """Stable widget keys, fresh values: a new question starts blank."""
    template = make_template(
        PromptSpec(kind=PromptKind.OPEN_TEXT, text="First", max_length=100),
        PromptSpec(kind=PromptKind.OPEN_TEXT, text="Second", max_length=100),
    )
    other = Room(room.db, make_session(room.db, template))
    at = open_phone({"code": other.code})
    at.text_area[0].input("half typed, never sent")
    other.go_to(1)
    at.run()
    assert [s.value for s in at.subheader] == ["Second"]
    assert at.text_area[0].value == ""


# ---- messages --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("position", "fill", "expected"),
    [
        (0, lambda at: None, "Please pick one option."),
        (
            1,
            lambda at: [c.check() for c in at.checkbox],
            "Please pick at most 2 options (you picked 3).",
        ),
        (2, lambda at: None, "Please pick a number from 1 to 5."),
        (3, lambda at: at.text_area[0].input("   "), "Please write something before sending."),
        (
            4,
            lambda at: at.text_input(key="phone_word_0").input("far too many words"),
            "“far too many words” has 4 words: use at most 2 words per entry.",
        ),
    ],
)
def test_invalid_answers_get_an_inline_message_and_nothing_is_stored(
    room: Room, position: int, fill, expected: str
):
    room.go_to(position)
    at = open_phone({"code": room.code})
    fill(at)
    send(at)
    assert expected in [e.value for e in at.error]
    assert room.answers(position) == []


def test_answering_closed_shows_a_calm_waiting_screen(room: Room):
    room.set_open(False)
    at = open_phone({"code": room.code})
    assert [s.value for s in at.subheader] == [":material/hourglass_empty: Answering is closed"]
    assert any("next question appears here by itself" in m for m in messages(at))
    assert [b.label for b in at.button if b.label != "Send"] == []


def test_a_closed_prompt_still_shows_the_participants_answer(room: Room):
    at = open_phone({"code": room.code})
    at.radio[0].set_value("B")
    send(at)
    room.set_open(False)
    at.run()
    assert [s.value for s in at.subheader] == [":material/hourglass_empty: Answering is closed"]
    assert "B" in texts(at)


def test_a_send_that_arrives_after_answering_closed_is_refused_out_loud(room: Room):
    at = open_phone({"code": room.code})
    at.radio[0].set_value("B")
    room.set_open(False)  # the facilitator closes while the phone still shows the form
    send(at)
    assert any(
        "Answering for this question is closed. The answer you just sent was not taken." in m
        for m in messages(at)
    )
    assert room.answers(0) == []


def test_a_send_that_arrives_after_the_facilitator_moved_on_is_refused_out_loud(room: Room):
    at = open_phone({"code": room.code})
    at.radio[0].set_value("B")
    room.go_to(1)  # the facilitator advances while the phone still shows prompt 1
    send(at)
    assert any("moved on to another question" in m for m in messages(at))
    assert room.answers(0) == [] and room.answers(1) == []
    assert [s.value for s in at.subheader] == ["Pick some"]  # and shows the new question


def test_results_show_on_the_phone_when_the_facilitator_reveals_them(room: Room):
    at = open_phone({"code": room.code})
    at.radio[0].set_value("B")
    send(at)  # prompt 1 shows results live (make_template: min_answers 0)
    assert any("Results so far" in m.value for m in at.markdown)
    room.go_to(2)  # the scale prompt keeps results until revealed
    at.run()
    assert not any("Results so far" in m.value for m in at.markdown)
    services.set_results_visible(
        db=room.db, session_id=room.session_id, key=room.started.facilitator_key, visible=True
    )
    at.run()
    assert any("Results so far" in m.value for m in at.markdown)


def test_a_busy_store_is_explained_and_the_page_recovers(
    room: Room, monkeypatch: pytest.MonkeyPatch
):
    """The store cannot be made busy on demand for a read, so this one failure is injected."""
    at = open_phone({"code": room.code})

    def busy(**_: object) -> None:
        raise StoreBusy()

    real = services.get_live_view
    monkeypatch.setattr(services, "get_live_view", busy)
    at.run()
    assert not at.exception
    assert any("tries again by itself" in m for m in messages(at))
    monkeypatch.setattr(services, "get_live_view", real)  # the store is back
    at.run()
    assert [s.value for s in at.subheader] == ["Pick one"]


def test_a_session_deleted_while_the_phone_is_open_is_explained(room: Room):
    at = open_phone({"code": room.code})
    key = room.started.facilitator_key
    services.delete_session(db=room.db, session_id=room.session_id, key=key)
    at.run()
    assert not at.exception
    assert "This session no longer exists." in [e.value for e in at.error]

"""POST /api/answer and GET /api/view: how a phone's answer enters, and what it reads.

The real routes (``workshop.web.routes``) in-process, on SQLite and PostgreSQL; the
facilitator acts through the services on the same database, as the room would. What the
answer route must also do, tested where that concern lives: the word filter, the rate
limit and forged prompt references in ``tests/hardening/test_abuse.py``, a busy store in
``tests/hardening/test_store_busy.py``, hostile text in ``test_hostile_inputs.py``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.requests import Request
from starlette.testclient import TestClient

from tests.support.builders import make_session, make_template
from tests.support.web import Phone, refusal, routes_client
from workshop import services
from workshop.activities import make_spec
from workshop.domain import codes
from workshop.domain.codes import display_code
from workshop.domain.model import Prompt
from workshop.guards import CODE_GUARD, SUBMIT_GUARD
from workshop.phone_view import read_phone_view
from workshop.storage import Database, make_database
from workshop.web import answers as answer_routes
from workshop.web import events
from workshop.web.answers import MAX_BODY_BYTES, UNEXPECTED
from workshop.web.participant_cookie import PARTICIPANT_COOKIE

SECRET = "answers-route-installation-secret"
MOVED = "The facilitator has moved on to another question, so this answer was not taken."
CLOSED = "Answering for this question is closed."
ENDED = "This session has ended. Thank you for taking part!"
BAD_TICKET = services.NOT_ISSUED
FROM_THE_PAGE = "Please send the answer from the join page."


@dataclass
class Room:
    """One started session (``make_template``'s five prompts) and the routes."""

    db: Database
    client: TestClient
    started: services.StartedSession

    @property
    def sid(self) -> int:
        return self.started.session.id

    @property
    def code(self) -> str:
        return self.started.session.code

    def prompts(self) -> list[Prompt]:
        return services.list_prompts(db=self.db, session_id=self.sid)

    def prompt_id(self, position: int) -> int:
        return self.prompts()[position].id

    def facilitator(self, action: Any, **kwargs: Any) -> None:
        action(db=self.db, session_id=self.sid, key=self.started.facilitator_key, **kwargs)

    def go_to(self, position: int) -> None:
        self.facilitator(services.go_to_prompt, position=position)

    def answers(self, position: int) -> list[Any]:
        found = services.list_answers(
            db=self.db, session_id=self.sid, prompt_id=self.prompt_id(position)
        )
        return [a.value for a in found]

    def joined(self) -> int:
        return services.get_live_view(db=self.db, session_id=self.sid).counts.joined

    def revision(self) -> int | None:
        return services.get_revision(db=self.db, session_id=self.sid)

    def mine(self, phone: Phone, position: int) -> Any:
        found = services.find_my_answer(
            db=self.db,
            secret=SECRET.encode(),
            session_id=self.sid,
            prompt_id=self.prompt_id(position),
            token=phone.token,
        )
        return None if found is None else found.value

    def phone(self, *, cookieless: bool = False) -> Phone:
        return Phone(self.client, cookieless=cookieless)


@pytest.fixture
def web(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Database, TestClient]]:
    """The routes on the app's settings (this database); the test shares the database."""
    monkeypatch.setenv("WORKSHOP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WORKSHOP_SECRET_KEY", SECRET)
    monkeypatch.setenv("WORKSHOP_DATABASE_URL", database_url)
    monkeypatch.delenv("WORKSHOP_PROFANITY_WORDS", raising=False)
    db = make_database(database_url)
    with routes_client() as client:
        yield db, client
    db.dispose()


@pytest.fixture
def room(web: tuple[Database, TestClient]) -> Room:
    db, client = web
    return Room(db, client, make_session(db, make_template()))


# ---- answering ---------------------------------------------------------------------------


# (position, what the browser sends, what is stored and acknowledged)
EVERY_KIND = [
    (0, "C", "C"),
    (1, ["Z", "X"], ["X", "Z"]),  # template order
    (2, 4, 4),
    (3, "  Less meetings,\nmore   talking.  ", "Less meetings,\nmore talking."),
    (4, ["Trust", "", "clear goals"], ["Trust", "clear goals"]),  # empty fields are fine
]


@pytest.mark.parametrize("cookieless", [False, True], ids=["cookie", "url-token"])
def test_every_prompt_kind_is_answered_stored_and_acknowledged(room: Room, cookieless: bool):
    SUBMIT_GUARD.configure(interval=0)  # one phone, five quick answers
    phone = room.phone(cookieless=cookieless)
    for position, sent, stored in EVERY_KIND:
        room.go_to(position)
        reply = phone.send(room.code, room.prompt_id(position), sent)
        assert reply.status_code == 200, reply.text
        assert reply.headers["cache-control"] == "no-store"
        assert "set-cookie" not in reply.headers  # the page gives the cookie, not the API
        # An acknowledgement means stored: the stored value, for the prompt it was sent for.
        assert reply.json() == {
            "ok": True,
            "prompt": room.prompt_id(position),
            "value": stored,
            "revision": room.revision(),  # the session's revision after the commit
        }
        assert room.answers(position) == [stored]
        assert room.mine(phone, position) == stored  # booked for this very participant
    assert room.joined() == 1


def test_a_resubmit_replaces_the_earlier_answer(room: Room):
    phone = room.phone()
    phone.answer(room.code, room.prompt_id(0), "A")
    assert phone.answer(room.code, room.prompt_id(0), "B")["value"] == "B"
    assert room.answers(0) == ["B"]
    assert room.joined() == 1


def test_the_reply_carries_the_revision_a_reset_is_told_apart_by(room: Room):
    """The phone keeps the reply's revision with its answer: a later view of the prompt
    with no answer at all (``prompt.answered == 0``) means the facilitator reset it."""
    phone, other = room.phone(), room.phone()
    shown = room.prompt_id(0)
    stored = phone.answer(room.code, shown, "A")
    assert stored["revision"] == room.revision()
    # Answers do not move the revision: a view read just before this answer was stored
    # (answered 0) is not later than the reply, so it never looks like a reset.
    other.answer(room.code, shown, "B")
    assert phone.view(room.code)["revision"] == stored["revision"]
    # Another facilitator action: later, but answers are still there.
    room.facilitator(services.set_results_visible, visible=False)
    view = phone.view(room.code)
    assert view["revision"] > stored["revision"] and view["prompt"]["answered"] == 2
    # The reset: later, and nothing answered.
    room.facilitator(services.reset_prompt, prompt_id=shown)
    view = phone.view(room.code)
    assert view["revision"] > stored["revision"] and view["prompt"]["answered"] == 0
    assert room.mine(phone, 0) is None
    again = phone.answer(room.code, shown, "C")  # the phone asks again and is answered
    assert again["revision"] == view["revision"] == room.revision()


def test_the_cookie_wins_over_a_token_in_the_body(room: Room):
    """The same choice as the page: the cookie's token if it is one, else the URL's."""
    phone, other = room.phone(), room.phone()
    reply = phone.send(room.code, room.prompt_id(0), "A", p=other.token)
    assert reply.status_code == 200
    assert room.mine(phone, 0) == "A" and room.mine(other, 0) is None


def test_a_cookie_that_is_no_token_leaves_the_url_token_in_charge(room: Room):
    phone = room.phone(cookieless=True)
    body = {"code": room.code, "prompt": room.prompt_id(0), "value": "B", "p": phone.token}
    reply = room.client.post(
        "/api/answer", json=body, headers={"cookie": "workshop_participant=<script>"}
    )
    assert reply.status_code == 200, reply.text
    assert room.mine(phone, 0) == "B"


def test_the_code_is_forgiving_like_on_the_page(room: Room):
    phone = room.phone()
    typed = display_code(room.code).lower()
    assert phone.answer(typed, room.prompt_id(0), "A")["value"] == "A"


# ---- refused: the room moved on, closed, ended ----------------------------------------------


def test_an_answer_for_a_prompt_the_facilitator_left_is_refused(room: Room):
    phone = room.phone()
    shown = room.prompt_id(0)
    room.go_to(1)  # the facilitator advances while the phone still shows prompt 1
    assert refusal(phone.send(room.code, shown, "B"), 409, "moved") == MOVED
    assert room.answers(0) == [] and room.answers(1) == []
    assert phone.view(room.code)["prompt"]["text"] == "Pick some"  # where the phone goes next


def test_an_answer_after_answering_closed_is_refused(room: Room):
    phone = room.phone()
    phone.answer(room.code, room.prompt_id(0), "A")
    room.facilitator(services.set_answering_open, is_open=False)
    assert refusal(phone.send(room.code, room.prompt_id(0), "B"), 409, "closed") == CLOSED
    assert room.answers(0) == ["A"]  # the earlier answer stays as it was
    newcomer = room.phone()
    assert refusal(newcomer.send(room.code, room.prompt_id(0), "C"), 409, "closed") == CLOSED
    assert room.answers(0) == ["A"]


def test_an_answer_after_the_end_is_refused(room: Room):
    phone = room.phone()
    room.facilitator(services.end_session)
    assert refusal(phone.send(room.code, room.prompt_id(0), "A"), 409, "ended") == ENDED
    assert room.answers(0) == []


def test_an_answer_for_a_deleted_session_is_refused(room: Room):
    phone = room.phone()
    prompt_id = room.prompt_id(0)
    assert phone.send(room.code, prompt_id, "A").status_code == 200  # the code is known now
    room.facilitator(services.delete_session)
    message = refusal(phone.send(room.code, prompt_id, "B"), 404, "unknown")
    assert message == "That session no longer exists."


# ---- refused: the answer does not fit ------------------------------------------------------


@pytest.mark.parametrize(
    ("position", "sent", "expected"),
    [
        (0, None, "Please pick one option."),
        (0, "D", "That option is not one of the choices."),
        (1, ["X", "Y", "Z"], "Please pick at most 2 options (you picked 3)."),
        (1, [], "Please pick at least one option."),
        (2, None, "Please pick a number from 1 to 5."),
        (2, 6, "Please pick a number from 1 to 5."),
        (3, "   ", "Please write something before sending."),
        (3, "", "Please write something before sending."),
        (
            4,
            ["far too many words", "", ""],
            "“far too many words” has 4 words: use at most 2 words per entry.",
        ),
    ],
)
def test_an_answer_that_does_not_fit_is_refused_in_plain_words(
    room: Room, position: int, sent: object, expected: str
):
    room.go_to(position)
    reply = room.phone().send(room.code, room.prompt_id(position), sent)
    assert refusal(reply, 422, "invalid") == expected
    assert room.answers(position) == []
    assert room.joined() == 0  # a refused answer leaves no trace


def test_an_open_answer_over_its_limit_is_refused(room: Room):
    room.go_to(3)  # max_length 100
    reply = room.phone().send(room.code, room.prompt_id(3), "x" * 101)
    assert refusal(reply, 422, "invalid")
    assert room.answers(3) == []
    room.phone().answer(room.code, room.prompt_id(3), "x" * 100)  # the limit itself is fine


def test_a_body_over_32_kb_is_refused_unread_and_one_just_under_is_read(room: Room):
    room.go_to(3)
    body = {"code": room.code, "prompt": room.prompt_id(3), "value": ""}
    padding = MAX_BODY_BYTES - len(json.dumps(body).encode())
    cookie = {"cookie": f"workshop_participant={room.phone().token}"}

    def post(value: str) -> Any:
        raw = json.dumps({**body, "value": value}).encode()
        return room.client.post(
            "/api/answer", content=raw, headers={"content-type": "application/json", **cookie}
        )

    too_big = post("x" * (padding + 1))
    assert refusal(too_big, 413, "too_long") == "That answer is far too long to send."
    just_under = post("x" * padding)  # read, then refused for what it says: too long a text
    assert refusal(just_under, 422, "invalid")
    assert room.answers(3) == []


@pytest.mark.parametrize(
    ("content_type", "raw", "status"),
    [
        ("text/plain", b'{"value": "A"}', 415),
        ("text/plain;application/json", b'{"value": "A"}', 415),  # no CORS preflight
        ("application/x-www-form-urlencoded", b"value=A", 415),
        ("multipart/form-data; boundary=x", b"--x--", 415),
        ("", b'{"value": "A"}', 415),
        ("application/json", b"value=A", 400),
        ("application/json", b"", 400),
        ("application/json", b'["A"]', 400),
        ("application/json", b'"A"', 400),
        ("application/json", b"\xff\xfe\xfa not utf-8", 400),
        ("application/json", b"[" * 5_000 + b"]" * 5_000, 400),  # nested too deep
    ],
    ids=[
        "text",
        "text-mentioning-json",
        "form",
        "multipart",
        "no-type",
        "not-json",
        "empty",
        "array",
        "string",
        "not-utf8",
        "deep",
    ],
)
def test_anything_but_a_json_object_is_refused(
    room: Room, content_type: str, raw: bytes, status: int
):
    token = room.phone().token
    headers = {"cookie": f"workshop_participant={token}"}
    if content_type:
        headers["content-type"] = content_type
    reply = room.client.post("/api/answer", content=raw, headers=headers)
    assert refusal(reply, status, "bad_request") == FROM_THE_PAGE
    assert room.joined() == 0


def test_json_with_a_charset_is_json(room: Room):
    raw = json.dumps({"code": room.code, "prompt": room.prompt_id(0), "value": "A"}).encode()
    token = room.phone().token
    reply = room.client.post(
        "/api/answer",
        content=raw,
        headers={
            "content-type": "Application/JSON; charset=utf-8",
            "cookie": f"workshop_participant={token}",
        },
    )
    assert reply.status_code == 200, reply.text
    assert room.answers(0) == ["A"]


def test_a_phone_that_hangs_up_mid_body_gets_a_quiet_400(room: Room):
    """Starlette raises ClientDisconnect while the body is read: nobody is left to answer,
    and it is no server error (no traceback in the log, no 500)."""
    messages = iter([{"type": "http.disconnect"}])

    async def receive() -> dict[str, Any]:
        return next(messages)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/answer",
        "headers": [(b"content-type", b"application/json")],
        "query_string": b"",
    }
    reply = asyncio.run(answer_routes.post_answer(Request(scope, receive)))
    assert reply.status_code == 400
    assert room.joined() == 0


def test_an_unforeseen_failure_is_a_json_500_in_plain_words(
    room: Room, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    """Not a WorkshopError (a driver error, a bug): the phone still gets JSON it can show,
    saying the answer may not be stored, and the log gets the traceback."""

    def broken(**_: object) -> None:
        raise RuntimeError("sqlalchemy.exc.InternalError: connection reset")

    monkeypatch.setattr(services, "submit_answer", broken)
    with caplog.at_level(logging.ERROR, logger=answer_routes.__name__):
        reply = room.phone().send(room.code, room.prompt_id(0), "A")
    assert refusal(reply, 500, "failed") == UNEXPECTED
    assert "connection reset" not in reply.text
    assert any(r.exc_info and "answer not stored" in r.getMessage() for r in caplog.records)


def test_only_post_answers():
    with routes_client() as client:
        assert client.get("/api/answer").status_code == 405


# ---- refused: who or where ------------------------------------------------------------------


@pytest.mark.parametrize(
    "code", ["ZZZ-ZZZ", "K7Q", "", None, 123456, ["X"], "<script>alert(1)</script>"]
)
def test_an_unknown_code_is_refused(room: Room, code: object):
    message = refusal(room.phone().send(code, room.prompt_id(0), "A"), 404, "unknown")  # type: ignore[arg-type]
    assert message.startswith("No session with code")
    assert "<" not in message
    assert room.joined() == 0


@pytest.mark.parametrize(
    "token",
    [None, "", "abc123", "a" * 65, "t" * 10_000, 12345678901234567890, ["x" * 24], "x' OR '1'='1'"],
    ids=["none", "empty", "short", "long", "huge", "int", "list", "sql"],
)
def test_a_forged_or_missing_ticket_is_refused(room: Room, token: object):
    body = {"code": room.code, "prompt": room.prompt_id(0), "value": "A", "p": token}
    reply = room.client.post("/api/answer", json=body)  # no cookie
    assert refusal(reply, 403, "refused") == BAD_TICKET
    assert room.answers(0) == [] and room.joined() == 0


def test_made_up_tokens_of_the_right_shape_stuff_no_ballot(room: Room):
    """The probe's ballot stuffing: 60 tokens nobody issued, by cookie and by URL."""
    real = room.phone()
    real.answer(room.code, room.prompt_id(0), "A")
    for n in range(60):
        made_up = secrets.token_urlsafe(33)  # 44 characters, like an issued token
        forged = Phone(room.client, token=made_up, cookieless=n % 2 == 1)
        reply = forged.send(room.code, room.prompt_id(0), "B")
        assert refusal(reply, 403, "refused") == BAD_TICKET
        mine = room.client.get(
            f"/api/mine/{room.code}/{room.prompt_id(0)}",
            headers={"cookie": f"workshop_participant={made_up}"},
        )
        assert refusal(mine, 403, "refused") == BAD_TICKET
    assert room.answers(0) == ["A"] and room.joined() == 1


def test_without_cookie_or_url_token_nothing_is_taken(room: Room):
    body = {"code": room.code, "prompt": room.prompt_id(0), "value": "A"}
    assert refusal(room.client.post("/api/answer", json=body), 403, "refused") == BAD_TICKET
    assert room.answers(0) == []


# ---- GET /api/view --------------------------------------------------------------------------


def test_the_view_route_serves_what_the_push_stream_carries(room: Room):
    phone = room.phone()
    view = phone.view(display_code(room.code).lower())  # forgiving, like the page
    assert view == read_phone_view(db=room.db, session_id=room.sid)
    assert view["prompt"]["text"] == "Pick one" and view["prompt"]["open"] is True
    room.go_to(3)
    assert phone.view(room.code)["prompt"]["text"] == "Say something"
    reply = room.client.get(f"/api/view/{room.code}")
    assert reply.headers["cache-control"] == "no-store"
    assert "set-cookie" not in reply.headers


def test_the_view_of_an_ended_session_says_ended_and_shows_no_prompt(room: Room):
    room.facilitator(services.end_session)
    view = room.phone().view(room.code)
    assert view["session"]["status"] == "ended"
    assert view["prompt"] is None and view["results"] is None


@pytest.mark.parametrize("code", ["ZZZZZZ", "K7Q", "%3Cscript%3E"])
def test_the_view_of_an_unknown_code_is_a_404(room: Room, code: str):
    message = refusal(room.client.get(f"/api/view/{code}"), 404, "unknown")
    assert message.startswith("No session with code")


def test_the_view_of_a_deleted_session_is_a_404(room: Room):
    room.facilitator(services.delete_session)
    refusal(room.client.get(f"/api/view/{room.code}"), 404, "unknown")


def test_the_view_never_carries_the_facilitators_note(web: tuple[Database, TestClient]):
    db, client = web
    note = "FACILITATOR-ONLY-NOTE-4411"
    template = make_template(
        make_spec("open_text", text="Say it", note=note, max_length=50)
    )
    started = make_session(db, template)
    reply = client.get(f"/api/view/{started.session.code}")
    assert reply.status_code == 200
    assert "Say it" in reply.text and note not in reply.text


# ---- GET /api/mine --------------------------------------------------------------------------


def mine_of(room: Room, phone: Phone, prompt: object, code: str | None = None) -> Any:
    """What /api/mine says to this phone (its cookie, or its URL token as ``?p=``)."""
    url = f"/api/mine/{code or room.code}/{prompt}"
    if phone.cookieless:
        return room.client.get(url, params={"p": phone.token})
    return room.client.get(url, headers={"cookie": f"{PARTICIPANT_COOKIE}={phone.token}"})


@pytest.mark.parametrize("cookieless", [False, True], ids=["cookie", "url-token"])
def test_mine_gives_a_phone_back_its_own_answer_to_an_earlier_question(
    room: Room, cookieless: bool
):
    """A reloaded phone going BACK to a question only knows the current one's answer from
    the page: it asks here for the earlier one."""
    phone = room.phone(cookieless=cookieless)
    first = room.prompt_id(0)
    phone.answer(room.code, first, "B")
    room.phone().answer(room.code, first, "C")  # someone else's is not this phone's
    room.go_to(1)
    reply = mine_of(room, phone, first)
    assert reply.status_code == 200, reply.text
    assert reply.headers["cache-control"] == "no-store"
    assert "set-cookie" not in reply.headers
    assert reply.json() == {"prompt": first, "value": "B", "revision": room.revision()}
    # Not answered (yet): null, with the revision all the same.
    second = room.prompt_id(1)
    assert mine_of(room, phone, second).json() == {
        "prompt": second,
        "value": None,
        "revision": room.revision(),
    }
    # The code is forgiving, like on the page.
    typed = display_code(room.code).lower()
    assert mine_of(room, phone, first, code=typed).json()["value"] == "B"


def test_mine_after_a_reset_is_null(room: Room):
    phone = room.phone()
    first = room.prompt_id(0)
    phone.answer(room.code, first, "A")
    room.facilitator(services.reset_prompt, prompt_id=first)
    assert mine_of(room, phone, first).json()["value"] is None


def test_mine_for_a_stranger_is_null_and_without_an_issued_ticket_refused(room: Room):
    first = room.prompt_id(0)
    room.phone().answer(room.code, first, "A")
    stranger = room.phone()
    assert mine_of(room, stranger, first).json()["value"] is None
    reply = room.client.get(f"/api/mine/{room.code}/{first}")  # no cookie, no token
    assert refusal(reply, 403, "refused") == BAD_TICKET
    forged = room.client.get(f"/api/mine/{room.code}/{first}", params={"p": "<script>"})
    assert refusal(forged, 403, "refused") == BAD_TICKET
    assert room.joined() == 1  # asking joins nobody


@pytest.mark.parametrize(
    "prompt", ["abc", "-1", "1.0", "%C2%B2", "%EF%BC%91", "1" * 19, "9" * 5000]
)
def test_mine_for_no_prompt_id_is_a_404_in_plain_words(room: Room, prompt: str):
    reply = room.client.get(f"/api/mine/{room.code}/{prompt}")
    assert refusal(reply, 404, "unknown") == "That question does not belong to this session."


def test_mine_for_an_unknown_or_deleted_session_is_a_404(room: Room):
    phone = room.phone()
    first = room.prompt_id(0)
    message = refusal(mine_of(room, phone, first, code="ZZZZZZ"), 404, "unknown")
    assert message.startswith("No session with code")
    room.facilitator(services.delete_session)
    refusal(mine_of(room, phone, first), 404, "unknown")


def test_mine_is_only_read():
    with routes_client() as client:
        assert client.post("/api/mine/ZZZZZZ/1").status_code == 405


def test_join_codes_that_keep_missing_from_one_address_get_slower(room: Room):
    """Trying codes by the thousand: after 20 misses from one address each waits longer;
    the code a phone joined is still answered, and the cache keeps one entry per code."""
    for n in range(25):
        reply = room.client.get(f"/api/view/{'ABCDEF'[: 6 - n % 2]}{'23456789'[n % 8]}")
        assert reply.status_code == 404
    assert CODE_GUARD.delay_for("testclient") > 0  # Starlette's test client's address
    assert CODE_GUARD.delay_for("192.0.2.1") == 0.0  # nobody else waits
    CODE_GUARD.reset()
    for variant in (room.code, room.code.lower(), display_code(room.code), f" {room.code} "):
        assert room.client.get(f"/api/view/{variant}").status_code == 200
    assert sum(1 for code in events._SESSION_IDS if code == room.code) == 1
    assert all(codes.is_well_formed(code) for code in events._SESSION_IDS)

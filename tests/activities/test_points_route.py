"""100 points through the real ``POST /api/answer`` route (SQLite and PostgreSQL):
a valid allocation is stored and acknowledged; hostile ones get a plain-words refusal
and leave nothing behind (no answer, no participant)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.support.builders import make_session, make_template
from tests.support.web import Phone, refusal, routes_client
from workshop import services
from workshop.activities import make_spec
from workshop.guards import SUBMIT_GUARD
from workshop.storage import Database, make_database

SECRET = "points-route-installation-secret"
ITEMS = ("Inspiring others", "Organising well", "Sharing knowledge")


@dataclass
class Room:
    db: Database
    client: TestClient
    started: services.StartedSession

    @property
    def code(self) -> str:
        return self.started.session.code

    @property
    def prompt_id(self) -> int:
        return services.list_prompts(db=self.db, session_id=self.started.session.id)[0].id

    def answers(self) -> list[Any]:
        found = services.list_answers(
            db=self.db, session_id=self.started.session.id, prompt_id=self.prompt_id
        )
        return [a.value for a in found]

    def joined(self) -> int:
        return services.get_live_view(db=self.db, session_id=self.started.session.id).counts.joined


@pytest.fixture
def room(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Room]:
    monkeypatch.setenv("WORKSHOP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WORKSHOP_SECRET_KEY", SECRET)
    monkeypatch.setenv("WORKSHOP_DATABASE_URL", database_url)
    monkeypatch.delenv("WORKSHOP_PROFANITY_WORDS", raising=False)
    SUBMIT_GUARD.configure(interval=0)  # one phone, many quick tries
    db = make_database(database_url)
    spec = make_spec("points", text="Where do you want to grow?", options=ITEMS, cap=60)
    with routes_client() as client:
        yield Room(db, client, make_session(db, make_template(spec)))
    db.dispose()


def test_a_valid_allocation_is_stored_and_acknowledged(room: Room):
    phone = Phone(room.client)
    sent = {"Sharing knowledge": 40, "Inspiring others": 60}
    stored = {"Inspiring others": 60, "Organising well": 0, "Sharing knowledge": 40}
    reply = phone.answer(room.code, room.prompt_id, sent)
    assert reply["value"] == stored
    assert list(reply["value"]) == list(ITEMS)  # template order, as the phone shows it
    assert room.answers() == [stored]
    # A change replaces it.
    phone.answer(room.code, room.prompt_id, {"Organising well": 50, "Sharing knowledge": 50})
    assert room.answers() == [
        {"Inspiring others": 0, "Organising well": 50, "Sharing knowledge": 50}
    ]


HOSTILE = [
    (
        {"Inspiring others": 60, "Organising well": 40, "Sharing knowledge": 10},
        "10 points too many",
    ),
    ({"Inspiring others": 60, "Organising well": 10}, "Please spend all 100 points (30 left)."),
    ({"Inspiring others": 55, "Organising well": 45}, "Points go in steps of 10"),
    ({"Inspiring others": 80, "Organising well": 20}, "At most 60 points per item"),
    ({"Inspiring others": -10, "Organising well": 60, "Sharing knowledge": 50}, "negative"),
    ({"Inspiring others": 60, "Luck": 40}, "“Luck” is not in the list"),
    ({"Inspiring others": "60", "Organising well": 40}, "a whole number of points"),
    ({"Inspiring others": 60.5, "Organising well": 39.5}, "a whole number of points"),
    ({"Inspiring others": True, "Organising well": 40}, "a whole number of points"),
    ({"Inspiring others": None}, "a whole number of points"),
    ({"Inspiring others": {"points": 60}}, "a whole number of points"),
    ({"Inspiring others": [60]}, "a whole number of points"),
    ({"Inspiring others": 10**30}, "At most 60 points per item"),
    ({}, "Please give some points to at least one item."),
    ([60, 40, 0], "Please give your points to the items in the list."),
    # 10,000 elements still under the route's 32 KB body limit (the kind is reached).
    ([0] * 10_000, "Please give your points to the items in the list."),
    ({f"x{i}": 1 for i in range(2_000)}, "Some of those items are not in the list."),
    ([{"Inspiring others": 100}], "Please give your points to the items in the list."),
    ("Inspiring others", "Please give your points to the items in the list."),
    (100, "Please give your points to the items in the list."),
    (None, "Please give your points to the items in the list."),
]


@pytest.mark.parametrize(("sent", "words"), HOSTILE, ids=[str(i) for i in range(len(HOSTILE))])
def test_a_hostile_allocation_is_refused_in_plain_words_and_nothing_is_stored(
    room: Room, sent: object, words: str
):
    reply = Phone(room.client).send(room.code, room.prompt_id, sent)
    message = refusal(reply, 422, "invalid")
    assert words in message, message
    assert room.answers() == []
    assert room.joined() == 0  # a refused answer leaves no trace


def test_a_refusal_keeps_the_earlier_answer(room: Room):
    phone = Phone(room.client)
    good = {"Inspiring others": 60, "Organising well": 40, "Sharing knowledge": 0}
    phone.answer(room.code, room.prompt_id, good)
    refusal(phone.send(room.code, room.prompt_id, {"Inspiring others": 110}), 422, "invalid")
    assert room.answers() == [good]


def test_a_body_with_deep_nesting_inside_the_value_is_refused(room: Room):
    body = {"code": room.code, "prompt": room.prompt_id, "value": {}}
    raw = json.dumps(body).replace('"value": {}', '"value": ' + "[" * 3000 + "]" * 3000)
    token = Phone(room.client).token
    reply = room.client.post(
        "/api/answer",
        content=raw.encode(),
        headers={"content-type": "application/json", "cookie": f"workshop_participant={token}"},
    )
    assert reply.status_code in (400, 422), reply.text
    assert reply.json()["ok"] is False
    assert room.answers() == []

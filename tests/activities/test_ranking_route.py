"""Rankings through the real POST /api/answer: hostile shapes are refused in plain words
and nothing is stored; a good ranking is stored in order and can be changed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.support.builders import make_session, make_template
from tests.support.web import Phone, refusal, routes_client
from workshop import services
from workshop.activities import make_spec
from workshop.storage import Database, make_database
from workshop.web.participant_cookie import PARTICIPANT_COOKIE

SECRET = "ranking-route-installation-secret"
ITEMS = ("Inspiring others", "Lifting others up", "Organising well", "The title itself")
A, B, C, D = ITEMS


@pytest.fixture
def room(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Database, TestClient, services.StartedSession]]:
    """A session whose prompts are a full ranking and a top-2 ranking, and the routes."""
    monkeypatch.setenv("WORKSHOP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WORKSHOP_SECRET_KEY", SECRET)
    monkeypatch.setenv("WORKSHOP_DATABASE_URL", database_url)
    monkeypatch.delenv("WORKSHOP_PROFANITY_WORDS", raising=False)
    db = make_database(database_url)
    template = make_template(
        make_spec("ranking", text="Rank them all", options=ITEMS),
        make_spec("ranking", text="Your top 2", options=ITEMS, rank_top=2),
    )
    started = make_session(db, template)
    with routes_client() as client:
        yield db, client, started
    db.dispose()


def prompt_id(db: Database, started: services.StartedSession, position: int) -> int:
    return services.list_prompts(db=db, session_id=started.session.id)[position].id


def stored(db: Database, started: services.StartedSession, position: int) -> list[Any]:
    found = services.list_answers(
        db=db, session_id=started.session.id, prompt_id=prompt_id(db, started, position)
    )
    return [a.value for a in found]


HOSTILE = [
    (0, None, "Please rank every item: 4 more items to place."),
    (0, [], "Please rank every item: 4 more items to place."),
    (0, [A, B], "Please rank every item: 2 more items to place."),
    (0, [A, A, B, C], "Please rank each item only once."),
    (0, [A, B, C, "Money"], "One of those is not one of the items to rank."),
    (0, [A, B, C, D, "Money"], "Please rank at most 4 items (you sent 5)."),
    (0, [A, B, C, {"$gt": ""}], "One of those is not one of the items to rank."),
    (0, [[A], [B], [C], [D]], "One of those is not one of the items to rank."),
    (0, [1, 2, 3, 4], "One of those is not one of the items to rank."),
    (0, {"ranking": list(ITEMS)}, "Please rank the items by tapping them in order of preference."),
    (0, A, "Please rank the items by tapping them in order of preference."),
    (0, 4, "Please rank the items by tapping them in order of preference."),
    (0, [0] * 10_000, "Please rank at most 4 items (you sent 10000)."),
    (1, [A], "Please pick your top 2: 1 more item to place."),
    (1, [A, B, C], "Please rank at most 2 items (you sent 3)."),
    (1, [D, D], "Please rank each item only once."),
]


@pytest.mark.parametrize(("position", "sent", "expected"), HOSTILE)
def test_a_hostile_ranking_is_refused_in_plain_words_and_nothing_is_stored(
    room, position: int, sent: object, expected: str
):
    db, client, started = room
    services.go_to_prompt(
        db=db, session_id=started.session.id, key=started.facilitator_key, position=position
    )
    phone = Phone(client)
    reply = phone.send(started.session.code, prompt_id(db, started, position), sent)
    assert refusal(reply, 422, "invalid") == expected
    assert stored(db, started, position) == []


def test_ten_thousand_long_items_are_refused_before_they_are_read(room):
    db, client, started = room
    body = {
        "code": started.session.code,
        "prompt": prompt_id(db, started, 0),
        "value": [A] * 10_000,
    }
    reply = client.post(
        "/api/answer",
        content=json.dumps(body).encode(),
        headers={"content-type": "application/json", "cookie": f"{PARTICIPANT_COOKIE}=x"},
    )
    assert refusal(reply, 413, "too_long") == "That answer is far too long to send."
    assert stored(db, started, 0) == []


def test_a_good_ranking_is_stored_in_order_and_can_be_changed(room):
    db, client, started = room
    phone = Phone(client)
    code, first = started.session.code, prompt_id(db, started, 0)
    reply = phone.answer(code, first, [C, A, D, B])
    assert reply["value"] == [C, A, D, B]
    phone.answer(code, first, [A, B, C, D])
    assert stored(db, started, 0) == [[A, B, C, D]]
    services.go_to_prompt(
        db=db, session_id=started.session.id, key=started.facilitator_key, position=1
    )
    phone.answer(code, prompt_id(db, started, 1), [f" {D} ", B])  # stray spaces trimmed
    assert stored(db, started, 1) == [[D, B]]

"""Hostile 2×2 answers on ``POST /api/answer`` through the real route: a plain-words
refusal (422 ``invalid``), nothing stored, no participant counted; good ones stored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.builders import make_session, make_template
from tests.support.web import Phone, refusal, routes_client
from workshop import services
from workshop.activities import get_kind, make_spec
from workshop.guards import SUBMIT_GUARD
from workshop.storage import Database, make_database

SECRET = "matrix-route-installation-secret"
EXAMPLE = get_kind("matrix").example
ITEMS = ["Inspiring others", "Organising well", "The title itself"]
Y_NAME = "How often people choose to follow you"


@pytest.fixture
def room(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("WORKSHOP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WORKSHOP_SECRET_KEY", SECRET)
    monkeypatch.setenv("WORKSHOP_DATABASE_URL", database_url)
    monkeypatch.delenv("WORKSHOP_PROFANITY_WORDS", raising=False)
    db = make_database(database_url)
    template = make_template(
        make_spec("matrix", text="Where do you stand?", **EXAMPLE),
        make_spec("matrix", text="Where do these sit?", **{**EXAMPLE, "items": ITEMS}),
    )
    started = make_session(db, template)
    with routes_client() as client:
        yield db, client, started
    db.dispose()


def prompts(db: Database, started) -> list:
    return services.list_prompts(db=db, session_id=started.session.id)


def stored(db: Database, started, position: int) -> list:
    prompt = prompts(db, started)[position]
    found = services.list_answers(db=db, session_id=started.session.id, prompt_id=prompt.id)
    return [a.value for a in found]


def go_to(db: Database, started, position: int) -> None:
    services.go_to_prompt(
        db=db, session_id=started.session.id, key=started.facilitator_key, position=position
    )


X_RANGE = "“Formal leadership position” must be a whole number from 1 to 5."
SHAPE = "This answer does not have the shape of a 2×2 placement. Please reload the page."
NOT_HERE = "This answer names items that are not in this question."


@pytest.mark.parametrize(
    ("position", "sent", "expected"),
    [
        (0, None, "Please choose a point on both scales."),
        (0, {}, "Please choose a point on both scales."),
        (0, {"Me": [None, None]}, "Please choose a point on both scales."),
        (0, {"Me": [4, None]}, f"Please also choose a point for “{Y_NAME}”."),
        (0, {"Me": [0, 3]}, X_RANGE),
        (0, {"Me": [6, 3]}, X_RANGE),
        (0, {"Me": [True, 3]}, X_RANGE),
        (0, {"Me": [2.5, 3]}, X_RANGE),
        (0, {"Me": ["3", 3]}, X_RANGE),
        (0, {"Me": [10**30, 3]}, X_RANGE),
        (0, {"Me": [3]}, SHAPE),
        (0, {"Me": [3, 3, 3]}, SHAPE),
        (0, {"Me": {"x": {"nested": [1]}, "y": 3}}, SHAPE),
        (0, {"Me": [[3], [3]]}, SHAPE),
        (0, [3, 3], SHAPE),
        (0, "x 3, y 3", SHAPE),
        (0, 3, SHAPE),
        (0, {"You": [3, 3]}, "'You' is not one of the items to place."),
        (0, {"Me": [3, 3], "You": [1, 1]}, NOT_HERE),
        (0, [3] * 10_000, SHAPE),
        (0, {"Me": [0] * 10_000}, SHAPE),
        (0, {f"item {i}": [1, 1] for i in range(1_000)}, NOT_HERE),
        (1, {}, "Please place at least one item."),
        (1, {item: None for item in ITEMS}, "Please place at least one item."),
        (
            1,
            {"Organising well": [None, 2]},
            "For “Organising well”: please also choose a point for "
            "“Formal leadership position”, or skip it.",
        ),
        (1, {"The title itself": [3, 9]}, f"For “The title itself”: “{Y_NAME}” must be a whole "
         "number from 1 to 5."),
        (1, {"Inspiring others": [3, 3], "inspiring others": [3, 3]}, "'inspiring others' is not "
         "one of the items to place."),
    ],
)  # fmt: skip
def test_a_hostile_placement_is_refused_in_plain_words_and_not_stored(
    room, position: int, sent: object, expected: str
):
    db, client, started = room
    go_to(db, started, position)
    prompt = prompts(db, started)[position]
    reply = Phone(client).send(started.session.code, prompt.id, sent)
    assert refusal(reply, 422, "invalid") == expected
    assert stored(db, started, position) == []
    assert services.get_live_view(db=db, session_id=started.session.id).counts.joined == 0


def test_a_placement_is_stored_in_template_order_and_can_be_changed(room):
    SUBMIT_GUARD.configure(interval=0)
    db, client, started = room
    phone = Phone(client)
    code = started.session.code
    first, second = (p.id for p in prompts(db, started))
    assert phone.answer(code, first, {"Me": [2, 5]})["ok"] is True
    assert stored(db, started, 0) == [{"Me": [2, 5]}]
    go_to(db, started, 1)
    sent = {
        "The title itself": {"x": 1, "y": 2},
        "Organising well": None,
        "Inspiring others": [4, 5],
    }
    phone.answer(code, second, sent)
    assert stored(db, started, 1) == [{"Inspiring others": [4, 5], "The title itself": [1, 2]}]
    assert list(stored(db, started, 1)[0]) == ["Inspiring others", "The title itself"]
    phone.answer(code, second, {"Organising well": [3, 3]})  # changed: replaces the earlier
    assert stored(db, started, 1) == [{"Organising well": [3, 3]}]


def test_the_phone_view_carries_only_the_matrix_fields(room):
    _db, client, started = room
    view = Phone(client).view(started.session.code)
    prompt = view["prompt"]
    assert prompt["kind"] == "matrix"
    assert set(prompt) == {"id", "number", "text", "kind", "open", "answered", "xAxis", "yAxis",
                           "items"}  # fmt: skip
    assert prompt["items"] == ["Me"] and prompt["xAxis"]["maxLabel"] == "senior"
    assert "note" not in json.dumps(view)


def test_a_body_too_big_for_the_route_is_refused_before_validation(room):
    db, client, started = room
    reply = Phone(client).send(started.session.code, prompts(db, started)[0].id, [[3, 3]] * 10_000)
    assert refusal(reply, 413, "too_long")
    assert stored(db, started, 0) == []

"""Next / previous / jump: one transaction each, so presses at once never collide."""

from __future__ import annotations

import pytest

from tests.services.test_concurrency import all_at_once, errors_in
from tests.support.builders import make_session
from workshop import services
from workshop.domain.errors import StaleView


def test_two_simultaneous_next_presses_move_one_question_each(db, leadership_template):
    started = make_session(db, leadership_template)
    sid, key = started.session.id, started.facilitator_key
    for _ in range(
        3
    ):  # a few rounds (9 questions): a race that loses updates shows up in one of them
        before = services.get_session(db=db, session_id=sid).current_position
        results = all_at_once(2, lambda _i: services.next_prompt(db=db, session_id=sid, key=key))
        assert errors_in(results) == []
        landed = sorted(r.current_position for r in results)
        assert landed == [before + 1, before + 2]
        assert services.get_session(db=db, session_id=sid).current_position == before + 2
    services.go_to_prompt(db=db, session_id=sid, key=key, position=3)
    results = all_at_once(2, lambda _i: services.previous_prompt(db=db, session_id=sid, key=key))
    assert errors_in(results) == []
    assert sorted(r.current_position for r in results) == [1, 2]


def test_a_move_from_an_older_view_is_refused(db, leadership_template):
    started = make_session(db, leadership_template)
    sid, key = started.session.id, started.facilitator_key
    seen = services.get_session(db=db, session_id=sid).revision
    services.next_prompt(db=db, session_id=sid, key=key)  # another screen, meanwhile
    with pytest.raises(StaleView):
        services.next_prompt(db=db, session_id=sid, key=key, seen_revision=seen)
    assert services.get_session(db=db, session_id=sid).current_position == 1
    fresh = services.get_session(db=db, session_id=sid).revision
    moved = services.next_prompt(db=db, session_id=sid, key=key, seen_revision=fresh)
    assert moved.current_position == 2

"""The presenter key: shows and steps (next/previous), nothing more, on both stores."""

from __future__ import annotations

import pytest

from tests.support.builders import make_session
from workshop import services
from workshop.domain.errors import AccessDenied
from workshop.storage import Database


def test_the_presenter_key_steps_and_does_nothing_else(db: Database):
    started = make_session(db)
    sid, presenter = started.session.id, started.presenter_key
    assert presenter and presenter != started.facilitator_key
    services.check_presenter_key(db=db, session_id=sid, key=presenter)
    assert services.next_prompt(db=db, session_id=sid, key=presenter).current_position == 1
    assert services.previous_prompt(db=db, session_id=sid, key=presenter).current_position == 0
    prompt_id = services.list_prompts(db=db, session_id=sid)[0].id
    harmful = [
        lambda: services.check_facilitator_key(db=db, session_id=sid, key=presenter),
        lambda: services.go_to_prompt(db=db, session_id=sid, key=presenter, position=3),
        lambda: services.set_answering_open(db=db, session_id=sid, key=presenter, is_open=False),
        lambda: services.set_results_visible(db=db, session_id=sid, key=presenter, visible=True),
        lambda: services.hide_answer(db=db, session_id=sid, key=presenter, answer_id=1),
        lambda: services.reset_prompt(db=db, session_id=sid, key=presenter, prompt_id=prompt_id),
        lambda: services.end_session(db=db, session_id=sid, key=presenter),
        lambda: services.delete_session(db=db, session_id=sid, key=presenter),
    ]
    for action in harmful:
        with pytest.raises(AccessDenied):
            action()
    session = services.get_session(db=db, session_id=sid)
    assert session.is_live and session.current_position == 0 and session.answering_open


def test_the_facilitator_key_still_presents_and_a_wrong_key_does_not(db: Database):
    started = make_session(db)
    other = make_session(db)
    sid = started.session.id
    services.check_presenter_key(db=db, session_id=sid, key=started.facilitator_key)
    assert services.next_prompt(db=db, session_id=sid, key=started.facilitator_key)
    for wrong in (None, "", "not-the-key", other.presenter_key, other.facilitator_key):
        with pytest.raises(AccessDenied):
            services.check_presenter_key(db=db, session_id=sid, key=wrong)
        with pytest.raises(AccessDenied):
            services.next_prompt(db=db, session_id=sid, key=wrong)


def test_only_the_presenter_keys_hash_is_stored(db: Database):
    from workshop.storage import repository as repo

    started = make_session(db)
    stored = db.read(lambda conn: repo.get_presenter_key_hash(conn, started.session.id))
    assert stored is not None and len(stored) == 64 and started.presenter_key not in stored

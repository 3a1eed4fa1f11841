"""The life of a session through the real services, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.support.builders import answer_current, make_session
from workshop import services
from workshop.domain.codes import display_code, is_well_formed, new_participant_token
from workshop.domain.errors import (
    AccessDenied,
    InvalidAnswer,
    PromptClosed,
    PromptMoved,
    SessionEnded,
    SessionNotFound,
)


def test_start_session_gives_code_and_key(db):
    started = make_session(db)
    assert is_well_formed(started.session.code)
    assert len(started.facilitator_key) >= 22  # >= 128 bits, URL-safe
    found = services.find_session_by_code(db=db, code=display_code(started.session.code).lower())
    assert found is not None and found.id == started.session.id
    assert found.is_live and found.current_position == 0 and found.answering_open


def test_unknown_code_is_refused_in_plain_words(db):
    with pytest.raises(SessionNotFound, match="No session with code"):
        services.get_session_by_code(db=db, code="ZZZ-ZZZ")


def test_navigation_bumps_revision_and_clamps(db):
    started = make_session(db)
    sid, key = started.session.id, started.facilitator_key
    rev = services.get_revision(db=db, session_id=sid)
    s = services.next_prompt(db=db, session_id=sid, key=key)
    assert s.current_position == 1 and s.revision == rev + 1
    s = services.go_to_prompt(db=db, session_id=sid, key=key, position=99)
    assert s.current_position == s.prompt_count - 1
    s = services.previous_prompt(db=db, session_id=sid, key=key)
    assert s.current_position == s.prompt_count - 2
    s = services.set_answering_open(db=db, session_id=sid, key=key, is_open=False)
    assert not s.answering_open
    s = services.set_results_visible(db=db, session_id=sid, key=key, visible=True)
    assert s.results_visible
    assert services.get_revision(db=db, session_id=sid) == s.revision


def test_facilitator_actions_need_the_key(db):
    started = make_session(db)
    for key in (None, "", "wrong-key-wrong-key-wrong"):
        with pytest.raises(AccessDenied):
            services.next_prompt(db=db, session_id=started.session.id, key=key)
    assert services.get_session(db=db, session_id=started.session.id).current_position == 0


def test_resubmit_replaces_and_counts_once(db, secret):
    started = make_session(db)
    token = new_participant_token(secret)
    answer_current(db, started, "A", secret=secret, token=token)
    answer_current(db, started, "B", secret=secret, token=token)
    view = services.get_live_view(db=db, session_id=started.session.id)
    assert view.counts.answered == 1 and view.counts.joined == 1
    answers = services.list_answers(db=db, session_id=started.session.id, prompt_id=view.prompt.id)
    assert [a.value for a in answers] == ["B"]


def test_closed_prompt_and_moved_prompt_refuse(db, secret):
    started = make_session(db)
    sid, key = started.session.id, started.facilitator_key
    first = services.get_live_view(db=db, session_id=sid).prompt
    services.set_answering_open(db=db, session_id=sid, key=key, is_open=False)
    with pytest.raises(PromptClosed, match="closed"):
        answer_current(db, started, "A", secret=secret)
    services.next_prompt(db=db, session_id=sid, key=key)
    with pytest.raises(PromptMoved):
        services.submit_answer(
            db=db,
            secret=secret,
            session_id=sid,
            prompt_id=first.id,
            token=new_participant_token(secret),
            raw="A",
        )


def test_ended_session_refuses_join_and_answers(db, secret):
    started = make_session(db)
    services.end_session(db=db, session_id=started.session.id, key=started.facilitator_key)
    with pytest.raises(SessionEnded):
        services.join_session(
            db=db, secret=secret, code=started.session.code, token=new_participant_token(secret)
        )
    with pytest.raises(SessionEnded):
        answer_current(db, started, "A", secret=secret)


def test_invalid_answers_say_why(db, secret):
    started = make_session(db)
    with pytest.raises(InvalidAnswer, match="not one of the choices"):
        answer_current(db, started, "D", secret=secret)


def test_hide_answer_and_reset_prompt(db, secret):
    started = make_session(db)
    sid, key = started.session.id, started.facilitator_key
    a = answer_current(db, started, "A", secret=secret)
    answer_current(db, started, "B", secret=secret)
    services.hide_answer(db=db, session_id=sid, key=key, answer_id=a.id)
    tally = services.results_for(db=db, session_id=sid, prompt_id=a.prompt_id)
    assert tally.n == 1
    assert dict(zip(tally.table["option"], tally.table["count"], strict=True)) == {
        "A": 0,
        "B": 1,
        "C": 0,
    }
    services.reset_prompt(db=db, session_id=sid, key=key, prompt_id=a.prompt_id)
    assert services.get_live_view(db=db, session_id=sid).counts.answered == 0


def test_participant_numbers_are_stable(db, secret):
    started = make_session(db)
    t1, t2 = new_participant_token(secret), new_participant_token(secret)
    p1 = services.join_session(db=db, secret=secret, code=started.session.code, token=t1)
    p2 = services.join_session(db=db, secret=secret, code=started.session.code, token=t2)
    again = services.join_session(db=db, secret=secret, code=started.session.code, token=t1)
    assert (p1.participant_number, p2.participant_number) == (1, 2)
    assert again.participant_number == 1


def test_delete_session_removes_everything(db, secret):
    started = make_session(db)
    answer_current(db, started, "A", secret=secret)
    services.delete_session(db=db, session_id=started.session.id, key=started.facilitator_key)
    assert services.find_session_by_code(db=db, code=started.session.code) is None

"""Console: refused without the right key; every control changes the store."""

from __future__ import annotations

import pytest

from tests.app.facilitator_support import (
    app_ctx,
    assert_no_errors,
    open_page,
    page_text,
)
from tests.support.builders import answer_current, make_session
from workshop import services

__all__ = ["app_ctx"]


@pytest.fixture
def started(app_ctx, leadership_template):
    return make_session(app_ctx.db, leadership_template)


def console(started) -> object:
    return open_page("console", code=started.session.code, key=started.facilitator_key)


def stored(app_ctx, started):
    return services.get_session(db=app_ctx.db, session_id=started.session.id)


def click(at, label: str):
    matches = [b for b in at.button if b.label == label]
    assert len(matches) == 1, [b.label for b in at.button]
    return matches[0].click().run()


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"code": "from-started"},
        {"code": "from-started", "key": "not-the-key-not-the-key-not-the"},
        {"code": "ZZZZZZ", "key": "from-started"},
    ],
    ids=["nothing", "no-key", "wrong-key", "unknown-code"],
)
def test_refused_without_the_right_key_and_no_data(app_ctx, started, params):
    query = {
        name: (
            started.session.code
            if value == "from-started" and name == "code"
            else started.facilitator_key
            if value == "from-started"
            else value
        )
        for name, value in params.items()
    }
    at = open_page("console", **query)
    assert_no_errors(at)
    assert len(at.error) == 1
    assert "facilitator" in at.error[0].value
    shown = page_text(at)
    first_prompt = services.list_prompts(db=app_ctx.db, session_id=started.session.id)[0]
    assert first_prompt.text not in shown and started.session.title not in shown
    assert not at.button and not at.sidebar.children


def test_shows_prompt_note_and_counts(app_ctx, started):
    at = console(started)
    assert_no_errors(at)
    shown = page_text(at)
    first = services.list_prompts(db=app_ctx.db, session_id=started.session.id)[0]
    assert first.text in shown
    assert first.spec.note in shown  # the facilitator note, only on the console
    assert "joined" in shown and "answered" in shown


def test_a_jump_choice_survives_a_change_made_elsewhere(app_ctx, started):
    at = console(started)
    at.selectbox(key="console_jump").select(5).run()
    key, sid = started.facilitator_key, started.session.id
    services.next_prompt(db=app_ctx.db, session_id=sid, key=key)  # the remote, meanwhile
    services.set_answering_open(db=app_ctx.db, session_id=sid, key=key, is_open=False)
    at.run()  # what the push does: the page reruns
    assert "Question 2 of 12" in page_text(at)
    assert at.selectbox(key="console_jump").value == 5  # the pick is kept
    click(at, "Go")
    assert stored(app_ctx, started).current_position == 5
    assert at.selectbox(key="console_jump").value == 5
    services.previous_prompt(db=app_ctx.db, session_id=sid, key=key)
    at.run()
    assert at.selectbox(key="console_jump").value == 4  # no pick: follows the room again


def test_next_previous_and_jump_move_the_session(app_ctx, started):
    at = console(started)
    click(at, "Next")
    assert stored(app_ctx, started).current_position == 1
    assert_no_errors(at)
    click(at, "Next")
    click(at, "Previous")
    assert stored(app_ctx, started).current_position == 1
    at.selectbox(key="console_jump").select(6).run()
    click(at, "Go")
    assert stored(app_ctx, started).current_position == 6
    assert "Question 7 of 12" in page_text(at)


def test_answering_and_results_switches(app_ctx, started):
    at = console(started)
    assert stored(app_ctx, started).answering_open
    click(at, "Close answering")
    assert not stored(app_ctx, started).answering_open
    click(at, "Open answering")
    assert stored(app_ctx, started).answering_open
    assert stored(app_ctx, started).results_visible  # the warm-up shows results live
    click(at, "Hide results")
    assert not stored(app_ctx, started).results_visible
    click(at, "Show results")
    assert stored(app_ctx, started).results_visible


def test_hide_and_unhide_one_answer(app_ctx, started, secret):
    db = app_ctx.db
    secret = app_ctx.participant_secret
    kept = answer_current(db, started, ["trust"], secret=secret)
    rude = answer_current(db, started, ["rude word"], secret=secret)
    at = console(started)
    assert "rude word" in page_text(at)
    at.button(key=f"moderate-{rude.id}").click().run()
    assert_no_errors(at)
    answers = services.list_answers(
        db=db, session_id=started.session.id, prompt_id=rude.prompt_id, include_hidden=True
    )
    assert {a.id: a.hidden for a in answers} == {kept.id: False, rude.id: True}
    assert at.button(key=f"moderate-{rude.id}").label == "Unhide"
    at.button(key=f"moderate-{rude.id}").click().run()
    answers = services.list_answers(db=db, session_id=started.session.id, prompt_id=rude.prompt_id)
    assert len(answers) == 2


def test_reset_asks_first_then_deletes_the_answers(app_ctx, started):
    db, secret = app_ctx.db, app_ctx.participant_secret
    answer = answer_current(db, started, ["trust"], secret=secret)
    at = console(started)
    click(at, "Reset this question's answers…")
    assert services.get_answer_marker(db=db, prompt_id=answer.prompt_id)[0] == 1  # not yet
    assert any("Delete all 1 answers to question 1" in w.value for w in at.warning)
    click(at, "Cancel")
    assert services.get_answer_marker(db=db, prompt_id=answer.prompt_id)[0] == 1
    click(at, "Reset this question's answers…")
    click(at, "Yes, delete these answers")
    assert_no_errors(at)
    assert services.get_answer_marker(db=db, prompt_id=answer.prompt_id)[0] == 0


def test_end_session_after_confirmation(app_ctx, started):
    at = console(started)
    click(at, "End the session…")
    assert stored(app_ctx, started).is_live
    click(at, "Yes, end the session")
    assert_no_errors(at)
    session = stored(app_ctx, started)
    assert not session.is_live and not session.answering_open
    assert "Ended" in page_text(at)
    assert all(b.disabled for b in at.button if b.label in ("Next", "Open answering"))


def test_delete_session_after_confirmation(app_ctx, started):
    at = console(started)
    click(at, "Delete the session…")
    click(at, "Yes, delete the session")
    assert_no_errors(at)
    assert services.find_session_by_code(db=app_ctx.db, code=started.session.code) is None


def test_a_service_error_is_shown_in_plain_words(app_ctx, started):
    at = console(started)
    # Someone else ends the session while this console still shows "Next".
    services.end_session(db=app_ctx.db, session_id=started.session.id, key=started.facilitator_key)
    click(at, "Next")
    assert [e.value for e in at.error] == ["This session has ended. Thank you for taking part!"]
    assert not at.exception

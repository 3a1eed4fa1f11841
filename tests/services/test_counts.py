"""One definition of each number: answered, n and response rate agree after moderation."""

from __future__ import annotations

from tests.support.builders import make_session
from workshop import services
from workshop.domain.codes import new_participant_token


def test_hidden_answers_leave_answered_n_and_rate_alike(db, secret):
    started = make_session(db)
    sid, key = started.session.id, started.facilitator_key
    prompt = services.get_live_view(db=db, session_id=sid).prompt
    assert prompt is not None
    answers = [
        services.submit_answer(
            db=db,
            secret=secret,
            session_id=sid,
            prompt_id=prompt.id,
            token=new_participant_token(secret),
            raw=prompt.spec.config.options[0],
        )
        for _ in range(4)
    ]
    before = services.get_live_view(db=db, session_id=sid).counts
    assert (before.joined, before.answered, before.hidden) == (4, 4, 0)
    services.hide_answer(db=db, session_id=sid, key=key, answer_id=answers[0].id)
    counts = services.get_live_view(db=db, session_id=sid).counts
    tally = services.results_for(db=db, session_id=sid, prompt_id=prompt.id)
    assert (counts.answered, counts.hidden, counts.stored) == (3, 1, 4)
    assert counts.answered == tally.n  # the big counter and the chart's n
    assert counts.response_rate == 0.75

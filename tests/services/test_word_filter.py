"""The optional word filter for open text and word clouds (off by default)."""

from __future__ import annotations

import pytest

from tests.support.builders import make_session, make_template
from workshop import services
from workshop.activities import make_spec
from workshop.domain.codes import new_participant_token
from workshop.domain.errors import InvalidAnswer


def _submit(db, secret, started, raw, blocked=()):
    view = services.get_live_view(db=db, session_id=started.session.id)
    return services.submit_answer(
        db=db,
        secret=secret,
        session_id=started.session.id,
        prompt_id=view.prompt.id,
        token=new_participant_token(secret),
        raw=raw,
        blocked_words=blocked,
    )


def test_filter_refuses_listed_whole_words_only(sqlite_db, secret):
    started = make_session(
        sqlite_db, make_template(make_spec("open_text", text="Say"))
    )
    with pytest.raises(InvalidAnswer, match="rephrase"):
        _submit(sqlite_db, secret, started, "What a DARN meeting", blocked=("darn",))
    assert _submit(sqlite_db, secret, started, "Classic darnel", blocked=("darn",)).value
    assert _submit(sqlite_db, secret, started, "darn it")  # filter off: accepted


def test_filter_applies_to_word_cloud_entries(sqlite_db, secret):
    started = make_session(
        sqlite_db, make_template(make_spec("word_cloud", text="Word"))
    )
    with pytest.raises(InvalidAnswer):
        _submit(sqlite_db, secret, started, ["trust", "Darn"], blocked=("darn",))

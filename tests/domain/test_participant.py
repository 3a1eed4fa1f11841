"""One participant-token rule for the page and the answer route."""

from __future__ import annotations

from workshop.domain.codes import new_participant_token
from workshop.domain.participant import choose_token


def test_the_cookie_wins_then_the_url_then_none():
    cookie, url = new_participant_token(), new_participant_token()
    assert choose_token(cookie, url) == cookie
    assert choose_token(None, url) == url
    assert choose_token("not a token", url) == url
    assert choose_token(object(), url) == url  # AppTest's cookie mock
    assert choose_token(None, "short") is None
    assert choose_token(None, None) is None

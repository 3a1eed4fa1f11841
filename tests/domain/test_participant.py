"""One participant-token rule for the page and the answer route: only issued tokens."""

from __future__ import annotations

from workshop.domain.codes import new_participant_token
from workshop.domain.participant import choose_token

SECRET = b"installation-secret"


def test_the_cookie_wins_then_the_url_then_none():
    cookie, url = new_participant_token(SECRET), new_participant_token(SECRET)
    assert choose_token(cookie, url, SECRET) == cookie
    assert choose_token(None, url, SECRET) == url
    assert choose_token("not a token", url, SECRET) == url
    assert choose_token(object(), url, SECRET) == url  # AppTest's cookie mock
    assert choose_token(None, "short", SECRET) is None
    assert choose_token(None, None, SECRET) is None


def test_a_token_this_installation_did_not_issue_counts_for_nothing():
    made_up = "A" * 44  # shaped like a token, but nobody signed it
    other_installation = new_participant_token(b"another-secret")
    issued = new_participant_token(SECRET)
    assert choose_token(made_up, issued, SECRET) == issued
    assert choose_token(other_installation, None, SECRET) is None
    assert choose_token(None, made_up, SECRET) is None

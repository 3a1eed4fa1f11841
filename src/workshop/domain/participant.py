"""The ONE rule for which token a participant has, used by the phone page (``web/phone_page``)
and the answer routes (``web/answers``) alike, so both book as the same participant.

The cookie's token wins when this installation issued it; else the token the page keeps in its URL
(where cookies are blocked); else none (the page then has a new one made).
"""

from __future__ import annotations

from .codes import is_issued_token

PARTICIPANT_COOKIE = "workshop_participant"  # set by web/participant_cookie
URL_TOKEN_PARAM = "p"  # the page's URL parameter (and the answer body's field)


def choose_token(from_cookie: object, from_url: object, secret: bytes) -> str | None:
    """The participant's token: only one this installation issued (signed with
    ``secret``) counts, from the cookie first, then from the URL."""
    if isinstance(from_cookie, str) and is_issued_token(from_cookie, secret):
        return from_cookie
    if isinstance(from_url, str) and is_issued_token(from_url, secret):
        return from_url
    return None

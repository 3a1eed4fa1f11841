"""Who this phone is: an anonymous random token kept by the browser.

The token normally comes from the ``workshop_participant`` cookie that
``workshop.web.participant_cookie`` sets on the HTML page, read here through
``st.context.cookies`` (the cookie travels with the websocket upgrade, so it is there on
the very first run). Where no cookie arrives (cookies blocked, or ``AppTest``), the
token lives in the page's URL instead (``?p=...``), generated once, so a reload keeps it.
"""

from __future__ import annotations

import streamlit as st

from ..domain.codes import new_participant_token
from ..domain.participant import PARTICIPANT_COOKIE, URL_TOKEN_PARAM, choose_token

__all__ = ["PRIVACY_LINE", "URL_TOKEN_PARAM", "get_participant_token"]
PRIVACY_LINE = (
    "Anonymous: we keep a random number in this browser so you can change your answer. "
    "No name, no IP address."
)


def get_participant_token() -> str:
    """This browser's participant token: the cookie, else the URL, else a new one in the URL."""
    # (AppTest's cookies are a mock: ``choose_token`` takes only a real string.)
    chosen = choose_token(
        st.context.cookies.get(PARTICIPANT_COOKIE), st.query_params.get(URL_TOKEN_PARAM)
    )
    if chosen is not None:
        return chosen
    token = new_participant_token()
    st.query_params[URL_TOKEN_PARAM] = token
    return token

"""Who this phone is: an anonymous random token kept by the browser.

The token normally comes from the ``workshop_participant`` cookie that
``workshop.web.participant_cookie`` sets on the HTML page, read here through
``st.context.cookies`` (the cookie travels with the websocket upgrade, so it is there on
the very first run). Where no cookie arrives (cookies blocked, or ``AppTest``), the
token lives in the page's URL instead (``?p=...``), generated once, so a reload keeps it.
"""

from __future__ import annotations

import streamlit as st

from ..context import AppContext
from ..domain.codes import is_issued_token, new_participant_token
from ..guards import MINT_GUARD
from ..web.participant_cookie import PARTICIPANT_COOKIE
from .client import page_client_address

URL_TOKEN_PARAM = "p"
PRIVACY_LINE = (
    "Anonymous: we keep a random number in this browser so you can change your answer. "
    "No name, no IP address."
)


TOO_MANY_NEW = (
    "Too many new phones joined from your network just now. "
    "Please wait a minute, then reload this page."
)


def get_participant_token(ctx: AppContext) -> str | None:
    """This browser's participant token: the cookie, else the URL, else a new one in the
    URL; None when this address minted too many just now (the page says so)."""
    secret = ctx.participant_secret
    from_cookie = st.context.cookies.get(PARTICIPANT_COOKIE)
    if isinstance(from_cookie, str) and is_issued_token(from_cookie, secret):  # AppTest: a mock
        return from_cookie
    from_url = st.query_params.get(URL_TOKEN_PARAM)
    if is_issued_token(from_url, secret):
        return str(from_url)
    if not MINT_GUARD.take(page_client_address(ctx)):
        return None
    token = new_participant_token(secret)
    st.query_params[URL_TOKEN_PARAM] = token
    return token

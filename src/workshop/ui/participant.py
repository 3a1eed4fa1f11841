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
from ..domain.codes import new_participant_token
from ..domain.participant import PARTICIPANT_COOKIE, URL_TOKEN_PARAM, choose_token
from ..guards import MINT_GUARD
from .client import page_client_address

__all__ = ["PRIVACY_LINE", "URL_TOKEN_PARAM", "get_participant_token"]
PRIVACY_LINE = (
    "Anonymous: we keep a random number in this browser so you can change your answer. "
    "No name, no IP address."
)


TOO_MANY_NEW = (
    "Too many new phones joined from your network just now. "
    "Please wait a minute, then reload this page."
)


def get_participant_token(ctx: AppContext) -> str | None:
    """This browser's participant token: the cookie, else the URL (only tokens this
    installation issued, ``domain.participant``), else a new one in the URL; None when
    this address minted too many just now (the page says so)."""
    # (AppTest's cookies are a mock: ``choose_token`` takes only a real string.)
    secret = ctx.participant_secret
    chosen = choose_token(
        st.context.cookies.get(PARTICIPANT_COOKIE), st.query_params.get(URL_TOKEN_PARAM), secret
    )
    if chosen is not None:
        return chosen
    if not MINT_GUARD.take(page_client_address(ctx)):
        return None
    token = new_participant_token(secret)
    st.query_params[URL_TOKEN_PARAM] = token
    return token

"""The client address of this page's browser, for abuse limits only (memory only)."""

from __future__ import annotations

import streamlit as st

from ..addresses import client_address, is_loopback
from ..context import AppContext


def _headers() -> dict[str, str]:
    headers = st.context.headers
    return {
        str(name).lower(): value
        for name, value in headers.items()
        if isinstance(name, str) and isinstance(value, str)
    }


def _peer() -> str:
    # st.context.ip_address is None for 127.0.0.1 and ::1 (the laptop itself); without
    # a browser connection (AppTest) it is not a string either.
    peer = st.context.ip_address
    return peer if isinstance(peer, str) and peer else "127.0.0.1"


def page_client_address(ctx: AppContext) -> str:
    """The address abuse limits count this page's browser against."""
    return client_address(_peer(), _headers(), ctx.settings.trusted_proxies)


def page_is_loopback() -> bool:
    """This browser runs on the laptop itself, not through a proxy."""
    return is_loopback(_peer(), _headers())

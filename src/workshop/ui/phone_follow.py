"""The phone page recovers by itself when the store was busy: it reruns in a moment.

(Following the room is the browser's job once the page is drawn: ``phone_app``.)
"""

from __future__ import annotations

import time

import streamlit as st

RETRY_SECONDS = 3.0


def retry_soon() -> None:
    """Rerun the page in a few seconds (the store was busy): no tap needed to recover."""
    with st.container(key="phone_retry"):
        _retry(time.monotonic())


@st.fragment(run_every=RETRY_SECONDS)
def _retry(drawn_at: float) -> None:
    if time.monotonic() - drawn_at >= RETRY_SECONDS / 2:  # a tick, not the first draw
        st.rerun(scope="app")

"""The phone follows the facilitator: what wakes its live fragment (``phone.render_live``).

- push (``workshop.ui.live``): a Server-Sent Events listener drawn inside the fragment
  reruns it within a fraction of a second of a change in the room, and costs nothing
  while the room is idle; when the stream stays silent (a proxy buffering it) the same
  listener polls by asking for a rerun every ``live.SILENT_POLL_MS``;
- a last-resort server-side tick (``SAFETY_POLL_SECONDS``), should the listener's
  JavaScript not run at all. It is long: on every tick every phone costs a Streamlit
  run, which adds up in a room of hundreds.
A half-typed answer survives every redraw: form and widget keys never change.
"""

from __future__ import annotations

import time

import streamlit as st

SAFETY_POLL_SECONDS = 120.0
RETRY_SECONDS = 3.0


def retry_soon() -> None:
    """Rerun the page in a few seconds (the store was busy): no tap needed to recover."""
    with st.container(key="phone_retry"):
        _retry(time.monotonic())


@st.fragment(run_every=RETRY_SECONDS)
def _retry(drawn_at: float) -> None:
    if time.monotonic() - drawn_at >= RETRY_SECONDS / 2:  # a tick, not the first draw
        st.rerun(scope="app")

"""The phone follows the facilitator: the one place that decides when the page redraws.

The page draws the current prompt in a normal run and remembers the session revision it
drew. ``follow_session`` then mounts a tiny fragment that reruns the whole page only
when the revision moved on; an unchanged page is never redrawn, so a half-typed answer
is never reset by a tick.

What wakes the fragment:
- push (``workshop.ui.live``): a Server-Sent Events listener reruns the fragment within a
  fraction of a second of a change and costs nothing while the room is idle;
- when the stream stays silent (a proxy buffering it), the same listener polls by
  asking for a rerun every ``live.SILENT_POLL_MS``;
- a last-resort server-side tick (``SAFETY_POLL_SECONDS``), should the listener's
  JavaScript not run at all. It is long: on every tick every phone costs a Streamlit
  run, which adds up in a room of hundreds.
The fragment itself only reads one number (``services.get_revision``).
"""

from __future__ import annotations

import time

import streamlit as st

from .. import services
from ..domain.errors import WorkshopError
from .context import get_context
from .live import follow_revision

SAFETY_POLL_SECONDS = 120.0
RETRY_SECONDS = 3.0


def follow_session(*, code: str, session_id: int, revision: int) -> None:
    """Rerun the page as soon as the session's revision differs from ``revision``.

    Call it at the same place on every run (a fragment's id depends on its position).
    It draws nothing visible: its container is hidden by ``phone_style``.
    """
    with st.container(key="phone_follow"):
        _watch(code, session_id, revision)


@st.fragment(run_every=SAFETY_POLL_SECONDS)
def _watch(code: str, session_id: int, revision: int) -> None:
    follow_revision(code=code, revision=revision)
    try:
        now = services.get_revision(db=get_context().db, session_id=session_id)
    except WorkshopError:
        return  # the store is busy: the next event or poll tries again
    if now != revision:
        st.rerun(scope="app")


def retry_soon() -> None:
    """Rerun the page in a few seconds (the store was busy): no tap needed to recover."""
    with st.container(key="phone_retry"):
        _retry(time.monotonic())


@st.fragment(run_every=RETRY_SECONDS)
def _retry(drawn_at: float) -> None:
    if time.monotonic() - drawn_at >= RETRY_SECONDS / 2:  # a tick, not the first draw
        st.rerun(scope="app")

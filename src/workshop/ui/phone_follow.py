"""The phone follows the facilitator: the one place that decides when the page redraws.

The page draws the current prompt in a normal run and remembers the session revision it
drew. ``follow_session`` then mounts a tiny fragment that reruns the whole page only
when the revision moved on; an unchanged page is never redrawn, so a half-typed answer
is never reset by a tick.

What wakes the fragment:
- push (``workshop.ui.live``): a Server-Sent Events listener reruns the fragment within a
  fraction of a second of a change and costs nothing while the room is idle;
- a slow safety-net poll (``SAFETY_POLL_SECONDS``) in case a proxy swallows the event
  stream. The fragment itself only reads one number (``services.get_revision``).
"""

from __future__ import annotations

import streamlit as st

from .. import services
from ..domain.errors import WorkshopError
from .context import get_context
from .live import follow_revision

SAFETY_POLL_SECONDS = 15.0


def follow_session(*, code: str, session_id: int, revision: int) -> None:
    """Rerun the page as soon as the session's revision differs from ``revision``."""
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

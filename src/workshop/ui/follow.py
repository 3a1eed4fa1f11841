"""Facilitator screens follow the room by push, not by their own timers.

``follow_room`` mounts a tiny ``st.components.v2`` component (``follow.js``) that holds
one EventSource on ``/events/<code>/screen``: the process's one watcher (the push hub)
sends a small pulse (revision, answer marker, joined count) when the session changed,
and the component reruns what encloses it (the fragment it sits in, or the page) when
the pulse differs from the one the screen was drawn from. So an idle screen costs no
Streamlit run at all, and a change anywhere (another screen, the remote, another
process) redraws it within a fraction of a second. A lost stream shows a small
"Reconnecting…" line (the projector hides Streamlit's own modal, see ``style.py``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import streamlit as st

from .. import services
from ..context import AppContext

_component = st.components.v2.component(
    "workshop_follow", js=Path(__file__).with_name("follow.js").read_text(encoding="utf-8")
)


def read_pulse(ctx: AppContext, session_id: int) -> services.Pulse | None:
    """The pulse this screen is drawn from (None: the session was deleted)."""
    return services.get_pulses(db=ctx.db, session_ids=[session_id]).get(session_id)


def follow_room(
    *, code: str, pulse: services.Pulse | None, key: str, room_gap_seconds: float
) -> Any:
    """Rerun the enclosing fragment (or page) when the session's pulse moves away from
    ``pulse``; answers and joins at most every ``room_gap_seconds``. Call it LAST in
    the fragment or page (with the pulse read FIRST): its drawing says the run is done."""
    return _component(
        data={
            "url": f"/events/{code}/screen",  # st.App serves routes at the root
            "pulse": list(pulse) if pulse is not None else None,
            "gapMs": int(room_gap_seconds * 1000),
            # New every run: the component hears that the run it asked for got this
            # far, and asks for the next one only then (see follow.js).
            "drawnAt": time.time(),
        },
        key=key,
        on_change_change=lambda: None,  # a trigger must rerun: its value is not needed
    )

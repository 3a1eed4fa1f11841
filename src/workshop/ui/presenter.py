"""The projector screen: prompt, join panel and live chart, in one fragment that follows
the room by push (``ui/follow.py``): it reruns when the process's one watcher reports a
change of the session's pulse (revision, answer marker, joined count), never on a timer.

A rerun reads the pulse (one small read); the view, tally and figure are rebuilt only
when the pulse moved, so a rerun caused by a key press elsewhere costs little.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, replace

import plotly.graph_objects as go
import streamlit as st

from .. import services
from ..activities import get_kind
from ..charts import PROJECTOR, ChartStyle, figure_for, with_joined
from ..domain.errors import NotFound
from ..domain.model import LiveView
from ..domain.visibility import results_gate
from ..joining import JoinBase
from ..results import Tally
from .facilitator import FacilitatorAccess, run_action
from .follow import follow_room, read_pulse
from .qr_card import current_join_base, render_join_panel
from .results_view import PROJECTOR_WALL, WallFit, render_card_wall, render_figure, render_message

SNAPSHOT_STATE = "presenter_snapshot"
CHART_CODE_STATE = "presenter_chart_code_loaded"
# Answers and joins redraw the projector at most this often (a facilitator action at once).
ROOM_GAP_SECONDS = 0.25
PROMPT_CHARS_PER_LINE = 52  # at the projector's prompt size in the left column


@dataclass(frozen=True)
class Snapshot:
    """What the screen shows, and the cheap markers it was built from."""

    session_id: int
    pulse: services.Pulse
    view: LiveView
    tally: Tally | None
    figure: go.Figure | None


def render_presenter(access: FacilitatorAccess, *, presenting: bool) -> None:
    base = current_join_base(access.ctx.settings.public_url)
    _load_chart_code_once()

    @st.fragment
    def live() -> None:
        old: Snapshot | None = st.session_state.get(SNAPSHOT_STATE)
        was_live = old is None or old.view.session.is_live
        _keyboard(access, presenting=presenting, live=was_live)
        pulse = read_pulse(access.ctx, access.session.id)
        snapshot = None if pulse is None else _fresh_snapshot(access, pulse)
        if not presenting and was_live and snapshot and not snapshot.view.session.is_live:
            # Ended elsewhere: the sidebar's Next / Previous sit outside this fragment,
            # so the whole page reruns once to turn them off (the new snapshot is kept:
            # the next run sees an ended session and does not come here again).
            st.rerun(scope="app")
        if snapshot is None:
            render_message("This session was deleted.")
        else:
            _screen(snapshot, base, presenting=presenting)
        follow_room(  # last: drawn when this run is done (see ui/follow.py)
            code=access.session.code,
            pulse=pulse,
            key="presenter-follow",
            room_gap_seconds=ROOM_GAP_SECONDS,
        )

    live()


def _load_chart_code_once() -> None:
    """The browser fetches and starts its chart code (Streamlit's plotly module) with the
    first chart a tab draws: ~1.2 s, measured by ``bench/first_chart.py``, so the room's
    first chart came that late. An empty chart, out of sight, in the tab's first run has
    it ready before any answer arrives."""
    if st.session_state.get(CHART_CODE_STATE):
        return
    st.session_state[CHART_CODE_STATE] = True
    with st.container(key="chart-code-loader"):
        render_figure(go.Figure(), static=True, key="chart-code-loader-figure")


def _keyboard(access: FacilitatorAccess, *, presenting: bool, live: bool) -> None:
    """Remote and keyboard: real buttons with shortcuts, out of sight (see ui/style.py).

    An ended session is not steered any more: the keys do nothing but Esc."""
    db, sid, key = access.ctx.db, access.session.id, access.key
    with st.container(key="presenter-keys"):
        forward = st.button("Next", key="key-next-pagedown", shortcut="PageDown")
        forward |= st.button("Next", key="key-next-right", shortcut="Right")
        back = st.button("Previous", key="key-prev-pageup", shortcut="PageUp")
        back |= st.button("Previous", key="key-prev-left", shortcut="Left")
        leave = presenting and st.button("Leave presenting mode", key="key-esc", shortcut="Esc")
    if forward and live:
        run_action(lambda: services.next_prompt(db=db, session_id=sid, key=key))
    if back and live:
        run_action(lambda: services.previous_prompt(db=db, session_id=sid, key=key))
    if leave:
        del st.query_params["mode"]
        st.rerun()


def render_presenter_sidebar(access: FacilitatorAccess) -> None:
    """Outside presenting mode: visible controls and how to use the remote."""
    db, sid, key = access.ctx.db, access.session.id, access.key
    ended = not access.session.is_live
    with st.sidebar:
        st.divider()
        back, forward = st.columns(2)
        if back.button("Previous", icon=":material/arrow_back:", width="stretch", disabled=ended):
            run_action(lambda: services.previous_prompt(db=db, session_id=sid, key=key))
        if forward.button(
            "Next",
            icon=":material/arrow_forward:",
            width="stretch",
            type="primary",
            disabled=ended,
        ):
            run_action(lambda: services.next_prompt(db=db, session_id=sid, key=key))
        if st.button("Start presenting mode", icon=":material/fullscreen:", width="stretch"):
            st.query_params["mode"] = "present"
            st.rerun()
        st.caption(
            "Remote or keyboard: PageDown or → for the next question, PageUp or ← for the "
            "previous one. Presenting mode shows only what the room should see; press Esc "
            "to leave it, F11 for full screen."
        )


def _fresh_snapshot(access: FacilitatorAccess, pulse: services.Pulse) -> Snapshot | None:
    old: Snapshot | None = st.session_state.get(SNAPSHOT_STATE)
    if old is not None and old.session_id == access.session.id and old.pulse == pulse:
        return old
    try:
        snapshot = build_snapshot(access, pulse, old)
    except NotFound:  # deleted since the pulse was read
        return None
    st.session_state[SNAPSHOT_STATE] = snapshot
    return snapshot


def build_snapshot(
    access: FacilitatorAccess, pulse: services.Pulse, old: Snapshot | None = None
) -> Snapshot:
    """What the screen shows. ``pulse``: read just BEFORE, so a change after it moves
    the pulse again and reruns the screen (nothing is missed).

    When only the joined count moved since ``old`` (same revision, same answers), its
    tally still holds and its figure gets the new caption instead of being rebuilt."""
    db, sid = access.ctx.db, access.session.id
    view = services.get_live_view(db=db, session_id=sid)
    prompt = view.prompt
    if prompt is None:
        return Snapshot(sid, pulse, view, None, None)
    joined = view.counts.joined
    if _same_answers(old, sid, pulse, prompt.id):
        assert old is not None and old.tally is not None
        figure = with_joined(old.figure, old.tally, before=old.view.counts.joined, after=joined)
        if figure is not None or old.figure is None:
            return Snapshot(sid, pulse, view, old.tally, figure)
    result = services.results_for(db=db, session_id=sid, prompt_id=prompt.id)
    figure = figure_for(result, joined=joined, style=projector_style(prompt.text))
    return Snapshot(sid, pulse, view, result, figure)


def _same_answers(old: Snapshot | None, sid: int, pulse: services.Pulse, prompt_id: int) -> bool:
    """``old`` was built from the same revision and answer marker of the same prompt."""
    return (
        old is not None
        and old.session_id == sid
        and old.tally is not None
        and old.view.prompt is not None
        and old.view.prompt.id == prompt_id
        and old.pulse[:3] == pulse[:3]
    )


def prompt_lines(prompt_text: str) -> int:
    return max(1, math.ceil(len(prompt_text) / PROMPT_CHARS_PER_LINE))


def projector_style(prompt_text: str) -> ChartStyle:
    """A shorter chart under a long prompt, so the whole screen fits 1080 px."""
    extra = max(0, prompt_lines(prompt_text) - 2)
    return replace(PROJECTOR, height_px=PROJECTOR.height_px - 62 * extra)


def projector_wall(prompt_text: str, *, presenting: bool = True) -> WallFit:
    """Fewer card lines under a long prompt (a card line is ~40 px, a prompt line ~62);
    narrower cards beside the sidebar when not presenting."""
    extra = max(0, prompt_lines(prompt_text) - 2)
    return replace(
        PROJECTOR_WALL,
        lines_per_column=18.5 - 1.5 * extra,
        chars_per_line=PROJECTOR_WALL.chars_per_line if presenting else 19,
    )


def _screen(snapshot: Snapshot, base: JoinBase, *, presenting: bool) -> None:
    view = snapshot.view
    session, prompt = view.session, view.prompt
    if not session.is_live:  # nothing invites people in any more: no QR, no code
        st.html(
            '<div class="ws-thanks">This session has ended — thank you!</div>'
            f'<p class="ws-thanks-sub">{html.escape(session.title)}</p>'
        )
        return
    closed = not session.answering_open
    left, right = st.columns([2.55, 1], gap="large")
    with right:
        render_join_panel(base=base, code=session.code, counts=view.counts, dimmed=closed)
    with left:
        if closed and prompt is not None:
            st.html('<div class="ws-closed">Answering is closed</div>')
        if prompt is None:
            render_message("This session has no questions.")
            return
        st.html(_meta_line(view))
        st.html(f'<h1 class="ws-prompt">{html.escape(prompt.text)}</h1>')
        _results(snapshot, presenting=presenting)


def _meta_line(view: LiveView) -> str:
    session, prompt = view.session, view.prompt
    assert prompt is not None
    if not session.is_live:
        pill = '<span class="ws-pill ws-pill-ended">Ended</span>'
    elif session.answering_open:
        pill = '<span class="ws-pill ws-pill-open">Answering open</span>'
    else:
        pill = '<span class="ws-pill ws-pill-closed">Answering closed</span>'
    where = f"Question {prompt.number} of {session.prompt_count} · {get_kind(prompt.kind).label}"
    return f'<p class="ws-meta">{html.escape(where)}{pill}</p>'


def _results(snapshot: Snapshot, *, presenting: bool) -> None:
    view, result = snapshot.view, snapshot.tally
    assert result is not None
    verdict = results_gate(
        results_visible=view.session.results_visible,
        n=result.n,
        min_answers=view.session.min_answers_to_show,
    )
    if not verdict.show:
        render_message(verdict.message)
        return
    if snapshot.figure is None:
        render_card_wall(
            result,
            joined=view.counts.joined,
            fit=projector_wall(result.prompt.text, presenting=presenting),
        )
        return
    render_figure(snapshot.figure, static=True, key="presenter-chart")

"""Results on the phone, once the facilitator shows them to the room.

Counts and plain text bars, no chart library: small, fast and readable on a phone.
Words and open answers are participant text: they are shown with ``st.text`` only.
Open answers appear only while results are visible (the facilitator revealed them),
hidden (moderated) answers never, and nothing shows below the session's minimum number
of answers, so a small room cannot single anyone out.
"""

from __future__ import annotations

import streamlit as st

from .. import services
from ..domain.errors import WorkshopError
from ..domain.model import Prompt, PromptKind, Session
from ..results import Tally
from .context import get_context
from .literal import literal

# Answers keep arriving while results are visible. Each refresh first reads the cheap
# answer marker and recounts only when it moved; still, every refresh is a Streamlit run
# per phone, so it stays slow (the presenter is where the room watches live).
RESULTS_REFRESH_SECONDS = 10.0
_CACHE_KEY = "phone_results_cache"
MAX_WORDS = 15
MAX_CARDS = 20


def render_phone_results(session: Session, prompt: Prompt) -> None:
    """The prompt's tally, refreshed every few seconds in its own fragment."""
    _results_fragment(session.id, prompt.id, session.revision, session.min_answers_to_show)


@st.fragment(run_every=RESULTS_REFRESH_SECONDS)
def _results_fragment(session_id: int, prompt_id: int, revision: int, min_answers: int) -> None:
    try:
        result = _current_tally(session_id, prompt_id, revision)
    except WorkshopError as error:
        st.caption(str(error))
        return
    with st.container(border=True, key="phone_results"):
        st.markdown("**Results so far**")
        needed = max(1, min_answers)
        if result.n < needed:
            st.caption(
                "Results appear after the first answer."
                if needed == 1
                else f"Results appear once {needed} people have answered ({result.n} so far)."
            )
            return
        st.caption(f"{result.n} answer{'s' if result.n != 1 else ''}")
        _draw(result)


def _current_tally(session_id: int, prompt_id: int, revision: int) -> Tally:
    """Recount only when an answer arrived or the session changed (a hidden answer)."""
    db = get_context().db
    marker = (prompt_id, revision, services.get_answer_marker(db=db, prompt_id=prompt_id))
    cached = st.session_state.get(_CACHE_KEY)
    if cached is not None and cached[0] == marker:
        return cached[1]
    result = services.results_for(db=db, session_id=session_id, prompt_id=prompt_id)
    st.session_state[_CACHE_KEY] = (marker, result)
    return result


def _draw(result: Tally) -> None:
    kind = result.kind
    table = result.table
    if kind in (PromptKind.SINGLE_CHOICE, PromptKind.MULTIPLE_CHOICE):
        for row in table.itertuples():
            _bar(f"{row.option} — {row.percent:g} % ({row.count})", row.percent)
    elif kind is PromptKind.SCALE:
        spec = result.prompt.spec
        ends = {spec.scale_min: spec.min_label, spec.scale_max: spec.max_label}
        for row in table.itertuples():
            end = f" ({ends[row.value]})" if ends.get(row.value) else ""
            _bar(f"{row.value}{end} — {row.count}", row.percent)
        if result.mean is not None:
            st.caption(f"Average {result.mean:.1f}")
    elif kind is PromptKind.WORD_CLOUD:
        with st.container(key="phone_cards"):
            for row in table.head(MAX_WORDS).itertuples():
                st.text(f"{row.word}  ×{row.count}")
    else:
        with st.container(key="phone_cards"):
            for row in table.head(MAX_CARDS).itertuples():
                with st.container(border=True):
                    st.text(str(row.text))


def _bar(label: str, percent: float) -> None:
    """A labelled bar; the label is template text and numbers, escaped for Markdown."""
    st.progress(min(100, max(0, round(percent))) / 100, text=literal(label))

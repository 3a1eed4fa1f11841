"""What a phone shows, as plain JSON-able data: the session, its current prompt, results.

The phone draws this in the browser (``web/phone_app``). One view is built per change in
the room and pushed to every phone of the session (``web/events.py``), so an advance
costs the server one read, not one Streamlit run per phone. It holds only what every
participant may see: template text, the prompt's state and, once the facilitator shows
results, the tally without hidden answers and only above the session's minimum count.
"""

from __future__ import annotations

from typing import Any

from . import services
from .activities import get_kind
from .domain.model import LiveView, Prompt
from .domain.visibility import answers_needed
from .results import Tally
from .storage import Database


def read_phone_view(*, db: Database, session_id: int) -> dict[str, Any]:
    """The view of a session as its phones see it now (one or two reads)."""
    live = services.get_live_view(db=db, session_id=session_id)
    tally = None
    if live.session.is_live and live.session.results_visible and live.prompt is not None:
        tally = services.results_for(db=db, session_id=session_id, prompt_id=live.prompt.id)
    return build_phone_view(live, tally)


def build_phone_view(live: LiveView, tally: Tally | None) -> dict[str, Any]:
    session, prompt = live.session, live.prompt
    shown = session.is_live and prompt is not None
    return {
        "session": {
            "code": session.code,
            "title": session.title,
            "status": session.status.value,
            "count": session.prompt_count,
        },
        "revision": session.revision,
        "prompt": _prompt(prompt, live, is_open=session.answering_open) if shown else None,
        "results": _results(tally, session.min_answers_to_show) if shown and tally else None,
    }


def _prompt(prompt: Prompt | None, live: LiveView, *, is_open: bool) -> dict[str, Any] | None:
    if prompt is None:  # pragma: no cover - a live session always has a current prompt
        return None
    spec = prompt.spec
    return {
        "id": prompt.id,
        "number": prompt.number,
        "text": spec.text,
        "kind": spec.kind,
        "open": is_open,
        # how many answered (hidden ones too): 0 after a reset, so a phone that answered
        # knows its answer was deleted
        "answered": live.counts.stored,
        # only this kind's own settings (never another kind's, never the facilitator note)
        **get_kind(spec.kind).phone_prompt(spec.config),
    }


def _results(tally: Tally, min_answers: int) -> dict[str, Any]:
    needed = answers_needed(min_answers)  # the one rule (domain/visibility)
    out: dict[str, Any] = {"n": tally.n, "needed": needed, "kind": tally.kind}
    if tally.n < needed:
        return out
    out.update(get_kind(tally.kind).phone_results(tally))
    return out

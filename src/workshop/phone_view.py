"""What a phone shows, as plain JSON-able data: the session, its current prompt, results.

The phone draws this in the browser (``ui/phone_app``). One view is built per change in
the room and pushed to every phone of the session (``web/events.py``), so an advance
costs the server one read, not one Streamlit run per phone. It holds only what every
participant may see: template text, the prompt's state and, once the facilitator shows
results, the tally without hidden answers and only above the session's minimum count.
"""

from __future__ import annotations

from typing import Any

from . import services
from .domain.model import LiveView, Prompt, PromptKind
from .domain.rules import WORD_ENTRY_LIMIT
from .domain.visibility import answers_needed
from .results import Tally
from .storage import Database

MAX_WORDS = 15  # word-cloud entries listed on a phone
MAX_CARDS = 20  # open answers listed on a phone


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
        "kind": spec.kind.value,
        "open": is_open,
        # how many answered (hidden ones too): 0 after a reset, so a phone that answered
        # knows its answer was deleted
        "answered": live.counts.stored,
        "options": list(spec.options),
        "maxChoices": spec.max_choices,
        "scaleMin": spec.scale_min,
        "scaleMax": spec.scale_max,
        "minLabel": spec.min_label,
        "maxLabel": spec.max_label,
        "maxLength": spec.max_length,
        "entryLength": min(spec.max_length, WORD_ENTRY_LIMIT),
        "maxWords": spec.max_words,
        "maxEntries": spec.max_entries,
    }


def _results(tally: Tally, min_answers: int) -> dict[str, Any]:
    needed = answers_needed(min_answers)  # the one rule (domain/visibility)
    out: dict[str, Any] = {"n": tally.n, "needed": needed, "kind": tally.kind.value}
    if tally.n < needed:
        return out
    table, kind = tally.table, tally.kind
    if kind in (PromptKind.SINGLE_CHOICE, PromptKind.MULTIPLE_CHOICE):
        out["bars"] = [
            {"label": str(r.option), "count": int(r.count), "percent": float(r.percent)}
            for r in table.itertuples()
        ]
    elif kind is PromptKind.SCALE:
        spec = tally.prompt.spec
        ends = {spec.scale_min: spec.min_label, spec.scale_max: spec.max_label}
        out["bars"] = [
            {
                "label": f"{r.value} ({ends[r.value]})" if ends.get(r.value) else str(r.value),
                "count": int(r.count),
                "percent": float(r.percent),
            }
            for r in table.itertuples()
        ]
        out["mean"] = None if tally.mean is None else round(tally.mean, 1)
    elif kind is PromptKind.WORD_CLOUD:
        out["words"] = [
            {"word": str(r.word), "count": int(r.count)} for r in table.head(MAX_WORDS).itertuples()
        ]
    else:
        out["cards"] = [str(r.text) for r in table.head(MAX_CARDS).itertuples()]
    return out

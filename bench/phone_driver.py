"""How a simulated participant reads the phone page and what it answers.

The join page's Streamlit run mounts one component (``workshop.ui.phone_app``) whose
data is everything the browser draws from: ``{code, view, mine, token, urls}``, with
``view`` the phone view of ``workshop.phone_view`` (the session, its current prompt,
results). From then on the page follows the push stream and answers with
``POST /api/answer``; this module finds that data in a delta and plans a valid answer to
a prompt of any kind, as a person would pick one in the page's form.
"""

from __future__ import annotations

import json
import random
import re
from typing import Any

from bench.streamlit_protocol import Node
from workshop.activities import sample_answer
from workshop.domain.model import PromptSpec

PHONE_COMPONENT = "workshop_phone"  # ui/phone_app.py: st.components.v2.component(name)
WORDS = (
    "river",
    "bridge",
    "lantern",
    "harbour",
    "meadow",
    "compass",
    "orchard",
    "beacon",
    "summit",
    "garden",
)
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")  # Markdown's backslash escapes


def plain(text: str) -> str:
    """Element text as a person reads it: Markdown backslash escapes removed."""
    return _ESCAPED.sub(r"\1", text) if "\\" in text else text


def component_data(node: Node) -> dict[str, Any] | None:
    """The JSON data of a components.v2 component drawn at ``node``, else None."""
    if node.kind != "bidi_component":
        return None
    try:
        data = json.loads(node.proto.json or "null")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def phone_data(node: Node) -> dict[str, Any] | None:
    """The phone component's data (``{code, view, mine, token, urls}``), else None."""
    if node.kind != "bidi_component" or node.proto.component_name != PHONE_COMPONENT:
        return None
    data = component_data(node)
    if data is None or not isinstance(data.get("view"), dict) or "urls" not in data:
        return None
    return data


def _pick(options: list[Any], avoid: Any, rng: random.Random) -> Any:
    fresh = [o for o in options if o != avoid] or options
    return rng.choice(fresh)


def plan_value(spec: PromptSpec, *, avoid: Any, rng: random.Random) -> Any:
    """A valid answer to the prompt ``spec`` describes, as the phone sends it (the kind's
    own sample answer), different from ``avoid`` (the phone's current answer) where the
    prompt allows it."""
    candidates = [sample_answer(spec, rng) for _ in range(4)]
    return _pick(candidates, avoid, rng)

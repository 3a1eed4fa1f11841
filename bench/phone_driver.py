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


def _phrase(rng: random.Random, words: int, limit: int) -> str:
    text = " ".join(rng.sample(WORDS, min(words, len(WORDS))))
    return text[:limit].strip() or WORDS[0][:limit]


def plan_value(prompt: dict[str, Any], *, avoid: Any, rng: random.Random) -> Any:
    """A valid answer to ``prompt`` (a phone view's prompt), as the page's form sends it,
    different from ``avoid`` (the phone's current answer) where the prompt allows it."""
    kind = prompt["kind"]
    if kind == "single_choice":
        return _pick(list(prompt["options"]), avoid, rng)
    if kind == "multiple_choice":
        options = list(prompt["options"])
        limit = prompt.get("maxChoices") or len(options)
        candidates = []
        for _ in range(4):
            chosen = set(rng.sample(options, rng.randint(1, min(limit, len(options)))))
            candidates.append([o for o in options if o in chosen])  # the form's order
        return _pick(candidates, avoid, rng)
    if kind == "scale":
        return _pick(list(range(prompt["scaleMin"], prompt["scaleMax"] + 1)), avoid, rng)
    if kind == "open_text":
        candidates = [_phrase(rng, rng.randint(2, 6), prompt["maxLength"]) for _ in range(2)]
        return _pick(candidates, avoid, rng)
    if kind == "word_cloud":
        count = rng.randint(1, max(1, prompt["maxEntries"]))
        per_entry = max(1, min(prompt["maxWords"], 2))
        words = rng.sample(WORDS, min(len(WORDS), count * per_entry))
        entries = [
            " ".join(words[i : i + per_entry])[: prompt["entryLength"]].strip()
            for i in range(0, len(words), per_entry)
        ]
        # The form has one field per entry; the ones left empty are sent empty.
        return entries + [""] * (prompt["maxEntries"] - len(entries))
    raise ValueError(f"the bench does not know how to answer a {kind!r} prompt")

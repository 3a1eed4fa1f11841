"""The answer inputs for every prompt kind, sized for a thumb.

Widget keys never depend on the prompt: a submit that reaches the server after the
facilitator moved on still finds its widgets, so the page can say "moved on" instead of
losing the answer silently (DESIGN.md). The flip side: when the phone switches to
another prompt, the widgets keep the previous prompt's values unless they are re-seeded
through ``st.session_state`` (``seed_inputs``).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from ..domain.model import PromptKind, PromptSpec
from .literal import literal

FORM_KEY = "phone_answer_form"
SEND_KEY = "phone_send"
REF_KEY = "phone_ref"  # hidden: the id of the prompt the form was drawn for
SINGLE_KEY = "phone_single"
MULTI_KEY = "phone_multi_{}"  # one checkbox per option, by position
SCALE_KEY = "phone_scale"
TEXT_KEY = "phone_text"
WORD_KEY = "phone_word_{}"  # one text field per word-cloud entry, by position

WORD_ENTRY_LIMIT = 60  # what rules.validate_answer allows per word-cloud entry
SEGMENTS_THAT_FIT = 7  # scale points that fit across a 390 px screen as one row


def input_values(spec: PromptSpec, value: Any) -> dict[str, Any]:
    """Widget key -> value that shows ``value`` (an answer; None for blank inputs)."""
    kind = spec.kind
    if kind is PromptKind.SINGLE_CHOICE:
        return {SINGLE_KEY: value if value in spec.options else None}
    if kind is PromptKind.MULTIPLE_CHOICE:
        picked = set(value) if isinstance(value, list) else set()
        return {MULTI_KEY.format(i): o in picked for i, o in enumerate(spec.options)}
    if kind is PromptKind.SCALE:
        points = range(spec.scale_min, spec.scale_max + 1)
        return {SCALE_KEY: value if isinstance(value, int) and value in points else None}
    if kind is PromptKind.OPEN_TEXT:
        return {TEXT_KEY: value if isinstance(value, str) else ""}
    entries = list(value) if isinstance(value, list) else []
    return {
        WORD_KEY.format(i): entries[i] if i < len(entries) else "" for i in range(spec.max_entries)
    }


def seed_inputs(spec: PromptSpec, value: Any) -> None:
    """Make the (stable-keyed) inputs show ``value`` on this run, whatever they held before."""
    for key, shown in input_values(spec, value).items():
        st.session_state[key] = shown


def render_inputs(spec: PromptSpec, defaults: dict[str, Any] | None = None) -> Any:
    """Draw the inputs for ``spec``'s kind (inside the caller's form); return the raw answer.

    ``defaults`` are the widgets' initial values for a browser session that has not drawn
    them yet; leave it None when ``seed_inputs`` ran on this run.
    """
    start = defaults or {}
    kind = spec.kind
    if kind is PromptKind.SINGLE_CHOICE:
        return _single_choice(spec, start)
    if kind is PromptKind.MULTIPLE_CHOICE:
        return _multiple_choice(spec, start)
    if kind is PromptKind.SCALE:
        return _scale(spec, start)
    if kind is PromptKind.OPEN_TEXT:
        return st.text_area(
            f"Your answer (up to {spec.max_length} characters)",
            value=start.get(TEXT_KEY, ""),
            max_chars=spec.max_length,
            height=150,
            placeholder="Type here…",
            key=TEXT_KEY,
        )
    return _word_cloud(spec, start)


def _single_choice(spec: PromptSpec, start: dict[str, Any]) -> Any:
    options = list(spec.options)
    chosen = start.get(SINGLE_KEY)
    return st.radio(
        "Choose one",
        options,
        index=options.index(chosen) if chosen in options else None,
        format_func=literal,
        key=SINGLE_KEY,
    )


def _multiple_choice(spec: PromptSpec, start: dict[str, Any]) -> list[str]:
    limit = spec.max_choices
    if limit and limit < len(spec.options):
        st.markdown(f"**Choose up to {limit}**")
    else:
        st.markdown("**Choose all that apply**")
    return [
        option
        for i, option in enumerate(spec.options)
        if st.checkbox(
            literal(option), value=bool(start.get(MULTI_KEY.format(i))), key=MULTI_KEY.format(i)
        )
    ]


def _scale(spec: PromptSpec, start: dict[str, Any]) -> Any:
    points = list(range(spec.scale_min, spec.scale_max + 1))
    ends = []
    if spec.min_label:
        ends.append(f"{spec.scale_min} = {spec.min_label}")
    if spec.max_label:
        ends.append(f"{spec.scale_max} = {spec.max_label}")
    label = f"Your rating, from {spec.scale_min} to {spec.scale_max}"
    if ends:
        st.caption(literal("   ·   ".join(ends)))
    widget = st.segmented_control if len(points) <= SEGMENTS_THAT_FIT else st.pills
    return widget(
        label,
        points,
        default=start.get(SCALE_KEY),
        key=SCALE_KEY,
        width="stretch",
    )


def _word_cloud(spec: PromptSpec, start: dict[str, Any]) -> list[str]:
    per_entry = "one word" if spec.max_words == 1 else f"up to {spec.max_words} words"
    noun = "Word" if spec.max_words == 1 else "Answer"
    if spec.max_entries > 1:
        st.caption(f"Up to {spec.max_entries} answers, {per_entry} each. Empty fields are fine.")
    else:
        st.caption(f"Use {per_entry}.")
    entries = []
    for i in range(spec.max_entries):
        label = f"{noun} {i + 1}" if spec.max_entries > 1 else f"Your {noun.lower()}"
        entries.append(
            st.text_input(
                label,
                value=start.get(WORD_KEY.format(i), ""),
                max_chars=min(spec.max_length, WORD_ENTRY_LIMIT),
                key=WORD_KEY.format(i),
            )
        )
    return entries

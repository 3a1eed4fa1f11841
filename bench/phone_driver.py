"""How a simulated participant reads and answers the join page.

Page knowledge is kept small and generic so that the bench follows the page as it
changes: the current prompt is whichever of the session's prompt texts is drawn, the
"received" state is a marker text, and the answer input is whatever answer widget the
page draws (radio, pills, select box, slider, text box...) plus its submit button.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from typing import Any

from streamlit.proto.WidgetStates_pb2 import WidgetState

from bench.streamlit_protocol import Node, StreamlitClient

LISTENER_KINDS = {"bidi_component"}  # push listeners, not answer inputs
# Inputs the page hides from people (it carries the prompt the phone showed, see
# workshop.ui.phone._prompt_ref_field): a person never types into it.
HIDDEN_INPUT_LABELS = {"Question shown"}
# components.v2 sends every trigger of a component through one "aggregator" widget whose
# id is derived from the component's id (streamlit/components/v2/bidi_component/main.py).
_TRIGGER_AGGREGATOR = "$$STREAMLIT_INTERNAL_KEY_{id}__events"
_SUBMIT_LABEL = re.compile(r"send|submit|answer|vote|save|update", re.IGNORECASE)
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")  # Markdown's backslash escapes


def plain(text: str) -> str:
    """Element text as a person reads it: Markdown backslash escapes removed."""
    return _ESCAPED.sub(r"\1", text) if "\\" in text else text


@dataclass(frozen=True)
class AnswerAction:
    """What one answer sends: widget values to set, then a button to press."""

    values: list[tuple[str, dict[str, Any]]]  # (widget id, {value field: value})
    button: Node
    shown_value: str  # the answer as the phone would read it back


def answer_inputs(client: StreamlitClient) -> list[Node]:
    return [
        node
        for node in client.widgets()
        if node.kind not in LISTENER_KINDS
        and node.kind not in ("button", "download_button")
        and getattr(node.proto, "label", "") not in HIDDEN_INPUT_LABELS
    ]


def submit_button(client: StreamlitClient, inputs: list[Node]) -> Node | None:
    buttons = client.widgets("button")
    form_ids = {node.form_id for node in inputs if node.form_id}
    for button in buttons:
        if button.proto.is_form_submitter and (not form_ids or button.form_id in form_ids):
            return button
    return next((b for b in buttons if _SUBMIT_LABEL.search(b.proto.label)), None)


def _choose(options: list[str], avoid: str | None, rng: random.Random) -> str:
    fresh = [o for o in options if o != avoid] or options
    return rng.choice(fresh)


def value_for(node: Node, avoid: str | None, rng: random.Random) -> tuple[dict[str, Any], str]:
    """A plausible value for one answer widget, and how it reads as text."""
    proto = node.proto
    kind = node.kind
    if kind in ("radio", "selectbox"):
        choice = _choose(list(proto.options), avoid, rng)
        return {"string_value": choice}, choice
    if kind == "button_group":
        choice = _choose([o.content for o in proto.options], avoid, rng)
        return {"string_array_value": [choice]}, choice
    if kind == "multiselect":
        choice = _choose(list(proto.options), avoid, rng)
        return {"string_array_value": [choice]}, choice
    if kind == "slider":
        if proto.options:  # select_slider: formatted option strings
            choice = _choose(list(proto.options), avoid, rng)
            return {"string_array_value": [choice]}, choice
        low, high = int(proto.min), int(proto.max)
        pick = _choose([str(v) for v in range(low, high + 1)], avoid, rng)
        return {"double_array_value": [float(pick)]}, pick
    if kind == "feedback":
        pick = _choose(["0", "1", "2", "3", "4"], avoid, rng)
        return {"string_value": pick}, pick
    if kind in ("text_input", "text_area", "chat_input"):
        word = _choose(["river", "bridge", "lantern", "harbour", "meadow", "compass"], avoid, rng)
        return {"string_value": word}, word
    if kind == "number_input":
        pick = str(rng.randint(1, 5))
        return {"double_value": float(pick)}, pick
    if kind == "checkbox":
        return {"bool_value": True}, "True"
    raise ValueError(f"the bench does not know how to answer a {kind!r} widget")


def plan_answer(
    client: StreamlitClient, *, avoid: str | None, rng: random.Random
) -> AnswerAction | None:
    """The answer a phone gives to what it shows now, or None if nothing is answerable."""
    inputs = answer_inputs(client)
    button = submit_button(client, inputs)
    if button is None:
        return None
    if not inputs:  # one button per option: pressing it is the answer
        return AnswerAction([], button, button.proto.label)
    first = inputs[0]
    value, shown = value_for(first, avoid, rng)
    return AnswerAction([(first.widget_id, value)], button, shown)


def closed_expander(client: StreamlitClient) -> Node | None:
    """A closed expander with state (e.g. "Change my answer") that hides the answer form."""
    return next(
        (
            node
            for node in client.blocks("expandable")
            if node.widget_id and not node.proto.expanded
        ),
        None,
    )


def listener_data(node: Node) -> dict[str, Any] | None:
    """The JSON data of a push listener component (e.g. its SSE URL and revision)."""
    if node.kind != "bidi_component":
        return None
    try:
        data = json.loads(node.proto.json or "null")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def listener_trigger(node: Node, event: str, value: Any) -> WidgetState:
    """What the browser sends when a components.v2 component calls setTriggerValue."""
    return WidgetState(
        id=_TRIGGER_AGGREGATOR.format(id=node.widget_id),
        json_trigger_value=json.dumps([{"event": event, "value": value}]),
    )

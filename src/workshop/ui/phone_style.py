"""Static CSS for the phone: large tap targets and readable type in daylight.

Static text only: nothing a participant typed is ever put into this HTML. Pinch-zoom
stays on (no ``maximum-scale`` or ``user-scalable`` anywhere).
"""

from __future__ import annotations

import streamlit as st

# Sizes follow the usual touch guidance: targets at least 48 px high, body text >= 17 px.
PHONE_CSS = """
<style>
/* Rules are scoped to the main area ("M") so they outrank Streamlit's class rules. */
M [data-testid="stMainBlockContainer"] {
  max-width: 40rem; padding: 3.6rem 1rem 4rem 1rem;
}
M [data-testid="stMainBlockContainer"] * { overflow-wrap: anywhere; }
M .st-key-phone_question h2, M .st-key-phone_question h3 {
  font-size: 1.6rem; line-height: 1.3; font-weight: 700; color: #111;
  padding: 0.1rem 0 0.3rem 0;
}
/* Captions darker than Streamlit's grey: >= 7:1 contrast, readable in daylight. */
M [data-testid="stCaptionContainer"] p { color: #444; }
M .st-key-phone_header [data-testid="stCaptionContainer"] p { font-size: 0.95rem; }
/* Choice and checkbox rows: the whole row is the target, framed like a button. */
M [data-testid="stElementContainer"]:has([data-testid="stCheckbox"]),
M [data-testid="stCheckbox"] { width: 100%; }
M [data-testid="stRadioOption"], M [data-testid="stCheckbox"] label {
  width: 100%; min-height: 3.3rem; box-sizing: border-box;
  padding: 0.6rem 0.85rem; margin: 0 0 0.55rem 0;
  border: 2px solid #aab6c8; border-radius: 0.8rem; background: #fff;
  align-items: center;
}
M [data-testid="stRadioOption"]:has(input:checked),
M [data-testid="stCheckbox"] label:has(input:checked) {
  border-color: #1f4e9c; background: #e8f0fc;
}
M [data-testid="stRadioGroup"], M [data-testid="stRadioGroup"] > div { width: 100%; }
M [data-testid="stCheckbox"] label { margin: 0; }
M [data-testid="stRadioOption"] [data-testid="stMarkdownContainer"] p,
M [data-testid="stCheckbox"] [data-testid="stMarkdownContainer"] p {
  font-size: 1.12rem; line-height: 1.35; color: #111;
}
M [data-testid="stWidgetLabel"] p { font-size: 1.05rem; font-weight: 600; color: #222; }
/* Scale points: tall segments with large numbers. */
M [data-testid="stButtonGroup"] button { min-height: 3.3rem; }
M [data-testid="stButtonGroup"] button p { font-size: 1.3rem; font-weight: 600; }
/* Text inputs: large type so nobody has to zoom to check their words. */
M [data-testid="stTextArea"] textarea, M [data-testid="stTextInput"] input { font-size: 1.15rem; }
M [data-testid="InputInstructions"] { font-size: 0.95rem; color: #333; }
M [data-testid="stProgress"] p { font-size: 1rem; color: #222; }
/* Buttons: full-width, tall. */
M [data-testid^="stBaseButton-"] { min-height: 3.3rem; }
M [data-testid^="stBaseButton-"] p { font-size: 1.15rem; font-weight: 600; }
M [data-testid="stExpander"] summary p { font-size: 1.05rem; font-weight: 600; }
M .st-key-phone_code input {
  font-size: 1.8rem; letter-spacing: 0.2rem; text-transform: uppercase; text-align: center;
}
M .st-key-phone_received [data-testid="stText"],
M .st-key-phone_answer_text [data-testid="stText"] {
  font-size: 1.2rem; white-space: pre-wrap; color: #111;
}
M .st-key-phone_cards [data-testid="stText"] { font-size: 1.05rem; white-space: pre-wrap; }
/* The push listener (live.py) draws nothing a person needs to see. */
M [data-testid="stLayoutWrapper"]:has(> .st-key-phone_listener) { display: none; }
/* The prompt reference travels with the form; nobody needs to see it. */
M [data-testid="stLayoutWrapper"]:has(> .st-key-phone_ref_box) { display: none; }
/* Receives a Send tapped just as answering closed (see phone._catch_late_submit). */
M [data-testid="stLayoutWrapper"]:has(> .st-key-phone_late_submit) { display: none; }
/* The app has no sidebar; hide its toggle. */
[data-testid="stExpandSidebarButton"] { display: none; }
</style>
""".replace("M ", '[data-testid="stMain"] ')


def apply_phone_style() -> None:
    """Inject the phone's static stylesheet (call once per run, first thing on the page)."""
    st.html(PHONE_CSS)

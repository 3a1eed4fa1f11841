"""Static CSS for the phone: large tap targets and readable type in daylight.

Static text only: nothing a participant typed is ever put into this HTML. Pinch-zoom
stays on (no ``maximum-scale`` or ``user-scalable`` anywhere).
"""

from __future__ import annotations

import streamlit as st

# Sizes follow the usual touch guidance: targets at least 48 px high, body text >= 17 px.
PHONE_CSS = """
<style>
/* Rules are scoped to the main area ("M") so they outrank Streamlit's class rules.
   The live part (prompt, answers, results) styles itself: ui/phone_app/phone.css. */
M [data-testid="stMainBlockContainer"] {
  max-width: 40rem; padding: 3.6rem 1rem 4rem 1rem;
}
M [data-testid="stMainBlockContainer"] * { overflow-wrap: anywhere; }
/* Captions darker than Streamlit's grey: >= 7:1 contrast, readable in daylight. */
M [data-testid="stCaptionContainer"] p { color: #444; }
M [data-testid="stWidgetLabel"] p { font-size: 1.05rem; font-weight: 600; color: #222; }
M [data-testid="stTextInput"] input { font-size: 1.15rem; }
M [data-testid="InputInstructions"] { font-size: 0.95rem; color: #333; }
/* Buttons: full-width, tall. */
M [data-testid^="stBaseButton-"] { min-height: 3.3rem; }
M [data-testid^="stBaseButton-"] p { font-size: 1.15rem; font-weight: 600; }
M .st-key-phone_code input {
  font-size: 1.8rem; letter-spacing: 0.2rem; text-transform: uppercase; text-align: center;
}
/* The app has no sidebar; hide its toggle. */
[data-testid="stExpandSidebarButton"] { display: none; }
</style>
""".replace("M ", '[data-testid="stMain"] ')


def apply_phone_style() -> None:
    """Inject the phone's static stylesheet (call once per run, first thing on the page)."""
    st.html(PHONE_CSS)

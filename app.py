"""workshop: entry point. Routes to pages grouped by audience.

Navigation is hidden: participants must never see facilitator pages, and facilitator
pages draw their own links (carrying the session's key) through ``workshop.ui``.
Run: ``streamlit run app.py``.
"""

import streamlit as st

from workshop.ui.pages import build_pages

st.set_page_config(page_title="workshop", page_icon="🗳️", layout="wide")
st.navigation(build_pages(), position="hidden").run()

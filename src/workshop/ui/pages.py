"""The page registry: one place that names every page, its URL and its audience."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

_ROOT = Path(__file__).resolve().parents[3]


def _page(file: str, title: str, icon: str, url_path: str, default: bool = False) -> st.Page:
    return st.Page(
        str(_ROOT / "pages" / file), title=title, icon=icon, url_path=url_path, default=default
    )


HOME = _page("home.py", "Sessions", "🏠", "home", default=True)
CONSOLE = _page("console.py", "Console", "🎛️", "console")
PRESENTER = _page("presenter.py", "Presenter", "📽️", "presenter")
RESULTS = _page("results.py", "Results", "📊", "results")
JOIN = _page("join.py", "Join", "📱", "join")

FACILITATOR_PAGES = [HOME, CONSOLE, PRESENTER, RESULTS]
PARTICIPANT_PAGES = [JOIN]
PAGES = {"Facilitator": FACILITATOR_PAGES, "Participant": PARTICIPANT_PAGES}

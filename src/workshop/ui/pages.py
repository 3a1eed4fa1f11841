"""The page registry: one place that names every page, its URL and its audience."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

_ROOT = Path(__file__).resolve().parents[3]


def _page(file: str, title: str, icon: str, url_path: str, default: bool = False) -> st.Page:
    return st.Page(
        str(_ROOT / "pages" / file), title=title, icon=icon, url_path=url_path, default=default
    )


def build_pages() -> dict[str, list[st.Page]]:
    """Fresh page objects for one run of app.py, grouped by audience.

    Phones are not here: their page (/join) is workshop's own light HTML page
    (``web/phone_page.py``), served before Streamlit sees the request.

    Never share them between runs: ``st.navigation`` marks the chosen page object as
    callable and its ``run()`` clears the mark, so sessions starting at the same moment
    (a room scanning the QR code) would clear each other's mark and crash with "This
    page cannot be called directly".
    """
    return {
        "Facilitator": [
            _page("home.py", "Sessions", "🏠", "home", default=True),
            _page("console.py", "Console", "🎛️", "console"),
            _page("presenter.py", "Presenter", "📽️", "presenter"),
            _page("results.py", "Results", "📊", "results"),
        ],
    }

"""Every use of Streamlit's private internals, in one place, each checked at import.

A Streamlit upgrade that moves or renames one of these fails loudly here (and in
tests/ui/test_streamlit_internals.py) instead of silently changing behaviour.
"""

from __future__ import annotations

from streamlit.runtime.pages_manager import PagesManager


def disable_legacy_pages_directory() -> None:
    """Turn off Streamlit's folder-based multipage mode for this process.

    A ``pages/`` folder beside app.py puts Streamlit in its legacy mode until some run
    reaches ``st.navigation``: a browser landing on a page URL before anyone opened / would
    run that page directly, with a sidebar listing every facilitator page. app.py routes
    everything through ``st.navigation``, so the legacy mode must be off from the start.
    """
    if not hasattr(PagesManager, "uses_pages_directory"):
        raise RuntimeError(
            "Streamlit no longer has PagesManager.uses_pages_directory: check how this "
            "version detects a pages/ folder before upgrading (phones could see the "
            "facilitator pages in a sidebar)."
        )
    PagesManager.uses_pages_directory = False

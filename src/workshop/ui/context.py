"""The app's context for the Streamlit pages: the process's one shared context."""

from __future__ import annotations

from ..context import AppContext, shared_context


def get_context() -> AppContext:
    """Settings are read from the environment; pages and routes share one context."""
    return shared_context()

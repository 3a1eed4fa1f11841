"""The app's context (settings, migrated database, secret), built once per process."""

from __future__ import annotations

import streamlit as st

from ..config import Settings
from ..context import AppContext, open_context


@st.cache_resource(show_spinner=False)
def _context_for(settings: Settings) -> AppContext:
    return open_context(settings)


def get_context() -> AppContext:
    """Settings are read from the environment; the engine is cached per process."""
    return _context_for(Settings.from_env())

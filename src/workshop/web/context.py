"""The app context for HTTP routes (the Streamlit pages keep theirs in ``ui/context``)."""

from __future__ import annotations

from functools import lru_cache

from ..config import Settings
from ..context import AppContext, open_context


@lru_cache(maxsize=1)
def web_context() -> AppContext:
    return open_context(Settings.from_env())

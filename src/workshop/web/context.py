"""The app context for HTTP routes (the Streamlit pages keep theirs in ``ui/context``)."""

from __future__ import annotations

from functools import lru_cache

from ..config import Settings
from ..context import AppContext, open_context


@lru_cache(maxsize=1)
def web_context() -> AppContext:
    return open_context(Settings.from_env())


@lru_cache(maxsize=1)
def web_settings() -> Settings:
    """The settings alone: page loads need the secret without opening the database."""
    return Settings.from_env()


@lru_cache(maxsize=1)
def installation_secret() -> bytes:
    return web_settings().participant_secret()

"""The app context for HTTP routes: the process's one shared context (as the pages')."""

from __future__ import annotations

from functools import lru_cache

from ..config import Settings
from ..context import AppContext, shared_context


def web_context() -> AppContext:
    return shared_context()


@lru_cache(maxsize=1)
def web_settings() -> Settings:
    """The settings alone: page loads need the secret without opening the database."""
    return Settings.from_env()


@lru_cache(maxsize=1)
def installation_secret() -> bytes:
    return web_settings().participant_secret()

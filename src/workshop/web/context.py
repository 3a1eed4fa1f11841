"""The app context for HTTP routes: the process's one shared context (as the pages')."""

from __future__ import annotations

from ..context import AppContext, shared_context


def web_context() -> AppContext:
    return shared_context()

"""Build what the app needs from settings: the migrated database and the HMAC secret."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from .config import Settings
from .storage import Database, make_database


@dataclass(frozen=True)
class AppContext:
    settings: Settings
    db: Database
    participant_secret: bytes


def open_context(settings: Settings | None = None) -> AppContext:
    settings = settings or Settings.from_env()
    secret = settings.participant_secret()
    return AppContext(
        settings=settings, db=make_database(settings.database_url), participant_secret=secret
    )


# ONE context per process, shared by the Streamlit pages (ui/context.py) and the HTTP
# routes (web/context.py): one engine, one pool and one writer queue, so facilitator
# writes and phone answers queue together. Keyed by settings only so that tests can
# point a process at a fresh data directory.
_SHARED: dict[Settings, AppContext] = {}
_SHARED_LOCK = threading.Lock()


def shared_context(settings: Settings | None = None) -> AppContext:
    """This process's context for ``settings`` (read from the environment by default)."""
    settings = settings or Settings.from_env()
    with _SHARED_LOCK:
        context = _SHARED.get(settings)
        if context is None:
            context = _SHARED[settings] = open_context(settings)
        return context


def forget_shared_contexts() -> None:
    """Close and drop the shared contexts (tests, between data directories)."""
    with _SHARED_LOCK:
        contexts = list(_SHARED.values())
        _SHARED.clear()
    for context in contexts:
        context.db.dispose()

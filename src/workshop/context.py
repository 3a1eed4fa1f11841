"""Build what the app needs from settings: the migrated database and the HMAC secret."""

from __future__ import annotations

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

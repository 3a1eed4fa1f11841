"""Table definitions (SQLAlchemy Core). Schema changes go through numbered migrations."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC (SQLite has no time zones), always read back as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use datetime.now(UTC)")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(12), nullable=False, unique=True),
    Column("title", String(200), nullable=False),
    Column("template_slug", String(100), nullable=False, server_default=""),
    Column("facilitator_key_hash", String(64), nullable=False),
    Column("presenter_key_hash", String(64), nullable=True),  # none before revision 0003
    Column("status", String(10), nullable=False),
    Column("current_position", Integer, nullable=False, server_default="0"),
    Column("answering_open", Boolean, nullable=False, server_default="1"),
    Column("results_visible", Boolean, nullable=False, server_default="0"),
    Column("revision", Integer, nullable=False, server_default="1"),
    Column("prompt_count", Integer, nullable=False),
    Column("participant_seq", Integer, nullable=False, server_default="0"),
    Column("min_answers_to_show", Integer, nullable=False, server_default="3"),
    Column("started_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=True),
)

prompts = Table(
    "prompts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("session_id", Integer, ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("text", Text, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("results_mode", String(12), nullable=False, server_default="live"),
    Column("config", Text, nullable=False, server_default="{}"),
    UniqueConstraint("session_id", "position"),
)

participants = Table(
    "participants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("session_id", Integer, ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    # HMAC of the browser's random token: never the token itself, never an IP or agent.
    Column("token_hash", String(64), nullable=False),
    Column("number", Integer, nullable=False),
    Column("joined_at", UTCDateTime, nullable=False),
    UniqueConstraint("session_id", "token_hash"),
    UniqueConstraint("session_id", "number"),
)

answers = Table(
    "answers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("session_id", Integer, ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    Column("prompt_id", Integer, ForeignKey("prompts.id", ondelete="CASCADE"), nullable=False),
    Column(
        "participant_id",
        Integer,
        ForeignKey("participants.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("value", Text, nullable=False),  # JSON: a string, a number or a list of strings
    Column("answered_at", UTCDateTime, nullable=False),
    Column("hidden", Boolean, nullable=False, server_default="0"),
    UniqueConstraint("prompt_id", "participant_id"),
    Index(None, "session_id"),
)

"""Apply the numbered Alembic migrations in ``migrations/versions`` from code, at start."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

MIGRATIONS = Path(__file__).parent / "migrations"
# Any fixed number: serialises concurrent migrations from several processes on PostgreSQL.
_PG_LOCK_ID = 4_204_217


def alembic_config(migrations: Path | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations or MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head", *, migrations: Path | None = None) -> None:
    """Upgrade to ``revision`` in one transaction (``migrations``: another script folder,
    for tests of the machinery itself)."""
    config = alembic_config(migrations)
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:
            # A batch migration copies a table and drops the old one; with foreign keys
            # on, that DROP cascades and silently deletes every child row. SQLite ignores
            # this pragma inside a transaction, so it goes straight to the driver first.
            _sqlite_pragma(conn, "foreign_keys=OFF")
            conn = conn.execution_options(sqlite_begin="IMMEDIATE")
        try:
            with conn.begin():
                if engine.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK_ID})
                config.attributes["connection"] = conn
                command.upgrade(config, revision)
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"migration left broken references: {broken[:5]}")
        finally:
            if sqlite:
                _sqlite_pragma(conn, "foreign_keys=ON")


def _sqlite_pragma(conn: Connection, pragma: str) -> None:
    """Run a PRAGMA on the driver connection, outside any transaction."""
    driver = conn.connection.dbapi_connection
    assert driver is not None
    driver.execute(f"PRAGMA {pragma}")


def upgrade_to_head(engine: Engine) -> None:
    if current_revision(engine) != head_revision():
        upgrade(engine, "head")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()

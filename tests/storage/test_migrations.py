"""Migrations: an old database upgrades without losing a row, on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from workshop.storage import make_database
from workshop.storage import repository as repo
from workshop.storage.engine import make_engine
from workshop.storage.migrate import (
    MIGRATIONS,
    current_revision,
    head_revision,
    upgrade,
    upgrade_to_head,
)
from workshop.storage.tables import metadata

STARTED = datetime(2026, 3, 1, 9, 30, 15)  # naive UTC, as revision 0001 stores it
ANSWERED = datetime(2026, 3, 1, 9, 41, 2)

# The schema exactly as revision 0001 created it (no ``hidden``, no ``min_answers_to_show``).
old = sa.MetaData()
old_sessions = sa.Table(
    "sessions",
    old,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(12)),
    sa.Column("title", sa.String(200)),
    sa.Column("template_slug", sa.String(100)),
    sa.Column("facilitator_key_hash", sa.String(64)),
    sa.Column("status", sa.String(10)),
    sa.Column("current_position", sa.Integer),
    sa.Column("answering_open", sa.Boolean),
    sa.Column("results_visible", sa.Boolean),
    sa.Column("revision", sa.Integer),
    sa.Column("prompt_count", sa.Integer),
    sa.Column("participant_seq", sa.Integer),
    sa.Column("started_at", sa.DateTime),
    sa.Column("ended_at", sa.DateTime),
)
old_prompts = sa.Table(
    "prompts",
    old,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("session_id", sa.Integer),
    sa.Column("position", sa.Integer),
    sa.Column("kind", sa.String(20)),
    sa.Column("text", sa.Text),
    sa.Column("note", sa.Text),
    sa.Column("results_mode", sa.String(12)),
    sa.Column("config", sa.Text),
)
old_participants = sa.Table(
    "participants",
    old,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("session_id", sa.Integer),
    sa.Column("token_hash", sa.String(64)),
    sa.Column("number", sa.Integer),
    sa.Column("joined_at", sa.DateTime),
)
old_answers = sa.Table(
    "answers",
    old,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("session_id", sa.Integer),
    sa.Column("prompt_id", sa.Integer),
    sa.Column("participant_id", sa.Integer),
    sa.Column("value", sa.Text),
    sa.Column("answered_at", sa.DateTime),
)

SESSION_ROWS = [
    {
        "id": 1,
        "code": "K7Q4MX",
        "title": "Leadership — Ça marche 👍",
        "template_slug": "leadership",
        "facilitator_key_hash": "a" * 64,
        "status": "live",
        "current_position": 1,
        "answering_open": True,
        "results_visible": False,
        "revision": 7,
        "prompt_count": 2,
        "participant_seq": 2,
        "started_at": STARTED,
        "ended_at": None,
    },
    {
        "id": 2,
        "code": "ZZZ999",
        "title": "Ended one",
        "template_slug": "quick-pulse",
        "facilitator_key_hash": "b" * 64,
        "status": "ended",
        "current_position": 0,
        "answering_open": False,
        "results_visible": True,
        "revision": 3,
        "prompt_count": 1,
        "participant_seq": 0,
        "started_at": STARTED,
        "ended_at": ANSWERED,
    },
]
PROMPT_ROWS = [
    {
        "id": 10,
        "session_id": 1,
        "position": 0,
        "kind": "single_choice",
        "text": "Pick one",
        "note": "Say hello",
        "results_mode": "on_reveal",
        "config": '{"options": ["Oui", "Non"]}',
    },
    {
        "id": 11,
        "session_id": 1,
        "position": 1,
        "kind": "word_cloud",
        "text": "A word",
        "note": "",
        "results_mode": "live",
        "config": '{"max_words": 2, "max_entries": 3}',
    },
    {
        "id": 20,
        "session_id": 2,
        "position": 0,
        "kind": "scale",
        "text": "Energy?",
        "note": "",
        "results_mode": "live",
        "config": '{"scale_min": 1, "scale_max": 5}',
    },
]
PARTICIPANT_ROWS = [
    {"id": 100, "session_id": 1, "token_hash": "c" * 64, "number": 1, "joined_at": STARTED},
    {"id": 101, "session_id": 1, "token_hash": "d" * 64, "number": 2, "joined_at": STARTED},
]
ANSWER_ROWS = [
    {
        "id": 1000,
        "session_id": 1,
        "prompt_id": 10,
        "participant_id": 100,
        "value": '"Oui"',
        "answered_at": ANSWERED,
    },
    {
        "id": 1001,
        "session_id": 1,
        "prompt_id": 10,
        "participant_id": 101,
        "value": '"Non"',
        "answered_at": ANSWERED,
    },
    {
        "id": 1002,
        "session_id": 1,
        "prompt_id": 11,
        "participant_id": 100,
        "value": '["café", "👍🏽 team"]',
        "answered_at": ANSWERED,
    },
]
OLD_ROWS = [
    (old_sessions, SESSION_ROWS),
    (old_prompts, PROMPT_ROWS),
    (old_participants, PARTICIPANT_ROWS),
    (old_answers, ANSWER_ROWS),
]


def make_old_database(url: str) -> sa.Engine:
    """A database at revision 0001 with rows in every table."""
    engine = make_engine(url)
    upgrade(engine, "0001")
    assert current_revision(engine) == "0001"
    with engine.begin() as conn:
        for table, rows in OLD_ROWS:
            conn.execute(table.insert(), rows)
    return engine


def all_rows(engine: sa.Engine, table: sa.Table) -> list[dict[str, object]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(table).order_by(table.c.id))]


def test_head_is_the_newest_revision():
    assert head_revision() == "0003"


def test_old_database_upgrades_keeping_every_row(database_url):
    engine = make_old_database(database_url)
    try:
        upgrade_to_head(engine)
        assert current_revision(engine) == head_revision()
        # every old row is still there, every old column unchanged
        for table, rows in OLD_ROWS:
            assert all_rows(engine, table) == rows, table.name
        # new columns take their defaults
        with engine.connect() as conn:
            hidden = conn.execute(sa.text("SELECT id, hidden FROM answers ORDER BY id")).all()
            minimum = conn.execute(
                sa.text("SELECT id, min_answers_to_show FROM sessions ORDER BY id")
            ).all()
        assert [(i, bool(h)) for i, h in hidden] == [(1000, False), (1001, False), (1002, False)]
        assert [tuple(r) for r in minimum] == [(1, 3), (2, 3)]
    finally:
        engine.dispose()


def test_upgraded_rows_read_back_through_the_repository(database_url):
    make_old_database(database_url).dispose()
    database = make_database(database_url)  # what the app does at start: upgrade to head
    try:
        with database.engine.connect() as conn:
            session = repo.get_session(conn, 1)
            assert session.title == "Leadership — Ça marche 👍"
            assert session.started_at == STARTED.replace(tzinfo=UTC)
            assert session.min_answers_to_show == 3 and session.revision == 7
            prompts = repo.list_prompts(conn, 1)
            assert [getattr(p.spec.config, "options", ()) for p in prompts] == [("Oui", "Non"), ()]
            answers = repo.list_answers(conn, 11, include_hidden=True)
            assert [a.value for a in answers] == [["café", "👍🏽 team"]]
            assert answers[0].answered_at == ANSWERED.replace(tzinfo=UTC)
            assert [s.code for s in repo.list_sessions(conn)] == ["ZZZ999", "K7Q4MX"]
        # and the upgraded database takes new writes
        database.write(lambda conn: repo.update_answer_hidden(conn, 1, 1000, True))
        with database.engine.connect() as conn:
            assert [a.id for a in repo.list_answers(conn, 10, include_hidden=False)] == [1001]
    finally:
        database.dispose()


def test_upgrading_twice_is_a_no_op(database_url):
    engine = make_old_database(database_url)
    try:
        upgrade_to_head(engine)
        before = {t.name: all_rows(engine, t) for t in metadata.sorted_tables}
        upgrade_to_head(engine)
        upgrade(engine, "head")  # forced: alembic finds nothing to do
        make_database(database_url).dispose()
        assert current_revision(engine) == head_revision()
        assert {t.name: all_rows(engine, t) for t in metadata.sorted_tables} == before
        with engine.connect() as conn:
            versions = conn.execute(sa.text("SELECT version_num FROM alembic_version")).all()
        assert versions == [(head_revision(),)]
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_table_definitions(database_url):
    """tables.py and the migrations describe the same schema (no forgotten migration)."""
    engine = make_engine(database_url)
    try:
        upgrade_to_head(engine)
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), metadata)
        assert differences == []
    finally:
        engine.dispose()


def test_fresh_database_is_created_at_head(database_url):
    database = make_database(database_url)
    try:
        assert current_revision(database.engine) == head_revision()
        inspector = sa.inspect(database.engine)
        assert set(inspector.get_table_names()) >= {"sessions", "prompts", "participants"}
        assert "hidden" in {c["name"] for c in inspector.get_columns("answers")}
    finally:
        database.dispose()


# ---- SQLite settings ------------------------------------------------------------------


def test_sqlite_runs_in_wal_with_foreign_keys_and_busy_timeout(sqlite_db):
    with sqlite_db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_sqlite_enforces_foreign_keys(sqlite_db):
    with pytest.raises(sa.exc.IntegrityError), sqlite_db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO answers (session_id, prompt_id, participant_id, value, "
                "answered_at, hidden) VALUES (999, 999, 999, '\"x\"', '2026-01-01', 0)"
            )
        )


def test_sqlite_database_file_is_created_with_its_folder(tmp_path):
    path = tmp_path / "deep" / "er" / "workshop.db"
    database = make_database(f"sqlite:///{path}")
    try:
        assert path.exists()
    finally:
        database.dispose()


def test_foreign_keys_are_back_on_after_migrating_sqlite(tmp_path):
    """Migrations may switch foreign keys off while they copy tables; never for good."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_old_database(url)
    try:
        upgrade_to_head(engine)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    finally:
        engine.dispose()


RECREATE_SESSIONS = """
import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sessions", recreate="always") as batch:
        batch.alter_column("title", type_=sa.String(300))
"""


def test_a_migration_that_copies_a_parent_table_keeps_the_child_rows(tmp_path):
    """SQLite batch mode copies ``sessions`` and drops the old table. With foreign keys on,
    that DROP would cascade to every prompt, participant and answer; upgrade() must not
    let it. (A synthetic revision on top of the real ones, in a scratch folder; SQLite
    only, as PostgreSQL alters tables in place.)"""
    migrations = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, migrations, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (migrations / "versions" / "9999_recreate_sessions.py").write_text(
        RECREATE_SESSIONS.format(head=head_revision())
    )
    engine = make_old_database(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        upgrade(engine, "head", migrations=migrations)
        assert current_revision(engine) == "9999"
        for table, rows in OLD_ROWS:
            assert all_rows(engine, table) == rows, table.name
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()

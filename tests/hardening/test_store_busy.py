"""A busy or locked database: retried, then "please try again", never a silent drop.

Another connection holds SQLite's write lock (``BEGIN EXCLUSIVE``) for longer than the
busy timeout, which is made short here so the tests stay quick.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import streamlit as st

from tests.support.builders import make_session, make_template
from tests.support.web import Phone, open_phone, page_data, refusal, routes_client
from workshop import services
from workshop.activities import make_spec
from workshop.config import Settings
from workshop.context import AppContext, open_context
from workshop.domain.codes import new_participant_token
from workshop.domain.errors import StoreBusy
from workshop.storage import Database, database, engine, make_database
from workshop.web.phone_html import BUSY_RETRY_SECONDS, STORE_BUSY

BUSY_TIMEOUT_MS = 50
PLEASE_TRY_AGAIN = "The server is busy right now and your answer was not saved. Please try again."


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite waits 50 ms for a lock (10 s in production) before it reports busy."""
    monkeypatch.setattr(engine, "SQLITE_BUSY_TIMEOUT_MS", BUSY_TIMEOUT_MS)


@contextmanager
def write_lock_held(path: Path) -> Iterator[sqlite3.Connection]:
    """Another process's writer: holds the database's write lock until the block ends."""
    other = sqlite3.connect(path, isolation_level=None, timeout=5)
    other.execute("BEGIN EXCLUSIVE")
    other.execute("UPDATE sessions SET revision = revision")  # a real pending write
    try:
        yield other
    finally:
        other.execute("ROLLBACK")
        other.close()


def open_text_template():
    return make_template(make_spec("open_text", text="Say it", max_length=100))


@pytest.fixture
def busy_db(tmp_path: Path, short_busy_timeout: None) -> Iterator[tuple[Database, Path]]:
    path = tmp_path / "workshop.db"
    db = make_database(f"sqlite:///{path}")
    db.attempts = 3
    yield db, path
    db.dispose()


def submit(db: Database, started, token: str, raw: str, secret: bytes):
    prompt = services.list_prompts(db=db, session_id=started.session.id)[0]
    return services.submit_answer(
        db=db,
        secret=secret,
        session_id=started.session.id,
        prompt_id=prompt.id,
        token=token,
        raw=raw,
    )


def test_a_locked_store_is_retried_then_reported_and_nothing_half_done(busy_db, secret, caplog):
    db, path = busy_db
    started = make_session(db, open_text_template())
    token = new_participant_token(secret)
    with write_lock_held(path), pytest.raises(StoreBusy) as busy:
        submit(db, started, token, "held up", secret)
    assert str(busy.value) == PLEASE_TRY_AGAIN
    assert "store busy after 3 attempts" in caplog.text  # retried, and logged
    # The refused answer left no trace: no participant, no answer.
    assert services.get_live_view(db=db, session_id=started.session.id).counts.joined == 0
    # Once the lock is gone, the same participant's retry is stored.
    assert submit(db, started, token, "held up", secret).value == "held up"
    prompt = services.list_prompts(db=db, session_id=started.session.id)[0]
    stored = services.list_answers(db=db, session_id=started.session.id, prompt_id=prompt.id)
    assert [a.value for a in stored] == ["held up"]


def test_reads_still_work_while_another_writer_holds_the_lock(busy_db):
    db, path = busy_db
    started = make_session(db, open_text_template())
    with write_lock_held(path):
        view = services.get_live_view(db=db, session_id=started.session.id)
    assert view.prompt is not None and view.prompt.text == "Say it"


def test_a_lock_released_between_attempts_is_ridden_out(busy_db, secret, monkeypatch):
    """The retry is real: the lock goes away during the back-off and the write succeeds."""
    db, path = busy_db
    started = make_session(db, open_text_template())
    lock = write_lock_held(path)
    lock.__enter__()
    backoffs: list[float] = []

    class ReleasingClock:
        @staticmethod
        def sleep(seconds: float) -> None:
            backoffs.append(seconds)
            lock.__exit__(None, None, None)  # the other writer commits meanwhile

    monkeypatch.setattr(database, "time", ReleasingClock)
    answer = submit(db, started, new_participant_token(secret), "patience", secret)
    assert answer.value == "patience"
    assert len(backoffs) == 1  # failed once, waited, succeeded


# ---- through the phone ------------------------------------------------------------------


@pytest.fixture
def busy_app(tmp_path: Path, monkeypatch, short_busy_timeout) -> Iterator[AppContext]:
    """The phone app on its own data directory, with the short busy timeout."""
    monkeypatch.setenv("WORKSHOP_DATA_DIR", str(tmp_path / "data"))
    for name in ("WORKSHOP_DATABASE_URL", "WORKSHOP_PROFANITY_WORDS", "WORKSHOP_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    st.cache_resource.clear()  # the app builds its engine with the short timeout
    ctx = open_context(Settings.from_env())
    yield ctx
    ctx.db.dispose()
    st.cache_resource.clear()


def test_the_phone_is_told_please_try_again_and_the_same_answer_is_taken_after(busy_app):
    started = make_session(busy_app.db, open_text_template())
    db_path = busy_app.settings.data_dir / "workshop.db"
    prompt = services.list_prompts(db=busy_app.db, session_id=started.session.id)[0]
    with routes_client() as client:  # its engine, too, is built with the short timeout
        phone = Phone(client)
        with write_lock_held(db_path):
            reply = phone.send(started.session.code, prompt.id, "not lost")
            assert refusal(reply, 503, "busy") == PLEASE_TRY_AGAIN
        assert (
            services.list_answers(
                db=busy_app.db, session_id=started.session.id, prompt_id=prompt.id
            )
            == []
        )
        # The participant taps Send again once the store is free: the very same request.
        assert phone.answer(started.session.code, prompt.id, "not lost")["value"] == "not lost"
    stored = services.list_answers(
        db=busy_app.db, session_id=started.session.id, prompt_id=prompt.id
    )
    assert [a.value for a in stored] == ["not lost"]
    assert services.get_live_view(db=busy_app.db, session_id=started.session.id).counts.joined == 1


def test_a_phone_joining_while_the_store_is_locked_is_told_and_recovers(busy_app):
    started = make_session(busy_app.db, open_text_template())
    db_path = busy_app.settings.data_dir / "workshop.db"
    code = started.session.code
    with routes_client() as client:
        with write_lock_held(db_path):
            reply, token = open_phone(client, code)  # its first visit: a token, then the page
            assert reply.status_code == 503
            assert reply.headers["retry-after"] == str(BUSY_RETRY_SECONDS)
            assert reply.headers["cache-control"] == "no-store"
            assert STORE_BUSY in reply.text  # in plain words...
            # ...on a page that tries again by itself, JavaScript or not
            assert f'<meta http-equiv="refresh" content="{BUSY_RETRY_SECONDS}">' in reply.text
            assert page_data(reply.text) is None  # no live part drawn from a half join
            for leak in ("Traceback", "sqlite", "OperationalError", "locked"):
                assert leak not in reply.text
        assert token is not None
        joined = services.get_live_view(db=busy_app.db, session_id=started.session.id).counts
        assert joined.joined == 0  # the refused join left nothing behind
        # The page reloads itself (the same address, the same cookie) once the store is free.
        reply, again = open_phone(client, code, token=token)
        assert reply.status_code == 200 and again == token
        data = page_data(reply.text)
        assert data is not None and data["view"]["prompt"]["text"] == "Say it"
    view = services.get_live_view(db=busy_app.db, session_id=started.session.id)
    assert view.counts.joined == 1

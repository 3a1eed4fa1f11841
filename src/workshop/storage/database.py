"""``Database``: owns the engine, runs every unit of work in one transaction, retries
when the store is briefly busy, and reports ``StoreBusy`` rather than dropping work."""

from __future__ import annotations

import collections
import contextlib
import logging
import random
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from ..domain.errors import StoreBusy
from .engine import make_engine
from .migrate import upgrade_to_head

T = TypeVar("T")
log = logging.getLogger(__name__)

# Raised by a write that lost a race on a unique key (two first answers from one browser
# at the same instant). Named here so that callers above storage never import SQLAlchemy.
WriteConflict = IntegrityError

_NO_LOCK = contextlib.nullcontext()

# PostgreSQL SQLSTATEs worth retrying: serialization failure, deadlock, lock timeout.
_RETRY_SQLSTATES = {"40001", "40P01", "55P03"}


def _is_transient(exc: DBAPIError) -> bool:
    text = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    if "database is locked" in text or "database is busy" in text:
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return sqlstate in _RETRY_SQLSTATES or bool(exc.connection_invalidated)


class WriterQueue:
    """A first-come, first-served lock: the releasing thread hands the turn to the oldest
    waiter, so a busy thread cannot take it again and again while others starve."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiting: collections.deque[threading.Lock] = collections.deque()
        self._owner: int | None = None

    def __enter__(self) -> WriterQueue:
        me = threading.get_ident()
        with self._mutex:
            if self._owner == me:
                raise RuntimeError("a write transaction was opened inside another one")
            if self._owner is None:
                self._owner = me
                return self
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        try:
            turn.acquire()  # released by the previous writer when it is our turn
        except BaseException:  # interrupted while waiting: leave the line, or pass it on
            with self._mutex:
                if turn in self._waiting:
                    self._waiting.remove(turn)
                else:
                    self._hand_on()
            raise
        self._owner = me
        return self

    def __exit__(self, *exc: object) -> None:
        with self._mutex:
            self._hand_on()

    def _hand_on(self) -> None:
        """Give the turn to the oldest waiter, or free it (called holding ``_mutex``)."""
        self._owner = None
        if self._waiting:
            self._owner = -1  # taken: the next waiter sets itself as owner
            self._waiting.popleft().release()


class Database:
    """The one place that opens transactions. Pass it to services by keyword."""

    def __init__(self, engine: Engine, *, attempts: int = 5) -> None:
        self.engine = engine
        self.attempts = attempts
        self.is_sqlite = engine.dialect.name == "sqlite"
        # SQLite takes one writer at a time. Queueing this process's writers in arrival
        # order wakes the next one at once; left to SQLite's busy handler they would poll
        # with growing sleeps (up to 100 ms) and miss the moment the lock is free.
        # Other processes still wait through the busy timeout.
        self._write_lock: contextlib.AbstractContextManager[object] = (
            WriterQueue() if self.is_sqlite else contextlib.nullcontext()
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def write(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in one write transaction, retried while the store is busy."""
        return self._run(work, write=True)

    def read(self, work: Callable[[Connection], T]) -> T:
        return self._run(work, write=False)

    def _run(self, work: Callable[[Connection], T], *, write: bool) -> T:
        for attempt in range(1, self.attempts + 1):
            try:
                with self._write_lock if write else _NO_LOCK, self.engine.connect() as conn:
                    if self.is_sqlite and write:
                        conn = conn.execution_options(sqlite_begin="IMMEDIATE")
                    with conn.begin():
                        return work(conn)
            except (OperationalError, DBAPIError) as exc:
                if not _is_transient(exc):
                    raise
                if attempt == self.attempts:
                    log.warning("store busy after %d attempts: %s", attempt, type(exc).__name__)
                    raise StoreBusy() from exc
                time.sleep(min(0.5, 0.02 * 2**attempt) * (0.5 + random.random()))
        raise StoreBusy()  # pragma: no cover - loop always returns or raises

    def forget_deleted(self) -> None:
        """After a delete, fold SQLite's write-ahead log into the database file and empty
        it, so old copies of the deleted rows do not linger in ``workshop.db-wal`` (the
        database file itself overwrites deleted content: ``secure_delete``). Best effort:
        a reader still inside a transaction keeps the log until the next checkpoint."""
        if not self.is_sqlite:
            return
        with self._write_lock:
            raw = self.engine.raw_connection()
            cursor = raw.cursor()
            (usual_timeout,) = cursor.execute("PRAGMA busy_timeout").fetchone()
            try:
                # Rare (a facilitator's delete), but writers queue behind it: wait 1 s at most.
                cursor.execute("PRAGMA busy_timeout=1000")
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                cursor.execute(f"PRAGMA busy_timeout={int(usual_timeout)}")
                cursor.close()
                raw.close()

    def dispose(self) -> None:
        self.engine.dispose()


def make_database(url: str, *, migrate: bool = True) -> Database:
    """Engine for ``url``, schema upgraded to the newest migration."""
    engine = make_engine(url)
    if migrate:
        upgrade_to_head(engine)
    return Database(engine)

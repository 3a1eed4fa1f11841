"""Database: one transaction per unit of work; SQLite writers queue in arrival order."""

from __future__ import annotations

import signal
import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from workshop.storage import repository as repo
from workshop.storage.database import WriterQueue


def wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.001)


def test_writers_take_turns_in_arrival_order():
    queue = WriterQueue()
    order: list[int] = []
    threads = []
    with queue:  # hold the turn while the others line up, one after the other
        for i in range(6):

            def writer(i: int = i) -> None:
                with queue:
                    order.append(i)

            thread = threading.Thread(target=writer)
            thread.start()
            threads.append(thread)
            wait_until(lambda i=i: len(queue._waiting) == i + 1)
    for thread in threads:
        thread.join(timeout=10)
    assert order == [0, 1, 2, 3, 4, 5]


def test_a_write_inside_a_write_fails_at_once_instead_of_hanging(sqlite_db):
    with pytest.raises(RuntimeError, match="inside another"):
        sqlite_db.write(lambda conn: sqlite_db.write(lambda inner: None))
    # and the queue is free again afterwards
    assert sqlite_db.write(lambda conn: conn.execute(text("SELECT 1")).scalar()) == 1


def test_reads_do_not_wait_for_a_writer(sqlite_db):
    release = threading.Event()
    writing = threading.Event()

    def slow_write(conn):
        writing.set()
        assert release.wait(timeout=10)

    thread = threading.Thread(target=sqlite_db.write, args=(slow_write,))
    thread.start()
    try:
        assert writing.wait(timeout=10)
        assert sqlite_db.read(lambda conn: conn.execute(text("SELECT 1")).scalar()) == 1
    finally:
        release.set()
        thread.join(timeout=10)


def test_a_failed_unit_of_work_rolls_back_and_frees_the_turn(db):
    def failing(conn):
        repo.create_session(
            conn,
            code="K7Q4MX",
            title="Never kept",
            template_slug="",
            facilitator_key_hash="0" * 64,
            prompt_count=1,
            min_answers_to_show=0,
            results_visible=True,
            started_at=datetime.now(UTC),
        )
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        db.write(failing)
    assert db.read(repo.list_sessions) == []
    assert db.write(lambda conn: conn.execute(text("SELECT 2")).scalar()) == 2


def test_a_writer_interrupted_while_waiting_leaves_the_line():
    """Otherwise the turn would be handed to nobody and every later write would hang."""
    queue = WriterQueue()
    holding, release = threading.Event(), threading.Event()

    def holder() -> None:
        with queue:
            holding.set()
            release.wait(timeout=10)

    thread = threading.Thread(target=holder)
    thread.start()
    assert holding.wait(timeout=10)

    def interrupt(_signum, _frame):
        raise TimeoutError("interrupted")

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        with pytest.raises(TimeoutError), queue:  # waits behind the holder, then interrupted
            pass
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert len(queue._waiting) == 0
    release.set()
    thread.join(timeout=10)
    entered = threading.Event()

    def later() -> None:
        with queue:
            entered.set()

    late = threading.Thread(target=later)
    late.start()
    assert entered.wait(timeout=5), "the queue is stuck"
    late.join(timeout=5)

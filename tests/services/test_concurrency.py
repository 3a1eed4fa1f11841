"""Many phones at once: every answer stored exactly once, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest

from tests.support.builders import make_session
from workshop import services
from workshop.domain.codes import new_participant_token
from workshop.guards import SUBMIT_GUARD

T = TypeVar("T")
THREADS = 200


def all_at_once(count: int, work: Callable[[int], T]) -> list[T | BaseException]:
    """Run ``work(i)`` in ``count`` threads released together by a barrier; collect results
    and exceptions (never swallowing one)."""
    barrier = threading.Barrier(count, timeout=60)

    def run(i: int) -> T | BaseException:
        barrier.wait()
        try:
            return work(i)
        except BaseException as error:  # reported by the caller's assertion
            return error

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def errors_in(results: list[object]) -> list[BaseException]:
    return [r for r in results if isinstance(r, BaseException)]


def test_200_threads_submitting_to_one_prompt_store_200_rows(db, secret):
    started = make_session(db)
    sid = started.session.id
    prompt = services.get_live_view(db=db, session_id=sid).prompt
    tokens = [new_participant_token(secret) for _ in range(THREADS)]
    options = prompt.spec.config.options

    def submit(i: int):
        return services.submit_answer(
            db=db,
            secret=secret,
            session_id=sid,
            prompt_id=prompt.id,
            token=tokens[i],
            raw=options[i % len(options)],
        )

    results = all_at_once(THREADS, submit)
    assert errors_in(results) == []
    stored = services.list_answers(db=db, session_id=sid, prompt_id=prompt.id)
    assert len(stored) == THREADS
    assert len({a.id for a in stored}) == THREADS
    assert sorted(a.participant_number for a in stored) == list(range(1, THREADS + 1))
    # each acknowledgement names the row that was stored
    assert {r.id for r in results} == {a.id for a in stored}
    view = services.get_live_view(db=db, session_id=sid)
    assert (view.counts.joined, view.counts.answered) == (THREADS, THREADS)
    tally = services.results_for(db=db, session_id=sid, prompt_id=prompt.id)
    assert tally.n == THREADS and int(tally.table["count"].sum()) == THREADS


def test_one_participant_submitting_twice_keeps_one_row_the_latest(db, secret):
    started = make_session(db)
    sid = started.session.id
    prompt = services.get_live_view(db=db, session_id=sid).prompt
    token = new_participant_token(secret)
    first = services.submit_answer(
        db=db, secret=secret, session_id=sid, prompt_id=prompt.id, token=token, raw="A"
    )
    second = services.submit_answer(
        db=db, secret=secret, session_id=sid, prompt_id=prompt.id, token=token, raw="C"
    )
    stored = services.list_answers(db=db, session_id=sid, prompt_id=prompt.id)
    assert [(a.id, a.value) for a in stored] == [(first.id, "C")]
    assert second.id == first.id and second.answered_at >= first.answered_at
    mine = services.find_my_answer(
        db=db, secret=secret, session_id=sid, prompt_id=prompt.id, token=token
    )
    assert mine is not None and mine.value == "C"
    assert mine == second  # the acknowledgement is exactly what was stored


def test_one_participant_submitting_from_many_threads_keeps_one_row(db, secret):
    """A phone that double-taps (or two tabs of one browser) racing on its first answer."""
    SUBMIT_GUARD.configure(interval=0)  # the rate limit is not what is tested here
    started = make_session(db)
    sid = started.session.id
    prompt = services.get_live_view(db=db, session_id=sid).prompt
    token = new_participant_token(secret)
    options = prompt.spec.config.options

    def submit(i: int):
        return services.submit_answer(
            db=db,
            secret=secret,
            session_id=sid,
            prompt_id=prompt.id,
            token=token,
            raw=options[i % len(options)],
        )

    results = all_at_once(20, submit)
    assert errors_in(results) == []
    stored = services.list_answers(db=db, session_id=sid, prompt_id=prompt.id)
    assert len(stored) == 1
    assert stored[0].value in options
    assert {r.id for r in results} == {stored[0].id}
    assert services.get_live_view(db=db, session_id=sid).counts.joined == 1


def test_concurrent_joins_get_distinct_participant_numbers(db, secret):
    started = make_session(db)
    code = started.session.code
    tokens = [new_participant_token(secret) for _ in range(60)]

    def join(i: int):
        return services.join_session(db=db, secret=secret, code=code, token=tokens[i])

    results = all_at_once(len(tokens), join)
    assert errors_in(results) == []
    numbers = [r.participant_number for r in results]
    assert sorted(numbers) == list(range(1, len(tokens) + 1))
    # joining again is idempotent: everyone keeps their number
    again = [
        services.join_session(db=db, secret=secret, code=code, token=t).participant_number
        for t in tokens
    ]
    assert again == numbers


def test_one_browser_joining_from_many_threads_is_one_participant(db, secret):
    started = make_session(db)
    token = new_participant_token(secret)

    def join(_i: int):
        return services.join_session(db=db, secret=secret, code=started.session.code, token=token)

    results = all_at_once(20, join)
    assert errors_in(results) == []
    assert {r.participant_number for r in results} == {1}
    assert services.get_live_view(db=db, session_id=started.session.id).counts.joined == 1


@pytest.mark.parametrize("facilitator_moves", ["close", "next"])
def test_answers_racing_a_facilitator_action_are_stored_or_refused_never_lost(
    db, secret, facilitator_moves
):
    """Every submit either returns (and its answer is stored) or raises a WorkshopError."""
    from workshop.domain.errors import WorkshopError

    started = make_session(db)
    sid, key = started.session.id, started.facilitator_key
    prompt = services.get_live_view(db=db, session_id=sid).prompt
    tokens = [new_participant_token(secret) for _ in range(40)]

    def act(i: int):
        if i == 0:
            if facilitator_moves == "close":
                return services.set_answering_open(db=db, session_id=sid, key=key, is_open=False)
            return services.next_prompt(db=db, session_id=sid, key=key)
        return services.submit_answer(
            db=db, secret=secret, session_id=sid, prompt_id=prompt.id, token=tokens[i], raw="B"
        )

    results = all_at_once(len(tokens), act)
    failures = errors_in(results)
    assert all(isinstance(f, WorkshopError) for f in failures), failures
    acknowledged = {r.id for r in results[1:] if not isinstance(r, BaseException)}
    stored = {a.id for a in services.list_answers(db=db, session_id=sid, prompt_id=prompt.id)}
    assert acknowledged == stored

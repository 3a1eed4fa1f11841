"""Access: the services check the facilitator key (constant time, slowed down when
guessed), the pages refuse without it and show nothing, and a phone never shows other
participants' raw answers unless the facilitator revealed them."""

from __future__ import annotations

import ast
import inspect
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.app.facilitator_support import app_ctx, assert_no_errors, open_page, page_text
from tests.support.builders import answer_current, make_session, make_template
from tests.support.web import open_phone, page_data, routes_client
from workshop import services
from workshop.activities import make_spec
from workshop.domain import codes
from workshop.domain.codes import new_participant_token
from workshop.domain.errors import AccessDenied
from workshop.domain.model import ResultsMode
from workshop.guards import KEY_GUARD, FailureGuard
from workshop.phone_view import read_phone_view
from workshop.storage.tables import metadata

__all__ = ["app_ctx"]

WRONG_KEYS = [
    None,
    "",
    "wrong-key-wrong-key-wrong",
    "x" * 100_000,
    "<script>alert(1)</script>",
    "' OR '1'='1",
]


def facilitator_actions(sid: int, prompt_id: int, answer_id: int) -> dict[str, Callable]:
    """Every facilitator service, bound to one session, waiting for a key."""
    return {
        "check_facilitator_key": lambda db, key: services.check_facilitator_key(
            db=db, session_id=sid, key=key
        ),
        "check_presenter_key": lambda db, key: services.check_presenter_key(
            db=db, session_id=sid, key=key
        ),
        "go_to_prompt": lambda db, key: services.go_to_prompt(
            db=db, session_id=sid, key=key, position=2
        ),
        "next_prompt": lambda db, key: services.next_prompt(db=db, session_id=sid, key=key),
        "previous_prompt": lambda db, key: services.previous_prompt(db=db, session_id=sid, key=key),
        "set_answering_open": lambda db, key: services.set_answering_open(
            db=db, session_id=sid, key=key, is_open=False
        ),
        "set_results_visible": lambda db, key: services.set_results_visible(
            db=db, session_id=sid, key=key, visible=False
        ),
        "hide_answer": lambda db, key: services.hide_answer(
            db=db, session_id=sid, key=key, answer_id=answer_id
        ),
        "reset_prompt": lambda db, key: services.reset_prompt(
            db=db, session_id=sid, key=key, prompt_id=prompt_id
        ),
        "end_session": lambda db, key: services.end_session(db=db, session_id=sid, key=key),
        "delete_session": lambda db, key: services.delete_session(db=db, session_id=sid, key=key),
    }


ACTION_NAMES = list(facilitator_actions(0, 0, 0))


def test_every_facilitator_service_of_the_module_is_in_the_table():
    """A new facilitator service (one that takes ``key``) must be added above."""
    taking_a_key = {
        name
        for name, function in inspect.getmembers(services, inspect.isfunction)
        if function.__module__ == services.__name__
        and not name.startswith("_")
        and "key" in inspect.signature(function).parameters
    }
    assert taking_a_key == set(ACTION_NAMES)


def snapshot(db, sid: int) -> tuple:
    session = services.get_session(db=db, session_id=sid)
    answers = [
        (a.id, a.value, a.hidden) for _, a in services.list_session_answers(db=db, session_id=sid)
    ]
    return (session, answers)


@pytest.mark.parametrize("action", ACTION_NAMES)
def test_every_facilitator_service_refuses_a_wrong_or_missing_key(db, secret, action):
    started = make_session(db)
    sid = started.session.id
    services.set_results_visible(db=db, session_id=sid, key=started.facilitator_key, visible=True)
    answer = answer_current(db, started, "A", secret=secret)
    before = snapshot(db, sid)
    run = facilitator_actions(sid, answer.prompt_id, answer.id)[action]
    for key in WRONG_KEYS:
        KEY_GUARD.reset()  # the slow-down has its own tests below
        with pytest.raises(AccessDenied) as refused:
            run(db, key)
        assert str(refused.value) == "This link does not open the facilitator controls."
        assert snapshot(db, sid) == before, f"{action} changed something with key {key!r:.30}"


@pytest.mark.parametrize("action", ACTION_NAMES)
def test_another_sessions_key_opens_nothing_here(sqlite_db, secret, action):
    mine, theirs = make_session(sqlite_db), make_session(sqlite_db)
    answer = answer_current(sqlite_db, theirs, "B", secret=secret)
    before = snapshot(sqlite_db, theirs.session.id)
    run = facilitator_actions(theirs.session.id, answer.prompt_id, answer.id)[action]
    with pytest.raises(AccessDenied):
        run(sqlite_db, mine.facilitator_key)
    assert snapshot(sqlite_db, theirs.session.id) == before


@pytest.mark.parametrize("action", ACTION_NAMES)
def test_the_right_key_still_works_for_every_service(sqlite_db, secret, action):
    started = make_session(sqlite_db)
    answer = answer_current(sqlite_db, started, "C", secret=secret)
    run = facilitator_actions(started.session.id, answer.prompt_id, answer.id)[action]
    run(sqlite_db, started.facilitator_key)  # no AccessDenied


def test_an_unknown_session_id_is_refused_like_a_wrong_key(sqlite_db):
    with pytest.raises(AccessDenied):
        services.end_session(db=sqlite_db, session_id=987_654, key="anything-at-all-here")


# ---- constant-time comparison ----------------------------------------------------------


def test_the_key_is_compared_with_hmac_compare_digest(sqlite_db, monkeypatch):
    calls: list[tuple[str, str]] = []
    real = codes.hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(codes.hmac, "compare_digest", spy)
    started = make_session(sqlite_db)
    sid = started.session.id
    services.check_facilitator_key(db=sqlite_db, session_id=sid, key=started.facilitator_key)
    with pytest.raises(AccessDenied):
        services.check_facilitator_key(db=sqlite_db, session_id=sid, key="not-it-not-it-not-it")
    assert len(calls) == 2
    # Hash against stored hash: equal lengths, so the comparison time says nothing.
    assert all(len(a) == len(b) == 64 for a, b in calls)


def test_no_plain_equality_touches_the_key_or_its_hash():
    """Code inspection: facilitator_key_matches compares only through compare_digest."""
    tree = ast.parse(inspect.getsource(codes.facilitator_key_matches))
    comparisons = [n for n in ast.walk(tree) if isinstance(n, ast.Compare)]
    assert comparisons == [], "use hmac.compare_digest, never == / != on keys"
    called = {ast.unparse(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    assert "hmac.compare_digest" in called


# ---- repeated wrong keys slow down ------------------------------------------------------


def test_the_delay_grows_with_each_wrong_key_is_capped_then_locks_out():
    guard = FailureGuard(free_failures=5, max_delay=3.0, lockout_after=20, lockout_seconds=300)
    delays = []
    for _ in range(12):
        delays.append(guard.delay_for("192.0.2.66"))
        guard.record_failure("192.0.2.66")
    assert delays[:5] == [0.0] * 5  # a few typos cost nothing
    growing = delays[5:]
    assert all(b > a for a, b in itertools.pairwise(growing) if b < 3.0)
    assert growing[0] > 0 and max(growing) == 3.0
    assert guard.delay_for("192.0.2.1") == 0.0  # another address is not slowed down
    assert guard.locked_for("192.0.2.66") == 0.0
    for _ in range(8):
        guard.record_failure("192.0.2.66")
    assert 0 < guard.locked_for("192.0.2.66") <= 300
    assert guard.locked_for("192.0.2.1") == 0.0


def test_wrong_keys_slow_and_lock_out_the_guesser_never_the_facilitator(
    sqlite_db, monkeypatch: pytest.MonkeyPatch
):
    """The probe: wrong keys with only the projected code made the console slow. Now the
    wait falls on the guessing address; the facilitator's right key never waits."""
    slept: list[tuple[str, float]] = []
    monkeypatch.setattr(
        KEY_GUARD, "wait_after_failure", lambda who: slept.append((who, KEY_GUARD.delay_for(who)))
    )
    started = make_session(sqlite_db)
    sid, right = started.session.id, started.facilitator_key
    guesser, facilitator = "192.0.2.66", "192.0.2.1"
    for _ in range(KEY_GUARD.lockout_after):
        with pytest.raises(AccessDenied):
            services.check_facilitator_key(
                db=sqlite_db, session_id=sid, key="guess", client=guesser
            )
    waits = [delay for who, delay in slept if who == guesser]
    assert waits[0] == 0.0 and waits == sorted(waits) and waits[-1] == KEY_GUARD.max_delay
    # Locked out: refused at once, in words, even a key that happens to be right.
    with pytest.raises(AccessDenied, match="Too many wrong keys"):
        services.check_facilitator_key(db=sqlite_db, session_id=sid, key=right, client=guesser)
    before = len(slept)
    for _ in range(5):
        services.check_facilitator_key(db=sqlite_db, session_id=sid, key=right, client=facilitator)
    assert len(slept) == before  # the right key never waited
    assert KEY_GUARD.delay_for(facilitator) == 0.0 and KEY_GUARD.locked_for(facilitator) == 0.0
    services.next_prompt(db=sqlite_db, session_id=sid, key=right)  # actions are not slowed


# ---- pages: a participant who edits the URL ----------------------------------------------

SECRET_NOTE = "FACILITATOR-ONLY-NOTE-7731"
SECRET_ANSWERS = ("RAW-ANSWER-ALPHA-1", "RAW-ANSWER-BRAVO-2", "RAW-ANSWER-CHARLIE-3")


def secrets_template():
    return make_template(
        make_spec(
            "open_text", text="What went wrong?", note=SECRET_NOTE, max_length=100
        ),
        make_spec("single_choice", text="Pick one", options=("A", "B")),
        title="Access room",
        min_answers=3,
    )


@pytest.fixture
def room(app_ctx):
    started = make_session(app_ctx.db, secrets_template())
    for raw in SECRET_ANSWERS:
        answer_current(app_ctx.db, started, raw, secret=app_ctx.participant_secret)
    return started


def edited_keys(started: services.StartedSession, other: services.StartedSession) -> dict:
    return {
        "no-key": None,
        "empty-key": "",
        "wrong-key": "not-the-key-not-the-key-not-the",
        "other-sessions-key": other.facilitator_key,
        "key-with-markup": "<img src=x onerror=alert(1)>",
    }


@pytest.mark.parametrize("page_name", ["console", "presenter", "results"])
@pytest.mark.parametrize(
    "which", ["no-key", "empty-key", "wrong-key", "other-sessions-key", "key-with-markup"]
)
def test_a_participant_editing_the_url_sees_a_refusal_and_no_data(app_ctx, room, page_name, which):
    other = make_session(app_ctx.db, secrets_template())
    key = edited_keys(room, other)[which]
    extra: dict[str, Any] = {"mode": "present"} if page_name == "presenter" else {}
    at = open_page(page_name, code=room.session.code, key=key, **extra)
    assert_no_errors(at)
    assert len(at.error) == 1 and "facilitator" in at.error[0].value
    shown = page_text(at)
    for secret_text in (*SECRET_ANSWERS, SECRET_NOTE, "What went wrong?"):
        assert secret_text not in shown, f"{secret_text} shown on a refused {page_name} page"
    assert not at.button and not at.sidebar.children  # no controls, no facilitator links
    for element in ("plotly_chart", "download_button", "imgs", "dataframe"):
        assert not at.get(element), f"{element} on a refused {page_name} page"


@pytest.mark.parametrize("page_name", ["console", "presenter", "results"])
def test_the_right_key_does_show_the_data_the_refusal_hid(app_ctx, room, page_name):
    """So the refusal test above can fail: with the key these pages show the answers."""
    services.set_results_visible(
        db=app_ctx.db, session_id=room.session.id, key=room.facilitator_key, visible=True
    )
    at = open_page(page_name, code=room.session.code, key=room.facilitator_key)
    assert_no_errors(at)
    assert not at.error
    assert SECRET_ANSWERS[0] in page_text(at)


def test_the_sessions_page_shows_no_answers_and_no_notes(app_ctx, room):
    at = open_page("home")
    assert_no_errors(at)
    shown = page_text(at)
    for secret_text in (*SECRET_ANSWERS, SECRET_NOTE):
        assert secret_text not in shown


# ---- the phone shows others' raw answers only when revealed --------------------------------


@pytest.fixture
def client(app_ctx) -> Iterator[TestClient]:
    """The phone's routes on the app's data directory (a phone's browser, in-process)."""
    with routes_client() as phone_client:
        yield phone_client


@dataclass
class PhoneLoad:
    html: str  # all the page hands the browser: its text and the live part's data
    data: dict[str, Any]
    token: str


def phone(client: TestClient, code: str, token: str | None = None) -> PhoneLoad:
    """Open (or, with ``token``, reload) /join?code=... as a phone's browser does."""
    reply, held = open_phone(client, code, token=token)
    assert reply.status_code == 200, reply.text
    data = page_data(reply.text)
    assert data is not None, "the live part is not on the page"
    assert held is not None
    return PhoneLoad(reply.text, data, held)


def phone_sees(load: PhoneLoad) -> str:
    return load.html


def reveal(app_ctx, started, visible: bool) -> None:
    services.set_results_visible(
        db=app_ctx.db, session_id=started.session.id, key=started.facilitator_key, visible=visible
    )


@pytest.fixture
def on_reveal_room(app_ctx):
    """Open text whose results wait for the facilitator; three others already answered."""
    template = make_template(
        make_spec(
            "open_text",
            text="What should change?",
            results=ResultsMode.ON_REVEAL,
            max_length=100,
        ),
        make_spec("open_text", text="And what should stay?", max_length=100),
        min_answers=3,
    )
    started = make_session(app_ctx.db, template)
    for raw in SECRET_ANSWERS:
        answer_current(app_ctx.db, started, raw, secret=app_ctx.participant_secret)
    return started


def test_others_open_answers_stay_off_the_phone_until_revealed(app_ctx, on_reveal_room, client):
    started = on_reveal_room
    code = started.session.code
    load = phone(client, code)
    answer_current(
        app_ctx.db, started, "my own words", secret=app_ctx.participant_secret,
        token=load.token,
    )  # fmt: skip
    load = phone(client, code, load.token)  # a reload
    assert load.data["mine"]["value"] == "my own words"  # their own answer, shown back
    assert "my own words" in phone_sees(load)
    assert not any(s in phone_sees(load) for s in SECRET_ANSWERS)
    # and the view phones fetch or are pushed
    assert not any(s in client.get(f"/api/view/{code}").text for s in SECRET_ANSWERS)

    reveal(app_ctx, started, True)
    shown = phone_sees(phone(client, code, load.token))
    assert all(s in shown for s in SECRET_ANSWERS), "revealed results must reach the phone"
    fetched = client.get(f"/api/view/{code}").text
    assert all(s in fetched for s in SECRET_ANSWERS)

    reveal(app_ctx, started, False)
    assert not any(s in phone_sees(phone(client, code, load.token)) for s in SECRET_ANSWERS)
    fetched = client.get(f"/api/view/{code}").text
    assert not any(s in fetched for s in SECRET_ANSWERS)


def test_a_hidden_answer_never_reaches_a_phone_even_when_revealed(
    app_ctx, on_reveal_room, client
):
    started = on_reveal_room
    db, sid = app_ctx.db, started.session.id
    prompt = services.list_prompts(db=db, session_id=sid)[0]
    rude = next(
        a
        for a in services.list_answers(db=db, session_id=sid, prompt_id=prompt.id)
        if a.value == SECRET_ANSWERS[0]
    )
    answer_current(db, started, "a fourth voice", secret=app_ctx.participant_secret)
    services.hide_answer(db=db, session_id=sid, key=started.facilitator_key, answer_id=rude.id)
    reveal(app_ctx, started, True)
    for shown in (
        phone_sees(phone(client, started.session.code)),
        json.dumps(read_phone_view(db=db, session_id=sid)),  # what the push stream carries
    ):
        assert SECRET_ANSWERS[1] in shown and "a fourth voice" in shown
        assert SECRET_ANSWERS[0] not in shown


def test_too_few_answers_stay_off_the_phone_even_when_revealed(app_ctx, client):
    template = make_template(
        make_spec("open_text", text="Anything?", max_length=100), min_answers=3
    )
    started = make_session(app_ctx.db, template)
    for raw in SECRET_ANSWERS[:2]:
        answer_current(app_ctx.db, started, raw, secret=app_ctx.participant_secret)
    reveal(app_ctx, started, True)
    load = phone(client, started.session.code)
    assert not any(s in phone_sees(load) for s in SECRET_ANSWERS[:2])
    # The phone says "Results appear once 3 people have answered (2 so far)."
    assert load.data["view"]["results"] == {"n": 2, "needed": 3, "kind": "open_text"}
    answer_current(app_ctx.db, started, SECRET_ANSWERS[2], secret=app_ctx.participant_secret)
    load = phone(client, started.session.code, load.token)
    assert all(s in phone_sees(load) for s in SECRET_ANSWERS)  # so the check above can fail


def test_no_table_keeps_a_raw_key_or_token():
    """Only hashes: no column is named like a raw secret."""
    columns = {f"{t.name}.{c.name}" for t in metadata.sorted_tables for c in t.columns}
    assert "sessions.facilitator_key_hash" in columns
    assert "participants.token_hash" in columns
    assert not any(name.endswith((".key", ".token", ".facilitator_key")) for name in columns)
    assert new_participant_token(b"k") != new_participant_token(b"k")

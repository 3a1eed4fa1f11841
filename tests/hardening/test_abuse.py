"""Abuse: a per-participant submit rate limit with a friendly message, the optional word
filter (services and the phone's answer route), and forged prompt references sent to
that route (the phone posts its answers as JSON: anything may come in it)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.builders import answer_current, make_session, make_template
from tests.support.web import Phone, refusal, routes_client
from workshop import guards, services
from workshop.activities import make_spec
from workshop.config import Settings
from workshop.context import AppContext, open_context
from workshop.domain.codes import new_participant_token
from workshop.domain.errors import RateLimited
from workshop.guards import SUBMIT_GUARD, SubmitGuard

ROOT = Path(__file__).resolve().parents[2]
BLOCKED = "darn,heck"


class FakeClock:
    """Stands in for the guard's ``time`` module: time moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


# ---- rate limit through the services ------------------------------------------------------


def submit(db, secret, started, token: str, raw: object = "A"):
    return answer_current(db, started, raw, secret=secret, token=token)


def test_a_burst_then_a_friendly_wait_per_participant(
    sqlite_db, secret, monkeypatch: pytest.MonkeyPatch
):
    clock = FakeClock()
    monkeypatch.setattr(guards, "time", clock)
    started = make_session(sqlite_db)
    hammering, calm = new_participant_token(secret), new_participant_token(secret)
    for raw in "ABCAB":  # five quick changes of mind are fine
        submit(sqlite_db, secret, started, hammering, raw)
    with pytest.raises(RateLimited) as limited:
        submit(sqlite_db, secret, started, hammering, "C")
    assert str(limited.value) == "That was quick! Please wait 1 s before answering again."
    stored = services.list_answers(
        db=sqlite_db,
        session_id=started.session.id,
        prompt_id=submit(sqlite_db, secret, started, calm).prompt_id,  # others are not slowed
    )
    assert sorted(a.value for a in stored) == ["A", "B"]  # the refused "C" was not taken
    clock.now += 1.0  # a second later the participant may answer again
    assert submit(sqlite_db, secret, started, hammering, "C").value == "C"


def test_refused_submits_do_not_use_up_the_allowance(sqlite_db, secret, monkeypatch):
    """Invalid answers are not counted: a participant fixing a typo is not rate limited."""
    monkeypatch.setattr(guards, "time", FakeClock())
    started = make_session(sqlite_db)
    token = new_participant_token(secret)
    for _ in range(10):
        with pytest.raises(Exception, match="not one of the choices"):
            submit(sqlite_db, secret, started, token, "no such option")
    assert submit(sqlite_db, secret, started, token, "A").value == "A"


def test_the_guard_forgets_old_participants_within_its_bound():
    guard = SubmitGuard(burst=1, interval=60)
    for i in range(guards._MAX_TRACKED + 10):
        guard.record(f"participant-{i}")
    assert len(guard._buckets) <= guards._MAX_TRACKED + 1


def test_the_installation_setting_reaches_the_running_server():
    """WORKSHOP_SUBMIT_INTERVAL_SECONDS is applied when the server starts (server.py)."""
    probe = (
        "import server\nfrom workshop.guards import SUBMIT_GUARD\nprint(SUBMIT_GUARD.interval)\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "WORKSHOP_SUBMIT_INTERVAL_SECONDS": "2.5",
        "WORKSHOP_DATA_DIR": "/nonexistent-not-opened",
    }
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "2.5"


# ---- through the phone's answer route -------------------------------------------------------


@dataclass
class Web:
    ctx: AppContext  # the app's own context (settings, database, secret)
    phone: Phone  # one participant, its cookie set


@pytest.fixture
def web(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Web]:
    """The answer route on its own data directory, with the word filter on."""
    monkeypatch.setenv("WORKSHOP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WORKSHOP_PROFANITY_WORDS", BLOCKED)
    for name in ("WORKSHOP_DATABASE_URL", "WORKSHOP_SECRET_KEY", "WORKSHOP_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    ctx = open_context(Settings.from_env())
    with routes_client() as client:
        yield Web(ctx, Phone(client))
    ctx.db.dispose()


def text_room(ctx: AppContext) -> services.StartedSession:
    return make_session(
        ctx.db,
        make_template(
            make_spec("open_text", text="Say it", max_length=100),
            make_spec("word_cloud", text="Words", max_words=2, max_entries=2),
            make_spec("single_choice", text="Pick", options=("darn", "fine")),
        ),
    )


def prompt_id(ctx: AppContext, started, position: int) -> int:
    return services.list_prompts(db=ctx.db, session_id=started.session.id)[position].id


def answers(ctx: AppContext, started, position: int) -> list:
    found = services.list_answers(
        db=ctx.db, session_id=started.session.id, prompt_id=prompt_id(ctx, started, position)
    )
    return [a.value for a in found]


def go_to(ctx: AppContext, started, position: int) -> int:
    services.go_to_prompt(
        db=ctx.db, session_id=started.session.id, key=started.facilitator_key, position=position
    )
    return prompt_id(ctx, started, position)


REPHRASE = "Please rephrase: your answer contains a word this session does not allow."


def test_the_phone_applies_the_word_filter_to_open_text(web: Web):
    started = text_room(web.ctx)
    code, shown = started.session.code, prompt_id(web.ctx, started, 0)
    reply = web.phone.send(code, shown, "What a DARN long meeting")
    assert refusal(reply, 422, "invalid") == REPHRASE
    assert answers(web.ctx, started, 0) == []
    web.phone.answer(code, shown, "What a long meeting")  # rephrased: taken
    assert answers(web.ctx, started, 0) == ["What a long meeting"]


def test_the_phone_applies_the_word_filter_to_word_clouds(web: Web):
    started = text_room(web.ctx)
    shown = go_to(web.ctx, started, 1)
    reply = web.phone.send(started.session.code, shown, ["trust", "heck yes"])
    assert refusal(reply, 422, "invalid") == REPHRASE
    assert answers(web.ctx, started, 1) == []


def test_the_word_filter_leaves_the_facilitators_options_alone(web: Web):
    """Only free text is filtered: an option the template offers can always be chosen."""
    started = text_room(web.ctx)
    shown = go_to(web.ctx, started, 2)
    web.phone.answer(started.session.code, shown, "darn")
    assert answers(web.ctx, started, 2) == ["darn"]


def test_without_the_setting_the_filter_is_off(web: Web, monkeypatch):
    monkeypatch.delenv("WORKSHOP_PROFANITY_WORDS")
    with routes_client() as client:  # the route reads its settings afresh
        started = text_room(web.ctx)
        Phone(client).answer(started.session.code, prompt_id(web.ctx, started, 0), "darn it")
    assert answers(web.ctx, started, 0) == ["darn it"]


def test_the_phone_says_wait_when_a_participant_hammers_send(web: Web):
    SUBMIT_GUARD.configure(burst=1, interval=60)  # reset after the test (conftest)
    started = text_room(web.ctx)
    code, shown = started.session.code, prompt_id(web.ctx, started, 0)
    web.phone.answer(code, shown, "first")
    message = refusal(web.phone.send(code, shown, "second, too soon"), 429, "wait")
    assert message.startswith("That was quick! Please wait")
    assert answers(web.ctx, started, 0) == ["first"]
    calm = Phone(web.phone.client)  # others are not slowed down
    calm.answer(code, shown, "someone else")
    assert sorted(answers(web.ctx, started, 0)) == ["first", "someone else"]


FORGED = {
    "superscript": lambda real: "\u00b2",
    "arabic-indic": lambda real: "\u0661\u0662",
    "huge": lambda real: 99999999999999999999999,
    "past-the-row-ids": lambda real: 2**31,
    "negative": lambda real: -1,
    "exponent": lambda real: 1e3,
    "zero": lambda real: 0,
    "script": lambda real: "<script>",
    "none": lambda real: None,
    "true": lambda real: True,  # == 1 in Python: the first prompt's id
    "false": lambda real: False,
    "the-id-as-text": lambda real: str(real),
    "the-id-as-float": lambda real: float(real),
    "the-id-in-a-list": lambda real: [real],
    "the-id-in-an-object": lambda real: {"id": real},
}


@pytest.mark.parametrize("forged", list(FORGED))
def test_a_forged_prompt_reference_is_refused_in_plain_words(web: Web, forged: str):
    """The phone sends the id of the prompt it showed: anything may come instead."""
    started = text_room(web.ctx)
    real = prompt_id(web.ctx, started, 0)
    assert real == 1  # so True, 1.0 and "1" all look like the real one here
    reply = web.phone.send(started.session.code, FORGED[forged](real), "booked where?")
    assert refusal(reply, 404, "unknown") == "That question does not belong to this session."
    assert answers(web.ctx, started, 0) == []
    web.phone.answer(started.session.code, real, "booked here")  # the real id is taken


def test_a_prompt_reference_of_another_session_is_refused(web: Web):
    started, other = text_room(web.ctx), text_room(web.ctx)
    elsewhere = prompt_id(web.ctx, other, 0)  # open and current over there
    reply = web.phone.send(started.session.code, elsewhere, "booked elsewhere?")
    assert refusal(reply, 404, "unknown") == "That question does not belong to this session."
    assert answers(web.ctx, started, 0) == [] and answers(web.ctx, other, 0) == []

"""Abuse: a per-participant submit rate limit with a friendly message, the optional word
filter (services and the phone page), and a forged form on the phone."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st

from tests.app.facilitator_support import open_page, send
from tests.support.builders import answer_current, make_session, make_template
from workshop import guards, services
from workshop.config import Settings
from workshop.context import AppContext, open_context
from workshop.domain.codes import new_participant_token
from workshop.domain.errors import RateLimited
from workshop.domain.model import PromptKind, PromptSpec
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
    hammering, calm = new_participant_token(), new_participant_token()
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
    token = new_participant_token()
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


# ---- through the phone page ----------------------------------------------------------------


@pytest.fixture
def phone_ctx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppContext]:
    """The phone's app context, with the word filter on."""
    monkeypatch.setenv("WORKSHOP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WORKSHOP_PROFANITY_WORDS", BLOCKED)
    for name in ("WORKSHOP_DATABASE_URL", "WORKSHOP_SECRET_KEY", "WORKSHOP_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    st.cache_resource.clear()
    ctx = open_context(Settings.from_env())
    yield ctx
    ctx.db.dispose()
    st.cache_resource.clear()


def text_room(ctx: AppContext) -> services.StartedSession:
    return make_session(
        ctx.db,
        make_template(
            PromptSpec(kind=PromptKind.OPEN_TEXT, text="Say it", max_length=100),
            PromptSpec(kind=PromptKind.WORD_CLOUD, text="Words", max_words=2, max_entries=2),
            PromptSpec(kind=PromptKind.SINGLE_CHOICE, text="Pick", options=("darn", "fine")),
        ),
    )


def answers(ctx: AppContext, started, position: int) -> list:
    prompt = services.list_prompts(db=ctx.db, session_id=started.session.id)[position]
    return services.list_answers(db=ctx.db, session_id=started.session.id, prompt_id=prompt.id)


def go_to(ctx: AppContext, started, position: int) -> None:
    services.go_to_prompt(
        db=ctx.db, session_id=started.session.id, key=started.facilitator_key, position=position
    )


REPHRASE = "Please rephrase: your answer contains a word this session does not allow."


def test_the_phone_applies_the_word_filter_to_open_text(phone_ctx):
    started = text_room(phone_ctx)
    at = open_page("join", code=started.session.code)
    at.text_area[0].input("What a DARN long meeting")
    at = send(at)
    assert [e.value for e in at.error] == [REPHRASE]
    assert answers(phone_ctx, started, 0) == []
    at.text_area[0].input("What a long meeting")  # rephrased: taken
    at = send(at)
    assert [a.value for a in answers(phone_ctx, started, 0)] == ["What a long meeting"]


def test_the_phone_applies_the_word_filter_to_word_clouds(phone_ctx):
    started = text_room(phone_ctx)
    go_to(phone_ctx, started, 1)
    at = open_page("join", code=started.session.code)
    at.text_input(key="phone_word_0").input("trust")
    at.text_input(key="phone_word_1").input("heck yes")
    at = send(at)
    assert [e.value for e in at.error] == [REPHRASE]
    assert answers(phone_ctx, started, 1) == []


def test_the_word_filter_leaves_the_facilitators_options_alone(phone_ctx):
    """Only free text is filtered: an option the template offers can always be chosen."""
    started = text_room(phone_ctx)
    go_to(phone_ctx, started, 2)
    at = open_page("join", code=started.session.code)
    at.radio[0].set_value("darn")
    at = send(at)
    assert [a.value for a in answers(phone_ctx, started, 2)] == ["darn"]


def test_without_the_setting_the_filter_is_off(phone_ctx, monkeypatch):
    monkeypatch.delenv("WORKSHOP_PROFANITY_WORDS")
    started = text_room(phone_ctx)
    at = open_page("join", code=started.session.code)
    at.text_area[0].input("darn it")
    send(at)
    assert [a.value for a in answers(phone_ctx, started, 0)] == ["darn it"]


def test_the_phone_says_wait_when_a_participant_hammers_send(phone_ctx):
    SUBMIT_GUARD.configure(burst=1, interval=60)  # reset after the test (conftest)
    started = text_room(phone_ctx)
    at = open_page("join", code=started.session.code)
    at.text_area[0].input("first")
    at = send(at)
    at.session_state["phone_change"] = True  # "Change my answer"
    at.run()
    at.text_area[0].input("second, too soon")
    at = send(at)
    assert any("That was quick! Please wait" in e.value for e in at.error), at.error
    assert [a.value for a in answers(phone_ctx, started, 0)] == ["first"]


@pytest.mark.parametrize(
    "forged",
    ["\u00b2", "\u0661\u0662", "99999999999999999999999", "-1", "1e3", "0", "<script>"],
    ids=["superscript", "arabic-indic", "huge", "negative", "exponent", "zero", "script"],
)
def test_a_forged_prompt_reference_in_the_form_is_refused_in_plain_words(phone_ctx, forged):
    """The prompt id travels back from the browser in a hidden field: anything may come."""
    started = text_room(phone_ctx)
    at = open_page("join", code=started.session.code)
    at.text_area[0].input("booked where?")
    at.text_input(key="phone_ref").input(forged)
    at = send(at)
    assert at.error or at.warning, "the page said nothing"
    assert answers(phone_ctx, started, 0) == []


def test_a_prompt_reference_of_another_session_is_refused(phone_ctx):
    started, other = text_room(phone_ctx), text_room(phone_ctx)
    elsewhere = services.list_prompts(db=phone_ctx.db, session_id=other.session.id)[0]
    at = open_page("join", code=started.session.code)
    at.text_area[0].input("booked elsewhere?")
    at.text_input(key="phone_ref").input(str(elsewhere.id))
    at = send(at)
    assert [e.value for e in at.error] == ["That question does not belong to this session."]
    assert answers(phone_ctx, started, 0) == [] and answers(phone_ctx, other, 0) == []

"""What a phone shows (``phone_view``): plain JSON-able data, built from the store.

Every field the browser draws a prompt from, per kind; the session's state (closed,
ended); and results only as the room may see them: when the facilitator shows them,
above the session's minimum count, hidden answers never.
"""

from __future__ import annotations

import json

import pytest

from tests.support.builders import answer_current, make_session, make_template
from workshop import services
from workshop.activities import make_spec
from workshop.activities.open_text import kind as open_text_kind
from workshop.activities.word_cloud import kind as word_cloud_kind
from workshop.domain.codes import new_participant_token
from workshop.domain.errors import InvalidAnswer, NotFound
from workshop.domain.model import ResultsMode
from workshop.domain.rules import WORD_ENTRY_LIMIT
from workshop.phone_view import build_phone_view, read_phone_view
from workshop.storage import Database

NOTE = "FACILITATOR-ONLY-NOTE-9120"
SCRIPT = "<script>alert(1)</script>"


def every_kind_template(min_answers: int = 0):
    return make_template(
        make_spec("single_choice", text="One", options=("A", "B"), note=NOTE),
        make_spec(
            "multiple_choice", text="Some", options=("X", "Y", "Z"), max_choices=2
        ),
        make_spec(
            "scale",
            text="Rate",
            scale_min=0,
            scale_max=10,
            min_label="Never",
            max_label="Always",
        ),
        make_spec("open_text", text="Say", max_length=120),
        make_spec("word_cloud", text="Words", max_length=30, max_words=2),
        make_spec("word_cloud", text="Long words", max_entries=1, max_words=1),
        title="View room",
        min_answers=min_answers,
    )


def go_to(db: Database, started: services.StartedSession, position: int) -> None:
    services.go_to_prompt(
        db=db, session_id=started.session.id, key=started.facilitator_key, position=position
    )


def show_results(db: Database, started: services.StartedSession, visible: bool = True) -> None:
    services.set_results_visible(
        db=db, session_id=started.session.id, key=started.facilitator_key, visible=visible
    )


def view_of(db: Database, started: services.StartedSession) -> dict:
    view = read_phone_view(db=db, session_id=started.session.id)
    assert json.loads(json.dumps(view)) == view, "not plain JSON data"
    return view


def answer_many(db, started, values, *, secret: bytes) -> None:
    for raw in values:
        answer_current(db, started, raw, secret=secret, token=new_participant_token(secret))


# Each prompt carries only its own kind's settings: nothing of another kind, no note.
EXPECTED_PROMPTS = [
    {"number": 1, "text": "One", "kind": "single_choice", "options": ["A", "B"]},
    {
        "number": 2,
        "text": "Some",
        "kind": "multiple_choice",
        "options": ["X", "Y", "Z"],
        "maxChoices": 2,
    },
    {
        "number": 3,
        "text": "Rate",
        "kind": "scale",
        "scaleMin": 0,
        "scaleMax": 10,
        "minLabel": "Never",
        "maxLabel": "Always",
    },
    {"number": 4, "text": "Say", "kind": "open_text", "maxLength": 120},
    {
        "number": 5,
        "text": "Words",
        "kind": "word_cloud",
        "maxLength": 30,
        "entryLength": 30,
        "maxWords": 2,
        "maxEntries": 3,
    },
    {
        "number": 6,
        "text": "Long words",
        "kind": "word_cloud",
        "maxLength": 280,
        "entryLength": 60,
        "maxWords": 1,
        "maxEntries": 1,
    },
]


@pytest.mark.parametrize("position", range(6))
def test_each_kind_carries_what_its_input_needs(db: Database, position: int):
    started = make_session(db, every_kind_template())
    go_to(db, started, position)
    view = view_of(db, started)
    prompt = services.list_prompts(db=db, session_id=started.session.id)[position]
    expected = {"id": prompt.id, "open": True, "answered": 0, **EXPECTED_PROMPTS[position]}
    assert view["prompt"] == expected
    assert view["session"] == {
        "code": started.session.code,
        "title": "View room",
        "status": "live",
        "count": 6,
    }
    session = services.get_session(db=db, session_id=started.session.id)
    assert view["revision"] == session.revision


def test_the_view_holds_nothing_but_what_every_participant_may_see(db: Database, secret):
    started = make_session(db, every_kind_template())
    answer_current(db, started, "A", secret=secret)
    show_results(db, started)
    view = view_of(db, started)
    assert set(view) == {"session", "revision", "prompt", "results"}
    dumped = json.dumps(view)
    assert NOTE not in dumped  # the facilitator's note stays on the console
    assert started.facilitator_key not in dumped
    assert "participant" not in dumped  # no participant numbers, no pseudonyms


def test_the_word_entry_limit_is_the_one_the_rules_apply(db: Database, secret):
    """``entryLength`` sizes the word fields: the server takes exactly that much."""
    started = make_session(db, every_kind_template())
    go_to(db, started, 5)  # max_length 280: entries are held to 60 all the same
    assert view_of(db, started)["prompt"]["entryLength"] == WORD_ENTRY_LIMIT == 60
    assert answer_current(db, started, ["x" * 60], secret=secret).value == ["x" * 60]
    with pytest.raises(InvalidAnswer):
        answer_current(db, started, ["y" * 61], secret=secret)


def test_a_closed_prompt_is_still_shown_as_closed(db: Database):
    started = make_session(db, every_kind_template())
    services.set_answering_open(
        db=db, session_id=started.session.id, key=started.facilitator_key, is_open=False
    )
    prompt = view_of(db, started)["prompt"]
    assert prompt["open"] is False and prompt["text"] == "One"


def test_an_ended_session_shows_no_prompt_and_no_results(db: Database, secret):
    started = make_session(db, every_kind_template())
    answer_current(db, started, "A", secret=secret)
    show_results(db, started)
    assert view_of(db, started)["results"] is not None  # so the end below removes them
    services.end_session(db=db, session_id=started.session.id, key=started.facilitator_key)
    view = view_of(db, started)
    assert view["session"]["status"] == "ended"
    assert view["prompt"] is None and view["results"] is None


def test_a_deleted_session_has_no_view(db: Database):
    started = make_session(db, every_kind_template())
    services.delete_session(db=db, session_id=started.session.id, key=started.facilitator_key)
    with pytest.raises(NotFound):
        read_phone_view(db=db, session_id=started.session.id)


def test_results_wait_for_the_facilitator_and_go_away_with_a_click(db: Database, secret):
    template = make_template(
        make_spec(
            "single_choice",
            text="Later",
            options=("A", "B"),
            results=ResultsMode.ON_REVEAL,
        ),
        make_spec("single_choice", text="Live", options=("A", "B")),
    )
    started = make_session(db, template)
    answer_many(db, started, ["A", "A", "B"], secret=secret)
    assert view_of(db, started)["results"] is None
    show_results(db, started)
    assert view_of(db, started)["results"] == {
        "n": 3,
        "needed": 1,
        "kind": "single_choice",
        "bars": [
            {"label": "A", "count": 2, "percent": 66.7},
            {"label": "B", "count": 1, "percent": 33.3},
        ],
    }
    show_results(db, started, visible=False)
    assert view_of(db, started)["results"] is None
    go_to(db, started, 1)  # a live prompt shows its results from the start
    assert view_of(db, started)["results"] == {"n": 0, "needed": 1, "kind": "single_choice"}


def test_below_the_minimum_only_the_counts_are_shown(db: Database, secret):
    started = make_session(db, every_kind_template(min_answers=3))
    go_to(db, started, 3)
    answer_many(db, started, ["first words", "second words"], secret=secret)
    show_results(db, started)
    results = view_of(db, started)["results"]
    assert results == {"n": 2, "needed": 3, "kind": "open_text"}
    assert "first words" not in json.dumps(view_of(db, started))
    answer_many(db, started, ["third words"], secret=secret)
    results = view_of(db, started)["results"]
    assert results["n"] == 3
    assert results["cards"] == ["third words", "second words", "first words"]  # newest first


def test_a_hidden_answer_never_reaches_the_view(db: Database, secret):
    started = make_session(db, every_kind_template(min_answers=2))
    go_to(db, started, 3)
    answer_many(db, started, ["kind words", "RUDE-WORDS-1", "more kind words"], secret=secret)
    show_results(db, started)
    prompt = services.list_prompts(db=db, session_id=started.session.id)[3]
    rude = next(
        a
        for a in services.list_answers(db=db, session_id=started.session.id, prompt_id=prompt.id)
        if a.value == "RUDE-WORDS-1"
    )
    assert "RUDE-WORDS-1" in view_of(db, started)["results"]["cards"]  # so the check can fail
    services.hide_answer(
        db=db, session_id=started.session.id, key=started.facilitator_key, answer_id=rude.id
    )
    view = view_of(db, started)
    assert view["results"]["n"] == 2
    assert view["results"]["cards"] == ["more kind words", "kind words"]
    assert "RUDE-WORDS-1" not in json.dumps(view)
    services.hide_answer(  # hidden again below the minimum: not even the others are shown
        db=db,
        session_id=started.session.id,
        key=started.facilitator_key,
        answer_id=next(
            a.id
            for a in services.list_answers(
                db=db, session_id=started.session.id, prompt_id=prompt.id
            )
            if a.value == "kind words"
        ),
    )
    assert view_of(db, started)["results"] == {"n": 1, "needed": 2, "kind": "open_text"}


def test_every_kind_of_result(db: Database, secret):
    started = make_session(db, every_kind_template())
    sid, key = started.session.id, started.facilitator_key
    services.set_results_visible(db=db, session_id=sid, key=key, visible=True)
    answers = {
        1: [["X", "Y"], ["Y"], ["Y", "Z"], ["X"]],
        2: [0, 10, 10, 7],
        4: [["Trust", "clear goals"], ["Trust"], ["Focus"]],
    }
    expected = {
        1: {
            "n": 4,
            "needed": 1,
            "kind": "multiple_choice",
            "bars": [
                {"label": "X", "count": 2, "percent": 50.0},
                {"label": "Y", "count": 3, "percent": 75.0},
                {"label": "Z", "count": 1, "percent": 25.0},
            ],
        },
        2: {
            "n": 4,
            "needed": 1,
            "kind": "scale",
            "bars": [
                {"label": "0 (Never)", "count": 1, "percent": 25.0},
                *(
                    {"label": str(v), "count": int(v == 7), "percent": 25.0 * (v == 7)}
                    for v in range(1, 10)
                ),
                {"label": "10 (Always)", "count": 2, "percent": 50.0},
            ],
            "mean": 6.8,  # 27 / 4 = 6.75, one decimal
        },
        4: {
            "n": 3,
            "needed": 1,
            "kind": "word_cloud",
            "words": [
                {"word": "Trust", "count": 2},  # most often first, then alphabetically
                {"word": "clear goals", "count": 1},
                {"word": "Focus", "count": 1},
            ],
        },
    }
    for position, values in answers.items():
        go_to(db, started, position)
        services.set_results_visible(db=db, session_id=sid, key=key, visible=True)
        answer_many(db, started, values, secret=secret)
        assert view_of(db, started)["results"] == expected[position], position


def test_long_results_are_cut_to_what_a_phone_lists(db: Database, secret):
    started = make_session(db, every_kind_template())
    go_to(db, started, 3)
    show_results(db, started)
    answer_many(db, started, [f"card {i}" for i in range(25)], secret=secret)
    cards = view_of(db, started)["results"]["cards"]
    assert len(cards) == open_text_kind.MAX_CARDS == 20
    assert cards[0] == "card 24"
    go_to(db, started, 4)
    show_results(db, started)
    answer_many(db, started, [[f"w{i}"] for i in range(18)], secret=secret)
    results = view_of(db, started)["results"]
    assert results["n"] == 18 and len(results["words"]) == word_cloud_kind.MAX_WORDS == 15


def test_participant_text_is_carried_as_plain_data_exactly_as_stored(db: Database, secret):
    """No escaping, no Markdown: the phone sets it as text (``textContent``)."""
    started = make_session(db, every_kind_template())
    hostile = [SCRIPT, "[link](javascript:alert(1))", ":red[x] **b** $x^2$", "a & b < c"]
    go_to(db, started, 3)
    show_results(db, started)
    answer_many(db, started, hostile, secret=secret)
    assert sorted(view_of(db, started)["results"]["cards"]) == sorted(hostile)
    go_to(db, started, 4)
    show_results(db, started)
    answer_many(db, started, [["<b>x</b>"], ["**y**"]], secret=secret)
    words = {w["word"] for w in view_of(db, started)["results"]["words"]}
    assert words == {"<b>x</b>", "**y**"}


def test_build_phone_view_works_from_what_the_services_read(db: Database, secret):
    """``read_phone_view`` is ``build_phone_view`` of one live view and one tally."""
    started = make_session(db, every_kind_template())
    answer_current(db, started, "B", secret=secret)
    sid = started.session.id
    live = services.get_live_view(db=db, session_id=sid)
    assert live.prompt is not None
    assert build_phone_view(live, None)["results"] is None
    tally = services.results_for(db=db, session_id=sid, prompt_id=live.prompt.id)
    built = build_phone_view(live, tally)
    assert built["results"]["bars"][1] == {"label": "B", "count": 1, "percent": 100.0}
    show_results(db, started)
    assert read_phone_view(db=db, session_id=sid)["results"] == built["results"]


def test_answered_counts_every_answer_hidden_ones_too_and_drops_to_zero_on_a_reset(
    db: Database, secret
):
    """``prompt.answered``: a phone that answered and then sees a later view with no answer
    at all knows the facilitator reset the prompt (and asks again). A hidden answer is
    still an answer: hiding must not look like a reset to its author."""
    started = make_session(db, every_kind_template())
    sid, key = started.session.id, started.facilitator_key
    assert view_of(db, started)["prompt"]["answered"] == 0
    answer_many(db, started, ["A", "B"], secret=secret)
    assert view_of(db, started)["prompt"]["answered"] == 2
    prompt = services.list_prompts(db=db, session_id=sid)[0]
    first = services.list_answers(db=db, session_id=sid, prompt_id=prompt.id)[0]
    services.hide_answer(db=db, session_id=sid, key=key, answer_id=first.id)
    view = view_of(db, started)
    assert view["prompt"]["answered"] == 2
    before = view["revision"]
    services.reset_prompt(db=db, session_id=sid, key=key, prompt_id=prompt.id)
    view = view_of(db, started)
    assert view["prompt"]["answered"] == 0
    assert view["revision"] > before  # later than any answer stored before the reset
    go_to(db, started, 1)  # the count is the current prompt's
    answer_many(db, started, [["X"]], secret=secret)
    assert view_of(db, started)["prompt"]["answered"] == 1

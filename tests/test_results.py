"""Tallies per prompt kind: counts, percents, scale mean and median, folded words,
open text newest first; hidden answers never count; every tally carries n."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from tests.support.builders import make_session
from workshop import services
from workshop.activities import make_spec
from workshop.domain.codes import new_participant_token
from workshop.domain.model import Answer, Prompt, PromptSpec
from workshop.results import tally

T0 = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)

SINGLE = make_spec("single_choice", text="One", options=("A", "B", "C"))
MULTIPLE = make_spec(
    "multiple_choice", text="Some", options=("X", "Y", "Z"), max_choices=2
)
SCALE = make_spec("scale", text="Rate", scale_min=1, scale_max=5)
OPEN = make_spec("open_text", text="Say")
CLOUD = make_spec("word_cloud", text="Words")


def prompt(spec: PromptSpec) -> Prompt:
    return Prompt(id=1, session_id=1, position=0, spec=spec)


def answers(*values: object, hidden: tuple[int, ...] = ()) -> list[Answer]:
    """Answers with ids 1.., the later ones newer; ``hidden``: ids hidden by moderation."""
    return [
        Answer(
            id=i,
            prompt_id=1,
            participant_number=i,
            value=v,
            answered_at=T0 + timedelta(seconds=i),
            hidden=i in hidden,
        )
        for i, v in enumerate(values, start=1)
    ]


def as_dict(table: pd.DataFrame, key: str, value: str) -> dict[object, object]:
    return dict(zip(table[key].tolist(), table[value].tolist(), strict=True))


# ---- choices --------------------------------------------------------------------------


def test_single_choice_counts_and_percents_every_option_in_template_order():
    result = tally(prompt(SINGLE), answers("A", "C", "A"))
    assert result.n == 3 and result.kind == "single_choice"
    assert list(result.table.columns) == ["option", "count", "percent"]
    assert result.table["option"].tolist() == ["A", "B", "C"]
    assert result.table["count"].tolist() == [2, 0, 1]
    assert result.table["percent"].tolist() == [66.7, 0.0, 33.3]


def test_multiple_choice_percent_is_of_respondents_and_may_pass_100():
    result = tally(prompt(MULTIPLE), answers(["X", "Y"], ["X"], ["X", "Z"], ["Y"]))
    assert result.n == 4
    assert as_dict(result.table, "option", "count") == {"X": 3, "Y": 2, "Z": 1}
    assert as_dict(result.table, "option", "percent") == {"X": 75.0, "Y": 50.0, "Z": 25.0}
    assert result.table["percent"].sum() > 100


def test_hidden_answers_are_left_out_of_counts_and_n():
    result = tally(prompt(SINGLE), answers("A", "B", "B", hidden=(2, 3)))
    assert result.n == 1
    assert as_dict(result.table, "option", "count") == {"A": 1, "B": 0, "C": 0}
    assert as_dict(result.table, "option", "percent") == {"A": 100.0, "B": 0.0, "C": 0.0}


def test_no_answers_gives_zero_counts_and_percents():
    result = tally(prompt(SINGLE), [])
    assert result.n == 0
    assert result.table["count"].tolist() == [0, 0, 0]
    assert result.table["percent"].tolist() == [0.0, 0.0, 0.0]


# ---- scale ----------------------------------------------------------------------------


def test_scale_distribution_mean_and_median():
    result = tally(prompt(SCALE), answers(1, 2, 2, 5))
    assert result.n == 4
    assert result.table["value"].tolist() == [1, 2, 3, 4, 5]  # every point, even unused
    assert result.table["count"].tolist() == [1, 2, 0, 0, 1]
    assert result.table["percent"].tolist() == [25.0, 50.0, 0.0, 0.0, 25.0]
    assert result.mean == pytest.approx(2.5)
    assert result.median == pytest.approx(2.0)


def test_scale_median_of_an_odd_count_and_signed_points():
    signed = make_spec("scale", text="R", scale_min=-2, scale_max=2)
    result = tally(prompt(signed), answers(-2, 2, 1))
    assert result.table["value"].tolist() == [-2, -1, 0, 1, 2]
    assert result.mean == pytest.approx(1 / 3)
    assert result.median == 1.0


def test_scale_hidden_answers_do_not_move_the_mean():
    result = tally(prompt(SCALE), answers(5, 1, 1, hidden=(1,)))
    assert result.n == 2 and result.mean == 1.0 and result.median == 1.0


def test_scale_without_answers_has_no_mean():
    result = tally(prompt(SCALE), [])
    assert result.n == 0 and result.mean is None and result.median is None
    assert result.table["count"].tolist() == [0] * 5


# ---- word cloud -----------------------------------------------------------------------


def test_word_frequencies_fold_case_and_whitespace():
    result = tally(
        prompt(CLOUD),
        answers(
            ["Trust", "big picture"],
            ["trust", "Big  Picture"],
            ["TRUST", "vision"],
            ["trust"],
        ),
    )
    assert result.n == 4
    assert list(result.table.columns) == ["word", "count"]
    # shown in the most used spelling, most frequent first, ties in folded order
    assert result.table.to_dict("records") == [
        {"word": "trust", "count": 4},
        {"word": "big picture", "count": 2},
        {"word": "vision", "count": 1},
    ]


def test_word_cloud_hidden_answers_left_out():
    result = tally(prompt(CLOUD), answers(["rude"], ["kind"], hidden=(1,)))
    assert result.n == 1 and result.table["word"].tolist() == ["kind"]


def test_word_cloud_without_answers_is_an_empty_table():
    result = tally(prompt(CLOUD), [])
    assert result.n == 0 and result.table.empty
    assert list(result.table.columns) == ["word", "count"]


# ---- open text ------------------------------------------------------------------------


def test_open_text_newest_first_hidden_left_out():
    result = tally(prompt(OPEN), answers("first", "second", "third", "hidden", hidden=(4,)))
    assert result.n == 3
    assert list(result.table.columns) == ["answer_id", "text", "answered_at"]
    assert result.table["text"].tolist() == ["third", "second", "first"]
    assert result.table["answer_id"].tolist() == [3, 2, 1]


def test_open_text_same_instant_orders_by_id():
    same = [
        Answer(id=i, prompt_id=1, participant_number=i, value=f"t{i}", answered_at=T0)
        for i in (1, 2, 3)
    ]
    assert tally(prompt(OPEN), same).table["text"].tolist() == ["t3", "t2", "t1"]


def test_open_text_keeps_text_literal():
    hostile = "<script>alert(1)</script> =1+1 **bold**"
    assert tally(prompt(OPEN), answers(hostile)).table["text"].tolist() == [hostile]


# ---- through the services, on both backends -------------------------------------------


def test_results_for_through_the_store(db, secret):
    started = make_session(db)
    sid, key = started.session.id, started.facilitator_key
    prompts = services.list_prompts(db=db, session_id=sid)

    def submit(position: int, raw: object, token: str) -> Answer:
        services.go_to_prompt(db=db, session_id=sid, key=key, position=position)
        return services.submit_answer(
            db=db,
            secret=secret,
            session_id=sid,
            prompt_id=prompts[position].id,
            token=token,
            raw=raw,
        )

    tokens = [new_participant_token(secret) for _ in range(3)]
    for token, raw in zip(tokens, [4, 5, 2], strict=True):
        submit(2, raw, token)
    for token, raw in zip(tokens, ["Team, trust", "TEAM", " team "], strict=True):
        submit(4, raw, token)
    texts = [submit(3, f"idea {i}", token) for i, token in enumerate(tokens)]
    services.hide_answer(db=db, session_id=sid, key=key, answer_id=texts[1].id)

    scale = services.results_for(db=db, session_id=sid, prompt_id=prompts[2].id)
    assert scale.n == 3 and scale.mean == pytest.approx(11 / 3) and scale.median == 4.0
    cloud = services.results_for(db=db, session_id=sid, prompt_id=prompts[4].id)
    assert cloud.table.to_dict("records") == [
        {"word": "team", "count": 3},
        {"word": "trust", "count": 1},
    ]
    wall = services.results_for(db=db, session_id=sid, prompt_id=prompts[3].id)
    assert wall.n == 2 and wall.table["text"].tolist() == ["idea 2", "idea 0"]

"""100 points (``activities/points``): config, validation, tally, figure, CSV, phone JSON."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pytest
import yaml

from tests.support.builders import make_session, make_template
from workshop import services
from workshop.activities import get_kind, make_spec, sample_answer, validate_answer
from workshop.activities.points.kind import PointsConfig
from workshop.charts import PROJECTOR, REPORT, figure_for
from workshop.domain.codes import new_participant_token
from workshop.domain.errors import InvalidAnswer, TemplateError
from workshop.domain.model import Answer, Prompt, PromptSpec
from workshop.phone_view import build_phone_view
from workshop.results import tally
from workshop.storage import Database
from workshop.templates import parse_template

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
ITEMS = ("Trust", "Clarity", "Courage")
KIND = get_kind("points")
SPEC = make_spec("points", text="Share 100 points", options=ITEMS, cap=60)
CONFIG: PointsConfig = SPEC.config


def parse(**fields: Any) -> PointsConfig:
    data = {"title": "T", "prompts": [{"kind": "points", "text": "Share", **fields}]}
    return parse_template(yaml.safe_dump(data), source="t.yaml").prompts[0].config


def problems(**fields: Any) -> list[tuple[str, str]]:
    with pytest.raises(TemplateError) as caught:
        parse(**fields)
    return [(p.field, p.reason) for p in caught.value.problems]


def answers(*values: object) -> list[Answer]:
    return [Answer(i + 1, 1, i + 1, v, NOW) for i, v in enumerate(values)]


def tally_of(*values: object, spec: PromptSpec = SPEC):
    return tally(Prompt(id=1, session_id=1, position=0, spec=spec), answers(*values))


def alloc(trust: int, clarity: int, courage: int) -> dict[str, int]:
    return {"Trust": trust, "Clarity": clarity, "Courage": courage}


# ---- config -----------------------------------------------------------------------------


def test_defaults_are_100_points_in_steps_of_10_all_spent():
    config = parse(options=["A", "B"])
    assert config == PointsConfig(options=("A", "B"), budget=100, step=10, cap=None)
    assert config.spend_all is True and config.per_item == 100


def test_every_setting_is_read():
    config = parse(options=["A", "B", "C"], budget=30, step=5, cap=20, spend_all=False)
    assert config == PointsConfig(
        options=("A", "B", "C"), budget=30, step=5, cap=20, spend_all=False
    )


def test_a_budget_that_is_no_multiple_of_10_defaults_to_steps_of_1():
    assert parse(options=["A", "B"], budget=15).step == 1


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"options": "Trust"}, "options", "at least 2"),
        ({"options": ["A"]}, "options", "at least 2"),
        ({"options": [str(i) for i in range(11)]}, "options", "at most 10"),
        ({"options": ["A", "a"]}, "options", "twice"),
        ({"options": ["A; B", "C"]}, "options", "'; '"),
        ({"options": ["A", "B"], "budget": 0}, "budget", "between 1 and 1000"),
        ({"options": ["A", "B"], "budget": 1001}, "budget", "between 1 and 1000"),
        ({"options": ["A", "B"], "budget": "lots"}, "budget", "whole number"),
        ({"options": ["A", "B"], "budget": True}, "budget", "whole number"),
        ({"options": ["A", "B"], "step": 30}, "step", "not a multiple"),
        ({"options": ["A", "B"], "step": 0}, "step", "between 1 and"),
        ({"options": ["A", "B"], "budget": 20, "step": 40}, "step", "not be more than"),
        ({"options": ["A", "B"], "step": 2.5}, "step", "whole number"),
        ({"options": ["A", "B"], "cap": 45}, "cap", "multiple of the step"),
        ({"options": ["A", "B"], "cap": 5}, "cap", "between 10 and 100"),
        ({"options": ["A", "B"], "cap": 200}, "cap", "between 10 and 100"),
        ({"options": ["A", "B"], "cap": "sixty"}, "cap", "whole number"),
        ({"options": ["A", "B"], "cap": 40}, "cap", "nobody could spend all"),
        ({"options": ["A", "B"], "spend_all": "yes"}, "spend_all", "true or false"),
        ({"options": ["A", "B"], "points": 3}, "points", "not a field"),
    ],
)
def test_each_bad_config_names_its_field_once(fields, field, words):
    found = problems(**fields)
    assert len(found) == 1, found  # no knock-on problems from one mistake
    assert found[0][0] == field and words in found[0][1], found


def test_a_cap_that_cannot_spend_all_is_fine_when_points_may_be_kept():
    assert parse(options=["A", "B"], cap=40, spend_all=False).cap == 40


def test_the_kinds_own_examples_hold():
    assert isinstance(parse(**KIND.example), PointsConfig)
    for fields, field in KIND.bad_examples:
        assert [f for f, _ in problems(**fields)] == [field], fields


def test_the_config_survives_storage():
    stored = KIND.config_to_stored(CONFIG)
    assert KIND.config_from_stored(stored) == CONFIG


# ---- validation -------------------------------------------------------------------------


def test_a_valid_allocation_is_stored_with_every_item_in_template_order():
    value = validate_answer(SPEC, {"Courage": 20, "Trust": 50, "Clarity": 30})
    assert value == alloc(50, 30, 20) and list(value) == list(ITEMS)
    assert validate_answer(SPEC, {"Trust": 60, "Clarity": 40}) == alloc(60, 40, 0)
    assert validate_answer(SPEC, {"Trust": 60.0, "Clarity": 40, "Courage": 0}) == alloc(60, 40, 0)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (alloc(60, 40, 12), "Points go in steps of 10 (Courage has 12)."),
        (alloc(60, 40, 20), "20 points too many: you gave 120 of 100. Please take some off."),
        (alloc(40, 30, 0), "Please spend all 100 points (30 left)."),
        (alloc(0, 0, 0), "Please give some points to at least one item."),
        ({}, "Please give some points to at least one item."),
        (alloc(70, 30, 0), "At most 60 points per item (Trust has 70)."),
        (alloc(-10, 60, 50), "Points cannot be negative (Trust: -10)."),
        ({"Trust": 50, "Luck": 50}, "“Luck” is not in the list. Please reload the page."),
        ({"Trust": True, "Clarity": 50}, "Please give Trust a whole number of points."),
        ({"Trust": "50", "Clarity": 50}, "Please give Trust a whole number of points."),
        ({"Trust": 50.5, "Clarity": 50}, "Please give Trust a whole number of points."),
        ({"Trust": float("nan"), "Clarity": 50}, "Please give Trust a whole number of points."),
        ({"Trust": None, "Clarity": 50}, "Please give Trust a whole number of points."),
        ({"Trust": {"a": 1}}, "Please give Trust a whole number of points."),
        ({"Trust": [50]}, "Please give Trust a whole number of points."),
        ({"Trust": 10**400}, "At most 60 points per item (Trust has a very long number)."),
        (["Trust", "Clarity"], "Please give your points to the items in the list."),
        ([50, 30, 20], "Please give your points to the items in the list."),
        ("Trust", "Please give your points to the items in the list."),
        (100, "Please give your points to the items in the list."),
        (None, "Please give your points to the items in the list."),
        (list(range(10_000)), "Please give your points to the items in the list."),
        (
            {f"item {i}": 0 for i in range(10_000)},
            "Some of those items are not in the list. Please reload the page.",
        ),
    ],
)
def test_bad_allocations_are_refused_in_plain_words(raw, message):
    with pytest.raises(InvalidAnswer) as caught:
        validate_answer(SPEC, raw)
    assert str(caught.value) == message


def test_without_a_cap_one_item_may_not_hold_more_than_the_budget():
    spec = make_spec("points", text="S", options=ITEMS)
    assert validate_answer(spec, {"Trust": 100}) == alloc(100, 0, 0)
    with pytest.raises(InvalidAnswer, match="Trust has 110 points, more than the 100 you have"):
        validate_answer(spec, {"Trust": 110})


def test_points_may_be_kept_when_spend_all_is_off():
    spec = make_spec("points", text="S", options=ITEMS, spend_all=False, budget=50, step=5)
    assert validate_answer(spec, {"Trust": 5}) == alloc(5, 0, 0)
    with pytest.raises(InvalidAnswer, match="1 point too many"):
        validate_answer(make_spec("points", text="S", options=ITEMS, step=1), alloc(50, 50, 1))


def test_a_long_unknown_item_is_quoted_short():
    with pytest.raises(InvalidAnswer) as caught:
        validate_answer(SPEC, {"x" * 5000: 10})
    assert len(str(caught.value)) < 100


def test_sample_answers_are_valid_allocations():
    rng = random.Random(3)
    specs = [
        SPEC,
        make_spec("points", text="S", options=ITEMS, spend_all=False),
        make_spec("points", text="S", options=ITEMS, budget=1000, step=1, cap=400),
        make_spec("points", text="S", options=("A", "B"), budget=20, step=10, cap=10),
    ]
    for spec in specs:
        for _ in range(30):
            raw = sample_answer(spec, rng)
            assert validate_answer(spec, raw) == {**dict.fromkeys(spec.config.options, 0), **raw}


# ---- tally and figure ---------------------------------------------------------------------


def test_the_tally_matches_a_hand_count_and_tells_intensity_from_breadth():
    # Two of five put 90 on Courage; everyone put 20 on Clarity.
    t = tally_of(
        alloc(50, 20, 30),
        alloc(60, 20, 20),
        alloc(60, 20, 20),
        alloc(0, 20, 80),  # one more heavy Courage vote
        alloc(40, 20, 40),
    )
    rows = {r["option"]: r for r in t.rows}
    assert t.n == 5
    assert rows["Trust"] == {
        "option": "Trust", "mean": 42.0, "reach": 80.0, "given": 4, "total": 210,
        "mean_given": 52.5,
    }  # fmt: skip
    assert rows["Clarity"]["mean"] == 20.0 and rows["Clarity"]["reach"] == 100.0
    assert rows["Courage"]["mean"] == 38.0 and rows["Courage"]["given"] == 5
    assert [r["option"] for r in t.rows] == ["Trust", "Courage", "Clarity"]  # by mean
    assert t.stats == {"budget": 100, "step": 10}


def test_same_mean_different_reach_sorts_by_reach_then_template_order():
    t = tally_of(alloc(60, 20, 20), alloc(0, 20, 80))
    assert [(r["option"], r["mean"], r["reach"]) for r in t.rows] == [
        ("Courage", 50.0, 100.0),
        ("Trust", 30.0, 50.0),
        ("Clarity", 20.0, 100.0),
    ]
    even = tally_of(alloc(50, 50, 0))
    assert [r["option"] for r in even.rows] == ["Trust", "Clarity", "Courage"]


def test_no_answers_give_zero_rows_and_odd_stored_values_count_as_zero():
    empty = tally_of()
    assert empty.n == 0 and all(r["mean"] == 0 and r["reach"] == 0 for r in empty.rows)
    odd = tally_of({"Trust": 100, "Gone": 50}, "not a mapping")
    assert {r["option"]: r["total"] for r in odd.rows} == {"Trust": 100, "Clarity": 0, "Courage": 0}


def test_the_text_alternative_has_a_line_per_item():
    t = tally_of(alloc(50, 20, 30), alloc(60, 0, 40))
    assert KIND.text_alternative(t).splitlines() == [
        "Trust: mean 55 of 100 points per person; 100% gave it points (2 of 2)",
        "Courage: mean 35 of 100 points per person; 100% gave it points (2 of 2)",
        "Clarity: mean 10 of 100 points per person; 50% gave it points (1 of 2)",
    ]


@pytest.mark.parametrize("style", [PROJECTOR, REPORT], ids=["projector", "report"])
def test_the_figure_shows_mean_and_reach_in_two_panels(style):
    spec = make_spec("points", text="S", options=("<b>Bold</b>", "Plain"))
    t = tally_of({"<b>Bold</b>": 90, "Plain": 10}, {"<b>Bold</b>": 0, "Plain": 100}, spec=spec)
    fig = figure_for(t, joined=4, style=style)
    means, reach = fig.data
    assert list(means.x) == [55.0, 45.0] and list(reach.x) == [100.0, 50.0]
    assert list(means.text) == ["mean 55", "mean 45"] and list(reach.text) == ["100%", "50%"]
    assert list(means.y) == ["Plain", "&lt;b&gt;Bold&lt;/b&gt;"]  # escaped, shown as typed
    assert fig.layout.height == style.height_px
    assert fig.layout.title.text == "n = 2 · 50% of 4 joined"
    heads = [a.text for a in fig.layout.annotations]
    assert heads == ["bar = mean points per person (of 100)", "% who gave it points"]


def test_the_figure_builds_with_no_answers():
    fig = figure_for(tally_of(), joined=0, style=PROJECTOR)
    assert list(fig.data[0].x) == [0.0, 0.0, 0.0]


# ---- phone and CSV ------------------------------------------------------------------------


def test_the_phone_gets_only_this_kinds_fields():
    assert KIND.phone_prompt(CONFIG) == {
        "options": list(ITEMS), "budget": 100, "step": 10, "cap": 60, "spendAll": True,
    }  # fmt: skip


def test_phone_results_are_bars_of_mean_with_reach():
    t = tally_of(alloc(50, 20, 30), alloc(60, 0, 40))
    shown = KIND.phone_results(t)
    assert shown["budget"] == 100
    assert shown["bars"][0] == {
        "label": "Trust", "count": 2, "percent": 55.0, "mean": "55", "reach": 100,
    }  # fmt: skip
    assert shown["bars"][-1]["reach"] == 50


def test_phone_view_hides_results_below_the_threshold(db: Database):
    started = make_session(db, make_template(SPEC, min_answers=3))
    live = services.get_live_view(db=db, session_id=started.session.id)
    view = build_phone_view(live, tally_of(alloc(60, 40, 0)))
    assert view["results"] == {"n": 1, "needed": 3, "kind": "points"}
    assert "note" not in view["prompt"] and "maxChoices" not in view["prompt"]


def test_answer_text_is_one_readable_line():
    assert KIND.answer_text(CONFIG, alloc(60, 40, 0)) == "Trust: 60; Clarity: 40"
    spec = make_spec("points", text="S", options=ITEMS, spend_all=False)
    assert KIND.answer_text(spec.config, alloc(30, 0, 0)) == "Trust: 30 (70 points not spent)"


def test_csv_has_one_row_per_item_and_round_trips_through_pandas(db: Database):
    secret = b"points-csv-secret"
    started = make_session(db, make_template(SPEC))
    sid = started.session.id
    prompt_id = services.list_prompts(db=db, session_id=sid)[0].id
    for value in (alloc(60, 40, 0), alloc(0, 50, 50)):
        services.submit_answer(
            db=db, secret=secret, session_id=sid, prompt_id=prompt_id,
            token=new_participant_token(secret), raw=value,
        )  # fmt: skip
    csv = pd.read_csv(io.BytesIO(services.export_csv(db=db, session_id=sid)))
    assert len(csv) == 6
    assert list(csv["item"]) == [*ITEMS, *ITEMS]
    assert list(csv["points"]) == [60, 40, 0, 0, 50, 50]
    assert set(csv["prompt_kind"]) == {"points"}
    assert list(csv["answer"][:3]) == ["Trust: 60; Clarity: 40"] * 3
    assert csv.groupby("participant")["points"].sum().tolist() == [100, 100]

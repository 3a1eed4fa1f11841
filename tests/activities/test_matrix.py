"""The 2×2 matrix kind: config, validation (hostile shapes too), tally, figure, CSV."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pytest
import yaml

from tests.support.builders import answer_current, make_session, make_template
from workshop import services
from workshop.activities import (
    get_kind,
    make_spec,
    sample_answer,
    spec_from_stored,
    stored_config,
    validate_answer,
)
from workshop.activities.matrix.kind import QUADRANTS, Axis, MatrixConfig, Quadrants
from workshop.charts import PROJECTOR, REPORT
from workshop.domain.errors import InvalidAnswer, TemplateError
from workshop.domain.model import Answer, Prompt
from workshop.phone_view import build_phone_view
from workshop.results import tally
from workshop.templates import parse_template

KIND = get_kind("matrix")
EXAMPLE = KIND.example
ITEMS = ("Inspiring others", "Organising well", "The title itself")
SECRET = b"matrix-test-secret"


def parse(**fields: Any):
    """One matrix prompt from YAML, as a template file holds it."""
    data = {"title": "T", "prompts": [{"kind": "matrix", "text": "Where?", **fields}]}
    return parse_template(yaml.safe_dump(data, allow_unicode=True), source="m.yaml").prompts[0]


def problems_of(**fields: Any) -> list:
    with pytest.raises(TemplateError) as caught:
        parse(**fields)
    return caught.value.problems


def spec(items: tuple[str, ...] = ("Me",), **overrides: Any):
    config = {**EXAMPLE, "items": items, **overrides}
    return make_spec("matrix", text="Where do you stand?", **config)


def answers_of(values: list[Any]) -> list[Answer]:
    now = datetime.now(UTC)
    return [Answer(i + 1, 1, i + 1, v, now) for i, v in enumerate(values)]


def tally_of(s, values: list[Any], min_answers: int = 0):
    return tally(Prompt(1, 1, 0, s), answers_of(values), min_answers=min_answers)


# ---- config ---------------------------------------------------------------------------


def test_the_example_parses_with_its_axes_items_and_captions():
    config: MatrixConfig = parse(**EXAMPLE).config
    assert config.x_axis == Axis("Formal leadership position", 1, 5, "none", "senior")
    assert config.y_axis.name == "How often people choose to follow you"
    assert config.y_axis.min_label == "rarely" and config.y_axis.max_label == "often"
    assert config.items == ("Me",)
    assert config.quadrants.top_left == "A leader without a position"
    assert config.quadrants.bottom_right == "A position without followers"


def test_min_and_max_default_to_1_and_5_and_quadrants_are_optional():
    config = parse(x_axis={"name": "Effort"}, y_axis={"name": "Impact"}, items=["A", "B"]).config
    assert (config.x_axis.min, config.x_axis.max) == (1, 5)
    assert config.quadrants == Quadrants()
    assert config.items == ("A", "B")


@pytest.mark.parametrize(("low", "high"), [(1, 2), (0, 10), (-5, 5), (1, 11)])
def test_axes_of_2_to_11_points_are_fine(low: int, high: int):
    config = parse(x_axis={"name": "X", "min": low, "max": high}, y_axis={"name": "Y"}, items=["A"])
    assert (config.config.x_axis.min, config.config.x_axis.max) == (low, high)


@pytest.mark.parametrize(("fields", "field"), KIND.bad_examples)
def test_each_bad_config_is_refused_naming_its_field(fields: dict, field: str):
    problems = problems_of(**fields)
    assert [p.field for p in problems] == [field], problems
    assert all(p.file == "m.yaml" and p.prompt_number == 1 for p in problems)


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"x_axis": {"name": "X", "max": 12}}, "x_axis.max", "at most 11 points"),
        ({"x_axis": {"name": "X", "min": 5, "max": 1}}, "x_axis.max", "greater than min (5)"),
        ({"x_axis": {"name": "X", "max": True}}, "x_axis.max", "whole number"),
        ({"x_axis": {"name": "X", "max": 2.5}}, "x_axis.max", "whole number"),
        ({"x_axis": {"name": "X", "min_label": "n" * 61}}, "x_axis.min_label", "at most 60"),
        ({"x_axis": ["X"]}, "x_axis", "mapping"),
        ({"x_axis": {"min": 1}}, "x_axis.name", "required"),
        ({"items": "Me"}, "items", "list"),
        ({"items": ["A; B"]}, "items", "'; '"),
        ({"items": [["nested"]]}, "items", "must be text"),
        ({"quadrants": {"top_right": "x" * 81}}, "quadrants.top_right", "at most 80"),
        ({"colour": "red"}, "colour", "not a field of a matrix prompt"),
    ],
)
def test_bad_config_reasons_are_plain(fields: dict, field: str, reason: str):
    base = {"x_axis": {"name": "X"}, "y_axis": {"name": "Y"}, "items": ["Me"]}
    problems = problems_of(**{**base, **fields})
    assert [p.field for p in problems] == [field], problems
    assert reason in problems[0].reason


def test_the_config_round_trips_through_storage():
    s = spec(ITEMS)
    stored = stored_config(s)
    assert stored["x_axis"]["max_label"] == "senior" and stored["items"] == list(ITEMS)
    back = spec_from_stored(kind="matrix", text=s.text, note="", results="live", config=stored)
    assert back.config == s.config


def test_config_keywords_refuse_unknown_settings():
    with pytest.raises(TypeError):
        KIND.config(colour="red")


# ---- validation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ({"Me": [2, 5]}, {"Me": [2, 5]}),
        ({"Me": {"x": 1, "y": 1}}, {"Me": [1, 1]}),
        ({"Me": [5, 1]}, {"Me": [5, 1]}),
    ],
)
def test_a_placement_of_oneself_is_kept(sent: Any, kept: Any):
    assert validate_answer(spec(), sent) == kept


def test_skipped_and_untouched_items_are_left_out_in_template_order():
    s = spec(ITEMS)
    sent = {"The title itself": [1, 2], "Organising well": None, "Inspiring others": [4, 5]}
    assert validate_answer(s, sent) == {"Inspiring others": [4, 5], "The title itself": [1, 2]}
    untouched = {"Inspiring others": [None, None], "Organising well": [3, 3]}
    assert validate_answer(s, untouched) == {"Organising well": [3, 3]}


X = "“Formal leadership position” must be a whole number from 1 to 5."
Y = "“How often people choose to follow you” must be a whole number from 1 to 5."
Y_NAME = "How often people choose to follow you"
NOT_HERE = "This answer names items that are not in this question."
SHAPE = "This answer does not have the shape of a 2×2 placement. Please reload the page."


@pytest.mark.parametrize(
    ("sent", "message"),
    [
        (None, "Please choose a point on both scales."),
        ({}, "Please choose a point on both scales."),
        ([], "Please choose a point on both scales."),
        ({"Me": None}, "Please choose a point on both scales."),
        ({"Me": [None, None]}, "Please choose a point on both scales."),
        ({"Me": [3, None]}, f"Please also choose a point for “{Y_NAME}”."),
        ({"Me": {"y": 3}}, "Please also choose a point for “Formal leadership position”."),
        ({"Me": [0, 3]}, X),
        ({"Me": [6, 3]}, X),
        ({"Me": [3, 99]}, Y),
        ({"Me": [3, -1]}, Y),
        ({"Me": [True, 3]}, X),
        ({"Me": [3, False]}, Y),
        ({"Me": [2.5, 3]}, X),
        ({"Me": [3.0, 3]}, X),
        ({"Me": ["3", 3]}, X),
        ({"Me": [10**400, 3]}, X),
        ({"Me": [[3], 3]}, SHAPE),
        ({"Me": [{"x": 3}, 3]}, SHAPE),
        ({"Me": [3, 3, 3]}, SHAPE),
        ({"Me": [3]}, SHAPE),
        ({"Me": 3}, SHAPE),
        ({"Me": "3,3"}, SHAPE),
        ({"Me": {"x": 3, "y": 3, "z": 3}}, SHAPE),
        ({"Me": {"x": {"$gt": 0}, "y": 3}}, SHAPE),
        ([3, 3], SHAPE),
        ("Me", SHAPE),
        (3, SHAPE),
        (True, SHAPE),
        ({"You": [3, 3]}, "'You' is not one of the items to place."),
        ({"Me": [3, 3], "You": [3, 3]}, NOT_HERE),
        ([[3, 3]] * 10_000, SHAPE),
        ({f"k{i}": [3, 3] for i in range(10_000)}, NOT_HERE),
        ({"Me": list(range(10_000))}, SHAPE),
        ({"Me": [[[[[[3]]]]], 3]}, SHAPE),
    ],
)
def test_a_bad_placement_is_refused_in_plain_words(sent: Any, message: str):
    with pytest.raises(InvalidAnswer) as caught:
        validate_answer(spec(), sent)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("sent", "message"),
    [
        ({}, "Please place at least one item."),
        ({item: None for item in ITEMS}, "Please place at least one item."),
        (
            {"Inspiring others": [3, None]},
            "For “Inspiring others”: please also choose a point for "
            "“How often people choose to follow you”, or skip it.",
        ),
        ({"Organising well": [9, 1]}, f"For “Organising well”: {X}"),
        ({"x" * 500: [1, 1]}, "'" + "x" * 60 + "…' is not one of the items to place."),
    ],
)
def test_with_several_items_the_refusal_names_the_item(sent: Any, message: str):
    with pytest.raises(InvalidAnswer) as caught:
        validate_answer(spec(ITEMS), sent)
    assert str(caught.value) == message


def test_messages_are_short_single_lines():
    for sent in ({"Me": [0, 0]}, {"Me": [3, None]}, {"k" * 5000: [1, 1]}):
        with pytest.raises(InvalidAnswer) as caught:
            validate_answer(spec(), sent)
        assert len(str(caught.value)) <= 300 and "\n" not in str(caught.value)


def test_sample_answers_are_valid_and_sometimes_skip_an_item():
    rng = random.Random(3)
    several = spec(ITEMS)
    kept = [validate_answer(several, sample_answer(several, rng)) for _ in range(200)]
    assert all(1 <= len(k) <= 3 for k in kept)
    assert any(len(k) < 3 for k in kept)
    assert all(len(validate_answer(spec(), sample_answer(spec(), rng))) == 1 for _ in range(50))


# ---- tally ------------------------------------------------------------------------------


def test_the_tally_matches_a_hand_count():
    s = spec(ITEMS)
    values = [
        {"Inspiring others": [5, 5], "Organising well": [1, 1]},
        {"Inspiring others": [1, 5]},
        {"Inspiring others": [3, 5], "The title itself": [3, 3]},  # on the x mid line
    ]
    t = tally_of(s, values)
    assert t.n == 3
    rows = {r["item"]: r for r in t.rows}
    inspiring = rows["Inspiring others"]
    assert (inspiring["placed"], inspiring["skipped"]) == (3, 0)
    assert inspiring["mean_x"] == pytest.approx(3.0)
    assert inspiring["mean_y"] == pytest.approx(5.0)
    assert inspiring["sd_x"] == pytest.approx((8 / 3) ** 0.5)  # population SD of 5, 1, 3
    assert inspiring["sd_y"] == 0
    # (5,5) top right; (1,5) top left; (3,5) half each: 50% and 50%
    assert (inspiring["top_left"], inspiring["top_right"]) == (50.0, 50.0)
    assert inspiring["bottom_left"] == inspiring["bottom_right"] == 0
    assert rows["Organising well"]["bottom_left"] == 100.0
    assert rows["Organising well"]["skipped"] == 2
    # (3, 3) is on both mid lines: a quarter in each quadrant
    title = rows["The title itself"]
    assert [title[k] for k in QUADRANTS] == [25.0] * 4
    assert rows["The title itself"]["placed"] == 1
    # over all 5 placements: TL 1.5 + .25, TR 1.5 + .25, BL 1 + .25, BR .25
    assert t.stats["placements"] == 5
    assert t.stats["quadrants"] == {
        "top_left": 35.0,
        "top_right": 35.0,
        "bottom_left": 25.0,
        "bottom_right": 5.0,
    }
    assert len(t.stats["points"]) == 5
    assert list(t.table.columns)[:3] == ["item", "placed", "skipped"]


def test_an_even_axis_has_no_middle_point():
    s = spec(x_axis={"name": "X", "min": 1, "max": 4}, y_axis={"name": "Y", "min": 1, "max": 4})
    t = tally_of(s, [{"Me": [2, 3]}, {"Me": [3, 2]}])
    assert t.stats["quadrants"] == {
        "top_left": 50.0,
        "top_right": 0.0,
        "bottom_left": 0.0,
        "bottom_right": 50.0,
    }


def test_no_answers_is_an_empty_tally():
    t = tally_of(spec(), [])
    assert t.n == 0 and t.rows[0]["placed"] == 0 and t.rows[0]["mean_x"] is None
    assert t.stats["placements"] == 0


# ---- figure and text --------------------------------------------------------------------


def _traces(fig) -> tuple[list, list]:
    dots = [t for t in fig.data if t.mode == "markers"]
    means = [t for t in fig.data if t.mode == "markers+text"]
    return dots, means


@pytest.mark.parametrize("style", [PROJECTOR, REPORT], ids=["projector", "report"])
def test_the_figure_builds_with_means_crosses_shares_and_captions(style):
    s = spec(ITEMS)
    values = [validate_answer(s, sample_answer(s, random.Random(i))) for i in range(12)]
    t = tally_of(s, values, min_answers=3)
    fig = KIND.figure(t, joined=20, style=style)
    dots, means = _traces(fig)
    assert len(means) == sum(1 for r in t.rows if r["placed"])
    assert all(m.error_x.array[0] >= 0 and m.error_y.array[0] >= 0 for m in means)
    assert sum(len(d.x) for d in dots) == t.stats["placements"]
    texts = " ".join(a.text for a in fig.layout.annotations)
    assert "A leader without a position" in texts and "%" in texts
    assert "middle line counts half" in texts
    assert fig.layout.height == style.height_px
    assert fig.layout.title.text.startswith("n = 12 · 60% of 20 joined")
    assert len(fig.layout.shapes) == 2  # the two mid lines
    assert "Formal leadership position" in fig.layout.xaxis.title.text


def test_single_answers_appear_only_from_the_threshold_on_and_do_not_jump():
    s = spec()
    values = [{"Me": [i % 5 + 1, 3]} for i in range(4)]
    below = KIND.figure(tally_of(s, values, min_answers=5), joined=4, style=PROJECTOR)
    assert _traces(below)[0] == []
    assert "dot = one answer" not in " ".join(a.text for a in below.layout.annotations)
    at = KIND.figure(tally_of(s, values, min_answers=4), joined=4, style=PROJECTOR)
    first = list(_traces(at)[0][0].x)
    more_values = [*values, {"Me": [1, 1]}]
    more = KIND.figure(tally_of(s, more_values, min_answers=4), joined=5, style=PROJECTOR)
    assert list(_traces(more)[0][0].x)[:4] == first  # seeded per answer: no jumping
    assert all(abs(x - round(x)) < 0.2 for x in first)  # jittered, but near its point
    assert _traces(KIND.figure(tally_of(s, values), joined=4, style=PROJECTOR))[0]  # k = 0


def test_an_empty_figure_builds():
    fig = KIND.figure(tally_of(spec(ITEMS), []), joined=0, style=PROJECTOR)
    assert _traces(fig) == ([], [])


def test_template_and_item_text_is_shown_as_typed_in_the_figure():
    s = spec(("<b>bold</b>", "Plain"), quadrants={"top_left": "<a href='x'>link</a>"})
    fig = KIND.figure(tally_of(s, [{"<b>bold</b>": [1, 1]}]), joined=1, style=REPORT)
    texts = [t.text[0] for t in _traces(fig)[1]] + [a.text for a in fig.layout.annotations]
    assert any("&lt;b&gt;bold&lt;/b&gt;" in t for t in texts)
    assert any("&lt;a href='x'&gt;link&lt;/a&gt;" in t for t in texts)
    assert not any("<b>bold" in t or "<a href" in t for t in texts)


def test_the_text_alternative_is_a_table_of_the_same_figures():
    s = spec(ITEMS)
    t = tally_of(s, [{"Inspiring others": [5, 5]}, {"Inspiring others": [1, 5]}])
    text = KIND.text_alternative(t)
    lines = text.splitlines()
    assert lines[0].startswith("Item | placed | skipped | Formal leadership position (x)")
    assert "Top left: A leader without a position" in lines[0]
    assert lines[1] == "Inspiring others | 2 | 0 | 3.0 ± 2.0 | 5.0 ± 0.0 | 50% | 50% | 0% | 0%"
    assert lines[2].startswith("Organising well | 0 | 2 | – | –")
    assert "middle line counts half" in lines[-1]


# ---- the phone's JSON -------------------------------------------------------------------


def test_the_phone_gets_only_the_axes_and_items():
    assert KIND.phone_prompt(spec(ITEMS).config) == {
        "xAxis": {"name": "Formal leadership position", "min": 1, "max": 5,
                  "minLabel": "none", "maxLabel": "senior"},
        "yAxis": {"name": "How often people choose to follow you", "min": 1, "max": 5,
                  "minLabel": "rarely", "maxLabel": "often"},
        "items": list(ITEMS),
    }  # fmt: skip


def test_phone_results_are_means_and_quadrant_shares_without_single_answers():
    t = tally_of(spec(), [{"Me": [5, 5]}, {"Me": [1, 4]}])
    shown = KIND.phone_results(t)
    assert shown["items"] == [{"item": "Me", "placed": 2, "meanX": 3.0, "meanY": 4.5}]
    bars = {b["label"]: b["percent"] for b in shown["quadrants"]}
    assert bars["Top right: A leader with a position"] == 50.0
    assert bars["Top left: A leader without a position"] == 50.0
    assert "points" not in str(shown)


def test_the_phone_view_applies_the_threshold(db):
    started = make_session(db, make_template(spec(), min_answers=2))
    answer_current(db, started, {"Me": [3, 3]}, secret=SECRET)
    services.set_results_visible(
        db=db, session_id=started.session.id, key=started.facilitator_key, visible=True
    )
    live = services.get_live_view(db=db, session_id=started.session.id)
    result = services.results_for(db=db, session_id=started.session.id, prompt_id=live.prompt.id)
    view = build_phone_view(live, result)
    assert view["results"] == {"n": 1, "needed": 2, "kind": "matrix"}
    answer_current(db, started, {"Me": [5, 5]}, secret=SECRET)
    live = services.get_live_view(db=db, session_id=started.session.id)
    result = services.results_for(db=db, session_id=started.session.id, prompt_id=live.prompt.id)
    assert build_phone_view(live, result)["results"]["items"][0]["meanX"] == 4.0


# ---- CSV --------------------------------------------------------------------------------


def test_csv_cells_are_one_row_per_placed_item():
    value = {"Inspiring others": [4, 5], "The title itself": [1, 2]}
    cells = KIND.csv_cells(spec(ITEMS).config, value)
    assert cells == [
        {"answer": "x 4, y 5", "item": "Inspiring others", "x": "4", "y": "5"},
        {"answer": "x 1, y 2", "item": "The title itself", "x": "1", "y": "2"},
    ]
    assert KIND.answer_text(spec().config, {"Me": [2, 5]}) == "x 2, y 5"
    assert KIND.csv_columns == ("x", "y")


def test_the_csv_round_trips_through_pandas(db):
    s = spec(ITEMS, x_axis={"name": "X", "min": -3, "max": 3})
    started = make_session(db, make_template(s))
    for raw in (
        {"Inspiring others": [-3, 5], "Organising well": None},
        {"Organising well": [0, 1], "The title itself": [3, 2]},
    ):
        answer_current(db, started, raw, secret=SECRET)
    table = pd.read_csv(io.BytesIO(services.export_csv(db=db, session_id=started.session.id)))
    got = [(r.participant, r.item, r.x, r.y, r.answer) for r in table.itertuples()]
    first, second = table["participant"].unique()
    assert sorted(got) == sorted(
        [
            (first, "Inspiring others", -3, 5, "x -3, y 5"),
            (second, "Organising well", 0, 1, "x 0, y 1"),
            (second, "The title itself", 3, 2, "x 3, y 2"),
        ]
    )
    assert table["x"].dtype.kind == "i" and table["y"].dtype.kind == "i"
    assert set(table["prompt_kind"]) == {"matrix"}

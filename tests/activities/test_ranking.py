"""Ranking (activities/ranking): config, validation, the Borda tally, figure, CSV cells."""

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
from workshop.activities import get_kind, make_spec, sample_answer, validate_answer
from workshop.activities.ranking.kind import ordinal, points, scoring_rule, top_places
from workshop.charts import PROJECTOR, REPORT, figure_for
from workshop.domain.errors import InvalidAnswer, TemplateError
from workshop.domain.model import Answer, Prompt
from workshop.results import tally
from workshop.storage import make_database
from workshop.templates import parse_template

KIND = get_kind("ranking")
ITEMS = ("Inspiring others", "Lifting others up", "Organising well", "The title itself")
SECRET = b"ranking-test-secret"


def spec(**config: Any):
    config.setdefault("options", ITEMS)
    return make_spec("ranking", text="What makes people follow someone?", **config)


def parse(prompt: dict[str, Any]):
    data = {"title": "T", "prompts": [{"kind": "ranking", "text": "Rank them", **prompt}]}
    return parse_template(yaml.safe_dump(data), source="rank.yaml").prompts[0]


def answers_of(*values: list[str]) -> list[Answer]:
    now = datetime.now(UTC)
    return [
        Answer(id=i, prompt_id=1, participant_number=i + 1, value=v, answered_at=now)
        for i, v in enumerate(values)
    ]


def tally_of(prompt_spec, *values: list[str]):
    prompt = Prompt(id=1, session_id=1, position=0, spec=prompt_spec)
    return tally(prompt, answers_of(*values))


# ---- config -------------------------------------------------------------------------------


def test_the_example_parses_and_a_full_ranking_needs_no_rank_top():
    parsed = parse(KIND.example)
    assert parsed.config.options == tuple(KIND.example["options"])
    assert parsed.config.rank_top == 3
    full = parse({"options": ["A", "B", "C"]})
    assert full.config.rank_top is None
    # "your top 3" of 3 items is a full ranking: stored as one
    assert parse({"options": ["A", "B", "C"], "rank_top": 3}).config.rank_top is None


@pytest.mark.parametrize(("prompt", "field"), KIND.bad_examples)
def test_each_bad_config_is_refused_naming_its_field_once(prompt, field):
    with pytest.raises(TemplateError) as caught:
        parse(prompt)
    problems = caught.value.problems
    assert [p.field for p in problems] == [field], problems
    assert problems[0].prompt_number == 1
    assert str(problems[0]).startswith("rank.yaml: ")


@pytest.mark.parametrize(
    ("prompt", "reason"),
    [
        ({"options": ["A; B", "C"]}, "'; '"),
        ({"options": ["A", "  "]}, "empty"),
        ({"options": ["A", "B"], "rank_top": True}, "whole number"),
        ({"options": "x", "rank_top": 7}, "at least 2"),  # no knock-on from rank_top
    ],
)
def test_more_bad_configs_say_why(prompt, reason):
    with pytest.raises(TemplateError) as caught:
        parse(prompt)
    assert len(caught.value.problems) == 1, caught.value.problems
    assert reason in str(caught.value)


# ---- validation ---------------------------------------------------------------------------


def test_a_full_ranking_is_stored_in_order():
    full = spec()
    order = [ITEMS[2], ITEMS[0], ITEMS[3], ITEMS[1]]
    assert validate_answer(full, order) == order
    assert validate_answer(full, [f"  {i} " for i in order]) == order  # stray spaces
    assert validate_answer(full, tuple(order)) == order


def test_a_top_n_ranking_needs_exactly_n():
    top2 = spec(rank_top=2)
    assert validate_answer(top2, [ITEMS[3], ITEMS[0]]) == [ITEMS[3], ITEMS[0]]
    with pytest.raises(InvalidAnswer, match=r"Please pick your top 2: 1 more item to place\."):
        validate_answer(top2, [ITEMS[3]])
    with pytest.raises(InvalidAnswer, match="at most 2 items"):
        validate_answer(top2, list(ITEMS[:3]))
    with pytest.raises(InvalidAnswer, match=r"^Please pick your first choice\.$"):
        validate_answer(spec(rank_top=1), [])
    assert validate_answer(spec(rank_top=1), [ITEMS[1]]) == [ITEMS[1]]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (None, "Please rank every item: 4 more items to place."),
        ([], "Please rank every item: 4 more items to place."),
        ("", "Please rank every item"),
        (list(ITEMS[:3]), "Please rank every item: 1 more item to place."),
        ([ITEMS[0], ITEMS[0], ITEMS[1], ITEMS[2]], "Please rank each item only once."),
        ([ITEMS[0], ITEMS[1], ITEMS[2], "Money"], "not one of the items"),
        ([ITEMS[0].upper(), *ITEMS[1:]], "not one of the items"),
        ([1, 2, 3, 4], "not one of the items"),
        ([None, *ITEMS[1:]], "not one of the items"),
        ([{"item": ITEMS[0]}, *ITEMS[1:]], "not one of the items"),
        ([[ITEMS[0]], *ITEMS[1:]], "not one of the items"),
        ({"ranking": list(ITEMS)}, "tapping them in order"),
        (ITEMS[0], "tapping them in order"),
        (7, "tapping them in order"),
        (True, "tapping them in order"),
        ([ITEMS[0]] * 10_000, "Please rank at most 4 items (you sent 10000)."),
        (list(ITEMS) + list(ITEMS), "at most 4 items"),
    ],
)
def test_bad_answers_are_refused_in_plain_words(raw, message):
    with pytest.raises(InvalidAnswer) as caught:
        validate_answer(spec(), raw)
    text = str(caught.value)
    assert message in text
    assert len(text) < 120 and "\n" not in text and "None" not in text


def test_sample_answers_are_valid():
    rng = random.Random(5)
    for config in ({}, {"rank_top": 1}, {"rank_top": 3}):
        s = spec(**config)
        for _ in range(20):
            value = sample_answer(s, rng)
            assert validate_answer(s, value) == value


# ---- scoring and tally --------------------------------------------------------------------


def test_points_and_the_rule_in_words():
    assert [points(r, 4) for r in (1, 2, 3, 4)] == [100.0, 75.0, 50.0, 25.0]
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st"
    ]  # fmt: skip
    assert scoring_rule(3) == (
        "1st = 100 points · 2nd = 67 · 3rd = 33 · unranked = 0 · bar = mean per person"
    )
    assert scoring_rule(5) == (
        "1st = 100 points · 2nd = 80 · … · 5th = 20 · unranked = 0 · bar = mean per person"
    )


def test_top_places_never_cover_every_item():
    assert top_places(spec().config) == 3
    assert top_places(spec(rank_top=2).config) == 2
    assert top_places(spec(rank_top=1).config) == 1
    assert top_places(spec(options=("A", "B", "C")).config) == 2
    assert top_places(spec(options=("A", "B")).config) == 1


def test_the_tally_matches_a_hand_count():
    a, b, c, d = ITEMS
    t = tally_of(spec(), [a, b, c, d], [b, a, c, d], [a, c, b, d])
    # a: 100 + 75 + 100 = 275 / 3; b: 75 + 100 + 50 = 225 / 3; c: 50 + 50 + 75; d: 25 x 3
    table = t.table.set_index("item")
    assert list(t.table["item"]) == [a, b, c, d]  # sorted by mean points
    assert table.loc[a, "points"] == pytest.approx(91.7)
    assert table.loc[b, "points"] == pytest.approx(75.0)
    assert table.loc[c, "points"] == pytest.approx(58.3)
    assert table.loc[d, "points"] == pytest.approx(25.0)
    assert table.loc[a, "counts"] == (2, 1, 0, 0)
    assert table.loc[c, "counts"] == (0, 1, 2, 0)
    assert table.loc[d, "counts"] == (0, 0, 0, 3)
    # top 3 of 4: everyone has a, b, c there, nobody d
    assert list(table["top_percent"]) == [100.0, 100.0, 100.0, 0.0]
    assert t.n == 3 and t.stats["places"] == 4 and t.stats["top"] == 3


def test_a_top_n_tally_gives_unranked_items_zero():
    a, b, c, d = ITEMS
    t = tally_of(spec(rank_top=2), [d, c], [d, a], [c, d], [b, a])
    table = t.table.set_index("item")
    # 1st = 100, 2nd = 50, unranked 0; n = 4
    assert table.loc[d, "points"] == pytest.approx((100 + 100 + 50) / 4)
    assert table.loc[c, "points"] == pytest.approx((50 + 100) / 4)
    assert table.loc[a, "points"] == pytest.approx((50 + 50) / 4)
    assert table.loc[b, "points"] == pytest.approx(100 / 4)
    assert list(t.table["item"]) == [d, c, a, b]
    assert table.loc[d, "top_percent"] == 75.0 and table.loc[b, "top_count"] == 1
    assert table.loc[a, "ranked"] == 2 and table.loc[a, "counts"] == (0, 2)


def test_ties_keep_the_template_order_and_an_empty_tally_is_calm():
    a, b = ITEMS[:2]
    t = tally_of(spec(options=(a, b)), [a, b], [b, a])
    assert list(t.table["item"]) == [a, b]
    empty = tally_of(spec())
    assert empty.n == 0 and list(empty.table["points"]) == [0.0] * 4
    assert KIND.text_alternative(empty).count("not ranked by anyone") == 4


def test_the_text_alternative_has_a_line_per_item_and_the_rule():
    a, b, c, d = ITEMS
    t = tally_of(spec(), [a, b, c, d], [b, a, c, d])
    lines = KIND.text_alternative(t).splitlines()
    assert len(lines) == 5
    assert lines[0].startswith(f"{a}: 88 points on average; 100% put it in top 3; ranked 1st")
    assert lines[-1].startswith("Scoring: 1st = 100 points")


def test_phone_results_are_bars_of_mean_points_with_the_rule():
    a, b, c = ITEMS[:3]
    shown = KIND.phone_results(tally_of(spec(rank_top=2), [a, b], [a, c]))
    assert shown["bars"][0] == {
        "label": a,
        "points": 100,
        "percent": 100.0,
        "top": 100,
        "count": 2,
    }
    assert shown["top"] == 2 and shown["rule"].startswith("1st = 100 points · 2nd = 50")
    assert KIND.phone_prompt(spec(rank_top=2).config) == {"options": list(ITEMS), "rankTop": 2}


# ---- figure -------------------------------------------------------------------------------


@pytest.mark.parametrize("style", [PROJECTOR, REPORT], ids=["projector", "report"])
@pytest.mark.parametrize("config", [{}, {"rank_top": 2}, {"options": tuple("ABCDEFGHIJ")}])
def test_the_figure_builds_with_bars_heat_strip_and_rule(style, config):
    s = spec(**config)
    rng = random.Random(1)
    t = tally_of(s, *[sample_answer(s, rng) for _ in range(9)])
    fig = figure_for(t, joined=12, style=style)
    bar, heat = fig.data
    assert bar.type == "bar" and heat.type == "heatmap"
    assert len(bar.x) == len(s.config.options)
    assert len(heat.x) == (s.config.rank_top or len(s.config.options))
    texts = [a.text for a in fig.layout.annotations]
    assert any("unranked = 0" in t and "bar = mean" in t for t in texts)
    assert fig.layout.title.text.startswith("n = 9 · 75% of 12 joined")
    assert fig.layout.height == style.height_px
    fig.to_json()  # serialises (what Streamlit sends)
    assert figure_for(tally_of(s), joined=0, style=style) is not None  # no answers yet


def test_labels_are_shown_as_typed_not_as_html():
    s = spec(options=("<b>bold</b>", "<a href='x'>link</a>"))
    fig = figure_for(tally_of(s, ["<b>bold</b>", "<a href='x'>link</a>"]), joined=1, style=REPORT)
    assert all("<b>" not in y and "<a " not in y for y in fig.data[0].y)
    assert "&lt;b&gt;bold&lt;/b&gt;" in fig.data[0].y


# ---- CSV ----------------------------------------------------------------------------------


def test_csv_cells_are_one_row_per_ranked_item():
    a, b, c, d = ITEMS
    cells = KIND.csv_cells(spec().config, [c, a, d, b])
    assert [(x["item"], x["rank"]) for x in cells] == [(c, "1"), (a, "2"), (d, "3"), (b, "4")]
    assert {x["answer"] for x in cells} == {f"{c} > {a} > {d} > {b}"}


def test_the_csv_round_trips_through_pandas(tmp_path):
    db = make_database(f"sqlite:///{tmp_path / 'rank.db'}")
    try:
        started = make_session(db, make_template(spec(rank_top=3)))
        a, b, c, d = ITEMS
        answer_current(db, started, [b, d, a], secret=SECRET)
        answer_current(db, started, [a, b, c], secret=SECRET)
        data = services.export_csv(db=db, session_id=started.session.id)
    finally:
        db.dispose()
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
    assert len(frame) == 6
    assert "rank" in frame.columns and "item" in frame.columns
    assert set(frame["prompt_kind"]) == {"ranking"}
    first = frame[frame["participant"] == frame["participant"].iloc[0]]
    assert list(first["item"]) == [b, d, a] and list(first["rank"]) == ["1", "2", "3"]
    assert set(first["answer"]) == {f"{b} > {d} > {a}"}
    assert sorted(frame["rank"].astype(int)) == [1, 1, 2, 2, 3, 3]

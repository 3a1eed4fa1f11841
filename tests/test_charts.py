"""Tallies -> plotly figures: the numbers on screen, escaping, and the word-cloud layout."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from workshop.activities import make_spec
from workshop.charts import (
    PROJECTOR,
    REPORT,
    figure_for,
    gate,
    layout_word_cloud,
    n_caption,
    plain,
    text_width,
)
from workshop.domain.model import Answer, Prompt, PromptSpec
from workshop.results import tally

NOW = datetime(2025, 5, 1, 9, 0, tzinfo=UTC)


def make_prompt(spec: PromptSpec) -> Prompt:
    return Prompt(id=1, session_id=1, position=0, spec=spec)


def answers(*values: object) -> list[Answer]:
    return [Answer(i + 1, 1, i + 1, v, NOW) for i, v in enumerate(values)]


CHOICE = make_spec(
    "single_choice", text="Pick", options=("Yes", "<b>No</b>", "Maybe")
)
MULTI = make_spec(
    "multiple_choice", text="Pick", options=("A", "B", "C"), max_choices=2
)
SCALE = make_spec(
    "scale", text="Rate", scale_min=1, scale_max=5, min_label="Bad", max_label="Good"
)
CLOUD = make_spec("word_cloud", text="Word")
OPEN = make_spec("open_text", text="Say")


def test_gate_hides_results_and_protects_small_counts():
    assert gate(results_visible=False, n=4, min_answers=3).message == (
        "Results hidden — 4 answers so far"
    )
    assert gate(results_visible=False, n=1, min_answers=3).message.endswith("1 answer so far")
    shy = gate(results_visible=True, n=2, min_answers=3)
    assert not shy.show and shy.message.startswith("Results appear after 3 answers")
    assert gate(results_visible=True, n=3, min_answers=3).show


def test_n_caption_gives_response_rate():
    assert n_caption(9, 12) == "n = 9 · 75% of 12 joined"
    assert n_caption(0, 0) == "n = 0"


def test_plain_escapes_what_plotly_would_interpret():
    assert plain('<a href="x">hi</a> & <br>') == '&lt;a href="x"&gt;hi&lt;/a&gt; &amp; &lt;br&gt;'


def test_choice_bars_show_counts_percentages_and_escaped_labels():
    t = tally(make_prompt(CHOICE), answers("Yes", "Yes", "<b>No</b>", "Yes"))
    fig = figure_for(t, joined=5, style=PROJECTOR)
    bar = fig.data[0]
    assert bar.orientation == "h"
    assert list(bar.x) == [3, 1, 0]
    assert list(bar.text) == ["3 · 75%", "1 · 25%", "0 · 0%"]
    assert list(bar.y) == ["Yes", "&lt;b&gt;No&lt;/b&gt;", "Maybe"]
    assert fig.layout.yaxis.autorange == "reversed"  # template order, top to bottom
    assert fig.layout.title.text == "n = 4 · 80% of 5 joined"


def test_multiple_choice_percent_is_of_people_and_says_so():
    t = tally(make_prompt(MULTI), answers(["A", "B"], ["A"]))
    fig = figure_for(t, joined=2, style=REPORT)
    assert list(fig.data[0].text) == ["2 · 100%", "1 · 50%", "0 · 0%"]
    assert "several choices each" in fig.layout.title.text


def test_long_option_labels_wrap():
    spec = make_spec("single_choice", text="P", options=("word " * 12,))
    fig = figure_for(tally(make_prompt(spec), []), joined=0, style=PROJECTOR)
    assert "<br>" in fig.data[0].y[0]


def test_scale_distribution_with_mean_marker():
    t = tally(make_prompt(SCALE), answers(1, 4, 4, 5))
    fig = figure_for(t, joined=4, style=PROJECTOR)
    assert list(fig.data[0].x) == [1, 2, 3, 4, 5]
    assert list(fig.data[0].y) == [1, 0, 0, 2, 1]
    assert fig.layout.shapes[0].x0 == pytest.approx(3.5)
    assert fig.layout.annotations[0].text == "mean 3.5"
    assert "mean 3.5" in fig.layout.title.text
    ticks = list(fig.layout.xaxis.ticktext)
    assert ticks[0] == "1<br>Bad" and ticks[-1] == "5<br>Good" and ticks[2] == "3"


def test_scale_without_answers_has_no_mean():
    fig = figure_for(tally(make_prompt(SCALE), []), joined=3, style=PROJECTOR)
    assert not fig.layout.shapes and not fig.layout.annotations


def test_open_text_has_no_figure():
    assert figure_for(tally(make_prompt(OPEN), answers("hi")), joined=1, style=PROJECTOR) is None


def test_word_cloud_sizes_by_frequency_and_escapes():
    t = tally(
        make_prompt(CLOUD),
        answers(["trust", "<img src=x onerror=alert(1)>"], ["Trust"], ["trust", "vision"]),
    )
    fig = figure_for(t, joined=3, style=PROJECTOR)
    scatter = fig.data[0]
    texts = list(scatter.text)
    assert texts[0] == "trust"
    assert "&lt;img src=x onerror=alert(1)&gt;" in texts
    sizes = dict(zip(texts, scatter.textfont.size, strict=True))
    assert sizes["trust"] > sizes["vision"]


def boxes_overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_word_cloud_layout_is_deterministic_inside_and_without_overlap():
    words = [(f"word{i}", 60 - i) for i in range(60)] + [("leadership", 80), ("🙂", 5)]
    first = layout_word_cloud(words, width=1100, height=500, max_size=110, min_size=24)
    second = layout_word_cloud(
        list(reversed(words)), width=1100, height=500, max_size=110, min_size=24
    )
    assert first == second
    assert first[0].word == "leadership"
    assert first[0].size == max(p.size for p in first)
    assert len(first) == 60  # the sizes shrink together until (nearly) all fit
    boxes = []
    for p in first:
        half_w, half_h = text_width(p.word, p.size) / 2, p.size * 0.5
        box = (p.x - half_w, p.y - half_h, p.x + half_w, p.y + half_h)
        assert box[0] >= 0 and box[1] >= 0 and box[2] <= 1100 and box[3] <= 500
        assert not any(boxes_overlap(box, other) for other in boxes)
        boxes.append(box)


def test_word_cloud_equal_counts_share_one_size():
    placed = layout_word_cloud(
        [("a", 1), ("b", 1)], width=800, height=400, max_size=100, min_size=20
    )
    assert placed[0].size == placed[1].size

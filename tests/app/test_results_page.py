"""Results page: key check; every prompt with a chart (or cards), n, note and the CSV."""

from __future__ import annotations

import pytest

from tests.app.facilitator_support import app_ctx, assert_no_errors, open_page, page_text
from tests.support.builders import answer_current, make_session
from workshop import services
from workshop.domain.codes import new_participant_token
from workshop.guards import SUBMIT_GUARD

__all__ = ["app_ctx"]

# One answer per prompt of the leadership template, in order.
ANSWERS = [
    ["trust", "vision"],
    "They had a title, but not over me",
    {"Me": [2, 4]},  # the 2x2: little position, often followed
    4,
    ["Organising people", "Inspiring others to act"],
    "The people who choose to follow you",
    [
        "Lifting others up, wherever they stand",
        "Inspiring others to do and follow",
        "Sharing their knowledge and network",
    ],
    "Our nurse organised the meal rota.",
    {
        "Inspiring others": 40,
        "Lifting others up": 30,
        "Organising well": 0,
        "Sharing knowledge and network": 30,
        "Learning to look within": 0,
    },
    "Sometimes",
    "I mentor two new colleagues.",
    "I joined the volunteer network.",
]


@pytest.fixture
def answered(app_ctx, leadership_template):
    """The leadership session run end to end: three people answer every prompt."""
    db, secret = app_ctx.db, app_ctx.participant_secret
    SUBMIT_GUARD.configure(interval=0)  # a dozen quick answers per person (reset after the test)
    started = make_session(db, leadership_template)
    tokens = [new_participant_token(secret) for _ in range(3)]
    for position, raw in enumerate(ANSWERS):
        services.go_to_prompt(
            db=db, session_id=started.session.id, key=started.facilitator_key, position=position
        )
        for token in tokens:
            answer_current(db, started, raw, secret=secret, token=token)
    return started


def results(started):
    return open_page("results", code=started.session.code, key=started.facilitator_key)


@pytest.mark.parametrize("key", [None, "not-the-key-not-the-key-not-the"])
def test_refused_without_the_right_key_and_no_data(app_ctx, answered, key):
    at = open_page("results", code=answered.session.code, key=key)
    assert_no_errors(at)
    assert len(at.error) == 1
    shown = page_text(at)
    assert "Our nurse organised" not in shown and "Leadership Positions" not in shown
    assert not at.get("download_button") and not at.get("plotly_chart")


def test_every_prompt_has_a_chart_or_cards_with_n_and_its_note(app_ctx, answered):
    at = results(answered)
    assert_no_errors(at)
    shown = page_text(at)
    prompts = services.list_prompts(db=app_ctx.db, session_id=answered.session.id)
    for prompt in prompts:
        assert prompt.text in shown
        assert prompt.spec.note in shown
    # Nine charted prompts (word cloud, choices, scale, 2x2, ranking, points); three
    # open-text card walls.
    assert len(at.get("plotly_chart")) == 9
    assert shown.count("n = 3 · 100% of 3 joined") == 3  # the walls' captions
    texts = [t.value for t in at.text]
    assert texts.count("Our nurse organised the meal rota.") == 3  # three people, one wall


def test_the_csv_download_is_offered_with_the_session_filename(app_ctx, answered):
    at = results(answered)
    [download] = at.get("download_button")
    assert download.proto.label.startswith("Download CSV")
    csv = services.export_csv(db=app_ctx.db, session_id=answered.session.id).decode("utf-8-sig")
    # header + one row per answer, and per ranked item (3) and per item with points (5)
    assert csv.count("\r\n") == 1 + 3 * (len(ANSWERS) - 2 + 3 + 5)


def test_ended_sessions_show_their_results(app_ctx, answered):
    services.end_session(
        db=app_ctx.db, session_id=answered.session.id, key=answered.facilitator_key
    )
    at = results(answered)
    assert_no_errors(at)
    assert "· ended ·" in page_text(at)
    assert len(at.get("plotly_chart")) == 9


def test_leadership_figures_are_sensible_for_every_prompt(app_ctx, answered):
    """The leadership template end to end: each prompt's tally feeds a fitting chart."""
    from workshop.charts import REPORT, figure_for

    for prompt in services.list_prompts(db=app_ctx.db, session_id=answered.session.id):
        tally = services.results_for(
            db=app_ctx.db, session_id=answered.session.id, prompt_id=prompt.id
        )
        assert tally.n == 3
        figure = figure_for(tally, joined=3, style=REPORT)
        kind = prompt.kind
        if kind == "open_text":
            assert figure is None and len(tally.table) == 3
        elif kind == "word_cloud":
            assert sorted(figure.data[0].text) == ["trust", "vision"]
        elif kind == "scale":
            assert list(figure.data[0].y) == [0, 0, 0, 3, 0]
            assert "mean 4.0" in figure.layout.title.text
        elif kind in ("single_choice", "multiple_choice"):
            assert sum(figure.data[0].x) == 3 * (2 if kind == "multiple_choice" else 1)
        else:  # the new kinds: their own tests check the figure; here it builds with n
            assert figure.layout.title.text.startswith("n = 3")

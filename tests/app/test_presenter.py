"""Presenter: key check, what the room sees per state, the keyboard, presenting mode."""

from __future__ import annotations

import pytest

from tests.app.facilitator_support import app_ctx, assert_no_errors, open_page, page_text
from tests.support.builders import answer_current, make_session, make_template
from workshop import services
from workshop.activities import make_spec
from workshop.domain.codes import display_code, new_participant_token
from workshop.domain.model import ResultsMode
from workshop.ui.presenter import projector_style, projector_wall
from workshop.ui.results_view import WallFit, arrange_cards

__all__ = ["app_ctx"]

PUBLIC = "https://workshop.example.org"


@pytest.fixture
def public_url(monkeypatch):
    monkeypatch.setenv("WORKSHOP_PUBLIC_URL", PUBLIC)


@pytest.fixture
def started(app_ctx, public_url, leadership_template):
    return make_session(app_ctx.db, leadership_template)


def presenter(started, **extra: str):
    return open_page("presenter", code=started.session.code, key=started.facilitator_key, **extra)


def position(app_ctx, started) -> int:
    return services.get_session(db=app_ctx.db, session_id=started.session.id).current_position


@pytest.mark.parametrize("key", [None, "", "not-the-key-not-the-key-not-the"])
def test_refused_without_the_right_key_and_no_data(app_ctx, started, key):
    at = open_page("presenter", code=started.session.code, key=key)
    assert_no_errors(at)
    assert len(at.error) == 1
    shown = page_text(at)
    prompt = services.list_prompts(db=app_ctx.db, session_id=started.session.id)[0]
    assert prompt.text not in shown and display_code(started.session.code) not in shown
    assert not at.button and not at.get("imgs") and not at.sidebar.children


def test_shows_prompt_join_code_address_and_counts(app_ctx, started):
    for _ in range(2):
        answer_current(app_ctx.db, started, ["trust"], secret=app_ctx.participant_secret)
    at = presenter(started)
    assert_no_errors(at)
    shown = page_text(at)
    assert "Warm-up: what word comes to mind" in shown
    assert display_code(started.session.code) in shown
    assert "workshop.example.org/join" in shown  # the configured public address
    assert "<b>2</b><span>joined</span>" in shown and "<b>2</b><span>answered</span>" in shown
    assert "<b>100%</b><span>response rate</span>" in shown
    # Two answers are below the template's privacy threshold of three.
    assert "Results appear after 3 answers (2 so far)" in shown


def test_hidden_results_say_how_many_answers_came_in(app_ctx, started):
    db, key, sid = app_ctx.db, started.facilitator_key, started.session.id
    services.set_results_visible(db=db, session_id=sid, key=key, visible=False)
    for _ in range(4):
        answer_current(db, started, ["trust"], secret=app_ctx.participant_secret)
    assert "Results hidden — 4 answers so far" in page_text(presenter(started))


def test_chart_appears_once_enough_answers(app_ctx, started):
    for word in ("trust", "vision", "trust"):
        answer_current(app_ctx.db, started, [word], secret=app_ctx.participant_secret)
    at = presenter(started)
    shown = page_text(at)
    assert "Results appear after" not in shown and "Results hidden" not in shown
    assert _chart_title(at).startswith("n = 3 ·")  # the room's chart, not the code loader


def test_the_first_run_loads_the_chart_code_with_an_empty_chart_out_of_sight(app_ctx, started):
    """bench/first_chart.py: the room's first chart waited ~1.2 s for the browser's chart
    code; an empty chart in the tab's first run fetches it before any answer."""
    at = presenter(started)
    assert at.get("plotly_chart"), "no chart yet, but the chart code is loading"
    assert at.session_state["presenter_chart_code_loaded"]
    at.run()
    assert not at.get("plotly_chart"), "only the first run draws the empty chart"


@pytest.mark.parametrize(
    ("button", "start", "expected"),
    [
        ("key-next-pagedown", 0, 1),
        ("key-next-right", 0, 1),
        ("key-prev-pageup", 2, 1),
        ("key-prev-left", 2, 1),
    ],
)
def test_remote_and_keyboard_buttons_move_the_session(app_ctx, started, button, start, expected):
    services.go_to_prompt(
        db=app_ctx.db, session_id=started.session.id, key=started.facilitator_key, position=start
    )
    at = presenter(started, mode="present")
    at.button(key=button).click().run()
    assert_no_errors(at)
    assert position(app_ctx, started) == expected
    assert f"Question {expected + 1} of 12" in page_text(at)


def test_shortcuts_are_the_remote_keys(app_ctx, started):
    at = presenter(started, mode="present")
    shortcuts = {b.key: b.proto.shortcut.casefold() for b in at.button}
    assert shortcuts["key-next-pagedown"] == "pagedown"
    assert shortcuts["key-next-right"] == "right"
    assert shortcuts["key-prev-pageup"] == "pageup"
    assert shortcuts["key-prev-left"] == "left"
    assert shortcuts["key-esc"] == "escape"


def test_presenting_mode_has_no_sidebar_and_esc_leaves_it(app_ctx, started):
    at = presenter(started, mode="present")
    assert not at.sidebar.children
    at.button(key="key-esc").click().run()
    assert "mode" not in at.query_params
    assert at.sidebar.children  # the facilitator's own nav is back


def test_start_presenting_mode_from_the_sidebar(app_ctx, started):
    at = presenter(started)
    next(b for b in at.sidebar.button if b.label == "Start presenting mode").click().run()
    assert at.query_params["mode"] == "present"
    assert not at.sidebar.children


def test_sidebar_controls_outside_presenting_mode(app_ctx, started):
    at = presenter(started)
    assert at.get("page_link")
    next_button = next(b for b in at.sidebar.button if b.label == "Next")
    next_button.click().run()
    assert position(app_ctx, started) == 1


def test_open_text_is_shown_as_plain_text(app_ctx, public_url):
    spec = make_spec("open_text", text="Say", results=ResultsMode.LIVE)
    started = make_session(app_ctx.db, make_template(spec))
    hostile = '<img src=x onerror="alert(1)"> **bold** [link](http://x.org)'
    answer_current(app_ctx.db, started, hostile, secret=app_ctx.participant_secret)
    at = presenter(started)
    assert hostile in [t.value for t in at.text]
    assert all("onerror" not in m.value for m in at.markdown)
    assert all("onerror" not in h.value for h in at.get("html"))


def test_ended_session_says_so(app_ctx, started):
    services.end_session(db=app_ctx.db, session_id=started.session.id, key=started.facilitator_key)
    assert "This session has ended" in page_text(presenter(started))


def test_arrange_cards_fills_columns_newest_first_within_the_budget():
    fit = WallFit(columns=2, chars_per_line=10, lines_per_column=7)
    # Card heights with padding: a 4.4 lines, b d e 2.4, c 5.4.
    texts = ["a" * 25, "b" * 5, "c" * 40, "d" * 5, "e" * 5]
    columns = arrange_cards(texts, fit)
    flat = [t for col in columns for t in col]
    assert "c" * 40 not in flat  # too tall for the space left: skipped, not cut
    assert columns[0][0] == "a" * 25 and columns[1][0] == "b" * 5
    assert {"d" * 5, "e" * 5} <= set(flat)


def test_arrange_cards_without_budget_shows_all_and_cuts_long_cards():
    columns = arrange_cards(["x" * 50, "y"], WallFit(columns=3, max_chars=10))
    assert columns == [["x" * 9 + "…"], ["y"], []]


def test_long_prompts_get_a_shorter_chart_and_fewer_card_lines():
    short, long = "Short?", "word " * 40
    assert projector_style(long).height_px < projector_style(short).height_px
    assert projector_wall(long).lines_per_column < projector_wall(short).lines_per_column


def test_word_cloud_counts_participants_not_entries(app_ctx, started):
    tokens = [new_participant_token(app_ctx.participant_secret) for _ in range(3)]
    for token in tokens:
        answer_current(
            app_ctx.db, started, ["trust", "vision"], secret=app_ctx.participant_secret, token=token
        )
    assert "<b>3</b><span>answered</span>" in page_text(presenter(started))


def _chart_title(at) -> str:
    """The title of the room's chart (the empty chart that loads the browser's chart
    code in a tab's first run has none)."""
    import json

    layouts = [json.loads(chart.proto.spec)["layout"] for chart in at.get("plotly_chart")]
    titles = [layout["title"]["text"] for layout in layouts if "title" in layout]
    assert len(titles) == 1, titles
    return titles[0]


def test_a_growing_room_recaptions_the_kept_chart(app_ctx, started):
    """Only joins since the last run: the tally and figure are kept, the caption moves."""
    for word in ("trust", "vision", "trust"):
        answer_current(app_ctx.db, started, [word], secret=app_ctx.participant_secret)
    at = presenter(started)
    assert _chart_title(at).startswith("n = 3 · 100% of 3 joined")
    services.join_session(
        db=app_ctx.db,
        secret=app_ctx.participant_secret,
        code=started.session.code,
        token=new_participant_token(app_ctx.participant_secret),
    )
    at.run()
    assert_no_errors(at)
    assert _chart_title(at).startswith("n = 3 · 75% of 4 joined")
    assert "<b>4</b><span>joined</span>" in page_text(at)
    answer_current(app_ctx.db, started, ["care"], secret=app_ctx.participant_secret)
    at.run()
    assert _chart_title(at).startswith("n = 4 · 80% of 5 joined")  # new answers: drawn afresh

"""validate_answer for every prompt kind, and check_can_answer for the session state."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from workshop.activities import make_spec, validate_answer
from workshop.domain.errors import InvalidAnswer, PromptClosed, PromptMoved, SessionEnded
from workshop.domain.model import Prompt, PromptSpec, Session, SessionStatus
from workshop.domain.rules import (
    ABSOLUTE_TEXT_LIMIT,
    answer_as_text,
    check_can_answer,
    word_count,
)

SINGLE = make_spec("single_choice", text="Pick", options=("Red", "Green", "Blue"))
MULTIPLE = make_spec(
    "multiple_choice", text="Pick some", options=("A", "B", "C", "D"), max_choices=2
)
SCALE = make_spec("scale", text="Rate", scale_min=1, scale_max=5)
SIGNED_SCALE = make_spec("scale", text="Rate", scale_min=-3, scale_max=3)
OPEN = make_spec("open_text", text="Say", max_length=20)
CLOUD = make_spec("word_cloud", text="Words", max_words=2, max_entries=3)


def refused(spec: PromptSpec, raw: object) -> str:
    with pytest.raises(InvalidAnswer) as caught:
        validate_answer(spec, raw)
    message = str(caught.value)
    assert message and "Traceback" not in message
    return message


# ---- single choice --------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["Green", "  Green  ", ["Green"], ("Green",)])
def test_single_choice_takes_one_option(raw):
    assert validate_answer(SINGLE, raw) == "Green"


@pytest.mark.parametrize("raw", [None, "", "   ", [], [""]])
def test_single_choice_empty(raw):
    assert "pick" in refused(SINGLE, raw).lower()


@pytest.mark.parametrize("raw", ["Purple", "green", "Red; Green", "Gree"])
def test_single_choice_unknown_option(raw):
    assert "not one of the choices" in refused(SINGLE, raw)


def test_single_choice_two_options_at_once():
    assert "exactly one" in refused(SINGLE, ["Red", "Green"])


@pytest.mark.parametrize("raw", [1, 2.5, True, {"Red": 1}, b"Red", object()])
def test_single_choice_wrong_type(raw):
    refused(SINGLE, raw)


# ---- multiple choice ------------------------------------------------------------------


def test_multiple_choice_returns_template_order_without_repeats():
    assert validate_answer(MULTIPLE, ["C", "A"]) == ["A", "C"]
    assert validate_answer(MULTIPLE, ["B", "B", " B "]) == ["B"]
    assert validate_answer(MULTIPLE, "D") == ["D"]


@pytest.mark.parametrize("raw", [None, "", [], ["", "  "], ()])
def test_multiple_choice_empty(raw):
    assert "at least one" in refused(MULTIPLE, raw)


def test_multiple_choice_too_many_selections():
    message = refused(MULTIPLE, ["A", "B", "C"])
    assert "at most 2" in message and "you picked 3" in message


def test_multiple_choice_without_max_allows_every_option():
    spec = replace(MULTIPLE, config=replace(MULTIPLE.config, max_choices=None))
    assert validate_answer(spec, ["D", "C", "B", "A"]) == ["A", "B", "C", "D"]


def test_multiple_choice_unknown_option():
    assert "not one of the choices" in refused(MULTIPLE, ["A", "Z"])


@pytest.mark.parametrize("raw", [3, 1.5, {"A": True}, b"A", [1, 2]])
def test_multiple_choice_wrong_type(raw):
    refused(MULTIPLE, raw)


# ---- scale ----------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "value"), [(1, 1), (5, 5), ("3", 3), (" 4 ", 4), ("+2", 2)])
def test_scale_takes_a_point_in_range(raw, value):
    assert validate_answer(SCALE, raw) == value


def test_signed_scale():
    assert validate_answer(SIGNED_SCALE, -3) == -3
    assert validate_answer(SIGNED_SCALE, "-1") == -1
    assert "from -3 to 3" in refused(SIGNED_SCALE, 4)


@pytest.mark.parametrize("raw", [0, 6, -1, 10**50, "0", "6", "99999999999999999999"])
def test_scale_out_of_range(raw):
    assert "from 1 to 5" in refused(SCALE, raw)


@pytest.mark.parametrize(
    "raw", [True, False, None, "", "three", "3.0", 3.5, 3.0, [3], {"v": 3}, b"3", "9" * 5000]
)
def test_scale_wrong_type_including_bool(raw):
    assert "from 1 to 5" in refused(SCALE, raw)


# ---- open text ------------------------------------------------------------------------


def test_open_text_is_cleaned_and_keeps_newlines():
    assert validate_answer(OPEN, "  two\n lines  ") == "two\nlines"
    assert validate_answer(OPEN, "a\x00b\u202ec") == "abc"


@pytest.mark.parametrize("raw", [None, "", "    ", "\n\n\t", "\x00\x01", "\u202e\u202c", "\u200b "])
def test_open_text_empty(raw):
    assert "write something" in refused(OPEN, raw)


def test_open_text_limit_is_inclusive_and_says_how_many_over():
    assert validate_answer(OPEN, "x" * 20) == "x" * 20
    message = refused(OPEN, "x" * 27)
    assert "27 characters" in message and "7 too many" in message and "20" in message


def test_open_text_limit_counts_cleaned_characters():
    # control characters and surrounding spaces do not count against the limit
    assert validate_answer(OPEN, "   " + "x" * 20 + "\x07\x07   ") == "x" * 20


def test_open_text_huge_input_refused_without_work():
    message = refused(OPEN, "x" * 100_000)
    assert "too long" in message


@pytest.mark.parametrize("raw", [42, 4.2, True, ["text"], {"text": "x"}, b"bytes"])
def test_open_text_wrong_type(raw):
    assert "as text" in refused(OPEN, raw)


def test_open_text_hard_cap_applies_whatever_the_template_says():
    spec = replace(OPEN, config=replace(OPEN.config, max_length=10**9))
    refused(spec, "x" * (ABSOLUTE_TEXT_LIMIT * 4 + 1))


def test_open_text_keeps_emoji_with_joiners():
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert validate_answer(OPEN, f"hi {family}") == f"hi {family}"


# ---- word cloud -----------------------------------------------------------------------


def test_word_cloud_splits_commas_and_drops_repeats_case_insensitively():
    assert validate_answer(CLOUD, "trust, Vision ,trust, TRUST") == ["trust", "Vision"]
    assert validate_answer(CLOUD, ["Trust", "  big   picture "]) == ["Trust", "big picture"]


@pytest.mark.parametrize("raw", [None, "", " , ,", [], ["", "  "], "\x00"])
def test_word_cloud_empty(raw):
    assert "at least one word" in refused(CLOUD, raw)


def test_word_cloud_too_many_words_in_an_entry():
    message = refused(CLOUD, "one two three")
    assert "3 words" in message and "at most 2" in message


def test_word_cloud_too_many_entries():
    message = refused(CLOUD, "a, b, c, d")
    assert "at most 3 entries" in message and "you wrote 4" in message


def test_word_cloud_entry_too_long():
    message = refused(CLOUD, "x" * 61)
    assert "61 characters" in message and "1 too many" in message


def test_word_cloud_many_entries_are_refused_quickly():
    # Repeats are found with a set: 50,000 distinct entries is linear work, not quadratic.
    assert "at most 3 entries" in refused(CLOUD, [f"w{i}" for i in range(50_000)])


@pytest.mark.parametrize("raw", [5, 2.5, True, {"a": 1}, b"word", [1, "a"], [["a"]], object()])
def test_word_cloud_wrong_type(raw):
    refused(CLOUD, raw)


# ---- rendering ------------------------------------------------------------------------


def test_answer_as_text():
    assert answer_as_text(["A", "C"]) == "A; C"
    assert answer_as_text(4) == "4"
    assert answer_as_text("plain") == "plain"


def test_word_count():
    assert word_count("  big   picture ") == 2


# ---- can the answer be taken now? -----------------------------------------------------


def make_session(**overrides: object) -> Session:
    fields: dict[str, object] = {
        "id": 7,
        "code": "K7Q4MX",
        "title": "T",
        "status": SessionStatus.LIVE,
        "current_position": 1,
        "answering_open": True,
        "results_visible": False,
        "revision": 3,
        "prompt_count": 3,
        "min_answers_to_show": 3,
        "started_at": datetime(2026, 1, 1, tzinfo=UTC),
    }
    fields.update(overrides)
    return Session(**fields)  # type: ignore[arg-type]


def prompt_at(position: int, session_id: int = 7) -> Prompt:
    return Prompt(id=100 + position, session_id=session_id, position=position, spec=SINGLE)


def test_current_open_prompt_can_be_answered():
    check_can_answer(make_session(), prompt_at(1))


def test_ended_session_refuses():
    with pytest.raises(SessionEnded):
        check_can_answer(make_session(status=SessionStatus.ENDED), prompt_at(1))


def test_other_prompt_refuses():
    with pytest.raises(PromptMoved):
        check_can_answer(make_session(), prompt_at(0))


def test_prompt_of_another_session_refuses():
    with pytest.raises(PromptMoved):
        check_can_answer(make_session(), prompt_at(1, session_id=8))


def test_closed_prompt_refuses():
    with pytest.raises(PromptClosed):
        check_can_answer(make_session(answering_open=False), prompt_at(1))


def test_word_cloud_bounds_the_total_it_reads():
    assert "too long" in refused(CLOUD, ["x" * 5000, "y" * 5000])
    assert "too long" in refused(CLOUD, "a, " * 5000)

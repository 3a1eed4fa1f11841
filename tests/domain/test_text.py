"""clean_text: control characters, NUL and bidi overrides out; emoji and accents kept."""

from __future__ import annotations

import pytest

from workshop.domain.text import clean_text, fold_word, has_visible_text

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # ZWJ sequence
RAINBOW_FLAG = "\U0001f3f3\ufe0f\u200d\U0001f308"
THUMBS_UP_DARK = "\U0001f44d\U0001f3ff"
FLAG_FR = "\U0001f1eb\U0001f1f7"
SCOTLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


@pytest.mark.parametrize("emoji", [FAMILY, RAINBOW_FLAG, THUMBS_UP_DARK, FLAG_FR, SCOTLAND, "❤️"])
def test_emoji_survive_whole(emoji):
    assert clean_text(f"I feel {emoji}!") == f"I feel {emoji}!"
    assert clean_text(emoji, keep_newlines=True) == emoji


def test_accents_and_scripts_survive():
    text = "Ça déménage — Straße, 東京, Привет, مرحبا, שלום"
    assert clean_text(text) == text


def test_accents_are_normalised_to_composed_form():
    assert clean_text("Cafe\u0301") == "Caf\u00e9"


def test_nul_and_control_characters_are_stripped():
    assert clean_text("a\x00b\x01c\x07d\x1be\x7ff\x85g\x9fh") == "abcdefgh"


@pytest.mark.parametrize("char", list(BIDI))
def test_bidi_overrides_and_isolates_are_stripped(char):
    assert clean_text(f"abc{char}def") == "abcdef"


def test_right_to_left_override_cannot_reverse_a_file_name():
    assert clean_text("invoice\u202egpj.exe") == "invoicegpj.exe"


def test_lone_surrogates_are_stripped_so_text_always_encodes():
    cleaned = clean_text("a\ud800b\udfffc")
    assert cleaned == "abc"
    cleaned.encode("utf-8")


def test_whitespace_is_folded_on_one_line():
    assert clean_text("  one\ttwo\r\nthree\n\nfour\u00a0 five  ") == "one two three four five"


def test_line_and_paragraph_separators_are_whitespace():
    assert clean_text("a\u2028b\u2029c") == "a b c"
    assert clean_text("a\u2028b\u2029c", keep_newlines=True) == "a\nb\nc"


def test_newlines_kept_when_asked_but_not_more_than_one_blank_line():
    assert clean_text(" first \r\n\n\n\n second\t line \n", keep_newlines=True) == (
        "first\n\nsecond line"
    )


def test_only_invisible_text_is_not_visible():
    assert not has_visible_text("")
    assert not has_visible_text("   \u200b\u200c\u200d\ufeff\u2060 \u00a0")
    assert not has_visible_text("\u0301")  # a lone combining mark
    assert has_visible_text("a")
    assert has_visible_text(FAMILY)
    assert has_visible_text("・")


def test_clean_text_of_nothing_is_empty():
    assert clean_text("") == ""
    assert clean_text("\x00\u202e \n\t", keep_newlines=True) == ""


def test_fold_word_groups_case_and_whitespace():
    assert fold_word("  Big   Picture ") == fold_word("big picture") == "big picture"
    assert fold_word("STRASSE") == fold_word("straße")


@pytest.mark.parametrize(
    "hidden",
    ["\u200b", "\u2060", "\u00ad", "\ufeff", "\U000e0041", "\u3164", "\u115f", "\u180e"],
    ids=[
        "zero-width-space",
        "word-joiner",
        "soft-hyphen",
        "bom",
        "tag",
        "hangul-filler",
        "hangul-choseong-filler",
        "mongolian-vowel-separator",
    ],
)
def test_invisible_format_characters_are_stripped(hidden):
    assert clean_text(f"go{hidden}od") == "good"
    assert fold_word(clean_text(f"go{hidden}od")) == fold_word("good")  # one cloud entry
    assert clean_text(f"{hidden}", keep_newlines=True) == ""


def test_joiners_stay_only_inside_emoji_sequences():
    assert clean_text(f"a\u200db {FAMILY}") == f"ab {FAMILY}"
    assert clean_text(f"{SCOTLAND} \U000e0067x") == f"{SCOTLAND} x"
    assert clean_text("می\u200cخواهم") == "می\u200cخواهم"  # Persian keeps its ZWNJ

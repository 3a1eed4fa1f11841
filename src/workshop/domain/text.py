"""Cleaning what people type: control characters out, whitespace folded."""

from __future__ import annotations

import re
import unicodedata

# Bidi overrides and isolates can make text display in a misleading order.
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


# Line and paragraph separators: a newline where newlines are kept, else a space.
_LINE_BREAKS = "\n\u2028\u2029"
# Characters that draw nothing although Unicode calls them letters or symbols; they
# are used to send "blank" answers that pass a naive emptiness check.
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Mn", "Me"})
# Hangul fillers draw nothing: "go\u3164od" would look like "good" yet count apart.
_HANGUL_FILLERS = frozenset("\u115f\u1160\u3164\uffa0")
_ZWJ = "\u200d"
_ZWNJ = "\u200c"  # needed between letters in Persian and Indic scripts: kept
_BLACK_FLAG = "\U0001f3f4"  # starts the subdivision flags (Scotland, Wales) that use tags


def _is_tag(ch: str) -> bool:
    return 0xE0020 <= ord(ch) <= 0xE007F


def _is_emoji_part(ch: str) -> bool:
    code = ord(ch)
    return (
        ch == "\ufe0f"
        or 0x1F000 <= code <= 0x1FAFF
        or 0x2600 <= code <= 0x27BF
        or unicodedata.category(ch) == "So"
    )


def _keep_format_character(ch: str, before: list[str], after: str) -> bool:
    """Invisible format characters (zero-width space, word joiner, soft hyphen, BOM, tag
    characters...) go, so that ``go\u200bod`` and ``good`` are one word; the joiner inside
    an emoji sequence and the tags of a subdivision flag stay, so emoji stay whole."""
    if ch == _ZWNJ:
        return True
    if ch == _ZWJ:
        return bool(before) and _is_emoji_part(before[-1]) and bool(after) and _is_emoji_part(after)
    if _is_tag(ch):
        return bool(before) and (before[-1] == _BLACK_FLAG or _is_tag(before[-1]))
    return False


def clean_text(raw: str, *, keep_newlines: bool = False) -> str:
    """Strip control, bidi-override and invisible format characters; keep emoji whole.

    Lone surrogates are dropped too, so the result always encodes as UTF-8.
    """
    text = unicodedata.normalize("NFC", raw).translate(_BIDI_CONTROLS)
    out: list[str] = []
    for index, ch in enumerate(text):
        category = unicodedata.category(ch)
        if ch in _LINE_BREAKS and keep_newlines:
            out.append("\n")
        elif ch in "\t\r" or ch in _LINE_BREAKS:
            out.append(" ")
        elif category in ("Cc", "Cs") or ch in _HANGUL_FILLERS:
            continue
        elif category == "Cf":
            if _keep_format_character(ch, out, text[index + 1 : index + 2]):
                out.append(ch)
        else:
            out.append(ch)
    text = "".join(out)
    if keep_newlines:
        lines = [re.sub(r"[ \u00a0]+", " ", line).strip() for line in text.split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return re.sub(r"\s+", " ", text).strip()


def has_visible_text(text: str) -> bool:
    """True when ``text`` would draw something: not only spaces, joiners or marks."""
    return any(
        ch not in _BLANK_LOOKING and unicodedata.category(ch) not in _INVISIBLE_CATEGORIES
        for ch in text
    )


def fold_word(entry: str) -> str:
    """How word-cloud entries are grouped: case and whitespace folded."""
    return re.sub(r"\s+", " ", entry).strip().casefold()

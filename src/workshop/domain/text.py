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


def clean_text(raw: str, *, keep_newlines: bool = False) -> str:
    """Strip control and bidi-override characters; keep emoji (joiners included).

    Lone surrogates are dropped too, so the result always encodes as UTF-8.
    """
    text = unicodedata.normalize("NFC", raw).translate(_BIDI_CONTROLS)
    out = []
    for ch in text:
        if ch in _LINE_BREAKS and keep_newlines:
            out.append("\n")
        elif ch in "\t\r" or ch in _LINE_BREAKS:
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cs"):
            continue
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

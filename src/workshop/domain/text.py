"""Cleaning what people type: control characters out, whitespace folded."""

from __future__ import annotations

import re
import unicodedata

# Bidi overrides and isolates can make text display in a misleading order.
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def clean_text(raw: str, *, keep_newlines: bool = False) -> str:
    """Strip control and bidi-override characters; keep emoji (joiners included)."""
    text = unicodedata.normalize("NFC", raw).translate(_BIDI_CONTROLS)
    out = []
    for ch in text:
        if ch == "\n" and keep_newlines:
            out.append(ch)
        elif ch in "\t\r\n":
            out.append(" ")
        elif unicodedata.category(ch) == "Cc":
            continue
        else:
            out.append(ch)
    text = "".join(out)
    if keep_newlines:
        lines = [re.sub(r"[ \u00a0]+", " ", line).strip() for line in text.split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return re.sub(r"\s+", " ", text).strip()


def fold_word(entry: str) -> str:
    """How word-cloud entries are grouped: case and whitespace folded."""
    return re.sub(r"\s+", " ", entry).strip().casefold()

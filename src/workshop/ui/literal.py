"""Show facilitator-written text (questions, options) literally where Streamlit reads Markdown.

Widget labels, option captions and headings are Markdown in Streamlit. A question such as
"1. What *really* matters?" or ":red[...]" must appear as typed, so every ASCII
punctuation character is backslash-escaped (CommonMark allows that for all of them).
Participant text never goes through here: it is shown with ``st.text`` only.
"""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def literal(text: str) -> str:
    """``text`` escaped so that Streamlit's Markdown shows it character for character."""
    return _PUNCTUATION.sub(r"\\\1", text)

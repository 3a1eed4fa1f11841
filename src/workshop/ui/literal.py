"""Show facilitator-written text (questions, options) literally where Streamlit reads Markdown.

Widget labels, option captions and headings are Markdown in Streamlit. A question such as
"1. What *really* matters?" or ":red[...]" must appear as typed, so every ASCII
punctuation character is backslash-escaped (CommonMark allows that for all of them).
Participant text is shown with ``st.text``; where one of our sentences quotes it (an
inline error such as "“…” has 4 words"), ``inert`` keeps the quote from becoming Markdown.
"""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def literal(text: str) -> str:
    """``text`` escaped so that Streamlit's Markdown shows it character for character."""
    return _PUNCTUATION.sub(r"\\\1", text)


# What turns a sentence into a link, an image, emphasis, code, maths or a heading.
_MARKDOWN_ACTIVE = re.compile(r"([\\`*_\[\]<>#~$])")


def inert(message: str) -> str:
    """One of our messages, which may quote participant text, shown as plain words.

    Only Markdown's active characters are escaped, so ordinary punctuation (full stops,
    colons, parentheses) reads the same in the page and in tests.
    """
    return _MARKDOWN_ACTIVE.sub(r"\\\1", message)

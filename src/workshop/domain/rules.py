"""Rules every kind shares: can an answer be taken now; bounded text; the word filter.

Whether an answer fits its prompt is the kind's own rule (``activities/<kind>/kind.py``).
"""

from __future__ import annotations

import re
from typing import Any

from .errors import InvalidAnswer, PromptClosed, PromptMoved, SessionEnded
from .model import Prompt, Session
from .text import clean_text, has_visible_text

# A hard cap on anything a phone can send, whatever a template says.
ABSOLUTE_TEXT_LIMIT = 2000
WORD_ENTRY_LIMIT = 60  # characters per word-cloud entry, whatever the prompt allows


def check_can_answer(session: Session, prompt: Prompt) -> None:
    """Raise unless ``prompt`` is the session's live, open prompt."""
    if not session.is_live:
        raise SessionEnded()
    if prompt.session_id != session.id or prompt.position != session.current_position:
        raise PromptMoved()
    if not session.answering_open:
        raise PromptClosed()


def check_blocked_words(texts: list[str], blocked: tuple[str, ...]) -> None:
    """Optional word filter for free text: refuse an answer holding a listed word.

    Whole words only, case-folded, so "class" is not caught by "ass".
    """
    if not blocked or not texts:
        return
    words = {w for text in texts for w in re.findall(r"\w+", text.casefold())}
    if words & {b.casefold() for b in blocked}:
        raise InvalidAnswer(
            "Please rephrase: your answer contains a word this session does not allow."
        )


def word_count(entry: str) -> int:
    return len(entry.split())


def bounded_text(raw: Any, *, limit: int, keep_newlines: bool) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise InvalidAnswer("Please write your answer as text.")
    if len(raw) > ABSOLUTE_TEXT_LIMIT * 4:
        raise InvalidAnswer(f"That is too long: please use at most {limit} characters.")
    text = clean_text(raw, keep_newlines=keep_newlines)
    if not has_visible_text(text):
        return ""  # only spaces, joiners or marks: as good as empty
    if len(text) > limit:
        raise InvalidAnswer(
            f"That is {len(text)} characters: please use at most {limit} "
            f"({len(text) - limit} too many)."
        )
    return text


def one_string(raw: Any) -> str:
    if isinstance(raw, list | tuple):
        if len(raw) != 1:
            raise InvalidAnswer("Please pick exactly one option.")
        raw = raw[0]
    return raw.strip() if isinstance(raw, str) else ""


def string_list(raw: Any) -> list[str]:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list | tuple):
        return []
    return [r.strip() for r in raw if isinstance(r, str) and r.strip()]


def answer_as_text(value: Any) -> str:
    """How a stored value reads in a CSV cell or on a card: lists joined by '; '."""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


__all__ = ["answer_as_text", "bounded_text", "check_can_answer", "clean_text"]

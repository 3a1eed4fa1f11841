"""Rules: can this answer be taken now, and is it a valid answer for its prompt?"""

from __future__ import annotations

import re
from typing import Any

from .errors import InvalidAnswer, PromptClosed, PromptMoved, SessionEnded
from .model import Prompt, PromptKind, PromptSpec, Session
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


def validate_answer(spec: PromptSpec, raw: Any) -> str | int | list[str]:
    """Turn what a phone sent into the stored value, or raise ``InvalidAnswer``."""
    kind = spec.kind
    if kind is PromptKind.SINGLE_CHOICE:
        choice = _one_string(raw)
        if not choice:
            raise InvalidAnswer("Please pick one option.")
        if choice not in spec.options:
            raise InvalidAnswer("That option is not one of the choices.")
        return choice
    if kind is PromptKind.MULTIPLE_CHOICE:
        picked = _string_list(raw)
        if not picked:
            raise InvalidAnswer("Please pick at least one option.")
        unknown = [p for p in picked if p not in spec.options]
        if unknown:
            raise InvalidAnswer("One of those options is not one of the choices.")
        picked = [o for o in spec.options if o in set(picked)]  # template order, no repeats
        limit = spec.max_choices or len(spec.options)
        if len(picked) > limit:
            raise InvalidAnswer(f"Please pick at most {limit} options (you picked {len(picked)}).")
        return picked
    if kind is PromptKind.SCALE:
        try:
            if isinstance(raw, bool):
                raise TypeError
            value = int(str(raw).strip()) if not isinstance(raw, int) else raw
        except (TypeError, ValueError):
            raise InvalidAnswer(
                f"Please pick a number from {spec.scale_min} to {spec.scale_max}."
            ) from None
        if not spec.scale_min <= value <= spec.scale_max:
            raise InvalidAnswer(f"Please pick a number from {spec.scale_min} to {spec.scale_max}.")
        return value
    if kind is PromptKind.OPEN_TEXT:
        text = _bounded_text(raw, limit=spec.max_length, keep_newlines=True)
        if not text:
            raise InvalidAnswer("Please write something before sending.")
        return text
    if kind is PromptKind.WORD_CLOUD:
        entries = _word_entries(raw, spec)
        return entries
    raise InvalidAnswer("This question cannot take answers.")  # pragma: no cover


def check_blocked_words(value: str | int | list[str], blocked: tuple[str, ...]) -> None:
    """Optional word filter for free text: refuse an answer holding a listed word.

    Whole words only, case-folded, so "class" is not caught by "ass".
    """
    if not blocked or isinstance(value, int):
        return
    texts = value if isinstance(value, list) else [value]
    words = {w for text in texts for w in re.findall(r"\w+", text.casefold())}
    if words & {b.casefold() for b in blocked}:
        raise InvalidAnswer(
            "Please rephrase: your answer contains a word this session does not allow."
        )


def word_count(entry: str) -> int:
    return len(entry.split())


def _word_entries(raw: Any, spec: PromptSpec) -> list[str]:
    if raw is None:
        items: list[Any] | tuple[Any, ...] = []
    elif isinstance(raw, str):
        if len(raw) > ABSOLUTE_TEXT_LIMIT * 4:
            raise InvalidAnswer("That is too long: please send a few short words.")
        items = raw.split(",")
    elif isinstance(raw, list | tuple):
        items = raw
    else:
        raise InvalidAnswer("Please write your answer as text.")
    if len(items) > ABSOLUTE_TEXT_LIMIT:
        raise InvalidAnswer(
            f"Please send at most {spec.max_entries} entries (you wrote {len(items)})."
        )
    if sum(len(i) for i in items if isinstance(i, str)) > ABSOLUTE_TEXT_LIMIT * 4:
        raise InvalidAnswer("That is too long: please send a few short words.")
    entries: list[str] = []
    seen: set[str] = set()  # folded entries: repeats are dropped in linear time
    for item in items:
        text = _bounded_text(
            item, limit=min(spec.max_length, WORD_ENTRY_LIMIT), keep_newlines=False
        )
        if not text:
            continue
        if word_count(text) > spec.max_words:
            raise InvalidAnswer(
                f"“{text[:40]}” has {word_count(text)} words: "
                f"use at most {spec.max_words} words per entry."
            )
        folded = text.casefold()
        if folded not in seen:
            seen.add(folded)
            entries.append(text)
    if not entries:
        raise InvalidAnswer("Please write at least one word.")
    if len(entries) > spec.max_entries:
        raise InvalidAnswer(
            f"Please send at most {spec.max_entries} entries (you wrote {len(entries)})."
        )
    return entries


def _bounded_text(raw: Any, *, limit: int, keep_newlines: bool) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise InvalidAnswer("Please write your answer as text.")
    if len(raw) > ABSOLUTE_TEXT_LIMIT * 4:
        raise InvalidAnswer(f"That is too long: please keep it under {limit} characters.")
    text = clean_text(raw, keep_newlines=keep_newlines)
    if not has_visible_text(text):
        return ""  # only spaces, joiners or marks: as good as empty
    if len(text) > limit:
        raise InvalidAnswer(
            f"That is {len(text)} characters: please keep it under {limit} "
            f"({len(text) - limit} too many)."
        )
    return text


def _one_string(raw: Any) -> str:
    if isinstance(raw, list | tuple):
        if len(raw) != 1:
            raise InvalidAnswer("Please pick exactly one option.")
        raw = raw[0]
    return raw.strip() if isinstance(raw, str) else ""


def _string_list(raw: Any) -> list[str]:
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


__all__ = ["answer_as_text", "check_can_answer", "clean_text", "validate_answer"]

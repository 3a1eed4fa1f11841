"""What the two choice kinds share: the options field and the count per option."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..domain.model import Answer
from .base import ConfigReader, TallyData, percent

MAX_OPTIONS = 12
MAX_OPTION_TEXT = 120


def read_options(read: ConfigReader) -> tuple[str, ...]:
    return read.text_list("options", low=2, high=MAX_OPTIONS, item_limit=MAX_OPTION_TEXT)


def count_options(options: tuple[str, ...], answers: list[Answer]) -> TallyData:
    """``option, count, percent`` for every option in template order; percent of
    respondents, so multiple choice can add up to more than 100."""
    counts: Counter[str] = Counter()
    for a in answers:
        counts.update(a.value if isinstance(a.value, list) else [a.value])
    n = len(answers)
    rows = [
        {"option": o, "count": counts.get(o, 0), "percent": percent(counts.get(o, 0), n)}
        for o in options
    ]
    return TallyData(n=n, columns=("option", "count", "percent"), rows=rows)


def phone_bars(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"label": str(r["option"]), "count": int(r["count"]), "percent": float(r["percent"])}
        for r in rows
    ]

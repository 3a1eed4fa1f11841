"""Tallies per prompt kind, as pandas DataFrames. Hidden answers never count.

Shapes (``Tally.table`` columns):
- single / multiple choice: ``option, count, percent`` (every option, template order;
  percent of respondents, so multiple choice can add up to more than 100);
- scale: ``value, count, percent`` for every point of the scale; plus mean and median;
- word cloud: ``word, count`` (case and whitespace folded; shown in its most used spelling);
- open text: ``answer_id, text, answered_at``, newest first.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd

from .domain.model import Answer, Prompt, PromptKind
from .domain.text import fold_word


@dataclass(frozen=True)
class Tally:
    prompt: Prompt
    n: int  # respondents counted (hidden answers left out)
    table: pd.DataFrame
    mean: float | None = None
    median: float | None = None

    @property
    def kind(self) -> PromptKind:
        return self.prompt.kind


def tally(prompt: Prompt, answers: list[Answer]) -> Tally:
    visible = [a for a in answers if not a.hidden]
    n = len(visible)
    kind = prompt.kind
    if kind is PromptKind.SINGLE_CHOICE or kind is PromptKind.MULTIPLE_CHOICE:
        counts: Counter[str] = Counter()
        for a in visible:
            counts.update(a.value if isinstance(a.value, list) else [a.value])
        options = list(prompt.spec.options)
        table = pd.DataFrame({"option": options, "count": [counts.get(o, 0) for o in options]})
        table["percent"] = _percent(table["count"], n)
        return Tally(prompt, n, table)
    if kind is PromptKind.SCALE:
        values = pd.Series([int(a.value) for a in visible], dtype="int64")
        points = list(range(prompt.spec.scale_min, prompt.spec.scale_max + 1))
        counted = values.value_counts()
        table = pd.DataFrame({"value": points, "count": [int(counted.get(p, 0)) for p in points]})
        table["percent"] = _percent(table["count"], n)
        mean = float(values.mean()) if n else None
        median = float(values.median()) if n else None
        return Tally(prompt, n, table, mean=mean, median=median)
    if kind is PromptKind.WORD_CLOUD:
        folded: Counter[str] = Counter()
        spellings: dict[str, Counter[str]] = {}
        for a in visible:
            for entry in a.value:
                key = fold_word(entry)
                folded[key] += 1
                spellings.setdefault(key, Counter())[" ".join(entry.split())] += 1
        rows = [
            {"word": spellings[key].most_common(1)[0][0], "count": count}
            for key, count in sorted(folded.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
        return Tally(prompt, n, pd.DataFrame(rows, columns=["word", "count"]))
    # open text: newest first
    rows = [
        {"answer_id": a.id, "text": str(a.value), "answered_at": a.answered_at}
        for a in sorted(visible, key=lambda a: (a.answered_at, a.id), reverse=True)
    ]
    return Tally(prompt, n, pd.DataFrame(rows, columns=["answer_id", "text", "answered_at"]))


def _percent(counts: pd.Series, n: int) -> pd.Series:
    if n == 0:
        return pd.Series([0.0] * len(counts), dtype="float64")
    return (counts * 100.0 / n).round(1)

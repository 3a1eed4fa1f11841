"""Tallies as pandas DataFrames for screens and figures. Hidden answers never count.

Each kind computes its own tally as plain data (``activities/<kind>/kind.py``, e.g.
``option, count, percent`` for the choice kinds, ``word, count`` for a word cloud);
this module turns it into the ``Tally`` every screen and figure reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd

from .activities import TallyData, get_kind
from .domain.model import Answer, Prompt


@dataclass(frozen=True)
class Tally:
    prompt: Prompt
    data: TallyData = field(repr=False)
    # The session's privacy threshold: a figure shows single answers (e.g. the matrix's
    # dots) only at or above it.
    min_answers: int = 0

    @property
    def n(self) -> int:
        """Respondents counted (hidden answers left out)."""
        return self.data.n

    @property
    def kind(self) -> str:
        return self.prompt.kind

    @property
    def rows(self) -> list[dict[str, Any]]:
        return self.data.rows

    @property
    def stats(self) -> dict[str, Any]:
        return self.data.stats

    @property
    def mean(self) -> float | None:
        return self.data.stats.get("mean")

    @property
    def median(self) -> float | None:
        return self.data.stats.get("median")

    @cached_property
    def table(self) -> pd.DataFrame:
        return pd.DataFrame(self.data.rows, columns=list(self.data.columns))


def tally(prompt: Prompt, answers: list[Answer], *, min_answers: int = 0) -> Tally:
    visible = [a for a in answers if not a.hidden]
    kind = get_kind(prompt.kind)
    return Tally(prompt, kind.tally(prompt.spec.config, visible), min_answers=min_answers)

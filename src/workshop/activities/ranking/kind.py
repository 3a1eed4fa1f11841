"""Ranking: put 2-10 items in order of preference (all of them, or only a top ``rank_top``).

Scoring is Borda points on a 0-100 scale, so a top-3 ranking and a full ranking read the
same way: with P ranked places, 1st = 100, 2nd = 100 * (P - 1) / P, ... last ranked place
= 100 / P, unranked = 0; an item's score is the mean over everyone who answered.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ...domain.errors import InvalidAnswer
from ...domain.model import Answer
from ..base import ConfigReader, Kind, TallyData, percent

MIN_ITEMS = 2
MAX_ITEMS = 10
MAX_ITEM_TEXT = 120
# How a whole ranking reads in one line (a CSV ``answer`` cell, a card).
JOINER = " > "


@dataclass(frozen=True, slots=True)
class RankingConfig:
    options: tuple[str, ...] = ()
    rank_top: int | None = None  # None: rank every item


def places(config: RankingConfig) -> int:
    """How many ranked places an answer has (every item, or the top ``rank_top``)."""
    return config.rank_top or len(config.options)


def top_places(config: RankingConfig) -> int:
    """The "top N" whose share the result shows: the top 3, fewer when fewer places are
    ranked; never every item (in a full ranking of 3 everyone has all 3 in their top 3,
    which says nothing), so at most one less than the number of items."""
    return max(1, min(3, places(config), len(config.options) - 1))


def points(rank: int, ranked_places: int) -> float:
    """Borda points of a 1-based rank on the 0-100 scale."""
    return 100.0 * (ranked_places - rank + 1) / ranked_places


def ordinal(rank: int) -> str:
    if 10 <= rank % 100 <= 20:  # 11th, 12th, 13th
        return f"{rank}th"
    return f"{rank}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(rank % 10, 'th') }"


def scoring_rule(ranked_places: int) -> str:
    """The rule in words, written under every chart so nobody misreads the bars."""
    if ranked_places < 1:
        return ""
    shown = [f"{ordinal(r)} = {points(r, ranked_places):.0f}" for r in range(1, ranked_places + 1)]
    if len(shown) > 4:  # first two, then the last: the steps are even, the pattern is clear
        shown = [*shown[:2], "…", shown[-1]]
    shown[0] += " points"
    return " · ".join([*shown, "unranked = 0", "bar = mean per person"])


def top_phrase(top: int) -> str:
    """``top 3`` (or ``1st place`` when only the first place counts), after "in"."""
    return "1st place" if top == 1 else f"top {top}"


class Ranking(Kind):
    name = "ranking"
    label = "Ranking"
    config_type = RankingConfig
    fields = frozenset({"options", "rank_top"})
    folder = Path(__file__).parent
    csv_columns = ("rank",)
    example: ClassVar[dict[str, Any]] = {
        "options": ["Inspiring others", "Lifting others up", "Organising well", "The title"],
        "rank_top": 3,
    }
    bad_examples = (
        ({"options": "Trust"}, "options"),
        ({"options": ["Only one"]}, "options"),
        ({"options": [f"Item {i}" for i in range(11)]}, "options"),
        ({"options": ["A", "a"]}, "options"),
        ({"options": ["A", "B"], "rank_top": 3}, "rank_top"),
        ({"options": ["A", "B"], "rank_top": 0}, "rank_top"),
        ({"options": ["A", "B"], "rank_top": "two"}, "rank_top"),
    )

    # ---- config -------------------------------------------------------------------
    def parse_config(self, read: ConfigReader) -> RankingConfig:
        before = len(read.problems)
        options = read.text_list(
            "options", low=MIN_ITEMS, high=MAX_ITEMS, item_limit=MAX_ITEM_TEXT, noun="items"
        )
        # With the options refused, hold rank_top only to the widest limit (no knock-on).
        known = len(options) if len(read.problems) == before else MAX_ITEMS
        rank_top = read.optional_integer("rank_top", low=1, high=known)
        if rank_top == len(options):
            rank_top = None  # "rank your top 5" of 5 items is a full ranking
        return RankingConfig(options=options, rank_top=rank_top)

    # ---- answers ------------------------------------------------------------------
    def validate(self, config: RankingConfig, raw: Any) -> list[str]:
        wanted = places(config)
        if raw is None or raw == "" or raw == []:
            raise InvalidAnswer(self._missing(config, 0))
        if not isinstance(raw, list | tuple):
            raise InvalidAnswer("Please rank the items by tapping them in order of preference.")
        # Checked before looking at any element: a 10,000-element list costs nothing.
        if len(raw) > wanted:
            raise InvalidAnswer(f"Please rank at most {wanted} items (you sent {len(raw)}).")
        ranking: list[str] = []
        for item in raw:
            text = item.strip() if isinstance(item, str) else None
            if text not in config.options:
                raise InvalidAnswer("One of those is not one of the items to rank.")
            if text in ranking:
                raise InvalidAnswer("Please rank each item only once.")
            ranking.append(text)
        if len(ranking) < wanted:
            raise InvalidAnswer(self._missing(config, len(ranking)))
        return ranking

    def _missing(self, config: RankingConfig, ranked: int) -> str:
        wanted = places(config)
        more = wanted - ranked
        item = "item" if more == 1 else "items"
        if config.rank_top == 1:
            return "Please pick your first choice."
        if config.rank_top:
            return f"Please pick your top {wanted}: {more} more {item} to place."
        return f"Please rank every item: {more} more {item} to place."

    def answer_text(self, config: RankingConfig, value: Any) -> str:
        if isinstance(value, list):
            return JOINER.join(str(v) for v in value)
        return str(value)

    def csv_cells(self, config: RankingConfig, value: Any) -> list[dict[str, str]]:
        """One row per ranked item with its 1-based rank; ``answer`` = the whole order."""
        whole = self.answer_text(config, value)
        items = value if isinstance(value, list) else [value]
        return [
            {"answer": whole, "item": str(item), "rank": str(rank)}
            for rank, item in enumerate(items, start=1)
        ]

    def sample_answer(self, config: RankingConfig, rng: random.Random) -> Any:
        return rng.sample(list(config.options), places(config))

    # ---- results ------------------------------------------------------------------
    def tally(self, config: RankingConfig, answers: list[Answer]) -> TallyData:
        """Per item, highest mean first: ``points`` (mean Borda 0-100 over respondents),
        ``top_count``/``top_percent`` (in the top 3 or fewer), ``ranked`` (how many placed
        it at all) and ``counts`` (how many put it at each place, 1st first)."""
        ranked_places = places(config)
        top = top_places(config)
        counts = {o: [0] * ranked_places for o in config.options}
        for answer in answers:
            for rank, item in enumerate(_ranking(answer.value), start=1):
                if item in counts and rank <= ranked_places:
                    counts[item][rank - 1] += 1
        n = len(answers)
        rows = []
        for order, option in enumerate(config.options):
            at = counts[option]
            total = sum(c * points(r, ranked_places) for r, c in enumerate(at, start=1))
            in_top = sum(at[:top])
            rows.append(
                {
                    "item": option,
                    "points": round(total / n, 1) if n else 0.0,
                    "top_count": in_top,
                    "top_percent": percent(in_top, n),
                    "ranked": sum(at),
                    "counts": tuple(at),
                    "order": order,
                }
            )
        # Highest mean first; ties by more top placings, then the template's order (so a
        # live chart does not reshuffle equal items each time it redraws).
        rows.sort(key=lambda r: (-r["points"], -r["top_count"], r["order"]))
        for row in rows:
            del row["order"]
        stats = {"places": ranked_places, "top": top, "rule": scoring_rule(ranked_places)}
        return TallyData(
            n=n,
            columns=("item", "points", "top_count", "top_percent", "ranked", "counts"),
            rows=rows,
            stats=stats,
        )

    def text_alternative(self, tally: Any) -> str:
        top = top_phrase(int(tally.stats["top"]))
        lines = []
        for r in tally.table.itertuples():
            at = ", ".join(
                f"{ordinal(rank)} by {c}" for rank, c in enumerate(r.counts, start=1) if c
            )
            lines.append(
                f"{r.item}: {r.points:.0f} points on average; {r.top_percent:.0f}% put it in "
                f"{top}" + (f"; ranked {at}" if at else "; not ranked by anyone")
            )
        lines.append(f"Scoring: {tally.stats['rule']}.")
        return "\n".join(lines)

    # ---- the phone ----------------------------------------------------------------
    def phone_prompt(self, config: RankingConfig) -> dict[str, Any]:
        return {"options": list(config.options), "rankTop": config.rank_top}

    def phone_results(self, tally: Any) -> dict[str, Any]:
        bars = [
            {
                "label": str(r["item"]),
                "points": round(float(r["points"])),
                "percent": float(r["points"]),  # the bar's length: points are 0-100
                "top": round(float(r["top_percent"])),
                "count": int(r["ranked"]),
            }
            for r in tally.rows
        ]
        return {"bars": bars, "top": int(tally.stats["top"]), "rule": tally.stats["rule"]}


def _ranking(value: Any) -> Sequence[str]:
    """A stored value as a ranking (stored values were validated; be calm about others)."""
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []

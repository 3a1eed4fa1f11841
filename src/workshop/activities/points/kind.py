"""100 points (dot voting): share a budget of points over 2-10 items, in steps.

The stored value is a mapping ``{item: points}`` holding every item of the prompt in
template order, zeros included: it reads on its own (no alignment with the options to
remember), and the CSV gets one row per item for every participant, so a spreadsheet's
mean over a column is the same mean the chart shows.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ...domain.errors import InvalidAnswer
from ...domain.model import Answer
from ..base import ConfigReader, Kind, TallyData, percent, shown

MAX_ITEMS = 10
MAX_ITEM_TEXT = 120
DEFAULT_BUDGET = 100
DEFAULT_STEP = 10
MAX_BUDGET = 1000
NAME_IN_MESSAGE = 40  # characters of an item's name quoted back in a refusal


@dataclass(frozen=True, slots=True)
class PointsConfig:
    options: tuple[str, ...] = ()
    budget: int = DEFAULT_BUDGET
    step: int = DEFAULT_STEP
    cap: int | None = None  # at most this many points on one item (None: the budget)
    spend_all: bool = True

    @property
    def per_item(self) -> int:
        return self.cap if self.cap is not None else self.budget


def _name(item: str) -> str:
    return item if len(item) <= NAME_IN_MESSAGE else item[:NAME_IN_MESSAGE] + "…"


def _number(value: float) -> str:
    """A mean as people read it: ``34``, ``2.5`` (one decimal, none when whole)."""
    rounded = round(value, 1)
    return f"{rounded:.0f}" if rounded == int(rounded) else f"{rounded:.1f}"


def _points_word(n: int) -> str:
    return "1 point" if n == 1 else f"{n} points"


def _divisors(budget: int) -> str:
    """A few steps that would fit ``budget``, for the template author's message."""
    fitting = [d for d in (1, 2, 5, 10, 20, 25, 50) if budget % d == 0 and d <= budget]
    return ", ".join(str(d) for d in fitting[-4:])


class Points(Kind):
    name = "points"
    label = "100 points"
    config_type = PointsConfig
    fields = frozenset({"options", "budget", "step", "cap", "spend_all"})
    folder = Path(__file__).parent
    csv_columns = ("points",)
    example: ClassVar[dict[str, Any]] = {
        "options": ["Inspiring others", "Organising well", "Sharing knowledge"],
        "budget": 100,
        "step": 10,
        "cap": 60,
        "spend_all": True,
    }
    bad_examples = (
        ({"options": "Trust"}, "options"),
        ({"options": ["A", "B"], "budget": 0}, "budget"),
        ({"options": ["A", "B"], "budget": "lots"}, "budget"),
        ({"options": ["A", "B"], "step": 30}, "step"),
        ({"options": ["A", "B"], "cap": 45}, "cap"),
        ({"options": ["A", "B"], "cap": 40}, "cap"),  # 2 x 40 cannot spend 100
        ({"options": ["A", "B"], "spend_all": "yes"}, "spend_all"),
    )

    # ---- config -------------------------------------------------------------------
    def parse_config(self, read: ConfigReader) -> PointsConfig:
        options = read.text_list(
            "options", low=2, high=MAX_ITEMS, item_limit=MAX_ITEM_TEXT, noun="items"
        )
        before = len(read.problems)
        budget = read.integer("budget", DEFAULT_BUDGET, low=1, high=MAX_BUDGET)
        budget_ok = len(read.problems) == before
        before = len(read.problems)
        # Steps of 10 unless the budget is not a multiple of 10 (a budget of 15: steps of 1).
        default_step = DEFAULT_STEP if budget % DEFAULT_STEP == 0 else 1
        step = read.integer("step", default_step, low=1, high=MAX_BUDGET)
        if len(read.problems) == before and budget_ok:
            if step > budget:
                read.problem("step", f"is {step}; it must not be more than the budget ({budget})")
            elif budget % step:
                read.problem(
                    "step",
                    f"is {step}, but the budget ({budget}) is not a multiple of it; "
                    f"a step of {_divisors(budget)} would fit",
                )
        cap = None
        cap_ok = False
        if read.get("cap") is not None:
            before = len(read.problems)
            cap = read.integer("cap", budget, low=1, high=MAX_BUDGET)
            if len(read.problems) == before and budget_ok:
                if not step <= cap <= budget:
                    read.problem("cap", f"is {cap}; it must be between {step} and {budget}")
                elif cap % step:
                    read.problem("cap", f"is {cap}; it must be a multiple of the step ({step})")
                else:
                    cap_ok = True
        spend_all = read.boolean("spend_all", True)
        if cap_ok and cap is not None and spend_all and options and cap * len(options) < budget:
            read.problem(
                "cap",
                f"is {cap}: {len(options)} items x {cap} points is less than the budget "
                f"({budget}), so nobody could spend all points",
            )
        return PointsConfig(options=options, budget=budget, step=step, cap=cap, spend_all=spend_all)

    # ---- answers ------------------------------------------------------------------
    def validate(self, config: PointsConfig, raw: Any) -> dict[str, int]:
        if not isinstance(raw, dict):
            raise InvalidAnswer("Please give your points to the items in the list.")
        # Checked before reading anything: a hostile mapping of 10,000 keys costs nothing.
        if len(raw) > len(config.options):
            raise InvalidAnswer("Some of those items are not in the list. Please reload the page.")
        points = dict.fromkeys(config.options, 0)
        for key, value in raw.items():
            if not isinstance(key, str) or key not in points:
                what = f"“{_name(key)}”" if isinstance(key, str) else "One of those items"
                raise InvalidAnswer(f"{what} is not in the list. Please reload the page.")
            points[key] = self._item_points(config, key, value)
        total = sum(points.values())
        if total > config.budget:
            raise InvalidAnswer(
                f"{_points_word(total - config.budget)} too many: you gave {total} "
                f"of {config.budget}. Please take some off."
            )
        if total == 0:
            raise InvalidAnswer("Please give some points to at least one item.")
        if config.spend_all and total < config.budget:
            raise InvalidAnswer(
                f"Please spend all {config.budget} points ({config.budget - total} left)."
            )
        return points

    def _item_points(self, config: PointsConfig, item: str, value: Any) -> int:
        name = _name(item)
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            value = int(value)  # 30.0 is 30
        if isinstance(value, bool) or not isinstance(value, int):
            # The value is not echoed: "None", "a dict" or "nan" mean nothing to a person.
            raise InvalidAnswer(f"Please give {name} a whole number of points.")
        if value < 0:
            raise InvalidAnswer(f"Points cannot be negative ({name}: {shown(value)}).")
        if config.cap is not None and value > config.cap:
            raise InvalidAnswer(
                f"At most {config.cap} points per item ({name} has {shown(value)})."
            )
        if value > config.budget:
            raise InvalidAnswer(
                f"{name} has {shown(value)} points, more than the {config.budget} you have."
            )
        if value % config.step:
            raise InvalidAnswer(f"Points go in steps of {config.step} ({name} has {value}).")
        return value

    def _given(self, config: PointsConfig, value: Any) -> list[tuple[str, int]]:
        """A stored value as (item, points) in template order; anything odd counts 0
        (a value stored before the prompt's items changed)."""
        mapping = value if isinstance(value, dict) else {}
        out = []
        for item in config.options:
            got = mapping.get(item, 0)
            out.append((item, got if isinstance(got, int) and not isinstance(got, bool) else 0))
        return out

    def answer_text(self, config: PointsConfig, value: Any) -> str:
        given = self._given(config, value)
        text = "; ".join(f"{item}: {p}" for item, p in given if p > 0)
        kept = config.budget - sum(p for _, p in given)
        if kept > 0:
            text += f" ({_points_word(kept)} not spent)"
        return text

    def csv_cells(self, config: PointsConfig, value: Any) -> list[dict[str, str]]:
        summary = self.answer_text(config, value)
        return [
            {"answer": summary, "item": item, "points": str(p)}
            for item, p in self._given(config, value)
        ]

    def sample_answer(self, config: PointsConfig, rng: random.Random) -> Any:
        """A random valid allocation: steps handed out one by one to items with room."""
        steps = config.budget // config.step
        to_give = steps if config.spend_all else rng.randint(1, steps)
        room = config.per_item // config.step
        units = dict.fromkeys(config.options, 0)
        for _ in range(to_give):
            open_items = [o for o in config.options if units[o] < room]
            if not open_items:
                break
            units[rng.choice(open_items)] += 1
        return {o: u * config.step for o, u in units.items()}

    # ---- results ------------------------------------------------------------------
    def tally(self, config: PointsConfig, answers: list[Answer]) -> TallyData:
        """Per item: ``mean`` points per person (0 for those who gave none), ``reach``
        (% of people who gave it any points), ``given`` (how many did), ``total`` and
        ``mean_given`` (the mean among those who gave some); sorted by mean, then reach.

        Mean and reach together tell "two people put 90 on it" from "everyone put 20
        on it", which the mean alone cannot."""
        n = len(answers)
        given = [dict(self._given(config, a.value)) for a in answers]
        rows = []
        for index, item in enumerate(config.options):
            values = [g[item] for g in given]
            total = sum(values)
            gave = sum(1 for v in values if v > 0)
            rows.append(
                {
                    "option": item,
                    "mean": round(total / n, 2) if n else 0.0,
                    "reach": percent(gave, n),
                    "given": gave,
                    "total": total,
                    "mean_given": round(total / gave, 2) if gave else 0.0,
                    "order": index,
                }
            )
        rows.sort(key=lambda r: (-r["mean"], -r["reach"], r["order"]))
        for r in rows:
            del r["order"]
        return TallyData(
            n=n,
            columns=("option", "mean", "reach", "given", "total", "mean_given"),
            rows=rows,
            stats={"budget": config.budget, "step": config.step},
        )

    def text_alternative(self, tally: Any) -> str:
        budget = tally.stats.get("budget", DEFAULT_BUDGET)
        lines = [
            f"{r.option}: mean {_number(r.mean)} of {budget} points per person; "
            f"{r.reach:.0f}% gave it points ({int(r.given)} of {tally.n})"
            for r in tally.table.itertuples()
        ]
        return "\n".join(lines)

    # ---- the phone ----------------------------------------------------------------
    def phone_prompt(self, config: PointsConfig) -> dict[str, Any]:
        return {
            "options": list(config.options),
            "budget": config.budget,
            "step": config.step,
            "cap": config.cap,
            "spendAll": config.spend_all,
        }

    def phone_results(self, tally: Any) -> dict[str, Any]:
        budget = tally.stats.get("budget", DEFAULT_BUDGET) or DEFAULT_BUDGET
        bars = [
            {
                "label": str(r["option"]),
                "count": int(r["given"]),
                "percent": round(100.0 * float(r["mean"]) / budget, 1),
                "mean": _number(float(r["mean"])),
                "reach": round(float(r["reach"])),
            }
            for r in tally.rows
        ]
        return {"bars": bars, "budget": budget}

"""Scale: a whole number from ``scale_min`` to ``scale_max`` (at most 21 points)."""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ...domain.errors import InvalidAnswer
from ...domain.model import Answer
from ..base import ConfigReader, Kind, TallyData, percent


@dataclass(frozen=True, slots=True)
class ScaleConfig:
    scale_min: int = 1
    scale_max: int = 5
    min_label: str = ""
    max_label: str = ""


class Scale(Kind):
    name = "scale"
    label = "Scale"
    config_type = ScaleConfig
    fields = frozenset({"min", "max", "min_label", "max_label"})
    folder = Path(__file__).parent
    example: ClassVar[dict[str, Any]] = {
        "min": 1,
        "max": 5,
        "min_label": "Not at all",
        "max_label": "Completely",
    }
    bad_examples = (
        ({"min": 5, "max": 1}, "max"),
        ({"min": 1, "max": 40}, "max"),
        ({"min": "one"}, "min"),
        ({"min_label": ["a"]}, "min_label"),
    )

    def parse_config(self, read: ConfigReader) -> ScaleConfig:
        before = len(read.problems)
        low = read.integer("min", 1, low=-100, high=100)
        high = read.integer("max", 5, low=-100, high=100)
        if len(read.problems) > before:
            pass  # min or max already reported: comparing them would only repeat it
        elif high <= low:
            read.problem("max", f"must be greater than min ({low})")
        elif high - low > 20:
            read.problem("max", "a scale may have at most 21 points")
        return ScaleConfig(
            scale_min=low,
            scale_max=high,
            min_label=read.text("min_label", limit=60),
            max_label=read.text("max_label", limit=60),
        )

    def validate(self, config: ScaleConfig, raw: Any) -> int:
        message = f"Please pick a number from {config.scale_min} to {config.scale_max}."
        try:
            if isinstance(raw, bool):
                raise TypeError
            value = int(str(raw).strip()) if not isinstance(raw, int) else raw
        except (TypeError, ValueError):
            raise InvalidAnswer(message) from None
        if not config.scale_min <= value <= config.scale_max:
            raise InvalidAnswer(message)
        return value

    def sample_answer(self, config: ScaleConfig, rng: random.Random) -> Any:
        return rng.randint(config.scale_min, config.scale_max)

    def tally(self, config: ScaleConfig, answers: list[Answer]) -> TallyData:
        """``value, count, percent`` for every point of the scale; mean and median."""
        values = [int(a.value) for a in answers]
        n = len(values)
        rows = [
            {"value": p, "count": values.count(p), "percent": percent(values.count(p), n)}
            for p in range(config.scale_min, config.scale_max + 1)
        ]
        stats = {
            "mean": float(statistics.fmean(values)) if n else None,
            "median": float(statistics.median(values)) if n else None,
        }
        return TallyData(n=n, columns=("value", "count", "percent"), rows=rows, stats=stats)

    def text_alternative(self, tally: Any) -> str:
        counts = "; ".join(f"{int(r.value)}: {int(r.count)}" for r in tally.table.itertuples())
        mean = tally.stats.get("mean")
        return counts + (f"; mean {mean:.1f}" if mean is not None else "")

    def phone_prompt(self, config: ScaleConfig) -> dict[str, Any]:
        return {
            "scaleMin": config.scale_min,
            "scaleMax": config.scale_max,
            "minLabel": config.min_label,
            "maxLabel": config.max_label,
        }

    def phone_results(self, tally: Any) -> dict[str, Any]:
        config: ScaleConfig = tally.prompt.spec.config
        ends = {config.scale_min: config.min_label, config.scale_max: config.max_label}
        bars = [
            {
                "label": f"{r['value']} ({ends[r['value']]})"
                if ends.get(r["value"])
                else str(r["value"]),
                "count": int(r["count"]),
                "percent": float(r["percent"]),
            }
            for r in tally.rows
        ]
        mean = tally.stats.get("mean")
        return {"bars": bars, "mean": None if mean is None else round(mean, 1)}

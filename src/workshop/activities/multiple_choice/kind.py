"""Multiple choice: one or more of 2-12 options, at most ``max_choices``."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ...domain.errors import InvalidAnswer
from ...domain.model import Answer
from ...domain.rules import string_list
from ..base import ConfigReader, Kind, TallyData
from ..choices import count_options, phone_bars, read_options


@dataclass(frozen=True, slots=True)
class MultipleChoiceConfig:
    options: tuple[str, ...] = ()
    max_choices: int | None = None


class MultipleChoice(Kind):
    name = "multiple_choice"
    label = "Multiple choice"
    config_type = MultipleChoiceConfig
    fields = frozenset({"options", "max_choices"})
    folder = Path(__file__).parent
    example: ClassVar[dict[str, Any]] = {
        "options": ["Trust", "Clarity", "Courage"],
        "max_choices": 2,
    }
    bad_examples = (
        ({"options": "Trust"}, "options"),
        ({"options": ["A", "B"], "max_choices": 3}, "max_choices"),
        ({"options": ["A", "B"], "max_choices": "two"}, "max_choices"),
    )

    def parse_config(self, read: ConfigReader) -> MultipleChoiceConfig:
        options = read_options(read)
        limit = max(1, len(options))
        max_choices = read.integer("max_choices", len(options) or 1, low=1, high=limit)
        return MultipleChoiceConfig(options=options, max_choices=max_choices)

    def validate(self, config: MultipleChoiceConfig, raw: Any) -> list[str]:
        picked = string_list(raw)
        if not picked:
            raise InvalidAnswer("Please pick at least one option.")
        if any(p not in config.options for p in picked):
            raise InvalidAnswer("One of those options is not one of the choices.")
        chosen = set(picked)
        picked = [o for o in config.options if o in chosen]  # template order, no repeats
        limit = config.max_choices or len(config.options)
        if len(picked) > limit:
            raise InvalidAnswer(f"Please pick at most {limit} options (you picked {len(picked)}).")
        return picked

    def sample_answer(self, config: MultipleChoiceConfig, rng: random.Random) -> Any:
        limit = config.max_choices or len(config.options)
        return rng.sample(list(config.options), rng.randint(1, limit))

    def tally(self, config: MultipleChoiceConfig, answers: list[Answer]) -> TallyData:
        return count_options(config.options, answers)

    def text_alternative(self, tally: Any) -> str:
        return "; ".join(
            f"{r.option}: {int(r.count)} ({r.percent:.0f}% of respondents)"
            for r in tally.table.itertuples()
        )

    def phone_prompt(self, config: MultipleChoiceConfig) -> dict[str, Any]:
        return {"options": list(config.options), "maxChoices": config.max_choices}

    def phone_results(self, tally: Any) -> dict[str, Any]:
        return {"bars": phone_bars(tally.rows)}

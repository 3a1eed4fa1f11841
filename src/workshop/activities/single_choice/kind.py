"""Single choice: one of 2-12 options; the tally counts each option."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ...domain.errors import InvalidAnswer
from ...domain.model import Answer
from ...domain.rules import one_string
from ..base import ConfigReader, Kind, TallyData
from ..choices import count_options, phone_bars, read_options


@dataclass(frozen=True, slots=True)
class SingleChoiceConfig:
    options: tuple[str, ...] = ()


class SingleChoice(Kind):
    name = "single_choice"
    label = "Single choice"
    config_type = SingleChoiceConfig
    fields = frozenset({"options"})
    folder = Path(__file__).parent
    example: ClassVar[dict[str, Any]] = {"options": ["Yes", "No", "Not sure"]}
    bad_examples = (
        ({"options": ["Only one"]}, "options"),
        ({"options": ["Same", "same"]}, "options"),
        ({"options": ["A", "B"], "max_choices": 2}, "max_choices"),
    )

    def parse_config(self, read: ConfigReader) -> SingleChoiceConfig:
        return SingleChoiceConfig(options=read_options(read))

    def validate(self, config: SingleChoiceConfig, raw: Any) -> str:
        choice = one_string(raw)
        if not choice:
            raise InvalidAnswer("Please pick one option.")
        if choice not in config.options:
            raise InvalidAnswer("That option is not one of the choices.")
        return choice

    def sample_answer(self, config: SingleChoiceConfig, rng: random.Random) -> Any:
        return rng.choice(config.options)

    def tally(self, config: SingleChoiceConfig, answers: list[Answer]) -> TallyData:
        return count_options(config.options, answers)

    def text_alternative(self, tally: Any) -> str:
        return "; ".join(
            f"{r.option}: {int(r.count)} ({r.percent:.0f}%)" for r in tally.table.itertuples()
        )

    def phone_prompt(self, config: SingleChoiceConfig) -> dict[str, Any]:
        return {"options": list(config.options)}

    def phone_results(self, tally: Any) -> dict[str, Any]:
        return {"bars": phone_bars(tally.rows)}

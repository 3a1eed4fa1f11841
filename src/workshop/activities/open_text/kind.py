"""Open text: up to ``max_length`` characters; line breaks kept; no figure (cards)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ...domain.errors import InvalidAnswer
from ...domain.model import Answer
from ...domain.rules import ABSOLUTE_TEXT_LIMIT, bounded_text
from ..base import ConfigReader, Kind, TallyData

DEFAULT_TEXT_LIMIT = 280
MAX_CARDS = 20  # open answers listed on a phone
SAMPLES = ("More time for questions", "Clear goals", "Ça va 👍🏽", "Listen first")


@dataclass(frozen=True, slots=True)
class OpenTextConfig:
    max_length: int = DEFAULT_TEXT_LIMIT


class OpenText(Kind):
    name = "open_text"
    label = "Open text"
    config_type = OpenTextConfig
    fields = frozenset({"max_length"})
    folder = Path(__file__).parent
    free_text = True
    example: ClassVar[dict[str, Any]] = {"max_length": 200}
    bad_examples = (({"max_length": 5}, "max_length"), ({"max_length": "long"}, "max_length"))

    def parse_config(self, read: ConfigReader) -> OpenTextConfig:
        limit = read.integer("max_length", DEFAULT_TEXT_LIMIT, low=10, high=ABSOLUTE_TEXT_LIMIT)
        return OpenTextConfig(max_length=limit)

    def validate(self, config: OpenTextConfig, raw: Any) -> str:
        text = bounded_text(raw, limit=config.max_length, keep_newlines=True)
        if not text:
            raise InvalidAnswer("Please write something before sending.")
        return text

    def texts(self, value: Any) -> list[str]:
        return [str(value)]

    def sample_answer(self, config: OpenTextConfig, rng: random.Random) -> Any:
        return rng.choice(SAMPLES)[: config.max_length]

    def tally(self, config: OpenTextConfig, answers: list[Answer]) -> TallyData:
        """``answer_id, text, answered_at``, newest first."""
        rows = [
            {"answer_id": a.id, "text": str(a.value), "answered_at": a.answered_at}
            for a in sorted(answers, key=lambda a: (a.answered_at, a.id), reverse=True)
        ]
        return TallyData(n=len(answers), columns=("answer_id", "text", "answered_at"), rows=rows)

    def figure(self, tally: Any, *, joined: int, style: Any) -> None:
        return None  # the screens draw open answers as a wall of cards

    def text_alternative(self, tally: Any) -> str:
        return "\n".join(str(t) for t in tally.table["text"])

    def phone_prompt(self, config: OpenTextConfig) -> dict[str, Any]:
        return {"maxLength": config.max_length}

    def phone_results(self, tally: Any) -> dict[str, Any]:
        return {"cards": [str(r["text"]) for r in tally.rows[:MAX_CARDS]]}

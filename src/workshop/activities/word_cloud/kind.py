"""Word cloud: up to ``max_entries`` entries of up to ``max_words`` words each."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ...domain.errors import InvalidAnswer
from ...domain.model import Answer
from ...domain.rules import ABSOLUTE_TEXT_LIMIT, WORD_ENTRY_LIMIT, bounded_text, word_count
from ...domain.text import fold_word
from ..base import ConfigReader, Kind, TallyData

DEFAULT_TEXT_LIMIT = 280
DEFAULT_WORDS_PER_ENTRY = 3
DEFAULT_ENTRIES_PER_PERSON = 3
MAX_WORDS = 15  # word-cloud entries listed on a phone
SAMPLES = ("trust", "courage", "listening", "clarity", "care", "vision", "Trust")


@dataclass(frozen=True, slots=True)
class WordCloudConfig:
    max_words: int = DEFAULT_WORDS_PER_ENTRY
    max_entries: int = DEFAULT_ENTRIES_PER_PERSON
    max_length: int = DEFAULT_TEXT_LIMIT  # per entry, capped at WORD_ENTRY_LIMIT


class WordCloud(Kind):
    name = "word_cloud"
    label = "Word cloud"
    config_type = WordCloudConfig
    fields = frozenset({"max_words", "max_entries"})
    folder = Path(__file__).parent
    free_text = True
    example: ClassVar[dict[str, Any]] = {"max_words": 2, "max_entries": 3}
    bad_examples = (({"max_words": 4}, "max_words"), ({"max_entries": 0}, "max_entries"))

    def parse_config(self, read: ConfigReader) -> WordCloudConfig:
        return WordCloudConfig(
            max_words=read.integer("max_words", DEFAULT_WORDS_PER_ENTRY, low=1, high=3),
            max_entries=read.integer("max_entries", DEFAULT_ENTRIES_PER_PERSON, low=1, high=10),
        )

    def validate(self, config: WordCloudConfig, raw: Any) -> list[str]:
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
                f"Please send at most {config.max_entries} entries (you wrote {len(items)})."
            )
        if sum(len(i) for i in items if isinstance(i, str)) > ABSOLUTE_TEXT_LIMIT * 4:
            raise InvalidAnswer("That is too long: please send a few short words.")
        entries: list[str] = []
        seen: set[str] = set()  # folded entries: repeats are dropped in linear time
        for item in items:
            text = bounded_text(
                item, limit=min(config.max_length, WORD_ENTRY_LIMIT), keep_newlines=False
            )
            if not text:
                continue
            if word_count(text) > config.max_words:
                raise InvalidAnswer(
                    f"“{text[:40]}” has {word_count(text)} words: "
                    f"use at most {config.max_words} words per entry."
                )
            folded = text.casefold()
            if folded not in seen:
                seen.add(folded)
                entries.append(text)
        if not entries:
            raise InvalidAnswer("Please write at least one word.")
        if len(entries) > config.max_entries:
            raise InvalidAnswer(
                f"Please send at most {config.max_entries} entries (you wrote {len(entries)})."
            )
        return entries

    def texts(self, value: Any) -> list[str]:
        return [str(v) for v in value]

    def sample_answer(self, config: WordCloudConfig, rng: random.Random) -> Any:
        return rng.sample(SAMPLES, rng.randint(1, min(config.max_entries, len(SAMPLES))))

    def tally(self, config: WordCloudConfig, answers: list[Answer]) -> TallyData:
        """``word, count``: case and whitespace folded; shown in its most used spelling."""
        folded: Counter[str] = Counter()
        spellings: dict[str, Counter[str]] = {}
        for a in answers:
            for entry in a.value:
                key = fold_word(entry)
                folded[key] += 1
                spellings.setdefault(key, Counter())[" ".join(entry.split())] += 1
        rows = [
            {"word": spellings[key].most_common(1)[0][0], "count": count}
            for key, count in sorted(folded.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
        return TallyData(n=len(answers), columns=("word", "count"), rows=rows)

    def text_alternative(self, tally: Any) -> str:
        return "; ".join(f"{r.word}: {int(r.count)}" for r in tally.table.itertuples())

    def phone_prompt(self, config: WordCloudConfig) -> dict[str, Any]:
        return {
            "maxLength": config.max_length,
            "entryLength": min(config.max_length, WORD_ENTRY_LIMIT),
            "maxWords": config.max_words,
            "maxEntries": config.max_entries,
        }

    def phone_results(self, tally: Any) -> dict[str, Any]:
        return {
            "words": [
                {"word": str(r["word"]), "count": int(r["count"])} for r in tally.rows[:MAX_WORDS]
            ]
        }

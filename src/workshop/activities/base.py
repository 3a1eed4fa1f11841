"""What every prompt kind provides, and the helpers kinds share to read their config.

A kind is one folder under ``activities/``: its ``kind.py`` (standard library only:
config, answer validation, tally, CSV cells, the phone's JSON, a sample answer), its
``figure.py`` (the only module of a kind that imports plotly, loaded on first use) and
its ``phone.js`` / ``phone.css`` (assembled into the phone app). Code outside a kind's
folder reaches it only through the registry (``activities.get_kind``).
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

from ..domain.errors import InvalidAnswer, TemplateProblem
from ..domain.model import Answer
from ..domain.rules import answer_as_text
from ..domain.text import clean_text, has_visible_text

# A ``results.Tally`` (a level above the kinds) is passed to the figure and phone hooks
# as ``Any``: nothing here needs pandas or plotly.
Tally = Any

SHOWN_LIMIT = 60


def shown(value: Any) -> str:
    """A short, safe rendering of a value for a message (scalars only, cut)."""
    if isinstance(value, str):
        text = value if len(value) <= SHOWN_LIMIT else value[:SHOWN_LIMIT] + "…"
        return repr(text)
    if value is None or isinstance(value, bool | float):
        return repr(value)
    if isinstance(value, int):
        if value.bit_length() > 64:
            return "a very long number"
        return repr(value)
    return f"a {type(value).__name__}"


class ConfigReader:
    """One prompt's YAML mapping, read field by field; every problem is collected with
    the file, prompt number, field and reason (the template is refused as a whole)."""

    def __init__(
        self, raw: Mapping[str, Any], *, source: str, number: int | None, problems: list
    ) -> None:
        self.raw = raw
        self.source = source
        self.number = number
        self.problems: list[TemplateProblem] = problems

    def problem(self, field_name: str, reason: str) -> None:
        self.problems.append(
            TemplateProblem(
                file=self.source, field=field_name, reason=reason, prompt_number=self.number
            )
        )

    def get(self, name: str, default: Any = None) -> Any:
        return self.raw.get(name, default)

    def text(
        self,
        name: str,
        *,
        limit: int,
        required: bool = False,
        multiline: bool = False,
        raw: Any = None,
        use_raw: bool = False,
    ) -> str:
        value = raw if use_raw else self.raw.get(name)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, str | int | float)
        ):
            self.problem(name, f"must be text, not {type(value).__name__}")
            return ""
        if isinstance(value, int) and value.bit_length() > 64:
            self.problem(name, "is a number far too long to be text")
            return ""
        # Control characters and bidi overrides out (a shared template is text from
        # someone else, shown in large type to a room).
        text = "" if value is None else clean_text(str(value), keep_newlines=multiline)
        if not has_visible_text(text):
            if required:
                self.problem(name, "is required and must not be empty")
            return ""
        if len(text) > limit:
            self.problem(name, f"is {len(text)} characters long; at most {limit}")
        return text

    def integer(self, name: str, default: int, *, low: int, high: int) -> int:
        value = self.raw.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(name, f"must be a whole number, not {shown(value)}")
            return low
        if not low <= value <= high:
            self.problem(name, f"is {shown(value)}; it must be between {low} and {high}")
            return low
        return value

    def optional_integer(self, name: str, *, low: int, high: int) -> int | None:
        if self.raw.get(name) is None:
            return None
        return self.integer(name, low, low=low, high=high)

    def boolean(self, name: str, default: bool) -> bool:
        value = self.raw.get(name, default)
        if not isinstance(value, bool):
            self.problem(name, f"must be true or false, not {shown(value)}")
            return default
        return value

    def text_list(
        self, name: str, *, low: int, high: int, item_limit: int, noun: str = "choices"
    ) -> tuple[str, ...]:
        """A list of distinct texts (options, items); '; ' is refused (CSV separator)."""
        value = self.raw.get(name)
        if not isinstance(value, list) or len(value) < low:
            self.problem(name, f"must be a list of at least {low} {noun}")
            return ()
        if len(value) > high:
            self.problem(name, f"has {len(value)} {noun}; at most {high}")
            return ()
        texts = [
            self.text(name, limit=item_limit, required=True, raw=v, use_raw=True) for v in value
        ]
        if len({t.casefold() for t in texts}) != len(texts):
            self.problem(name, f"has the same {noun.rstrip('s')} twice")
        if any("; " in t for t in texts):
            # The CSV joins several selections with "; ", so an option must not contain it.
            self.problem(name, f"a {noun.rstrip('s')} must not contain '; ' (it separates them)")
        return tuple(texts)

    def mapping(self, name: str, *, required: bool = True) -> ConfigReader | None:
        value = self.raw.get(name)
        if value is None and not required:
            return None
        if not isinstance(value, dict):
            self.problem(name, "must be a mapping of fields")
            return None
        return _NestedReader(value, parent=self, prefix=name)


class _NestedReader(ConfigReader):
    """A mapping inside a prompt (e.g. ``x_axis``): problems name ``x_axis.min``."""

    def __init__(self, raw: Mapping[str, Any], *, parent: ConfigReader, prefix: str) -> None:
        super().__init__(raw, source=parent.source, number=parent.number, problems=parent.problems)
        self.prefix = prefix

    def problem(self, field_name: str, reason: str) -> None:
        super().problem(f"{self.prefix}.{field_name}", reason)


@dataclass(frozen=True, slots=True)
class TallyData:
    """A kind's tally as plain data: a table (``columns`` x ``rows``) and summary figures.

    ``results.Tally`` turns the table into a pandas DataFrame for screens and figures.
    """

    n: int
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]
    stats: dict[str, Any] = field(default_factory=dict)


class Kind:
    """A prompt kind. Subclasses set the class attributes and override the hooks."""

    name: ClassVar[str]
    label: ClassVar[str]
    config_type: ClassVar[type]
    fields: ClassVar[frozenset[str]]  # the YAML fields a prompt of this kind may carry
    folder: ClassVar[Path]  # where the kind's figure.py and phone.js/.css live
    # Free text is checked against the installation's word filter; choices are not.
    free_text: ClassVar[bool] = False
    # Extra CSV columns this kind fills (beside ``answer`` and ``item``).
    csv_columns: ClassVar[tuple[str, ...]] = ()
    # A template mapping (without kind/text) that parses; and bad ones with the field
    # their refusal must name (the contract test holds every kind to these).
    example: ClassVar[dict[str, Any]]
    bad_examples: ClassVar[tuple[tuple[dict[str, Any], str], ...]] = ()

    # ---- config -------------------------------------------------------------------
    def parse_config(self, read: ConfigReader) -> Any:
        raise NotImplementedError

    def config(self, **values: Any) -> Any:
        """A config from keyword values (tests, stored prompts); defaults for the rest."""
        known = {f.name for f in fields(self.config_type)}
        unknown = set(values) - known
        if unknown:
            raise TypeError(f"a {self.name} prompt has no setting {sorted(unknown)}")
        return self.config_type(**values)

    def config_from_stored(self, stored: Mapping[str, Any]) -> Any:
        known = {f.name for f in fields(self.config_type)}
        values = {k: _tuples(v) for k, v in stored.items() if k in known}
        return self.config_type(**values)

    def config_to_stored(self, config: Any) -> dict[str, Any]:
        return {f.name: _lists(getattr(config, f.name)) for f in fields(self.config_type)}

    # ---- answers ------------------------------------------------------------------
    def validate(self, config: Any, raw: Any) -> Any:
        """What a phone sent -> the stored value, or raise ``InvalidAnswer``."""
        raise NotImplementedError

    def texts(self, value: Any) -> list[str]:
        """The free text inside a stored value (for the word filter)."""
        return []

    def answer_text(self, config: Any, value: Any) -> str:
        """How a stored value reads in one line (a CSV ``answer`` cell, a card)."""
        return answer_as_text(value)

    def csv_cells(self, config: Any, value: Any) -> list[dict[str, str]]:
        """The CSV cells of one answer: one dict per row (long kinds give several)."""
        return [{"answer": self.answer_text(config, value)}]

    def sample_answer(self, config: Any, rng: random.Random) -> Any:
        """A valid answer as a phone would send it (tests and the benchmark)."""
        raise NotImplementedError

    # ---- results ------------------------------------------------------------------
    def tally(self, config: Any, answers: list[Answer]) -> TallyData:
        """A pure function over the visible answers."""
        raise NotImplementedError

    def figure(self, tally: Tally, *, joined: int, style: Any) -> Any:
        """The plotly figure (None: the screen draws the answers as cards)."""
        module = importlib.import_module(f"{type(self).__module__.rpartition('.')[0]}.figure")
        return module.build_figure(tally, joined=joined, style=style)

    def text_alternative(self, tally: Tally) -> str:
        """The figure's content in words, for screen readers and the results page."""
        raise NotImplementedError

    # ---- the phone ----------------------------------------------------------------
    def phone_prompt(self, config: Any) -> dict[str, Any]:
        """This kind's fields of the prompt, as the phone app reads them (camelCase)."""
        raise NotImplementedError

    def phone_results(self, tally: Tally) -> dict[str, Any]:
        """This kind's results as the phone draws them (bars, words, cards, ...)."""
        raise NotImplementedError

    def phone_assets(self) -> tuple[str, str]:
        """This kind's phone.js (it calls ``registerKind``) and phone.css."""
        js = (self.folder / "phone.js").read_text(encoding="utf-8")
        css_path = self.folder / "phone.css"
        css = css_path.read_text(encoding="utf-8") if css_path.exists() else ""
        return js, css


def _tuples(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def _lists(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_lists(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _lists(getattr(value, f.name)) for f in fields(value)}
    return value


def percent(count: int, n: int) -> float:
    return round(count * 100.0 / n, 1) if n else 0.0


__all__ = ["ConfigReader", "InvalidAnswer", "Kind", "TallyData", "percent", "shown"]

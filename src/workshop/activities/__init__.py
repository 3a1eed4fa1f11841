"""The activity registry: every prompt kind, one folder each, found by name.

Code outside a kind's folder never names a kind; it asks the registry
(``get_kind(prompt.kind)``) and calls the kind's hooks (see ``base.Kind``). An unknown
kind raises ``UnknownKind``, never falls back to another kind. Adding a kind is one
folder plus one line in ``_FOLDERS`` (docs/activities.md).
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Mapping
from typing import Any

from ..domain.errors import WorkshopError
from ..domain.model import PromptSpec, ResultsMode
from .base import ConfigReader, Kind, TallyData

# The kinds, in the order templates' docs and error messages list them.
_FOLDERS = (
    "single_choice",
    "multiple_choice",
    "scale",
    "open_text",
    "word_cloud",
    "ranking",
    "points",
    "matrix",
)


class UnknownKind(WorkshopError):
    def __init__(self, name: object) -> None:
        shown = name if isinstance(name, str) else type(name).__name__
        super().__init__(
            f"There is no prompt kind {shown[:40]!r}; known kinds: {', '.join(KINDS)}."
        )
        self.name = name


def _load() -> dict[str, Kind]:
    kinds: dict[str, Kind] = {}
    for folder in _FOLDERS:
        kind: Kind = importlib.import_module(f"{__name__}.{folder}").KIND
        if kind.name != folder:  # pragma: no cover - a mistake in a new kind's folder
            raise RuntimeError(f"activities/{folder} registers itself as {kind.name!r}")
        kinds[kind.name] = kind
    return kinds


KINDS: dict[str, Kind] = _load()


def get_kind(name: object) -> Kind:
    """The kind called ``name``; ``UnknownKind`` for anything else."""
    kind = KINDS.get(name) if isinstance(name, str) else None
    if kind is None:
        raise UnknownKind(name)
    return kind


def make_spec(
    kind: str,
    text: str,
    *,
    note: str = "",
    results: ResultsMode = ResultsMode.LIVE,
    **config: Any,
) -> PromptSpec:
    """A prompt spec from keyword settings (tests, the benchmark, stored prompts)."""
    return PromptSpec(
        kind=kind, text=text, note=note, config=get_kind(kind).config(**config), results=results
    )


def spec_from_stored(
    *, kind: str, text: str, note: str, results: str, config: Mapping[str, Any]
) -> PromptSpec:
    return PromptSpec(
        kind=kind,
        text=text,
        note=note,
        config=get_kind(kind).config_from_stored(config),
        results=ResultsMode(results),
    )


def stored_config(spec: PromptSpec) -> dict[str, Any]:
    return get_kind(spec.kind).config_to_stored(spec.config)


def validate_answer(spec: PromptSpec, raw: Any) -> Any:
    """What a phone sent -> the stored value, or ``InvalidAnswer`` in plain words."""
    return get_kind(spec.kind).validate(spec.config, raw)


def sample_answer(spec: PromptSpec, rng: random.Random | None = None) -> Any:
    return get_kind(spec.kind).sample_answer(spec.config, rng or random.Random())


def answer_text(spec: PromptSpec, value: Any) -> str:
    return get_kind(spec.kind).answer_text(spec.config, value)


def phone_assets() -> tuple[str, str]:
    """Every kind's phone.js and phone.css, in registry order (see web/phone_assets.py)."""
    scripts, styles = [], []
    for kind in KINDS.values():
        js, css = kind.phone_assets()
        scripts.append(f"// ---- {kind.name} ----\n{js}")
        styles.append(f"/* ---- {kind.name} ---- */\n{css}")
    return "\n".join(scripts), "\n".join(styles)


__all__ = [
    "KINDS",
    "ConfigReader",
    "Kind",
    "TallyData",
    "UnknownKind",
    "answer_text",
    "get_kind",
    "make_spec",
    "phone_assets",
    "sample_answer",
    "spec_from_stored",
    "stored_config",
    "validate_answer",
]

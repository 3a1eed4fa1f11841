"""2×2 matrix: each item placed on two tap scales (x and y), or skipped.

The stored value is a mapping ``{item: [x, y]}`` holding only the placed items, in
template order; at least one item is placed. A single item means "place yourself".
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

from ...domain.errors import InvalidAnswer
from ...domain.model import Answer
from ..base import ConfigReader, Kind, TallyData, shown

MAX_ITEMS = 8
MAX_ITEM_TEXT = 60
MAX_LABEL = 60
MAX_CAPTION = 80
MAX_POINTS = 11
AXIS_FIELDS = frozenset({"name", "min", "max", "min_label", "max_label"})
QUADRANTS = ("top_left", "top_right", "bottom_left", "bottom_right")
QUADRANT_WORDS = {
    "top_left": "Top left",
    "top_right": "Top right",
    "bottom_left": "Bottom left",
    "bottom_right": "Bottom right",
}
SHAPE = "This answer does not have the shape of a 2×2 placement. Please reload the page."


@dataclass(frozen=True, slots=True)
class Axis:
    name: str = "x"
    min: int = 1
    max: int = 5
    min_label: str = ""
    max_label: str = ""

    @property
    def mid(self) -> float:
        return (self.min + self.max) / 2

    def side(self, value: int) -> float:
        """1 above the mid line, 0 below, 0.5 on it (counted half to each side)."""
        if value == self.mid:
            return 0.5
        return 1.0 if value > self.mid else 0.0


@dataclass(frozen=True, slots=True)
class Quadrants:
    top_left: str = ""
    top_right: str = ""
    bottom_left: str = ""
    bottom_right: str = ""


@dataclass(frozen=True, slots=True)
class MatrixConfig:
    x_axis: Axis = field(default_factory=lambda: Axis(name="x"))
    y_axis: Axis = field(default_factory=lambda: Axis(name="y"))
    items: tuple[str, ...] = ("Me",)
    quadrants: Quadrants = field(default_factory=Quadrants)


def _axis(value: Any) -> Axis:
    if isinstance(value, Axis):
        return value
    if isinstance(value, Mapping):
        return Axis(**{k: v for k, v in value.items() if k in AXIS_FIELDS})
    raise TypeError(f"an axis is a mapping of {sorted(AXIS_FIELDS)}, not {type(value).__name__}")


def _quadrants(value: Any) -> Quadrants:
    if value is None:
        return Quadrants()
    if isinstance(value, Quadrants):
        return value
    if isinstance(value, Mapping):
        return Quadrants(**{k: v for k, v in value.items() if k in QUADRANTS})
    raise TypeError(f"quadrants is a mapping of {list(QUADRANTS)}, not {type(value).__name__}")


def quadrant_of(config: MatrixConfig, x: int, y: int) -> dict[str, float]:
    """How much of one placement falls in each quadrant: 1 in one, or halves/quarters
    for a placement on a middle line (so the four shares still add up to 100%)."""
    right, top = config.x_axis.side(x), config.y_axis.side(y)
    return {
        "top_left": (1 - right) * top,
        "top_right": right * top,
        "bottom_left": (1 - right) * (1 - top),
        "bottom_right": right * (1 - top),
    }


def quadrant_label(config: MatrixConfig, key: str) -> str:
    caption = getattr(config.quadrants, key)
    return f"{QUADRANT_WORDS[key]}: {caption}" if caption else QUADRANT_WORDS[key]


class Matrix(Kind):
    name = "matrix"
    label = "2×2 matrix"
    config_type = MatrixConfig
    fields = frozenset({"x_axis", "y_axis", "items", "quadrants"})
    folder = Path(__file__).parent
    csv_columns = ("x", "y")
    example: ClassVar[dict[str, Any]] = {
        "x_axis": {
            "name": "Formal leadership position",
            "min": 1,
            "max": 5,
            "min_label": "none",
            "max_label": "senior",
        },
        "y_axis": {
            "name": "How often people choose to follow you",
            "min": 1,
            "max": 5,
            "min_label": "rarely",
            "max_label": "often",
        },
        "items": ["Me"],
        "quadrants": {
            "top_left": "A leader without a position",
            "top_right": "A leader with a position",
            "bottom_left": "Neither position nor followers (yet)",
            "bottom_right": "A position without followers",
        },
    }
    bad_examples = (
        ({"y_axis": {"name": "Y"}, "items": ["Me"]}, "x_axis"),
        (
            {"x_axis": {"name": "X", "max": 12}, "y_axis": {"name": "Y"}, "items": ["Me"]},
            "x_axis.max",
        ),
        (
            {"x_axis": {"name": "X", "min": 3, "max": 3}, "y_axis": {"name": "Y"}, "items": ["Me"]},
            "x_axis.max",
        ),
        (
            {"x_axis": {"name": "X", "min": "one"}, "y_axis": {"name": "Y"}, "items": ["Me"]},
            "x_axis.min",
        ),
        ({"x_axis": {"name": "X"}, "y_axis": {"name": ""}, "items": ["Me"]}, "y_axis.name"),
        (
            {"x_axis": {"name": "X"}, "y_axis": {"name": "Y", "colour": "red"}, "items": ["Me"]},
            "y_axis.colour",
        ),
        ({"x_axis": {"name": "X"}, "y_axis": {"name": "Y"}, "items": []}, "items"),
        ({"x_axis": {"name": "X"}, "y_axis": {"name": "Y"}, "items": ["Me", "me"]}, "items"),
        (
            {
                "x_axis": {"name": "X"},
                "y_axis": {"name": "Y"},
                "items": [f"i{n}" for n in range(9)],
            },
            "items",
        ),
        (
            {"x_axis": {"name": "X"}, "y_axis": {"name": "Y"}, "items": ["Me"], "quadrants": "all"},
            "quadrants",
        ),
        (
            {
                "x_axis": {"name": "X"},
                "y_axis": {"name": "Y"},
                "items": ["Me"],
                "quadrants": {"middle": "?"},
            },
            "quadrants.middle",
        ),
        (
            {
                "x_axis": {"name": "X"},
                "y_axis": {"name": "Y"},
                "items": ["Me"],
                "quadrants": {"top_left": ["a"]},
            },
            "quadrants.top_left",
        ),
    )

    # ---- config -------------------------------------------------------------------
    def parse_config(self, read: ConfigReader) -> MatrixConfig:
        x_axis = self._read_axis(read, "x_axis", default_name="x")
        y_axis = self._read_axis(read, "y_axis", default_name="y")
        items = read.text_list(
            "items", low=1, high=MAX_ITEMS, item_limit=MAX_ITEM_TEXT, noun="items"
        )
        captions = Quadrants()
        quadrants = read.mapping("quadrants", required=False)
        if quadrants is not None:
            for unknown in sorted(set(map(str, quadrants.raw)) - set(QUADRANTS)):
                quadrants.problem(unknown, f"is not a quadrant; use {', '.join(QUADRANTS)}")
            captions = Quadrants(
                **{key: quadrants.text(key, limit=MAX_CAPTION) for key in QUADRANTS}
            )
        return MatrixConfig(x_axis=x_axis, y_axis=y_axis, items=items, quadrants=captions)

    @staticmethod
    def _read_axis(read: ConfigReader, name: str, *, default_name: str) -> Axis:
        axis = read.mapping(name)
        if axis is None:
            return Axis(name=default_name)
        for unknown in sorted(set(map(str, axis.raw)) - AXIS_FIELDS):
            axis.problem(
                unknown, f"is not a field of an axis; use {', '.join(sorted(AXIS_FIELDS))}"
            )
        before = len(axis.problems)
        low = axis.integer("min", 1, low=-100, high=100)
        high = axis.integer("max", 5, low=-100, high=100)
        if len(axis.problems) > before:
            pass  # min or max already reported: comparing them would only repeat it
        elif high <= low:
            axis.problem("max", f"must be greater than min ({low})")
        elif high - low + 1 > MAX_POINTS:
            axis.problem("max", f"an axis may have at most {MAX_POINTS} points")
        return Axis(
            name=axis.text("name", limit=MAX_LABEL, required=True),
            min=low,
            max=high,
            min_label=axis.text("min_label", limit=MAX_LABEL),
            max_label=axis.text("max_label", limit=MAX_LABEL),
        )

    def config(self, **values: Any) -> MatrixConfig:
        """Axes and quadrants may be given as mappings (tests, the benchmark)."""
        known = {f.name for f in fields(MatrixConfig)}
        unknown = set(values) - known
        if unknown:
            raise TypeError(f"a {self.name} prompt has no setting {sorted(unknown)}")
        out: dict[str, Any] = {}
        if "x_axis" in values:
            out["x_axis"] = _axis(values["x_axis"])
        if "y_axis" in values:
            out["y_axis"] = _axis(values["y_axis"])
        if "items" in values:
            out["items"] = tuple(values["items"])
        if "quadrants" in values:
            out["quadrants"] = _quadrants(values["quadrants"])
        return MatrixConfig(**out)

    def config_from_stored(self, stored: Mapping[str, Any]) -> MatrixConfig:
        known = {f.name for f in fields(MatrixConfig)}
        return self.config(**{k: v for k, v in stored.items() if k in known})

    # ---- answers ------------------------------------------------------------------
    def validate(self, config: MatrixConfig, raw: Any) -> dict[str, list[int]]:
        """``{item: [x, y] | {"x": x, "y": y} | null}`` -> ``{item: [x, y]}`` (placed
        items only, template order). An untouched item (null, or both values null) is
        skipped; one with only one value is refused, as it is likely a slip."""
        several = len(config.items) > 1
        nothing = (
            "Please place at least one item."
            if several
            else "Please choose a point on both scales."
        )
        if raw is None or raw == {} or raw == []:
            raise InvalidAnswer(nothing)
        if not isinstance(raw, dict):
            raise InvalidAnswer(SHAPE)
        if len(raw) > len(config.items):
            raise InvalidAnswer("This answer names items that are not in this question.")
        placed: dict[str, list[int]] = {}
        for key, value in raw.items():
            if key not in config.items:
                raise InvalidAnswer(f"{shown(key)} is not one of the items to place.")
            point = self._point(value)
            if point is None:
                continue
            where = f"For “{key}”: " if several else ""
            x, y = point
            if x is None or y is None:
                missing = config.x_axis if x is None else config.y_axis
                skip = ", or skip it" if several else ""
                ask = f"please also choose a point for “{missing.name}”{skip}."
                raise InvalidAnswer(f"{where}{ask}" if where else ask[0].upper() + ask[1:])
            for axis, number in ((config.x_axis, x), (config.y_axis, y)):
                if isinstance(number, bool) or not isinstance(number, int):
                    raise InvalidAnswer(f"{where}{self._range(axis)}")
                if not axis.min <= number <= axis.max:
                    raise InvalidAnswer(f"{where}{self._range(axis)}")
            placed[key] = [x, y]
        if not placed:
            raise InvalidAnswer(nothing)
        return {item: placed[item] for item in config.items if item in placed}

    @staticmethod
    def _range(axis: Axis) -> str:
        return f"“{axis.name}” must be a whole number from {axis.min} to {axis.max}."

    @staticmethod
    def _point(value: Any) -> tuple[Any, Any] | None:
        """``(x, y)`` as sent (either may be None), or None for a skipped item."""
        if value is None:
            return None
        if isinstance(value, dict):
            if not set(value) <= {"x", "y"}:
                raise InvalidAnswer(SHAPE)
            x, y = value.get("x"), value.get("y")
        elif isinstance(value, list) and len(value) == 2:
            x, y = value
        else:
            raise InvalidAnswer(SHAPE)
        if x is None and y is None:
            return None
        for number in (x, y):
            # Numbers of the wrong sort are said in words with the axis range (in
            # validate); anything else (lists, objects) is not a placement at all.
            if number is not None and not isinstance(number, int | float | str):
                raise InvalidAnswer(SHAPE)
        return x, y

    def answer_text(self, config: MatrixConfig, value: Any) -> str:
        if not isinstance(value, dict):
            return str(value)
        parts = [f"x {x}, y {y}" for x, y in value.values()]
        if len(config.items) == 1 and len(value) == 1:
            return parts[0]
        return "; ".join(f"{item}: {part}" for item, part in zip(value, parts, strict=True))

    def csv_cells(self, config: MatrixConfig, value: Any) -> list[dict[str, str]]:
        """One row per placed item (skipped items have none)."""
        if not isinstance(value, dict):  # pragma: no cover - stored values are validated
            return [{"answer": str(value)}]
        return [
            {"answer": f"x {x}, y {y}", "item": item, "x": str(x), "y": str(y)}
            for item, (x, y) in value.items()
        ]

    def sample_answer(self, config: MatrixConfig, rng: random.Random) -> Any:
        """A placement of every item, some skipped when there are several."""
        items = list(config.items)
        keep = {i for i in items if len(items) == 1 or rng.random() > 0.2} or {rng.choice(items)}
        return {
            item: [
                rng.randint(config.x_axis.min, config.x_axis.max),
                rng.randint(config.y_axis.min, config.y_axis.max),
            ]
            if item in keep
            else None
            for item in items
        }

    # ---- results ------------------------------------------------------------------
    def tally(self, config: MatrixConfig, answers: list[Answer]) -> TallyData:
        """One row per item: placed/skipped, mean and (population) SD on each axis, and
        the share of its placements in each quadrant. ``stats`` holds the shares over all
        placements and every single placement (for the figure's dots, shown only at or
        above the session's privacy threshold)."""
        # By answer id, so the tally (and the dots' jitter) does not depend on the order
        # the store hands the answers over in.
        answers = sorted(answers, key=lambda a: a.id)
        n = len(answers)
        points: list[tuple[int, int, int, int]] = []  # item index, x, y, jitter seed
        rows = []
        overall = dict.fromkeys(QUADRANTS, 0.0)
        for index, item in enumerate(config.items):
            xs, ys = [], []
            weights = dict.fromkeys(QUADRANTS, 0.0)
            for answer in answers:
                value = answer.value if isinstance(answer.value, dict) else {}
                if not isinstance(value.get(item), list):
                    continue
                x, y = (int(v) for v in value[item])
                xs.append(x)
                ys.append(y)
                points.append((index, x, y, answer.id * MAX_ITEMS + index))
                for key, weight in quadrant_of(config, x, y).items():
                    weights[key] += weight
                    overall[key] += weight
            placed = len(xs)
            rows.append(
                {
                    "item": item,
                    "placed": placed,
                    "skipped": n - placed,
                    "mean_x": float(statistics.fmean(xs)) if xs else None,
                    "sd_x": float(statistics.pstdev(xs)) if xs else None,
                    "mean_y": float(statistics.fmean(ys)) if ys else None,
                    "sd_y": float(statistics.pstdev(ys)) if ys else None,
                    **{key: _share(weights[key], placed) for key in QUADRANTS},
                }
            )
        placements = len(points)
        stats = {
            "placements": placements,
            "quadrants": {key: _share(overall[key], placements) for key in QUADRANTS},
            "points": points,
        }
        columns = ("item", "placed", "skipped", "mean_x", "sd_x", "mean_y", "sd_y", *QUADRANTS)
        return TallyData(n=n, columns=columns, rows=rows, stats=stats)

    def text_alternative(self, tally: Any) -> str:
        """The figure as a small text table: one line per item, then the room's shares."""
        config: MatrixConfig = tally.prompt.spec.config
        header = (
            f"Item | placed | skipped | {config.x_axis.name} (x) mean ± SD | "
            f"{config.y_axis.name} (y) mean ± SD | "
            + " | ".join(quadrant_label(config, key) for key in QUADRANTS)
        )
        lines = [header]
        for row in tally.rows:
            if row["placed"]:
                x = f"{row['mean_x']:.1f} ± {row['sd_x']:.1f}"
                y = f"{row['mean_y']:.1f} ± {row['sd_y']:.1f}"
            else:
                x = y = "–"
            shares = " | ".join(f"{row[key]:.0f}%" for key in QUADRANTS)
            lines.append(
                f"{row['item']} | {row['placed']} | {row['skipped']} | {x} | {y} | {shares}"
            )
        lines.append(
            "A placement on a middle line counts half to each side; x runs "
            f"{_ends(config.x_axis)}, y runs {_ends(config.y_axis)}."
        )
        return "\n".join(lines)

    # ---- the phone ----------------------------------------------------------------
    def phone_prompt(self, config: MatrixConfig) -> dict[str, Any]:
        return {
            "xAxis": _phone_axis(config.x_axis),
            "yAxis": _phone_axis(config.y_axis),
            "items": list(config.items),
        }

    def phone_results(self, tally: Any) -> dict[str, Any]:
        config: MatrixConfig = tally.prompt.spec.config
        items = [
            {
                "item": str(r["item"]),
                "placed": int(r["placed"]),
                "meanX": None if r["mean_x"] is None else round(float(r["mean_x"]), 1),
                "meanY": None if r["mean_y"] is None else round(float(r["mean_y"]), 1),
            }
            for r in tally.rows
        ]
        shares = tally.stats.get("quadrants", {})
        bars = [
            {
                "label": quadrant_label(config, key),
                "count": 0,
                "percent": float(shares.get(key, 0.0)),
            }
            for key in ("top_right", "top_left", "bottom_right", "bottom_left")
        ]
        return {
            "xName": config.x_axis.name,
            "yName": config.y_axis.name,
            "items": items,
            "quadrants": bars,
            "placements": int(tally.stats.get("placements", 0)),
        }


def _share(weight: float, placed: int) -> float:
    return round(weight * 100.0 / placed, 1) if placed else 0.0


def _ends(axis: Axis) -> str:
    low = f"{axis.min} ({axis.min_label})" if axis.min_label else str(axis.min)
    high = f"{axis.max} ({axis.max_label})" if axis.max_label else str(axis.max)
    return f"from {low} to {high}"


def _phone_axis(axis: Axis) -> dict[str, Any]:
    return {
        "name": axis.name,
        "min": axis.min,
        "max": axis.max,
        "minLabel": axis.min_label,
        "maxLabel": axis.max_label,
    }

"""2×2 matrix: quadrants with their captions and shares, each item's mean with a ±1 SD
cross and, from the session's privacy threshold on, every placement as a faint dot."""

from __future__ import annotations

import random

import plotly.graph_objects as go

from ...charts import INK, MUTED, WORD_COLOURS, ChartStyle, base_layout, n_caption, plain, wrapped
from ...results import Tally
from .kind import QUADRANTS, Axis, MatrixConfig

JITTER = 0.16  # in scale points: dots on the same point spread out, never to a neighbour
LINE = "#8a94a3"
SHARE = "#5b6470"


def build_figure(tally: Tally, *, joined: int, style: ChartStyle) -> go.Figure:
    config: MatrixConfig = tally.prompt.spec.config
    x_axis, y_axis = config.x_axis, config.y_axis
    x_range = (x_axis.min - 0.5, x_axis.max + 0.5)
    # A band above and below the points holds the quadrants' shares and captions, so
    # they never sit on top of an answer's dot.
    band = 0.14 * (y_axis.max - y_axis.min + 1)
    y_range = (y_axis.min - 0.5 - band, y_axis.max + 0.5 + band)
    font = style.font_px
    fig = go.Figure()
    single = len(config.items) == 1

    # Every placement as a faint dot, only at or above the privacy threshold: a dot is
    # one person's answer. Jitter is seeded per answer, so a live chart does not jump.
    if tally.n >= max(1, tally.min_answers):
        for index, _item in enumerate(config.items):
            mine = [p for p in tally.stats.get("points", []) if p[0] == index]
            if not mine:
                continue
            xs, ys = [], []
            for _, x, y, seed in mine:
                rng = random.Random(seed)
                xs.append(x + rng.uniform(-JITTER, JITTER))
                ys.append(y + rng.uniform(-JITTER, JITTER))
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="markers",
                    marker={
                        "size": round(font * 0.5),
                        "color": _colour(index),
                        "opacity": 0.4,
                        "line": {"width": 0},
                    },
                    hoverinfo="skip",
                )
            )

    # Each item's mean with a ±1 standard-deviation cross, labelled directly (colour is
    # never the only cue); labels of close means go to different sides.
    positions = _label_positions(tally.rows, x_range, y_range, style, single=single)
    for index, row in enumerate(tally.rows):
        if not row["placed"]:
            continue
        label = "mean" if single else wrapped(str(row["item"]), 22)
        fig.add_trace(
            go.Scatter(
                x=[row["mean_x"]],
                y=[row["mean_y"]],
                mode="markers+text",
                marker={
                    "size": round(font * 1.0),
                    "color": _colour(index),
                    "symbol": "diamond",
                    "line": {"width": 3, "color": "#ffffff"},
                },
                error_x={
                    "type": "data",
                    "array": [row["sd_x"]],
                    "color": _colour(index),
                    "thickness": max(2, round(font / 7)),
                    "width": round(font * 0.35),
                },
                error_y={
                    "type": "data",
                    "array": [row["sd_y"]],
                    "color": _colour(index),
                    "thickness": max(2, round(font / 7)),
                    "width": round(font * 0.35),
                },
                text=[label],
                textposition=positions[index],
                textfont={
                    "size": round(font * 0.9),
                    "color": INK if single else _colour(index),
                    "weight": "bold",
                },
                cliponaxis=False,
                hoverinfo="skip",
            )
        )

    base_layout(fig, title=n_caption(tally.n, joined) + _skipped(tally), style=style)
    note_px = max(12, round(font * 0.6))
    fig.update_layout(margin={"t": int(font * 2.2 + note_px * 1.6)})
    for axis, update, rng in (
        (x_axis, fig.update_xaxes, x_range),
        (y_axis, fig.update_yaxes, y_range),
    ):
        values = list(range(axis.min, axis.max + 1))
        # The y title runs up the side: wrap it to the plot's height.
        side = style.width_px if axis is x_axis else style.height_px * 0.75
        chars = max(12, int(side / (font * 0.5)))
        update(
            range=list(rng),
            tickmode="array",
            tickvals=values,
            ticktext=[_tick(axis, v, style) for v in values],
            ticks="",
            showgrid=False,
            zeroline=False,
            showline=True,
            linecolor=LINE,
            mirror=True,
            fixedrange=True,
            automargin=True,
            title={"text": wrapped(f"{axis.name} →", chars), "font": {"size": font, "color": INK}},
            tickfont={"size": round(font * 0.85), "color": MUTED},
        )

    # The mid lines, and in each corner the quadrant's share and caption.
    line = {"color": LINE, "width": 3, "dash": "dash"}
    fig.add_shape(
        type="line", x0=x_axis.mid, x1=x_axis.mid, y0=y_range[0], y1=y_range[1], line=line
    )
    fig.add_shape(
        type="line", x0=x_range[0], x1=x_range[1], y0=y_axis.mid, y1=y_axis.mid, line=line
    )
    shares = tally.stats.get("quadrants", {})
    placements = int(tally.stats.get("placements", 0))
    for key in QUADRANTS:
        top, right = key.startswith("top"), key.endswith("right")
        x = x_range[1] if right else x_range[0]
        y = y_range[1] if top else y_range[0]
        caption = getattr(config.quadrants, key)
        parts = []
        if placements:
            share = f"{shares.get(key, 0.0):.0f}%"
            parts.append(f'<span style="font-size:{round(font * 1.3)}px"><b>{share}</b></span>')
        if caption:
            parts.append(wrapped(caption, 36 if style.font_px > 20 else 44))
        if not parts:
            continue
        fig.add_annotation(
            x=x,
            y=y,
            xref="x",
            yref="y",
            xanchor="right" if right else "left",
            yanchor="top" if top else "bottom",
            xshift=-8 if right else 8,
            yshift=-4 if top else 4,
            align="right" if right else "left",
            text="  ".join(parts if not right else parts[::-1]),
            showarrow=False,
            font={"size": round(font * 0.8), "color": SHARE},
        )
    # How to read it, in words, in the title row (right): the counting rule for a
    # placement on a middle line is decided here and said on the chart.
    note = "% = share of placements · one on a middle line counts half to each side"
    key_line = "◆ mean · cross = ±1 standard deviation"
    if tally.n >= max(1, tally.min_answers):
        key_line += " · dot = one answer"
    fig.add_annotation(
        x=1,
        y=1,
        xref="paper",
        yref="paper",
        yshift=8,
        xanchor="right",
        yanchor="bottom",
        align="right",
        text=plain(note) + "<br>" + plain(key_line),
        showarrow=False,
        font={"size": note_px, "color": MUTED},
    )
    return fig


_SIDES = ("top right", "bottom right", "top left", "bottom left", "top center", "bottom center")


def _label_positions(
    rows: list[dict],
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    style: ChartStyle,
    *,
    single: bool,
) -> dict[int, str]:
    """For each item, the first side of its mean whose label box (estimated in pixels)
    overlaps no label placed before it."""
    px_x = style.width_px * 0.85 / (x_range[1] - x_range[0])  # pixels per scale point
    px_y = style.height_px * 0.72 / (y_range[1] - y_range[0])
    char_px, line_px = style.font_px * 0.9 * 0.56, style.font_px * 0.9 * 1.25
    placed: list[tuple[float, float, float, float]] = []
    out: dict[int, str] = {}
    for index, row in enumerate(rows):
        if not row["placed"]:
            continue
        text = "mean" if single else str(row["item"])
        width = min(len(text), 22) * char_px
        height = line_px * (1 + len(text) // 23)
        cx, cy = row["mean_x"] * px_x, row["mean_y"] * px_y
        gap = style.font_px * 0.6
        boxes = {}
        for side in _SIDES:
            vertical, horizontal = side.split()
            x0 = {"right": cx + gap, "left": cx - gap - width, "center": cx - width / 2}[horizontal]
            y0 = cy + gap if vertical == "top" else cy - gap - height
            boxes[side] = (x0, y0, x0 + width, y0 + height)
        free = [s for s in _SIDES if not any(_overlap(boxes[s], b) for b in placed)]
        side = free[0] if free else _SIDES[len(placed) % len(_SIDES)]
        placed.append(boxes[side])
        out[index] = side
    return out


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _colour(index: int) -> str:
    return WORD_COLOURS[index % len(WORD_COLOURS)]


def _tick(axis: Axis, value: int, style: ChartStyle) -> str:
    label = axis.min_label if value == axis.min else axis.max_label if value == axis.max else ""
    return f"{value}<br>{wrapped(label, 14)}" if label else str(value)


def _skipped(tally: Tally) -> str:
    skipped = sum(int(r["skipped"]) for r in tally.rows)
    if len(tally.rows) < 2 or not skipped:
        return ""
    return f" · {skipped} item{'s' if skipped != 1 else ''} skipped"

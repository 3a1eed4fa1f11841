"""100 points: mean points per person per item, with reach beside it.

Two panels share the item labels: on the left the mean points per person (the bar),
on the right the share of people who gave the item any points. The second panel is
what tells "two people put 90 on it" (a long bar, a short reach) from "everyone put 20
on it" (a shorter bar, full reach): every tool that shows the mean alone hides that.
"""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ...charts import BAR, INK, MUTED, ChartStyle, base_layout, n_caption, wrapped
from ...results import Tally

REACH = "#0f766e"  # a dark teal: distinct from the mean bars, readable on a projector


def _number(value: float) -> str:
    rounded = round(value, 1)
    return f"{rounded:.0f}" if rounded == int(rounded) else f"{rounded:.1f}"


def build_figure(tally: Tally, *, joined: int, style: ChartStyle) -> go.Figure:
    table = tally.table
    budget = int(tally.stats.get("budget", 100))
    labels = [wrapped(str(o), style.label_chars) for o in table["option"]]
    means = [float(m) for m in table["mean"]]
    reach = [float(r) for r in table["reach"]]
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        column_widths=[0.62, 0.38],
        horizontal_spacing=0.04,
        # Column heads that are the chart's key; short enough for the narrow panel on a
        # presenter with the sidebar and the QR code beside it.
        subplot_titles=(f"bar = mean points per person (of {budget})", "% who gave it points"),
    )
    label_font = {"size": round(style.font_px * 1.1), "color": INK, "weight": "bold"}
    fig.add_trace(
        go.Bar(
            x=means,
            y=labels,
            orientation="h",
            text=[f"mean {_number(m)}" for m in means],
            textposition="outside",
            textfont=label_font,
            cliponaxis=False,
            marker={"color": BAR},
            hoverinfo="skip",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Bar(
            x=reach,
            y=labels,
            orientation="h",
            text=[f"{r:.0f}%" for r in reach],
            textposition="outside",
            textfont={**label_font, "color": REACH},
            cliponaxis=False,
            marker={"color": REACH},
            hoverinfo="skip",
        ),
        row=1,
        col=2,
    )
    base_layout(fig, title=n_caption(tally.n, joined), style=style)
    # The panel titles are the chart's key: a little smaller than the labels, muted.
    fig.update_annotations(font={"size": max(15, round(style.font_px * 0.85)), "color": MUTED})
    fig.update_layout(margin={"t": int(style.font_px * 4.2)})
    top = max(means, default=0.0)
    fig.update_xaxes(visible=False, range=[0, max(1.0, top) * 1.45], row=1, col=1)
    fig.update_xaxes(visible=False, range=[0, 145], row=1, col=2)
    fig.update_yaxes(autorange="reversed", ticks="", automargin=True, ticklabelstandoff=8)
    return fig

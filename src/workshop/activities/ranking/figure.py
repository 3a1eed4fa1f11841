"""Ranking: mean points per item as bars (top-N share beside each), a heat strip of how
often each item got each place, and the scoring rule written under the chart."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ...charts import BAR, INK, MUTED, ChartStyle, base_layout, n_caption, plain, wrapped
from ...results import Tally
from .kind import ordinal, top_phrase

# The heat strip runs from a faint grey-blue (nobody: the cell still shows, so the grid
# reads as a grid) to the bar colour (the most common placing).
HEAT_SCALE = [[0.0, "#f0f3f8"], [0.001, "#dbe6f7"], [1.0, BAR]]


def build_figure(tally: Tally, *, joined: int, style: ChartStyle) -> go.Figure:
    table = tally.table
    ranked_places = int(tally.stats["places"])
    top = int(tally.stats["top"])
    # Many items: smaller, wider labels, so two-line labels do not run into each other.
    crowded = len(table) > 6
    label_px = round(style.font_px * (0.8 if crowded else 1.0))
    label_chars = round(style.label_chars * (1.4 if crowded else 1.0))
    items = [wrapped(str(i), label_chars) for i in table["item"]]
    scores = [float(p) for p in table["points"]]
    shares = [float(s) for s in table["top_percent"]]
    counts = [list(c) for c in table["counts"]]
    phrase = top_phrase(top)
    # The strip gets more room the more places there are; the bars keep at least half.
    strip_share = min(0.45, 0.12 + 0.033 * ranked_places)
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        column_widths=[1 - strip_share, strip_share],
        horizontal_spacing=0.03,
    )
    fig.add_trace(
        go.Bar(
            x=scores,
            y=items,
            orientation="h",
            text=[f"{p:.0f} · {s:.0f}% in {phrase}" for p, s in zip(scores, shares, strict=True)],
            textposition="outside",
            textfont={"size": label_px, "color": INK, "weight": "bold"},
            cliponaxis=False,
            marker={"color": BAR},
            hoverinfo="skip",
        ),
        row=1,
        col=1,
    )
    # "1st".."6th" fit above their squares; beyond that plain numbers do (no tilted text).
    wide = ranked_places <= 6
    places = [ordinal(r) if wide else str(r) for r in range(1, ranked_places + 1)]
    peak = max((c for row in counts for c in row), default=0)
    fig.add_trace(
        go.Heatmap(
            z=counts,
            x=places,
            y=items,
            text=[[str(c) if c else "" for c in row] for row in counts],
            texttemplate="%{text}",
            textfont={"size": round(style.font_px * (0.8 if ranked_places > 6 else 0.9))},
            colorscale=HEAT_SCALE,
            zmin=0,
            zmax=max(1, peak),
            showscale=False,
            xgap=3,
            ygap=3,
            hoverinfo="skip",
        ),
        row=1,
        col=2,
    )
    base_layout(fig, title=f"{n_caption(tally.n, joined)} · sorted by mean points", style=style)
    # The rule under the chart, in words: which place earns what, so nobody misreads it.
    # Two short lines (the points per place; what bar and squares mean), so the rule fits
    # under the bars even when long item labels leave the plot narrow.
    points_line, _, bar_line = str(tally.stats["rule"]).partition(" · bar = ")
    legend = f"bar = {bar_line} · squares = people per place" if bar_line else ""
    if legend and not wide:
        legend += " (1 = 1st)"
    fig.add_annotation(
        text=f"{plain(points_line)}<br>{plain(legend)}",
        x=0.0,
        xref="paper",
        xanchor="left",
        y=0.0,
        yref="paper",
        yanchor="top",
        yshift=-round(style.font_px * 0.6),
        showarrow=False,
        align="left",
        font={"size": max(14, round(style.font_px * 0.8)), "color": MUTED},
    )
    # What each panel shows, level with the strip's place labels (1st, 2nd, ...).
    fig.add_annotation(
        text="Mean points (0–100)",
        x=0.0,
        xref="x domain",
        xanchor="left",
        y=1.0,
        yref="paper",
        yanchor="bottom",
        yshift=4,
        showarrow=False,
        font={"size": max(13, round(style.font_px * 0.7)), "color": MUTED},
    )
    fig.update_layout(margin={"t": round(style.font_px * 3.4), "b": round(style.font_px * 3.4)})
    fig.update_xaxes(visible=False, range=[0, 100 * 1.55], row=1, col=1)
    fig.update_xaxes(
        side="top",
        ticks="",
        showgrid=False,
        tickfont={"size": max(13, round(style.font_px * 0.8)), "color": MUTED},
        tickangle=0,
        row=1,
        col=2,
    )
    fig.update_yaxes(
        autorange="reversed",
        ticks="",
        automargin=True,
        showgrid=False,
        tickfont={"size": label_px},
    )
    return fig

"""Scale: the distribution over every point, with the mean marked."""

from __future__ import annotations

import plotly.graph_objects as go

from ...charts import BAR, INK, MEAN, ChartStyle, base_layout, n_caption, wrapped
from ...results import Tally


def build_figure(tally: Tally, *, joined: int, style: ChartStyle) -> go.Figure:
    """The distribution over every point of the scale, with the mean marked."""
    spec = tally.prompt.spec.config
    table = tally.table
    values = [int(v) for v in table["value"]]
    counts = [int(c) for c in table["count"]]
    ticks = []
    for v in values:
        end_label = spec.min_label if v == spec.scale_min else ""
        end_label = spec.max_label if v == spec.scale_max else end_label
        ticks.append(f"{v}<br>{wrapped(end_label, 18)}" if end_label else str(v))
    fig = go.Figure(
        go.Bar(
            x=values,
            y=counts,
            text=[f"{c} · {p:.0f}%" for c, p in zip(counts, table["percent"], strict=True)],
            textposition="outside",
            textfont={"size": round(style.font_px * 1.1), "color": INK, "weight": "bold"},
            cliponaxis=False,
            marker={"color": BAR},
            hoverinfo="skip",
        )
    )
    title = n_caption(tally.n, joined)
    if tally.mean is not None:
        title += f" · mean {tally.mean:.1f}"
    base_layout(fig, title=title, style=style)
    top = max(counts, default=0)
    fig.update_yaxes(visible=False, range=[0, max(1, top) * 1.35])
    fig.update_xaxes(tickmode="array", tickvals=values, ticktext=ticks, ticks="", automargin=True)
    if tally.mean is not None:
        fig.add_vline(x=tally.mean, line={"color": MEAN, "width": 5, "dash": "dash"})
        fig.add_annotation(
            x=tally.mean,
            y=1.0,
            yref="paper",
            yanchor="bottom",
            text=f"mean {tally.mean:.1f}",
            showarrow=False,
            font={"color": MEAN, "size": style.font_px},
            bgcolor="#ffffff",
        )
    return fig

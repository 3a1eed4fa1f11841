"""The bar chart both choice kinds draw: one bar per option in template order."""

from __future__ import annotations

import plotly.graph_objects as go

from ..charts import BAR, INK, ChartStyle, base_layout, n_caption, wrapped
from ..results import Tally


def choice_bars(
    tally: Tally, *, joined: int, style: ChartStyle, several: bool = False
) -> go.Figure:
    """Horizontal bars in template order, each labelled ``count · percent``."""
    table = tally.table
    counts = [int(c) for c in table["count"]]
    labels = [f"{c} · {p:.0f}%" for c, p in zip(counts, table["percent"], strict=True)]
    fig = go.Figure(
        go.Bar(
            x=counts,
            y=[wrapped(str(o), style.label_chars) for o in table["option"]],
            orientation="h",
            text=labels,
            textposition="outside",
            textfont={"size": round(style.font_px * 1.1), "color": INK, "weight": "bold"},
            cliponaxis=False,
            marker={"color": BAR},
            hoverinfo="skip",
        )
    )
    title = n_caption(tally.n, joined)
    if several:
        title += " · several choices each"
    base_layout(fig, title=title, style=style)
    top = max(counts, default=0)
    fig.update_xaxes(visible=False, range=[0, max(1, top) * 1.3])
    fig.update_yaxes(autorange="reversed", ticks="", automargin=True)
    return fig

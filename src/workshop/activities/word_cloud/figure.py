"""Word cloud: words sized by how many people wrote them."""

from __future__ import annotations

import plotly.graph_objects as go

from ...charts import FONT_FAMILY, ChartStyle, base_layout, layout_word_cloud, n_caption, plain
from ...results import Tally


def build_figure(tally: Tally, *, joined: int, style: ChartStyle) -> go.Figure:
    """Words sized by how many people wrote them (a scatter of text, fixed layout)."""
    table = tally.table
    width, height = style.width_px, style.height_px - int(style.font_px * 2.4) - 10
    words = [(str(w), int(c)) for w, c in zip(table["word"], table["count"], strict=True)]
    placed = layout_word_cloud(
        words,
        width=width,
        height=height,
        max_size=style.max_word_px,
        min_size=style.min_word_px,
    )
    fig = go.Figure(
        go.Scatter(
            x=[p.x for p in placed],
            y=[p.y for p in placed],
            mode="text",
            text=[plain(p.word) for p in placed],
            textfont={
                "size": [p.size for p in placed],
                "color": [p.colour for p in placed],
                "family": FONT_FAMILY,
                "weight": "bold",
            },
            customdata=[p.count for p in placed],
            hovertemplate="%{text}: %{customdata}<extra></extra>",
        )
    )
    title = n_caption(tally.n, joined)
    if len(placed) < len(words):
        title += f" · top {len(placed)} of {len(words)} words"
    base_layout(fig, title=title, style=style)
    fig.update_layout(width=style.width_px, margin={"l": 0, "r": 0, "b": 10})
    fig.update_xaxes(visible=False, range=[0, width], fixedrange=True)
    fig.update_yaxes(visible=False, range=[0, height], fixedrange=True)
    return fig

"""Single choice: horizontal bars, one per option."""

from __future__ import annotations

import plotly.graph_objects as go

from ...charts import ChartStyle
from ...results import Tally
from ..choice_figure import choice_bars


def build_figure(tally: Tally, *, joined: int, style: ChartStyle) -> go.Figure:
    return choice_bars(tally, joined=joined, style=style)

"""Draw one prompt's results: a plotly chart, or a wall of cards for open text.

Participant text is drawn with ``st.text`` only (never markdown or HTML); plotly labels
are escaped in ``charts``.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import plotly.graph_objects as go
import streamlit as st

from ..charts import n_caption
from ..results import Tally

# Plotly's mode bar and hover make no sense on a projector.
STATIC_CHART = {"displayModeBar": False, "staticPlot": True}
REPORT_CHART = {"displayModeBar": False}


def render_message(text: str, *, small: bool = False) -> None:
    """A large, calm message in place of a chart (``text`` is ours, escaped anyway)."""
    css = "ws-message ws-message-small" if small else "ws-message"
    st.html(f'<div class="{css}">{html.escape(text)}</div>')


def render_figure(fig: go.Figure, *, static: bool, key: str) -> None:
    width = "content" if fig.layout.width else "stretch"
    # theme=None: our sizes and colours, not Streamlit's smaller chart theme.
    config = STATIC_CHART if static else REPORT_CHART
    st.plotly_chart(fig, config=config, width=width, key=key, theme=None)


@dataclass(frozen=True, slots=True)
class WallFit:
    """How a card wall fits its space. With a line budget, cards go newest first into the
    shortest column while they fit; the rest wait for the results page (a projector
    cannot scroll)."""

    columns: int
    chars_per_line: int = 26
    lines_per_column: float | None = None  # None: every card, round robin
    max_chars: int | None = None  # cut longer cards with "…"
    large: bool = False  # projector type size (ui/style.py)


PROJECTOR_WALL = WallFit(
    columns=3, chars_per_line=24, lines_per_column=14, max_chars=200, large=True
)
CONSOLE_WALL = WallFit(columns=2, chars_per_line=30, lines_per_column=12, max_chars=140)
REPORT_WALL = WallFit(columns=3)
CARD_PADDING_LINES = 1.4  # a card's border, padding and the gap below it, in text lines


def arrange_cards(texts: list[str], fit: WallFit) -> list[list[str]]:
    """Texts (newest first) -> columns of cards that fit ``fit``, newest placed first."""
    columns: list[list[str]] = [[] for _ in range(fit.columns)]
    used = [0.0] * fit.columns
    for i, raw in enumerate(texts):
        text = _shorten(raw, fit.max_chars)
        if fit.lines_per_column is None:
            columns[i % fit.columns].append(text)
            continue
        cost = card_lines(text, fit.chars_per_line) + CARD_PADDING_LINES
        col = used.index(min(used))
        if used[col] + cost > fit.lines_per_column and i > 0:
            continue  # too long for the space left: a shorter, older card may still fit
        columns[col].append(text)
        used[col] += cost
    return columns


def card_lines(text: str, chars_per_line: int) -> int:
    return sum(max(1, math.ceil(len(line) / chars_per_line)) for line in text.split("\n"))


def render_card_wall(tally: Tally, *, joined: int, fit: WallFit) -> None:
    """Open-text answers as bordered cards of plain text (``st.text``), newest first."""
    texts = [str(t) for t in tally.table["text"]]
    columns = arrange_cards(texts, fit)
    shown = sum(len(c) for c in columns)
    where = "on screen" if fit.large else "shown here"
    more = f" · {shown} of {len(texts)} {where}" if shown < len(texts) else ""
    render_n(n_caption(tally.n, joined) + more)
    if not texts:
        render_message("No answers yet", small=not fit.large)
        return
    prefix = "card-wall" if fit.large else "cards"
    with st.container(key=f"{prefix}-{tally.prompt.id}"):
        for column, cards in zip(st.columns(fit.columns, gap="medium"), columns, strict=True):
            with column:
                for text in cards:
                    with st.container(border=True):
                        st.text(text)


def render_n(text: str) -> None:
    """The n / response-rate line above a card wall (a chart has it in its title)."""
    st.html(f'<p class="ws-n">{html.escape(text)}</p>')


def _shorten(text: str, max_chars: int | None) -> str:
    if max_chars is None or len(text) <= max_chars:
        return text
    return text[: max_chars - 1].rstrip() + "…"

"""The figure toolkit (no Streamlit here): styles, captions, safe labels, the word-cloud
layout; each kind draws its own figure with it (``activities/<kind>/figure.py``).

Every label that can come from a template or a participant goes through ``plain``:
plotly interprets some HTML tags in text (``<b>``, ``<a href>``, ``<br>``), so text is
escaped and shown as typed. Open text has no figure: the page draws a card wall.
"""

from __future__ import annotations

import html
import math
import textwrap
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from .activities import get_kind
from .domain.visibility import Gate, answers_phrase, results_gate
from .results import Tally

INK = "#1b1f24"
MUTED = "#5b6470"
BAR = "#1f4e9c"
MEAN = "#c2410c"
# Dark, distinct colours that read on a white projector screen.
WORD_COLOURS = ("#1f4e9c", "#0f766e", "#b45309", "#7e22ce", "#be123c", "#15803d", "#334155")
FONT_FAMILY = "Source Sans, Source Sans Pro, Segoe UI, Helvetica, Arial, sans-serif"


@dataclass(frozen=True, slots=True)
class ChartStyle:
    """Sizes in CSS pixels: ``PROJECTOR`` for the room, ``REPORT`` for the results page."""

    font_px: int
    height_px: int
    width_px: int  # used where the layout needs it (word cloud); bars stretch
    label_chars: int  # wrap long option labels at this many characters
    max_word_px: int
    min_word_px: int


PROJECTOR = ChartStyle(
    font_px=28, height_px=750, width_px=1220, label_chars=26, max_word_px=150, min_word_px=30
)
REPORT = ChartStyle(
    font_px=16, height_px=380, width_px=860, label_chars=34, max_word_px=64, min_word_px=15
)


# The visibility rule lives in the domain (one rule for every screen); these names stay
# importable from here for older callers.
gate = results_gate
__all__ = ["Gate", "answers_phrase", "gate"]


def plain(text: str) -> str:
    """Text for a plotly label, shown exactly as typed (no tags interpreted)."""
    return html.escape(text, quote=False)


def wrapped(text: str, width: int) -> str:
    """Escaped, wrapped onto lines of ``width`` characters (plotly breaks on <br>)."""
    lines = textwrap.wrap(text, width=width, break_long_words=True) or [""]
    return "<br>".join(plain(line) for line in lines)


def n_caption(n: int, joined: int) -> str:
    """``n = 9 · 75% of 12 joined``: on every chart, so a number never stands alone."""
    if joined <= 0:
        return f"n = {n}"
    rate = round(100 * n / joined)
    return f"n = {n} · {rate}% of {joined} joined"


def figure_for(tally: Tally, *, joined: int, style: ChartStyle) -> go.Figure | None:
    """The figure the tally's kind draws (None: the screen shows the answers as cards)."""
    return get_kind(tally.kind).figure(tally, joined=joined, style=style)


def with_joined(
    figure: go.Figure | None, tally: Tally, *, before: int, after: int
) -> go.Figure | None:
    """``figure`` (drawn for ``before`` joined) for ``after`` joined, in place, or None
    when its title holds no caption to change (the caller then draws it afresh).

    The joined count appears only in the caption (``n_caption``), so a projector whose
    room grows while its answers stay put keeps its figure: building one is most of what
    a presenter rerun costs (a join wave redraws it a few times a second)."""
    if figure is None:
        return None
    if before == after:
        return figure
    title = figure.layout.title.text or ""
    old, new = plain(n_caption(tally.n, before)), plain(n_caption(tally.n, after))
    if not title.startswith(old):
        return None
    figure.layout.title.text = new + title[len(old) :]
    return figure


def base_layout(fig: go.Figure, *, title: str, style: ChartStyle) -> None:
    fig.update_layout(
        height=style.height_px,
        margin={"l": 10, "r": 30, "t": int(style.font_px * 2.4), "b": 10},
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
        font={"family": FONT_FAMILY, "size": style.font_px, "color": INK},
        title={
            "text": plain(title),
            "x": 0.0,
            "xanchor": "left",
            "font": {"size": max(15, round(style.font_px * 0.85)), "color": MUTED},
        },
        showlegend=False,
        bargap=0.25,
    )


# ---- word cloud -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlacedWord:
    word: str
    count: int
    x: float  # centre, in pixels from the left
    y: float  # centre, in pixels from the bottom
    size: int  # font size in pixels
    colour: str


def text_width(word: str, size: float) -> float:
    """A rough width of ``word`` in a bold sans font: enough to keep words apart."""
    total = 0.0
    for ch in word:
        if ch in "il.,;:'!|()[]ftjr ":
            total += 0.34
        elif ch in "mwMW@":
            total += 0.95
        elif ch.isupper() or ch.isdigit():
            total += 0.68
        elif ord(ch) > 0x2E7F:  # CJK, emoji: about a full em
            total += 1.05
        else:
            total += 0.58
    return total * size


def layout_word_cloud(
    words: list[tuple[str, int]],
    *,
    width: float,
    height: float,
    max_size: int,
    min_size: int,
    limit: int = 60,
) -> list[PlacedWord]:
    """Place words biggest first, each on the free spot nearest the centre; no overlaps.

    Deterministic (no randomness): the same tally always gives the same picture, so a
    live chart does not jump around when it re-renders. The canvas is a grid of small
    cells; a summed-area table finds every free spot for a word at once. A word that
    finds no room is tried smaller, then left out.
    """
    words = sorted(words, key=lambda wc: (-wc[1], wc[0].casefold()))[:limit]
    if not words:
        return []
    high = max(1, words[0][1])
    shares = [(c / high) ** 0.6 for _, c in words]  # a word twice as frequent looks bigger
    sizes = [min_size + (max_size - min_size) * share for share in shares]
    # Many big words cannot all fit: shrink them together so that most of them do.
    needed = sum(_box(w, s)[0] * _box(w, s)[1] for (w, _), s in zip(words, sizes, strict=True))
    shrink = min(1.0, math.sqrt(0.5 * width * height / needed))
    grid = _Grid(width, height)
    placed: list[PlacedWord] = []
    for rank, ((word, count), wanted) in enumerate(zip(words, sizes, strict=True)):
        size = max(min_size, round(wanted * shrink))
        spot = grid.claim(*_box(word, size))
        while spot is None and size > min_size:
            size = max(min_size, int(size * 0.85))
            spot = grid.claim(*_box(word, size))
        if spot is not None:
            colour = WORD_COLOURS[rank % len(WORD_COLOURS)]
            placed.append(PlacedWord(word, count, spot[0], spot[1], size, colour))
    return placed


def _box(word: str, size: float) -> tuple[float, float]:
    """The room a word takes, with a little air around it."""
    return text_width(word, size) + size * 0.25, size * 1.15


class _Grid:
    """Occupancy of the canvas in ``CELL``-pixel cells (row 0 at the bottom)."""

    CELL = 6.0

    def __init__(self, width: float, height: float) -> None:
        self.cols, self.rows = int(width // self.CELL), int(height // self.CELL)
        self.taken = np.zeros((self.rows, self.cols), dtype=np.int32)
        centre_x, centre_y = self.cols / 2, self.rows / 2
        stretch = self.cols / max(self.rows, 1)  # fill a wide canvas as an ellipse
        ys, xs = np.mgrid[0 : self.rows, 0 : self.cols]
        self._xs, self._ys = xs, ys
        self._centre, self._stretch = (centre_x, centre_y), stretch

    def claim(self, box_w: float, box_h: float) -> tuple[float, float] | None:
        """Take the free ``box_w`` x ``box_h`` spot nearest the centre: its centre in px."""
        w, h = math.ceil(box_w / self.CELL), math.ceil(box_h / self.CELL)
        if w > self.cols or h > self.rows:
            return None
        sat = np.zeros((self.rows + 1, self.cols + 1), dtype=np.int32)
        sat[1:, 1:] = self.taken.cumsum(0).cumsum(1)
        used = sat[h:, w:] - sat[:-h, w:] - sat[h:, :-w] + sat[:-h, :-w]
        free = used == 0
        if not free.any():
            return None
        cx = self._xs[: free.shape[0], : free.shape[1]] + w / 2 - self._centre[0]
        cy = self._ys[: free.shape[0], : free.shape[1]] + h / 2 - self._centre[1]
        distance = (cx / self._stretch) ** 2 + cy**2
        distance[~free] = np.inf
        row, col = np.unravel_index(int(np.argmin(distance)), distance.shape)
        self.taken[row : row + h, col : col + w] = 1
        return (col + w / 2) * self.CELL, (row + h / 2) * self.CELL



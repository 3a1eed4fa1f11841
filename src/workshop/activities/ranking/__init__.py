"""Ranking: put the items in order of preference (all of them, or a top N)."""

from .kind import Ranking

KIND = Ranking()

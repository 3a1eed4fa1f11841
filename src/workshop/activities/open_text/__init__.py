"""Open text: a short free answer, shown as a wall of cards."""

from .kind import OpenText

KIND = OpenText()

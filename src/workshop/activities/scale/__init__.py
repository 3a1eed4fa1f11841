"""Scale: one point on a numbered scale with labelled ends."""

from .kind import Scale

KIND = Scale()

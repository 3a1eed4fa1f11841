"""2×2 matrix: each item placed on two tap scales (or skipped); a quadrant chart."""

from .kind import Matrix

KIND = Matrix()

"""100 points (dot voting): share a budget of points over a few items."""

from .kind import Points

KIND = Points()

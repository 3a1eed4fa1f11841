"""Word cloud: a few short entries per person, sized by how many wrote them."""

from .kind import WordCloud

KIND = WordCloud()

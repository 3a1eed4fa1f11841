"""Single choice: pick one option."""

from .kind import SingleChoice

KIND = SingleChoice()

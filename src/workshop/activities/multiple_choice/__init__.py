"""Multiple choice: pick one or more options (up to ``max_choices``)."""

from .kind import MultipleChoice

KIND = MultipleChoice()

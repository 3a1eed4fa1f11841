"""The ONE rule for "may the room see this prompt's results now?", used by every screen
(projector, console preview, phones) so they never disagree.

Results are shown when the facilitator shows them and at least ``answers_needed``
answers (hidden ones left out) came in. A minimum below 1 still needs one answer: an
empty chart tells the room nothing, and phones always waited for one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Gate:
    """Whether the room may see a prompt's results now, and what to say if not."""

    show: bool
    message: str = ""


def answers_needed(min_answers: int) -> int:
    return max(1, min_answers)


def answers_phrase(n: int) -> str:
    return f"{n} answer" if n == 1 else f"{n} answers"


def results_gate(*, results_visible: bool, n: int, min_answers: int) -> Gate:
    """Hidden results say how many answers came in; few answers stay private."""
    if not results_visible:
        return Gate(False, f"Results hidden — {answers_phrase(n)} so far")
    needed = answers_needed(min_answers)
    if n < needed:
        return Gate(False, f"Results appear after {answers_phrase(needed)} ({n} so far)")
    return Gate(True)

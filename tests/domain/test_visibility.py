"""The one results-visibility rule every screen uses (projector, console, phones)."""

from __future__ import annotations

import pytest

from workshop.domain.visibility import answers_needed, results_gate


@pytest.mark.parametrize("minimum, needed", [(0, 1), (-3, 1), (1, 1), (3, 3)])
def test_a_minimum_below_one_still_waits_for_one_answer(minimum, needed):
    assert answers_needed(minimum) == needed


def test_min_answers_zero_shows_nothing_before_the_first_answer():
    empty = results_gate(results_visible=True, n=0, min_answers=0)
    assert not empty.show
    assert empty.message == "Results appear after 1 answer (0 so far)"
    assert results_gate(results_visible=True, n=1, min_answers=0).show


def test_hidden_results_say_how_many_came_in():
    verdict = results_gate(results_visible=False, n=4, min_answers=0)
    assert not verdict.show and verdict.message == "Results hidden — 4 answers so far"


def test_shown_from_the_minimum_on():
    assert not results_gate(results_visible=True, n=2, min_answers=3).show
    assert results_gate(results_visible=True, n=3, min_answers=3).show

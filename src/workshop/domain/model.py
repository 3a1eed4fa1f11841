"""The shapes the domain holds: templates, prompts, live sessions and answers."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class ResultsMode(enum.StrEnum):
    LIVE = "live"  # the room sees results while answering
    ON_REVEAL = "on_reveal"  # results stay hidden until the facilitator reveals them


class SessionStatus(enum.StrEnum):
    LIVE = "live"
    ENDED = "ended"


DEFAULT_MIN_ANSWERS_TO_SHOW = 3


@dataclass(frozen=True, slots=True)
class PromptSpec:
    """A prompt as a template describes it, before any session exists.

    ``kind`` names a kind of the activity registry (``workshop.activities``); ``config``
    is that kind's own settings (a frozen dataclass the kind defines and parses).
    """

    kind: str
    text: str
    note: str = ""
    config: Any = None
    results: ResultsMode = ResultsMode.LIVE


@dataclass(frozen=True, slots=True)
class Template:
    """A session template: a title, an introduction and an ordered list of prompts."""

    title: str
    prompts: tuple[PromptSpec, ...]
    description: str = ""
    min_answers_to_show: int = DEFAULT_MIN_ANSWERS_TO_SHOW
    slug: str = ""


@dataclass(frozen=True, slots=True)
class Prompt:
    """A prompt inside a live session (it has an id and a position)."""

    id: int
    session_id: int
    position: int  # 0-based; shown to people as position + 1
    spec: PromptSpec

    @property
    def kind(self) -> str:
        return self.spec.kind

    @property
    def text(self) -> str:
        return self.spec.text

    @property
    def number(self) -> int:
        return self.position + 1


@dataclass(frozen=True, slots=True)
class Session:
    """A live (or ended) workshop session: the one shared thing every page reads."""

    id: int
    code: str
    title: str
    status: SessionStatus
    current_position: int
    answering_open: bool
    results_visible: bool
    revision: int
    prompt_count: int
    min_answers_to_show: int
    started_at: datetime
    ended_at: datetime | None = None
    template_slug: str = ""

    @property
    def is_live(self) -> bool:
        return self.status is SessionStatus.LIVE


@dataclass(frozen=True, slots=True)
class Answer:
    """One participant's answer to one prompt (the latest, if they changed it)."""

    id: int
    prompt_id: int
    participant_number: int
    value: Any  # JSON-able, by prompt kind (the kind validates and reads it)
    answered_at: datetime
    hidden: bool = False

    @property
    def pseudonym(self) -> str:
        return pseudonym(self.participant_number)


def pseudonym(number: int) -> str:
    """Per-session participant label used in exports: P001, P002, ..."""
    return f"P{number:03d}"


@dataclass(frozen=True, slots=True)
class LiveCounts:
    """The room's numbers, ONE definition for every screen and the CSV: ``answered`` is
    what the results count (hidden answers left out, like the chart's n), and the
    response rate is ``answered / joined``. ``hidden`` is said where it matters."""

    joined: int
    answered: int
    hidden: int = 0

    @property
    def response_rate(self) -> float:
        return self.answered / self.joined if self.joined else 0.0

    @property
    def stored(self) -> int:
        """Every stored answer, hidden ones too (0 only after a reset)."""
        return self.answered + self.hidden


@dataclass(frozen=True, slots=True)
class LiveView:
    """Everything a screen needs to draw the current moment of a session."""

    session: Session
    prompt: Prompt | None
    counts: LiveCounts
    extra: dict[str, Any] = field(default_factory=dict)

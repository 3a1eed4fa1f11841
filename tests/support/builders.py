"""Builders that go through the real services, so fixtures exercise real code."""

from __future__ import annotations

import random

import yaml

from workshop import services
from workshop.activities import KINDS, make_spec, sample_answer
from workshop.domain.codes import new_participant_token
from workshop.domain.model import PromptSpec, ResultsMode, Template
from workshop.storage import Database
from workshop.templates import parse_template


def make_template(
    *specs: PromptSpec, title: str = "Test session", min_answers: int = 0
) -> Template:
    if not specs:
        specs = (
            make_spec("single_choice", text="Pick one", options=("A", "B", "C")),
            make_spec(
                "multiple_choice",
                text="Pick some",
                options=("X", "Y", "Z"),
                max_choices=2,
            ),
            make_spec(
                "scale",
                text="Rate it",
                scale_min=1,
                scale_max=5,
                min_label="Low",
                max_label="High",
                results=ResultsMode.ON_REVEAL,
            ),
            make_spec("open_text", text="Say something", max_length=100),
            make_spec("word_cloud", text="A word", max_words=2, max_entries=3),
        )
    return Template(title=title, prompts=tuple(specs), min_answers_to_show=min_answers, slug="test")


def make_session(db: Database, template: Template | None = None) -> services.StartedSession:
    return services.start_session(db=db, template=template or make_template())


def answer_current(
    db: Database,
    started: services.StartedSession,
    raw: object,
    *,
    secret: bytes,
    token: str | None = None,
):
    """Join with ``token`` (new if None) and answer the current prompt."""
    token = token or new_participant_token(secret)
    view = services.get_live_view(db=db, session_id=started.session.id)
    assert view.prompt is not None
    return services.submit_answer(
        db=db,
        secret=secret,
        session_id=started.session.id,
        prompt_id=view.prompt.id,
        token=token,
        raw=raw,
    )


def every_kind_template(*, min_answers: int = 0) -> Template:
    """One prompt of every registered kind, each with the kind's own example config."""
    data = {
        "title": "Every kind",
        "min_answers_to_show": min_answers,
        "prompts": [
            {"kind": name, "text": f"A {kind.label.lower()} question", **kind.example}
            for name, kind in KINDS.items()
        ],
    }
    return parse_template(yaml.safe_dump(data, allow_unicode=True), source="every-kind.yaml")


def sample_answers(template: Template, seed: int = 0) -> list[object]:
    """A valid raw answer (as a phone sends it) for every prompt of ``template``."""
    rng = random.Random(seed)
    return [sample_answer(spec, rng) for spec in template.prompts]

"""Builders that go through the real services, so fixtures exercise real code."""

from __future__ import annotations

from workshop import services
from workshop.domain.codes import new_participant_token
from workshop.domain.model import PromptKind, PromptSpec, ResultsMode, Template
from workshop.storage import Database


def make_template(
    *specs: PromptSpec, title: str = "Test session", min_answers: int = 0
) -> Template:
    if not specs:
        specs = (
            PromptSpec(kind=PromptKind.SINGLE_CHOICE, text="Pick one", options=("A", "B", "C")),
            PromptSpec(
                kind=PromptKind.MULTIPLE_CHOICE,
                text="Pick some",
                options=("X", "Y", "Z"),
                max_choices=2,
            ),
            PromptSpec(
                kind=PromptKind.SCALE,
                text="Rate it",
                scale_min=1,
                scale_max=5,
                min_label="Low",
                max_label="High",
                results=ResultsMode.ON_REVEAL,
            ),
            PromptSpec(kind=PromptKind.OPEN_TEXT, text="Say something", max_length=100),
            PromptSpec(kind=PromptKind.WORD_CLOUD, text="A word", max_words=2, max_entries=3),
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

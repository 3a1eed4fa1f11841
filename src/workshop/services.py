"""Use cases the pages call, one transaction each.

Every function takes its dependencies by keyword (``db``, and ``secret`` where a
participant token is hashed), so a test can hand in a fresh database. Facilitator
actions check the session's facilitator key here, not only in the pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .activities import get_kind
from .changes import CHANGES
from .domain import codes, rules
from .domain.errors import (
    AccessDenied,
    NotFound,
    SessionEnded,
    SessionNotFound,
    StaleView,
    TemplateError,
    TemplateProblem,
)
from .domain.model import (
    Answer,
    LiveCounts,
    LiveView,
    Prompt,
    ResultsMode,
    Session,
    SessionStatus,
    Template,
)
from .export import export_rows, to_csv_bytes
from .guards import KEY_GUARD, SUBMIT_GUARD
from .results import Tally, tally
from .storage import Database, WriteConflict
from .storage import repository as repo

# What the sessions table keeps (storage/tables.py): checked here so that SQLite and
# PostgreSQL behave alike (SQLite would store a longer title, PostgreSQL refuses it).
MAX_TITLE_LENGTH = 200
MAX_SLUG_LENGTH = 100


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class StartedSession:
    session: Session
    facilitator_key: str  # shown once, in the facilitator's private link; only its hash is kept
    # For the projector: show and step (next/previous), nothing more; only its hash is kept.
    presenter_key: str = ""


@dataclass(frozen=True, slots=True)
class Participation:
    session: Session
    participant_number: int


# ---- sessions -------------------------------------------------------------------------


def start_session(*, db: Database, template: Template) -> StartedSession:
    """Start a live session from ``template`` with a fresh join code and facilitator key.

    Raises ``TemplateError`` for a template no loader checked (built in code) that has
    no prompts or a title longer than the store keeps.
    """
    _check_startable(template)
    key = codes.new_facilitator_key()
    presenter_key = codes.new_facilitator_key()
    first_results_live = template.prompts[0].results is ResultsMode.LIVE

    def work(conn: Any) -> Session:
        for _ in range(20):
            code = codes.new_join_code()
            if not repo.code_in_use(conn, code):
                break
        else:  # pragma: no cover - 29**6 codes; only a full table gets here
            raise RuntimeError("no free join code")
        session_id = repo.create_session(
            conn,
            code=code,
            title=template.title,
            template_slug=template.slug[:MAX_SLUG_LENGTH],  # a file name can be longer
            facilitator_key_hash=codes.hash_facilitator_key(key),
            presenter_key_hash=codes.hash_facilitator_key(presenter_key),
            prompt_count=len(template.prompts),
            min_answers_to_show=template.min_answers_to_show,
            results_visible=first_results_live,
            started_at=_now(),
        )
        repo.create_prompts(conn, session_id, template.prompts)
        return repo.get_session(conn, session_id)

    return StartedSession(session=db.write(work), facilitator_key=key, presenter_key=presenter_key)


def _check_startable(template: Template) -> None:
    problems = []
    where = template.slug or "template"
    if not template.prompts:
        problems.append(TemplateProblem(file=where, field="prompts", reason="has no prompts"))
    if not template.title.strip() or len(template.title) > MAX_TITLE_LENGTH:
        problems.append(
            TemplateProblem(
                file=where,
                field="title",
                reason=f"must be 1 to {MAX_TITLE_LENGTH} characters long",
            )
        )
    if problems:
        raise TemplateError(problems)


def find_session_by_code(*, db: Database, code: str) -> Session | None:
    normalised = codes.normalise_join_code(code)
    if not codes.is_well_formed(normalised):
        return None
    return db.read(lambda conn: repo.find_session_by_code(conn, normalised))


def get_session_by_code(*, db: Database, code: str) -> Session:
    session = find_session_by_code(db=db, code=code)
    if session is None:
        raise SessionNotFound(code)
    return session


def get_session(*, db: Database, session_id: int) -> Session:
    return db.read(lambda conn: repo.get_session(conn, session_id))


def list_sessions(*, db: Database) -> list[Session]:
    return db.read(repo.list_sessions)


def list_prompts(*, db: Database, session_id: int) -> list[Prompt]:
    return db.read(lambda conn: repo.list_prompts(conn, session_id))


def get_revision(*, db: Database, session_id: int) -> int | None:
    """One indexed read: live pages poll this and re-render only when it changed."""
    return db.read(lambda conn: repo.find_revision(conn, session_id))


def get_revisions(*, db: Database, session_ids: list[int]) -> dict[int, int]:
    """Revisions of many sessions in one read (for the push hub; missing ids are absent)."""
    return db.read(lambda conn: repo.list_revisions(conn, session_ids))


def get_live_view(*, db: Database, session_id: int) -> LiveView:
    """The session, its current prompt and the joined / answered counts, in one read."""

    def work(conn: Any) -> LiveView:
        session = repo.get_session(conn, session_id)
        prompt = repo.find_prompt_at(conn, session_id, session.current_position)
        joined = repo.count_participants(conn, session_id)
        shown, hidden = repo.count_answers_shown_hidden(conn, prompt.id) if prompt else (0, 0)
        return LiveView(session=session, prompt=prompt, counts=LiveCounts(joined, shown, hidden))

    return db.read(work)


Pulse = tuple[int, int, str, int]  # (revision, answers to the current prompt, newest, joined)


def get_pulses(*, db: Database, session_ids: list[int]) -> dict[int, Pulse]:
    """What facilitator screens redraw on, for many sessions in one read (the push hub
    polls this for sessions with a screen open; missing ids are deleted sessions).

    The revision moves with every facilitator action; the answer marker and the joined
    count move with the room, which does not bump the revision."""

    def work(conn: Any) -> dict[int, Pulse]:
        pulses: dict[int, Pulse] = {}
        for session_id in session_ids:
            session = repo.find_session(conn, session_id)
            if session is None:
                continue
            prompt = repo.find_prompt_at(conn, session_id, session.current_position)
            count, newest = repo.answer_marker(conn, prompt.id) if prompt else (0, None)
            joined = repo.count_participants(conn, session_id)
            pulses[session_id] = (session.revision, count, str(newest), joined)
        return pulses

    return db.read(work)


def get_answer_marker(*, db: Database, prompt_id: int) -> tuple[int, datetime | None]:
    """(count, newest time) of a prompt's answers: cheap, for live charts to poll."""
    return db.read(lambda conn: repo.answer_marker(conn, prompt_id))


# ---- facilitator actions (each checks the key and bumps the revision) ----------------


def check_facilitator_key(
    *, db: Database, session_id: int, key: str | None, client: str | None = None
) -> None:
    """Raise ``AccessDenied`` unless ``key`` controls this session.

    ``client`` (the page's client address, memory only) is where wrong keys come from:
    each wrong one from there waits longer, then that address is locked out for a while
    (see ``guards.FailureGuard``). A right key never waits. Facilitator actions pass no
    client: their page checked the key with one already.
    """
    if client is not None and (left := KEY_GUARD.locked_for(client)):
        raise AccessDenied(locked_out_message(left))
    try:
        stored = db.read(lambda conn: repo.get_facilitator_key_hash(conn, session_id))
    except NotFound:
        stored = None
    if stored is None or not codes.facilitator_key_matches(key, stored):
        if client is not None:
            KEY_GUARD.record_failure(client)
            KEY_GUARD.wait_after_failure(client)
        raise AccessDenied()


def locked_out_message(seconds_left: float) -> str:
    minutes = max(1, round(seconds_left / 60))
    return (
        "Too many wrong keys or passwords came from this device. "
        f"Please try again in {minutes} min."
    )


def _facilitator_write(db: Database, session_id: int, key: str | None, work: Any) -> Session:
    check_facilitator_key(db=db, session_id=session_id, key=key)

    def run(conn: Any) -> Session:
        work(conn)
        return repo.get_session(conn, session_id)

    session = db.write(run)
    CHANGES.announce(session_id)  # committed: screens and phones follow at once
    return session


def check_presenter_key(
    *, db: Database, session_id: int, key: str | None, client: str | None = None
) -> None:
    """Raise ``AccessDenied`` unless ``key`` may show and step this session: its
    presenter key, or its facilitator key (which can do everything)."""
    if client is not None and (left := KEY_GUARD.locked_for(client)):
        raise AccessDenied(locked_out_message(left))
    try:
        stored = db.read(lambda conn: repo.get_presenter_key_hash(conn, session_id))
    except NotFound:
        raise AccessDenied() from None
    if stored is not None and codes.facilitator_key_matches(key, stored):
        return
    check_facilitator_key(db=db, session_id=session_id, key=key, client=client)


def _move(
    db: Database,
    session_id: int,
    key: str | None,
    where: Callable[[Session], int],
    seen_revision: int | None,
    *,
    presenter_may: bool,
) -> Session:
    """Move the current prompt in ONE transaction: the position is read and written
    together, so two presses at once move one question each (never both to the same one).

    ``where``: the target position from the session as it is inside the transaction.
    ``seen_revision``: the revision the pressing screen showed; a move based on an older
    view is refused (``StaleView``) rather than applied to a question it did not show.
    ``presenter_may``: the presenter key may do this move (next / previous), not only
    the facilitator key.
    """
    if presenter_may:
        check_presenter_key(db=db, session_id=session_id, key=key)
    else:
        check_facilitator_key(db=db, session_id=session_id, key=key)

    def run(conn: Any) -> Session:
        repo.lock_session(conn, session_id)
        session = repo.get_session(conn, session_id)
        if not session.is_live:
            raise SessionEnded()
        if seen_revision is not None and seen_revision != session.revision:
            raise StaleView()
        target = max(0, min(where(session), session.prompt_count - 1))
        prompt = repo.find_prompt_at(conn, session_id, target)
        if prompt is None:
            raise NotFound("That question does not exist.")
        repo.update_session(
            conn,
            session_id,
            current_position=target,
            answering_open=True,
            results_visible=prompt.spec.results is ResultsMode.LIVE,
        )
        return repo.get_session(conn, session_id)

    moved = db.write(run)
    CHANGES.announce(session_id)  # committed: screens and phones follow at once
    return moved


def go_to_prompt(
    *,
    db: Database,
    session_id: int,
    key: str | None,
    position: int,
    seen_revision: int | None = None,
) -> Session:
    """Show the prompt at ``position``: answering opens; results follow the prompt's mode."""
    where = lambda _session: position  # noqa: E731
    return _move(db, session_id, key, where, seen_revision, presenter_may=False)


def next_prompt(
    *, db: Database, session_id: int, key: str | None, seen_revision: int | None = None
) -> Session:
    """One prompt on: the presenter key may do this (and previous), nothing else."""
    where = lambda s: s.current_position + 1  # noqa: E731
    return _move(db, session_id, key, where, seen_revision, presenter_may=True)


def previous_prompt(
    *, db: Database, session_id: int, key: str | None, seen_revision: int | None = None
) -> Session:
    where = lambda s: s.current_position - 1  # noqa: E731
    return _move(db, session_id, key, where, seen_revision, presenter_may=True)


def set_answering_open(*, db: Database, session_id: int, key: str | None, is_open: bool) -> Session:
    def work(conn: Any) -> None:
        if is_open and not repo.get_session(conn, session_id).is_live:
            raise SessionEnded()
        repo.update_session(conn, session_id, answering_open=is_open)

    return _facilitator_write(db, session_id, key, work)


def set_results_visible(
    *, db: Database, session_id: int, key: str | None, visible: bool
) -> Session:
    return _facilitator_write(
        db,
        session_id,
        key,
        lambda conn: repo.update_session(conn, session_id, results_visible=visible),
    )


def hide_answer(
    *, db: Database, session_id: int, key: str | None, answer_id: int, hidden: bool = True
) -> Session:
    """Moderation: a hidden answer leaves every chart, wall and export view of the room."""

    def work(conn: Any) -> None:
        repo.update_answer_hidden(conn, session_id, answer_id, hidden)
        repo.update_session(conn, session_id)

    return _facilitator_write(db, session_id, key, work)


def reset_prompt(*, db: Database, session_id: int, key: str | None, prompt_id: int) -> Session:
    """Delete every answer to one prompt (after the page asked for confirmation)."""

    def work(conn: Any) -> None:
        repo.get_prompt(conn, prompt_id, session_id=session_id)
        repo.delete_prompt_answers(conn, prompt_id)
        repo.update_session(conn, session_id)

    session = _facilitator_write(db, session_id, key, work)
    db.forget_deleted()
    return session


def end_session(*, db: Database, session_id: int, key: str | None) -> Session:
    return _facilitator_write(
        db,
        session_id,
        key,
        lambda conn: repo.update_session(
            conn,
            session_id,
            status=SessionStatus.ENDED.value,
            answering_open=False,
            ended_at=_now(),
        ),
    )


def delete_session(*, db: Database, session_id: int, key: str | None) -> None:
    """Delete a session with all its prompts, participants and answers."""
    check_facilitator_key(db=db, session_id=session_id, key=key)
    db.write(lambda conn: repo.delete_session(conn, session_id))
    CHANGES.announce(session_id)
    db.forget_deleted()


# ---- participants ---------------------------------------------------------------------


def _participant(conn: Any, session_id: int, token: str, secret: bytes) -> tuple[int, int]:
    token_hash = codes.hash_participant_token(token, session_id=session_id, secret=secret)
    found = repo.find_participant(conn, session_id, token_hash)
    if found is not None:
        return found
    return repo.create_participant(conn, session_id, token_hash, joined_at=_now())


# Ids the store can hold (SQLite and PostgreSQL integers); the page sends the prompt id
# back from the browser, so anything else is treated as a question that does not exist.
_MAX_ROW_ID = 2**31 - 1


def _check_ids(session_id: object, prompt_id: object) -> None:
    for row_id in (session_id, prompt_id):
        if type(row_id) is not int or not 0 < row_id <= _MAX_ROW_ID:
            raise NotFound("That question does not belong to this session.")


NOT_ISSUED = (
    "This phone's participant ticket was not issued by this server. "
    "Open the join page again to get one."
)


def _check_token(token: str | None, secret: bytes) -> str:
    """Only tokens this installation minted make participants (a made-up one is refused)."""
    if not codes.is_issued_token(token, secret):
        raise AccessDenied(NOT_ISSUED)
    return str(token)


def join_session(*, db: Database, secret: bytes, code: str, token: str | None) -> Participation:
    """Join (or re-join, idempotently) the live session with ``code``."""
    token = _check_token(token, secret)
    session = get_session_by_code(db=db, code=code)
    if not session.is_live:
        raise SessionEnded()

    def work(conn: Any) -> int:
        return _participant(conn, session.id, token, secret)[1]

    try:
        number = db.write(work)
    except WriteConflict:  # the same browser joined twice at the same instant
        number = db.write(work)
    # No announcement: the room's own changes (joins, answers) reach screens through the
    # hub's poll (0.25 s), which they would wait for anyway (screens redraw for them at
    # most every 0.25 s); waking the hub for each of 130 answers a second costs more.
    return Participation(session=session, participant_number=number)


def submit_answer(
    *,
    db: Database,
    secret: bytes,
    session_id: int,
    prompt_id: int,
    token: str | None,
    raw: Any,
    blocked_words: tuple[str, ...] = (),
) -> Answer:
    """Book an answer against the prompt the phone was showing, or say why not.

    Returns only after the answer is committed, so an acknowledgement means stored.
    """
    token = _check_token(token, secret)
    _check_ids(session_id, prompt_id)
    SUBMIT_GUARD.check(f"{session_id}:{token}")

    def work(conn: Any) -> Answer:
        session = repo.get_session(conn, session_id)
        prompt = repo.get_prompt(conn, prompt_id, session_id=session_id)
        rules.check_can_answer(session, prompt)
        kind = get_kind(prompt.kind)
        value = kind.validate(prompt.spec.config, raw)
        rules.check_blocked_words(kind.texts(value), blocked_words)
        participant_id, number = _participant(conn, session_id, token, secret)
        answered_at = _now()
        answer_id = repo.upsert_answer(
            conn,
            session_id=session_id,
            prompt_id=prompt_id,
            participant_id=participant_id,
            value=value,
            answered_at=answered_at,
        )
        # Everything the stored row holds is known here: no need to read it back.
        return Answer(
            id=answer_id,
            prompt_id=prompt_id,
            participant_number=number,
            value=value,
            answered_at=answered_at,
            hidden=False,
        )

    try:
        answer = db.write(work)
    except WriteConflict:  # first answer and join raced with the same token: once more
        answer = db.write(work)
    SUBMIT_GUARD.record(f"{session_id}:{token}")
    return answer


def find_my_answer(
    *, db: Database, secret: bytes, session_id: int, prompt_id: int, token: str | None
) -> Answer | None:
    """The participant's own current answer to a prompt (to show "received")."""
    token = _check_token(token, secret)
    token_hash = codes.hash_participant_token(token, session_id=session_id, secret=secret)

    def work(conn: Any) -> Answer | None:
        found = repo.find_participant(conn, session_id, token_hash)
        return repo.find_answer_of(conn, prompt_id, found[0]) if found else None

    return db.read(work)


# ---- results --------------------------------------------------------------------------


def list_answers(
    *, db: Database, session_id: int, prompt_id: int, include_hidden: bool = False
) -> list[Answer]:
    def work(conn: Any) -> list[Answer]:
        repo.get_prompt(conn, prompt_id, session_id=session_id)
        return repo.list_answers(conn, prompt_id, include_hidden=include_hidden)

    return db.read(work)


def list_session_answers(*, db: Database, session_id: int) -> list[tuple[int, Answer]]:
    return db.read(lambda conn: repo.list_session_answers(conn, session_id))


def results_for(*, db: Database, session_id: int, prompt_id: int) -> Tally:
    """The tally of one prompt (hidden answers left out)."""

    def work(conn: Any) -> Tally:
        prompt = repo.get_prompt(conn, prompt_id, session_id=session_id)
        session = repo.get_session(conn, session_id)
        answers = repo.list_answers(conn, prompt_id, include_hidden=False)
        return tally(prompt, answers, min_answers=session.min_answers_to_show)

    return db.read(work)


def export_csv(*, db: Database, session_id: int) -> bytes:
    """The whole session as tidy CSV bytes (see ``export``)."""

    def work(conn: Any) -> bytes:
        session = repo.get_session(conn, session_id)
        prompts = repo.list_prompts(conn, session_id)
        answers = repo.list_session_answers(conn, session_id)
        return to_csv_bytes(export_rows(session, prompts, answers))

    return db.read(work)

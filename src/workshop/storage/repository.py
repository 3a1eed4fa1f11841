"""Every query has a name and a home here. Functions take an open ``Connection``;
``Database`` decides the transaction. Verbs: list_* many, get_* one or raise,
find_* one or None, create_* / update_* / delete_* write."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..activities import spec_from_stored, stored_config
from ..domain.errors import NotFound
from ..domain.model import Answer, Prompt, PromptSpec, Session, SessionStatus
from .tables import answers, participants, prompts, sessions

# ---- sessions -------------------------------------------------------------------------

_KEY_COLUMNS = ("facilitator_key_hash", "presenter_key_hash")
_SESSION_COLUMNS = [c for c in sessions.c if c.name not in _KEY_COLUMNS]

# Hot paths (every submit, every poll) run statements built once, with bound parameters:
# building a statement costs several times more than running a cached one.
_SESSION_BY_ID = select(*_SESSION_COLUMNS).where(sessions.c.id == bindparam("session_id"))
_REVISION_BY_ID = select(sessions.c.revision).where(sessions.c.id == bindparam("session_id"))


def _to_session(row: Row[Any]) -> Session:
    m = row._mapping
    return Session(
        id=m["id"],
        code=m["code"],
        title=m["title"],
        status=SessionStatus(m["status"]),
        current_position=m["current_position"],
        answering_open=bool(m["answering_open"]),
        results_visible=bool(m["results_visible"]),
        revision=m["revision"],
        prompt_count=m["prompt_count"],
        min_answers_to_show=m["min_answers_to_show"],
        started_at=m["started_at"],
        ended_at=m["ended_at"],
        template_slug=m["template_slug"],
    )


def create_session(
    conn: Connection,
    *,
    code: str,
    title: str,
    template_slug: str,
    facilitator_key_hash: str,
    presenter_key_hash: str | None = None,
    prompt_count: int,
    min_answers_to_show: int,
    results_visible: bool,
    started_at: datetime,
) -> int:
    result = conn.execute(
        insert(sessions)
        .values(
            code=code,
            title=title,
            template_slug=template_slug,
            facilitator_key_hash=facilitator_key_hash,
            presenter_key_hash=presenter_key_hash,
            status=SessionStatus.LIVE.value,
            current_position=0,
            answering_open=True,
            results_visible=results_visible,
            revision=1,
            prompt_count=prompt_count,
            participant_seq=0,
            min_answers_to_show=min_answers_to_show,
            started_at=started_at,
        )
        .returning(sessions.c.id)
    )
    return int(result.scalar_one())


def code_in_use(conn: Connection, code: str) -> bool:
    return conn.execute(select(sessions.c.id).where(sessions.c.code == code)).first() is not None


def find_session_by_code(conn: Connection, code: str) -> Session | None:
    row = conn.execute(select(*_SESSION_COLUMNS).where(sessions.c.code == code)).first()
    return _to_session(row) if row else None


def find_session(conn: Connection, session_id: int) -> Session | None:
    row = conn.execute(_SESSION_BY_ID, {"session_id": session_id}).first()
    return _to_session(row) if row else None


def get_session(conn: Connection, session_id: int) -> Session:
    session = find_session(conn, session_id)
    if session is None:
        raise NotFound("That session no longer exists.")
    return session


def lock_session(conn: Connection, session_id: int) -> None:
    """Hold the session's row until the transaction ends (PostgreSQL ``FOR UPDATE``), so
    a read-then-write such as "next question" cannot interleave with another. SQLite
    needs nothing: its write transactions (BEGIN IMMEDIATE) already run one at a time."""
    if conn.dialect.name != "sqlite":
        conn.execute(
            select(sessions.c.id).where(sessions.c.id == session_id).with_for_update()
        )


def get_facilitator_key_hash(conn: Connection, session_id: int) -> str:
    value = conn.execute(
        select(sessions.c.facilitator_key_hash).where(sessions.c.id == session_id)
    ).scalar_one_or_none()
    if value is None:
        raise NotFound("That session no longer exists.")
    return str(value)


def get_presenter_key_hash(conn: Connection, session_id: int) -> str | None:
    """None: the session has no presenter key (started before there were any)."""
    row = conn.execute(
        select(sessions.c.presenter_key_hash).where(sessions.c.id == session_id)
    ).first()
    if row is None:
        raise NotFound("That session no longer exists.")
    return None if row[0] is None else str(row[0])


def list_sessions(conn: Connection) -> list[Session]:
    rows = conn.execute(
        select(*_SESSION_COLUMNS).order_by(sessions.c.started_at.desc(), sessions.c.id.desc())
    )
    return [_to_session(r) for r in rows]


def find_revision(conn: Connection, session_id: int) -> int | None:
    """The cheap number a page polls to learn whether anything changed."""
    return conn.execute(_REVISION_BY_ID, {"session_id": session_id}).scalar_one_or_none()


def list_revisions(conn: Connection, session_ids: Sequence[int]) -> dict[int, int]:
    """Revisions of several sessions in one query (the push hub polls this)."""
    if not session_ids:
        return {}
    rows = conn.execute(
        select(sessions.c.id, sessions.c.revision).where(sessions.c.id.in_(list(session_ids)))
    )
    return {int(r.id): int(r.revision) for r in rows}


def update_session(conn: Connection, session_id: int, **values: Any) -> None:
    """Change session state and bump its revision in the same statement."""
    result = conn.execute(
        update(sessions)
        .where(sessions.c.id == session_id)
        .values(revision=sessions.c.revision + 1, **values)
    )
    if result.rowcount == 0:
        raise NotFound("That session no longer exists.")


def delete_session(conn: Connection, session_id: int) -> None:
    # Explicit order, so it works even where foreign-key cascades are off.
    conn.execute(delete(answers).where(answers.c.session_id == session_id))
    conn.execute(delete(participants).where(participants.c.session_id == session_id))
    conn.execute(delete(prompts).where(prompts.c.session_id == session_id))
    conn.execute(delete(sessions).where(sessions.c.id == session_id))


# ---- prompts --------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def _spec(kind: str, text: str, note: str, results: str, config: str) -> PromptSpec:
    """Prompt rows never change once a session starts, and ``PromptSpec`` is frozen, so
    one parsed spec serves every submit and poll that reads the same row."""
    return spec_from_stored(
        kind=kind, text=text, note=note, results=results, config=json.loads(config)
    )


def _to_prompt(row: Row[Any]) -> Prompt:
    m = row._mapping
    spec = _spec(m["kind"], m["text"], m["note"], m["results_mode"], m["config"])
    return Prompt(id=m["id"], session_id=m["session_id"], position=m["position"], spec=spec)


def create_prompts(conn: Connection, session_id: int, specs: Sequence[PromptSpec]) -> None:
    conn.execute(
        insert(prompts),
        [
            {
                "session_id": session_id,
                "position": position,
                "kind": spec.kind,
                "text": spec.text,
                "note": spec.note,
                "results_mode": spec.results.value,
                "config": json.dumps(stored_config(spec), ensure_ascii=False),
            }
            for position, spec in enumerate(specs)
        ],
    )


_PROMPT_AT = select(prompts).where(
    and_(
        prompts.c.session_id == bindparam("session_id"),
        prompts.c.position == bindparam("position"),
    )
)
_PROMPT_BY_ID = select(prompts).where(prompts.c.id == bindparam("prompt_id"))
_PROMPT_BY_ID_IN_SESSION = _PROMPT_BY_ID.where(prompts.c.session_id == bindparam("session_id"))


def list_prompts(conn: Connection, session_id: int) -> list[Prompt]:
    rows = conn.execute(
        select(prompts).where(prompts.c.session_id == session_id).order_by(prompts.c.position)
    )
    return [_to_prompt(r) for r in rows]


def find_prompt_at(conn: Connection, session_id: int, position: int) -> Prompt | None:
    row = conn.execute(_PROMPT_AT, {"session_id": session_id, "position": position}).first()
    return _to_prompt(row) if row else None


def get_prompt(conn: Connection, prompt_id: int, *, session_id: int | None = None) -> Prompt:
    if session_id is None:
        row = conn.execute(_PROMPT_BY_ID, {"prompt_id": prompt_id}).first()
    else:
        row = conn.execute(
            _PROMPT_BY_ID_IN_SESSION, {"prompt_id": prompt_id, "session_id": session_id}
        ).first()
    if row is None:
        raise NotFound("That question does not belong to this session.")
    return _to_prompt(row)


# ---- participants ---------------------------------------------------------------------


_PARTICIPANT_BY_TOKEN = select(participants.c.id, participants.c.number).where(
    and_(
        participants.c.session_id == bindparam("session_id"),
        participants.c.token_hash == bindparam("token_hash"),
    )
)
_NEXT_PARTICIPANT_NUMBER = (
    update(sessions)
    .where(sessions.c.id == bindparam("session_id"))
    .values(participant_seq=sessions.c.participant_seq + 1)
    .returning(sessions.c.participant_seq)
)
_CREATE_PARTICIPANT = insert(participants).returning(participants.c.id)


def find_participant(conn: Connection, session_id: int, token_hash: str) -> tuple[int, int] | None:
    """(participant id, per-session number) for a hashed token, or None."""
    row = conn.execute(
        _PARTICIPANT_BY_TOKEN, {"session_id": session_id, "token_hash": token_hash}
    ).first()
    return (row.id, row.number) if row else None


def create_participant(
    conn: Connection, session_id: int, token_hash: str, *, joined_at: datetime
) -> tuple[int, int]:
    # The counter lives on the session row: the UPDATE locks it, so numbers never collide.
    number = conn.execute(_NEXT_PARTICIPANT_NUMBER, {"session_id": session_id}).scalar_one()
    participant_id = conn.execute(
        _CREATE_PARTICIPANT,
        {
            "session_id": session_id,
            "token_hash": token_hash,
            "number": number,
            "joined_at": joined_at,
        },
    ).scalar_one()
    return int(participant_id), int(number)


_COUNT_PARTICIPANTS = (
    select(func.count())
    .select_from(participants)
    .where(participants.c.session_id == bindparam("session_id"))
)


def count_participants(conn: Connection, session_id: int) -> int:
    return int(conn.execute(_COUNT_PARTICIPANTS, {"session_id": session_id}).scalar_one())


# ---- answers --------------------------------------------------------------------------


_UPSERTS: dict[str, Any] = {}


def _upsert_statement(dialect: str) -> Any:
    """INSERT ... ON CONFLICT (prompt, participant) DO UPDATE, built once per dialect."""
    statement = _UPSERTS.get(dialect)
    if statement is None:
        maker = pg_insert if dialect == "postgresql" else sqlite_insert
        base = maker(answers)
        statement = base.on_conflict_do_update(
            index_elements=[answers.c.prompt_id, answers.c.participant_id],
            set_={
                "value": base.excluded.value,
                "answered_at": base.excluded.answered_at,
                "hidden": False,
            },
        ).returning(answers.c.id)
        _UPSERTS[dialect] = statement
    return statement


def upsert_answer(
    conn: Connection,
    *,
    session_id: int,
    prompt_id: int,
    participant_id: int,
    value: Any,
    answered_at: datetime,
) -> int:
    """One answer per participant per prompt: a re-submit replaces the earlier one."""
    values = {
        "session_id": session_id,
        "prompt_id": prompt_id,
        "participant_id": participant_id,
        "value": json.dumps(value, ensure_ascii=False),
        "answered_at": answered_at,
        "hidden": False,
    }
    return int(conn.execute(_upsert_statement(conn.dialect.name), values).scalar_one())


_COUNT_ANSWERS = (
    select(func.count()).select_from(answers).where(answers.c.prompt_id == bindparam("prompt_id"))
)
_ANSWER_MARKER = select(func.count(), func.max(answers.c.answered_at)).where(
    answers.c.prompt_id == bindparam("prompt_id")
)


def count_answers(conn: Connection, prompt_id: int) -> int:
    return int(conn.execute(_COUNT_ANSWERS, {"prompt_id": prompt_id}).scalar_one())


_COUNT_HIDDEN = _COUNT_ANSWERS.where(answers.c.hidden.is_(True))


def count_answers_shown_hidden(conn: Connection, prompt_id: int) -> tuple[int, int]:
    """(answers the results count, answers hidden by moderation) of one prompt."""
    total = count_answers(conn, prompt_id)
    hidden = int(conn.execute(_COUNT_HIDDEN, {"prompt_id": prompt_id}).scalar_one())
    return total - hidden, hidden


def answer_marker(conn: Connection, prompt_id: int) -> tuple[int, datetime | None]:
    """(count, newest answer time): changes whenever an answer arrives or is replaced."""
    row = conn.execute(_ANSWER_MARKER, {"prompt_id": prompt_id}).one()
    return int(row[0]), row[1]


def _to_answer(row: Row[Any]) -> Answer:
    m = row._mapping
    answered_at = m["answered_at"]
    return Answer(
        id=m["id"],
        prompt_id=m["prompt_id"],
        participant_number=m["number"],
        value=json.loads(m["value"]),
        answered_at=answered_at,
        hidden=bool(m["hidden"]),
    )


_ANSWERS_WITH_NUMBER = select(answers, participants.c.number).join(
    participants, participants.c.id == answers.c.participant_id
)
_ANSWERS_OF_PROMPT = _ANSWERS_WITH_NUMBER.where(
    answers.c.prompt_id == bindparam("prompt_id")
).order_by(answers.c.answered_at.desc(), answers.c.id.desc())
_VISIBLE_ANSWERS_OF_PROMPT = _ANSWERS_OF_PROMPT.where(answers.c.hidden.is_(False))
_ANSWER_OF_PARTICIPANT = _ANSWERS_WITH_NUMBER.where(
    and_(
        answers.c.prompt_id == bindparam("prompt_id"),
        answers.c.participant_id == bindparam("participant_id"),
    )
)


def list_answers(conn: Connection, prompt_id: int, *, include_hidden: bool) -> list[Answer]:
    query = _ANSWERS_OF_PROMPT if include_hidden else _VISIBLE_ANSWERS_OF_PROMPT
    return [_to_answer(r) for r in conn.execute(query, {"prompt_id": prompt_id})]


def find_answer_of(conn: Connection, prompt_id: int, participant_id: int) -> Answer | None:
    row = conn.execute(
        _ANSWER_OF_PARTICIPANT, {"prompt_id": prompt_id, "participant_id": participant_id}
    ).first()
    return _to_answer(row) if row else None


def list_session_answers(conn: Connection, session_id: int) -> list[tuple[int, Answer]]:
    """(prompt position, answer) for a whole session, in prompt then participant order."""
    rows = conn.execute(
        select(answers, participants.c.number, prompts.c.position)
        .join(participants, participants.c.id == answers.c.participant_id)
        .join(prompts, prompts.c.id == answers.c.prompt_id)
        .where(answers.c.session_id == session_id)
        .order_by(prompts.c.position, participants.c.number)
    )
    return [(r.position, _to_answer(r)) for r in rows]


def update_answer_hidden(conn: Connection, session_id: int, answer_id: int, hidden: bool) -> int:
    """Returns the answer's prompt id."""
    prompt_id = conn.execute(
        update(answers)
        .where(and_(answers.c.id == answer_id, answers.c.session_id == session_id))
        .values(hidden=hidden)
        .returning(answers.c.prompt_id)
    ).scalar_one_or_none()
    if prompt_id is None:
        raise NotFound("That answer is not part of this session.")
    return int(prompt_id)


def delete_prompt_answers(conn: Connection, prompt_id: int) -> int:
    return conn.execute(delete(answers).where(answers.c.prompt_id == prompt_id)).rowcount

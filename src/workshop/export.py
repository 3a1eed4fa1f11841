"""Answers -> tidy CSV bytes: one row per answer, formula-safe, Excel-friendly.

Multiple-choice and word-cloud answers stay one row per answer; their selections or
entries are joined with "; " in the ``answer`` cell, in template (or typed) order. Kinds
answered item by item (ranking, 100 points, 2x2) give one row per item: the ``item``
column names it, and the kind's own columns (``rank``, ``points``, ``x``, ``y``) hold it.
Each kind says what its cells are (``Kind.csv_cells``).
Hidden (moderated) answers are exported too, flagged in the ``hidden`` column, so the
analyst decides; the room never saw them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import UTC, datetime

from .activities import KINDS, get_kind
from .domain.codes import display_code
from .domain.model import Answer, Prompt, Session, pseudonym

COLUMNS = [
    "session_code",
    "session_title",
    "session_started_at",
    "prompt_number",
    "prompt_kind",
    "prompt_text",
    "participant",
    "answer",
    "answered_at",
    "hidden",
    "item",  # kinds answered item by item (ranking, points, matrix): one row per item
    *sorted({column for each in KINDS.values() for column in each.csv_columns}),
]
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain number such as "-2" (a point on a -3..3 scale) is data, not a formula: it stays
# as it is, so spreadsheets and pandas still read it as a number.
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def neutralise(cell: str) -> str:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe."""
    if cell.startswith(_FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def export_rows(
    session: Session, prompts: list[Prompt], answers: Iterable[tuple[int, Answer]]
) -> list[dict[str, str]]:
    by_position = {p.position: p for p in prompts}
    rows = []
    for position, answer in answers:
        prompt = by_position[position]
        common = {
            "session_code": display_code(session.code),
            "session_title": session.title,
            "session_started_at": iso_utc(session.started_at),
            "prompt_number": str(prompt.number),
            "prompt_kind": prompt.kind,
            "prompt_text": prompt.text,
            "participant": pseudonym(answer.participant_number),
            "answered_at": iso_utc(answer.answered_at),
            "hidden": "yes" if answer.hidden else "no",
        }
        blank = dict.fromkeys(COLUMNS, "")
        for cells in get_kind(prompt.kind).csv_cells(prompt.spec.config, answer.value):
            rows.append({**blank, **common, **cells})
    return rows


def to_csv_bytes(rows: list[dict[str, str]]) -> bytes:
    """UTF-8 with BOM (Excel then reads accents and emoji), CRLF line ends, all quoted
    where needed; every text cell neutralised against formula injection."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: neutralise(v) for k, v in row.items()})
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def session_csv_filename(session: Session) -> str:
    return f"workshop-{session.code}-{session.started_at:%Y%m%d}.csv"

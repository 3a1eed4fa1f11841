"""How a simulated participant reads the phone page and what it answers.

The phone page (``GET /join?code=…``, ``workshop/web/phone_page.py``) is a small HTML
document that names the phone app's stylesheet and script (``/phone/app.<hash>.css``,
``/phone/app.<hash>.js``) and carries the data the app starts from as JSON inside
``<script type="application/json" id="phone-data">``: ``{code, view, mine, token,
cleanUrl, urls}``, with ``view`` the phone view of ``workshop.phone_view`` (the session,
its current prompt, results). This module finds those in the HTML, as the browser's
parser does, and plans a valid answer to a prompt of any kind, as a person would pick
one in the page's form.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from workshop.activities import sample_answer
from workshop.domain.model import PromptSpec

PHONE_DATA_ID = "phone-data"  # web/phone_html.py: the JSON the app boots from
WORDS = (
    "river",
    "bridge",
    "lantern",
    "harbour",
    "meadow",
    "compass",
    "orchard",
    "beacon",
    "summit",
    "garden",
)


@dataclass
class PhonePage:
    """What a browser finds in the phone page's HTML."""

    stylesheets: list[str] = field(default_factory=list)  # <link rel="stylesheet" href>
    scripts: list[str] = field(default_factory=list)  # <script src>
    data: dict[str, Any] | None = None  # the phone-data JSON (None: not the live page)
    refresh: str | None = None  # <meta http-equiv="refresh" content> (busy, too many new)
    title: str = ""

    @property
    def assets(self) -> list[str]:
        """What the browser downloads before the app draws: stylesheets and scripts."""
        return [*self.stylesheets, *self.scripts]


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = PhonePage()
        self._in: str | None = None  # "data" inside the phone-data script, "title"
        self._text: list[str] = []
        self.data_text: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "link" and "stylesheet" in found.get("rel", "").split() and found.get("href"):
            self.page.stylesheets.append(found["href"])
        elif tag == "script" and found.get("src"):
            self.page.scripts.append(found["src"])
        elif tag == "script" and found.get("id") == PHONE_DATA_ID:
            self._in, self._text = "data", []
        elif tag == "title":
            self._in, self._text = "title", []
        elif tag == "meta" and found.get("http-equiv", "").lower() == "refresh":
            self.page.refresh = found.get("content", "")

    def handle_data(self, data: str) -> None:
        if self._in is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._in == "data" and tag == "script":
            self.data_text = "".join(self._text)
        elif self._in == "title" and tag == "title":
            self.page.title = "".join(self._text).strip()
        else:
            return
        self._in = None


def parse_phone_page(html: str) -> PhonePage:
    """The assets and the start data of a phone page (the app's ``boot``: ``JSON.parse``
    of the phone-data script's text). Raises ``ValueError`` on data that is not a JSON
    object with a view and urls, as the page's script would fail on it."""
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    page = parser.page
    if parser.data_text is not None:
        data = json.loads(parser.data_text)
        if not isinstance(data, dict) or not isinstance(data.get("view"), dict):
            raise ValueError("phone-data without a view")
        if not isinstance(data.get("urls"), dict):
            raise ValueError("phone-data without urls")
        page.data = data
    return page


def _pick(options: list[Any], avoid: Any, rng: random.Random) -> Any:
    fresh = [o for o in options if o != avoid] or options
    return rng.choice(fresh)


def plan_value(spec: PromptSpec, *, avoid: Any, rng: random.Random) -> Any:
    """A valid answer to the prompt ``spec`` describes, as the phone sends it (the kind's
    own sample answer), different from ``avoid`` (the phone's current answer) where the
    prompt allows it."""
    candidates = [sample_answer(spec, rng) for _ in range(4)]
    return _pick(candidates, avoid, rng)

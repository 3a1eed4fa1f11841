"""The room of one step: the live session, the simulated phones, the presenter screen
and the facilitator, and the bookkeeping that turns what they saw into latencies."""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import math
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode, urljoin

from streamlit.proto.WidgetStates_pb2 import WidgetState

from bench.load_report import StepResult
from bench.load_target import Target
from bench.phone_driver import PhonePage, parse_phone_page, plan_value
from bench.sse import HttpClient, Reply, SseClient, cookie_header
from bench.streamlit_protocol import Node, StreamlitClient
from workshop import services
from workshop.activities import KINDS, make_spec
from workshop.domain.model import PromptSpec, ResultsMode, Template
from workshop.templates import parse_template

PARTICIPANT_COOKIE = "workshop_participant"
OPTIONS = ("Alpha", "Bravo", "Charlie", "Delta")
CONNECT_TIMEOUT = 60.0
MAX_REDIRECTS = 5  # a browser follows up to 20; the phone page needs one
# What a phone's browser sends with every request (a mobile Chromium's values, shortened).
BROWSER_HEADERS = {"User-Agent": "workshop-bench-phone", "Accept-Encoding": "gzip, deflate, br"}
PAGE_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ASSET_ACCEPT = {"css": "text/css,*/*;q=0.1", "js": "*/*"}
ANSWER_TIMEOUT = 60.0  # a fetch has none; the bench gives up on an answer after this
SILENT_SECONDS = 25.0  # phone.js SILENT_MS: no event for this long -> ask /api/view
# Refusals that are races a person sees in a live room (the facilitator moved on or
# closed answering as the answer was sent), not failures of the server.
EXPECTED_REFUSALS = frozenset({"moved", "closed", "ended"})


def bench_template(
    tag: str, prompts: int, results: str = "mixed", kinds: str = "single_choice"
) -> Template:
    """Prompts with unique texts (no text is a substring of another): single choice, or
    (``kinds="every"``) every registered kind in turn, each with its example config.

    ``results``: live (phones show results; the push stream carries a fresh tally while
    answers arrive), on_reveal (they do not), or mixed (alternating, as in the shipped templates).
    """

    def mode(i: int) -> ResultsMode:
        if results == "mixed":
            return ResultsMode.LIVE if i % 2 == 0 else ResultsMode.ON_REVEAL
        return ResultsMode(results)

    def spec(i: int) -> PromptSpec:
        text = f"Bench {tag} question {i + 1}: which option fits best?"
        if kinds == "single_choice":
            return make_spec("single_choice", text=text, options=OPTIONS, results=mode(i))
        name = list(KINDS)[i % len(KINDS)]
        data = {"title": "kinds", "prompts": [{"kind": name, "text": text, **KINDS[name].example}]}
        parsed = parse_template(json.dumps(data), source="bench").prompts[0]
        return replace(parsed, results=mode(i))

    specs = tuple(spec(i) for i in range(prompts))
    return Template(title=f"Bench {tag}", prompts=specs, min_answers_to_show=0, slug="bench")


@dataclass
class Sent:
    """One answer a phone posted."""

    prompt: str  # the text of the prompt the phone showed
    prompt_id: int
    value: Any
    sent_at: float
    first_for_prompt: bool


class Room:
    """What every phone of one step shares: the session, prompt texts and the records."""

    def __init__(self, result: StepResult, prompts: Sequence[PromptSpec]) -> None:
        self.result = result
        self.prompt_texts = [p.text for p in prompts]
        self.specs = {p.text: p for p in prompts}  # what a phone answers, by prompt text
        self.advanced_at: dict[str, float] = {}  # prompt text -> facilitator commit time
        self.seen_after_advance: dict[str, list[float]] = {}
        self.answer_log: list[tuple[str, float, float]] = []  # (prompt, sent_at, acked_at)
        # prompt -> [time the presenter's answer count first reached 1, 2, 3, ...]
        self.count_reached: dict[str, list[float]] = {}
        self.lock = threading.Lock()

    def match_prompt(self, text: str) -> str | None:
        for prompt in self.prompt_texts:
            if prompt in text:
                return prompt
        return None

    def prompt_seen(self, prompt: str, at: float) -> None:
        advanced = self.advanced_at.get(prompt)
        if advanced is not None:
            self.seen_after_advance.setdefault(prompt, []).append(1000 * (at - advanced))

    def count_seen(self, prompt: str, count: int, at: float) -> None:
        """The presenter shows ``count`` answers to ``prompt`` (at time ``at``)."""
        with self.lock:
            reached = self.count_reached.setdefault(prompt, [])
            while len(reached) < count:
                reached.append(at)

    def settle_tally(self) -> None:
        """Answer -> presenter: the k-th first answer to a prompt (in acknowledgement
        order) is on the presenter once its count reached k."""
        by_prompt: dict[str, list[tuple[float, float]]] = {}
        for prompt, sent, acked in self.answer_log:
            by_prompt.setdefault(prompt, []).append((acked, sent))
        for prompt, answers in by_prompt.items():
            reached = self.count_reached.get(prompt, [])
            for rank, (_acked, sent) in enumerate(sorted(answers)):
                if rank < len(reached):
                    self.result.tally_ms.append(max(0.0, 1000 * (reached[rank] - sent)))
                else:
                    self.result.tally_missed += 1


class Phone:
    """One participant's phone, speaking to the server exactly as its browser does.

    1. Page load: ``GET /join?code=…``; a browser without the participant cookie gets a
       303 to ``/join?code=…&p=<token>`` with ``Set-Cookie``, and follows it with the
       cookie (a phone with ``accept_cookies=False`` drops it: the URL keeps the token).
       The HTML names the app's stylesheet and script: on a first visit both are
       downloaded (at once, as a browser's preload scanner does; gzip accepted) and kept
       in this phone's cache (``Cache-Control: immutable``), so a reload fetches the page
       only. The app then parses the phone-data JSON and draws the prompt: connected.
       ``first_load`` counts the requests and bytes on the wire of that load.
    2. Following the room: an EventSource on ``/events/<code>`` (``bench/sse.py``); each
       event carries the whole view, drawn at once (a new prompt shows when the event
       carrying it arrives); ``GET /api/view/<code>`` when the stream was silent for 25 s
       or an answer was refused because the room moved on.
    3. Answering: ``POST /api/answer`` (JSON, the cookie) with a valid value for the
       prompt shown; ``{"ok": true}`` is the acknowledgement (the answer is committed).
       A changed answer is one more POST. One answer at a time (the page disables Send).
    """

    def __init__(
        self,
        room: Room,
        url: str,
        code: str,
        *,
        seed: int,
        follow: bool = True,
        accept_cookies: bool = True,
    ) -> None:
        self.room = room
        self.follow = follow  # False: the page loads, but nothing follows the room
        self.accept_cookies = accept_cookies  # False: a browser that blocks cookies
        self.url = url
        self.code = code
        self.page_url = f"{url}/join?{urlencode({'code': code})}"
        self.rng = random.Random(seed)
        self.cookies: dict[str, str] = {}  # what the browser keeps (the join page sets it)
        self.cache: dict[str, bytes] = {}  # the browser's cache: asset path -> body
        self.http = HttpClient(url)
        self.sse: SseClient | None = None
        self.page: PhonePage | None = None  # the last page loaded
        self.data: dict[str, Any] | None = None  # the phone-data the app booted from
        self.view: dict[str, Any] | None = None  # the view on screen
        self.drawn: tuple[int, bool] | None = None  # (prompt id, open) on screen
        self.shown: str | None = None  # text of the prompt on screen
        self.mine: dict[int, Any] = {}  # prompt id -> value stored from this phone
        self.sending: Sent | None = None
        self.acked: dict[str, Any] = {}  # prompt text -> last acknowledged value
        self.acked_sent_at: dict[str, float] = {}  # prompt text -> when that was sent
        self.ack_log: list[tuple[float, float]] = []  # (sent at, ms to acknowledgement)
        self.unacked: list[Sent] = []  # sent, never acknowledged
        self.refusals: Counter[str] = Counter()
        self.connected = False
        self.started_at: float | None = None  # the page load's first request
        self.connect_ms: float | None = None  # first request -> first prompt drawn
        self.first_load: LoadStats | None = None  # the first page load's requests/bytes
        self.loads: list[LoadStats] = []  # every page load (reloads included)
        self.failure: str | None = None  # why the page never loaded
        self.problems: list[str] = []  # answers that failed for other reasons than a race
        self.finished = False  # the session ended or was deleted: the page stops listening
        self.events = 0
        self.polls = 0
        self.heard_at = 0.0
        self._watchdog: asyncio.Task[None] | None = None

    @property
    def token(self) -> str | None:
        """The participant token the server gave this browser (its cookie, or where
        cookies are blocked the one the page keeps in its URL)."""
        from_cookie = self.cookies.get(PARTICIPANT_COOKIE)
        if from_cookie is not None:
            return from_cookie
        return None if self.data is None else self.data.get("token")

    def _headers(self, **extra: str) -> dict[str, str]:
        headers = {**BROWSER_HEADERS, **extra}
        return {**headers, "Cookie": cookie_header(self.cookies)} if self.cookies else headers

    def _url(self, relative: str) -> str:
        """A URL of the page's data, resolved against the page, as fetch does."""
        return urljoin(self.page_url, relative).removeprefix(self.url)

    # ---- page load ----------------------------------------------------------------------

    async def connect(self, delay: float) -> None:
        """Open the QR code's address after ``delay`` s; connected once the first prompt
        is drawn (``connect_ms`` from the first request)."""
        await asyncio.sleep(delay)
        self.started_at = time.monotonic()
        try:
            stats = await self.load_page()
        except Exception as exc:  # counted, not raised: overload shows as errors
            self.failure = f"connect: {exc!r}"[:200]
            return
        if self.first_load is None:
            self.first_load = stats
        self.connect_ms = 1000 * (stats.drawn_at - self.started_at)
        self.connected = True

    async def load_page(self) -> LoadStats:
        """One page load (a first visit, or a reload with this phone's cache and cookie):
        the HTML (following redirects), the assets it names that are not cached, then
        the app boots from the phone-data. Raises on anything a person would see as a
        broken page (an HTTP error, a waiting screen, an asset that does not load)."""
        stats = LoadStats(started_at=time.monotonic())
        async with asyncio.timeout(CONNECT_TIMEOUT):
            reply = await self._get_page(stats)
            page = parse_phone_page(reply.decoded().decode("utf-8"))
            if page.data is None:
                raise ConnectionError(f"GET /join: no live page ({page.title!r})")
            missing = [path for path in dict.fromkeys(page.assets) if path not in self.cache]
            await asyncio.gather(*(self._get_asset(path, stats) for path in missing))
        stats.drawn_at = time.monotonic()
        self.page = page
        self.loads.append(stats)
        self._mount(page.data, stats.drawn_at)
        return stats

    async def _get_page(self, stats: LoadStats) -> Reply:
        path = self.page_url.removeprefix(self.url)
        for _ in range(MAX_REDIRECTS + 1):
            reply = await self.http.request(
                "GET", path, headers=self._headers(Accept=PAGE_ACCEPT), timeout=CONNECT_TIMEOUT
            )
            stats.add(reply)
            self._keep_cookies(reply)
            if reply.status in (301, 302, 303, 307, 308):
                location = reply.header("location")
                if not location:
                    raise ConnectionError(f"GET {path}: HTTP {reply.status} without Location")
                stats.redirects += 1
                path = urljoin(self.url + path, location).removeprefix(self.url)
                self.page_url = self.url + path  # the address bar follows the redirect
                continue
            if reply.status != 200:
                raise ConnectionError(f"GET /join: HTTP {reply.status}")
            return reply
        raise ConnectionError(f"GET /join: more than {MAX_REDIRECTS} redirects")

    async def _get_asset(self, path: str, stats: LoadStats) -> None:
        kind = path.rsplit(".", 1)[-1]
        reply = await self.http.request(
            "GET",
            self._url(path),
            headers=self._headers(Accept=ASSET_ACCEPT.get(kind, "*/*")),
            timeout=CONNECT_TIMEOUT,
        )
        stats.add(reply)
        stats.assets += 1
        stats.asset_bytes += reply.wire_bytes
        stats.gzipped += reply.gzipped
        if reply.status != 200:
            raise ConnectionError(f"GET {path}: HTTP {reply.status}")
        body = reply.decoded()  # a broken gzip stream fails here, as in a browser
        if not body:
            raise ConnectionError(f"GET {path}: empty")
        if "immutable" in reply.header("cache-control") or "max-age" in reply.header(
            "cache-control"
        ):
            self.cache[path] = body

    def _keep_cookies(self, reply: Reply) -> None:
        if not self.accept_cookies:
            return
        for header in reply.headers.get("set-cookie", []):
            name, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()

    def _mount(self, data: dict[str, Any], at: float) -> None:
        """What the app does with its data (phone.js ``boot`` and ``update``)."""
        self.data = data
        if data.get("cleanUrl"):
            self.page_url = urljoin(self.page_url, data["cleanUrl"])  # history.replaceState
        mine = data.get("mine")
        if isinstance(mine, dict):
            self.mine[mine["prompt"]] = mine["value"]
        if self.heard_at == 0.0:
            self.heard_at = at
        self._show(data["view"], at)
        view = data["view"]
        live = view["session"]["status"] == "live"
        if self.follow and self.sse is None and not self.finished and live:
            self.sse = SseClient(
                urljoin(self.page_url, data["urls"]["events"]),
                self._on_event,
                cookies=self.cookies,
                on_closed=self.poll,
            )
            self.sse.start()
            self._watchdog = asyncio.get_running_loop().create_task(self._watch())

    # ---- following the room --------------------------------------------------------------

    def _on_event(self, raw: str, at: float) -> None:
        self.heard_at = at
        self.events += 1
        try:
            message = json.loads(raw)
        except ValueError:
            return
        if isinstance(message, dict) and "view" in message:
            self._show(message["view"], at)

    def _show(self, view: dict[str, Any] | None, at: float) -> None:
        """phone.js ``show``: the view on screen from now (drawn synchronously)."""
        if view is None:  # the session was deleted
            self.shown = None
            self._stop()
            return
        live = view["session"]["status"] == "live"
        if self.view is not None and view["revision"] < self.view["revision"] and live:
            return  # an older view (a slow poll overtaken by a push)
        self.view = view
        if not live:
            self._stop()
            return
        prompt = view["prompt"]
        drawn = (prompt["id"], bool(prompt["open"]))
        if drawn != self.drawn:
            if self.drawn is None or self.drawn[0] != prompt["id"]:
                self.shown = prompt["text"]
                self.room.prompt_seen(prompt["text"], at)
            self.drawn = drawn

    def _stop(self) -> None:
        self.finished = True
        if self.sse is not None:
            self.sse.stop()
        if self._watchdog is not None:
            self._watchdog.cancel()

    async def poll(self) -> None:
        """phone.js ``poll``: ``GET /api/view/<code>``; a failure is left to the stream."""
        if self.data is None:
            return
        self.polls += 1
        with contextlib.suppress(OSError, asyncio.IncompleteReadError, TimeoutError):
            reply = await self.http.request(
                "GET", self._url(self.data["urls"]["view"]), headers=self._headers()
            )
            if reply.status == 404:
                self._show(None, reply.received_at)
            elif reply.status == 200 and isinstance(view := reply.json(), dict):
                self._show(view, reply.received_at)

    async def _watch(self) -> None:
        """phone.js's watchdog: nothing heard for 25 s (a buffering proxy): ask."""
        while not self.finished:
            await asyncio.sleep(SILENT_SECONDS / 4)
            if time.monotonic() - self.heard_at < SILENT_SECONDS:
                continue
            self.heard_at = time.monotonic()
            await self.poll()

    # ---- answering ------------------------------------------------------------------------

    async def answer(self) -> None:
        """Answer the prompt on screen (or change the answer): one POST, as Send does."""
        if not self.connected or self.finished or self.sending is not None:
            return
        view, data = self.view, self.data
        if view is None or data is None or view["prompt"] is None or not view["prompt"]["open"]:
            return
        prompt = view["prompt"]
        spec = self.room.specs[prompt["text"]]
        value = plan_value(spec, avoid=self.mine.get(prompt["id"]), rng=self.rng)
        first = prompt["text"] not in self.acked
        sent = Sent(prompt["text"], prompt["id"], value, time.monotonic(), first)
        self.sending = sent
        self.room.result.answers_sent += 1
        body = {"code": data["code"], "prompt": prompt["id"], "value": value, "p": data["token"]}
        reply, problem = None, ""
        try:
            reply = await self.http.request(
                "POST",
                self._url(data["urls"]["answer"]),
                headers=self._headers(**{"Content-Type": "application/json"}),
                body=json.dumps(body).encode("utf-8"),
                timeout=ANSWER_TIMEOUT,
            )
        except (OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
            problem = f"answer: {exc!r}"
        except asyncio.CancelledError:
            self.unacked.append(sent)  # the step ended with the answer in flight
            raise
        finally:
            self.sending = None
        payload = reply.json() if reply is not None else None
        if reply is not None and isinstance(payload, dict) and payload.get("ok") is True:
            self._acknowledged(sent, payload.get("value"), reply.received_at)
            return
        self.unacked.append(sent)
        if reply is None:
            reason = "network"
        elif isinstance(payload, dict) and isinstance(payload.get("reason"), str):
            reason = payload["reason"]
            problem = f"answer refused ({reply.status} {reason}): {payload.get('message')}"
        else:
            reason = f"http {reply.status}"
            problem = f"answer: HTTP {reply.status} {reply.body[:80]!r}"
        self.refusals[reason] += 1
        self.room.result.refusals[reason] += 1
        if reason in EXPECTED_REFUSALS:
            await self.poll()  # the page shows the current question
            return
        self.room.result.answer_errors += 1
        self.problems.append(problem[:200])

    def _acknowledged(self, sent: Sent, value: Any, at: float) -> None:
        self.mine[sent.prompt_id] = value
        self.acked[sent.prompt] = value
        self.acked_sent_at[sent.prompt] = sent.sent_at
        result = self.room.result
        result.answers_acked += 1
        result.ack_ms.append(1000 * (at - sent.sent_at))
        self.ack_log.append((sent.sent_at, 1000 * (at - sent.sent_at)))
        if sent.first_for_prompt:
            self.room.answer_log.append((sent.prompt, sent.sent_at, at))

    async def answer_bursty(self, stop: asyncio.Event) -> None:
        """As a real room: each phone answers 1.5–20 s after a new prompt appears (log-
        normal, median ~6 s); one phone in ten changes its answer 2–10 s later."""
        answered: int | None = None
        while not stop.is_set():
            prompt_id = self.drawn[0] if self.drawn is not None else None
            if prompt_id is None or prompt_id == answered:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), 0.1)  # "sees" the next prompt
                continue
            answered = prompt_id
            delay = min(20.0, max(1.5, self.rng.lognormvariate(math.log(6.0), 0.6)))
            if await _stopped_within(stop, delay) or self.drawn is None:
                return
            if self.drawn[0] != prompt_id:
                continue  # the room moved on before this phone answered
            await self.answer()
            if self.rng.random() >= 0.1:
                continue
            if await _stopped_within(stop, self.rng.uniform(2.0, 10.0)):
                return
            if self.drawn is not None and self.drawn[0] == prompt_id:
                await self.answer()  # a changed answer

    async def answer_every(self, interval: float, stop: asyncio.Event) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), self.rng.uniform(0, interval))
        while not stop.is_set():
            await self.answer()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), interval * self.rng.uniform(0.9, 1.1))

    # ---- what went wrong ------------------------------------------------------------------

    @property
    def stream_errors(self) -> int:
        """Push-stream connections that failed, or that the server refused."""
        return 0 if self.sse is None else self.sse.failures + self.sse.refusals

    def problem(self) -> str | None:
        """The first thing that went wrong for this phone, if anything did."""
        if self.failure:
            return self.failure
        if self.problems:
            return self.problems[0]
        if self.sse is not None and self.stream_errors:
            return f"push stream: {self.sse.last_error!r}"[:200]
        return None

    async def close(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
        if self.sse is not None:
            await self.sse.close()
        await self.http.close()


@dataclass
class LoadStats:
    """One page load of one phone, as the browser's network panel shows it."""

    started_at: float
    drawn_at: float = 0.0  # the app drew the first prompt (assets loaded, data parsed)
    requests: int = 0
    wire_bytes: int = 0  # HTTP bytes received: status lines, headers, bodies as sent
    redirects: int = 0
    assets: int = 0  # asset requests (0 on a reload with a warm cache)
    asset_bytes: int = 0
    gzipped: int = 0  # responses that came gzip-encoded

    def add(self, reply: Reply) -> None:
        self.requests += 1
        self.wire_bytes += reply.wire_bytes


def poll_tally(target: Target, session_id: int, room: Room, stop: threading.Event) -> None:
    """``--tally db``: the answer count read from the database ten times a second (a lower
    bound for any presenter page)."""
    while not stop.wait(0.1):
        try:
            view = services.get_live_view(db=target.db, session_id=session_id)
        except Exception:
            continue
        if view.prompt is not None:
            room.count_seen(view.prompt.text, view.counts.answered, time.monotonic())


_ANSWERED = re.compile(r"<b>(\d+)</b>\s*<span>answered</span>")


SCREEN_GAP_SECONDS = 0.25  # as ui/follow.js (presenter): answers redraw at most this often
RUN_WAIT_SECONDS = 3.0  # as follow.js: a rerun asked for is awaited this long at most


async def _stopped_within(stop: asyncio.Event, seconds: float) -> bool:
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()


class PresenterScreen:
    """``--tally presenter``: the real presenter page, followed like a projector would.

    The page follows the room by push (``ui/follow.py``): in a browser its component
    listens on ``/events/<code>/screen`` and sends a trigger that reruns the fragment.
    This client does the same: one SSE stream, and on a new pulse a ``rerun_script`` of
    the component's fragment with the component's trigger. (A presenter on a timer,
    older code, reruns by itself: no component is drawn and nothing is sent.)"""

    def __init__(self, room: Room, url: str, code: str, key: str) -> None:
        self.room = room
        self.follow: Node | None = None  # the follow component, once drawn
        self.pulse: Any = None  # the newest pulse heard
        self.drawn: Any = None  # the pulse the page was last drawn from
        self.pulsed_at = 0.0
        self.reruns = 0
        self._pending: asyncio.TimerHandle | None = None
        self._sends: set[asyncio.Future[None]] = set()
        self.asked_at: float | None = None  # a rerun asked for, not yet drawn to its end
        self.asked_pulse: Any = None  # ...and the pulse it was asked for
        self.sse = SseClient(f"{url}/events/{code}/screen", self._on_pulse)
        self.client = StreamlitClient(
            url,
            page="presenter",
            query_string=urlencode({"code": code, "key": key, "mode": "present"}),
            on_delta=self._on_delta,
        )
        self.prompt: tuple[str, str] = ("", "")  # (run id, prompt text)
        self.count: tuple[str, int, float] = ("", -1, 0.0)  # (run id, answered, time)

    def start(self) -> None:
        self.sse.start()

    def stop(self) -> None:
        self.sse.stop()

    def _on_pulse(self, raw: str, at: float) -> None:
        try:
            pulse = json.loads(raw).get("pulse")
        except (ValueError, AttributeError):
            return
        self.pulse = pulse
        if self.drawn is None and self.follow is None:
            return
        self._consider(at)

    def _consider(self, at: float) -> None:
        """As follow.js: a facilitator action at once, the room's changes after the gap,
        and never while a rerun asked for is still running (up to RUN_WAIT_SECONDS)."""
        if self.pulse is None or self.pulse == self.drawn:
            return
        running = self.asked_at is not None and at - self.asked_at < RUN_WAIT_SECONDS
        base = self.asked_pulse if running else self.drawn  # asked for, else drawn
        moved = base is None or base[0] != self.pulse[0]
        if running and not moved:
            return  # the end of that run calls this again
        wait = self.pulsed_at + SCREEN_GAP_SECONDS - at
        if moved or wait <= 0:
            self._rerun()
        elif self._pending is None:
            self._pending = asyncio.get_running_loop().call_later(wait, self._rerun)

    def _rerun(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        node = self.follow
        if node is None:
            return
        self.pulsed_at = self.asked_at = time.monotonic()
        self.asked_pulse = self.pulse
        self.reruns += 1
        # The component's trigger widget (streamlit's components v2: "<id>__events"),
        # a JSON list of {event, value} payloads, as the browser sends it.
        trigger = WidgetState(
            id=_component_trigger_id(node.widget_id),
            json_trigger_value=json.dumps([{"event": "change", "value": str(self.reruns)}]),
        )
        task = asyncio.ensure_future(
            self.client.rerun(fragment_id=node.fragment_id, triggers=[trigger])
        )
        self._sends.add(task)  # kept until done (asyncio holds tasks only weakly)
        task.add_done_callback(self._sends.discard)

    def _on_delta(self, client: StreamlitClient, node: Node) -> None:
        if node.kind == "bidi_component":
            self.follow = node
            with contextlib.suppress(ValueError, KeyError, TypeError):
                self.drawn = json.loads(node.proto.json)["pulse"]
            self.asked_at = None  # the run got to its end
            self._consider(node.received_at)
            return
        if node.kind != "html":
            return
        text = html.unescape(node.text)
        found = _ANSWERED.search(text)
        if found:
            self.count = (node.run_id, int(found.group(1)), node.received_at)
        elif (prompt := self.room.match_prompt(text)) is not None:
            self.prompt = (node.run_id, prompt)
        # The count is drawn before the prompt in a run: pair them by run.
        if self.prompt[0] and self.prompt[0] == self.count[0]:
            self.room.count_seen(self.prompt[1], self.count[1], self.count[2])


def _component_trigger_id(widget_id: str) -> str:
    from streamlit.components.v2.bidi_component.main import _make_trigger_id

    return _make_trigger_id(widget_id, "events")


async def facilitator(
    target: Target, session_id: int, key: str, room: Room, every: float, stop: asyncio.Event
) -> None:
    while True:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
        if stop.is_set():
            return
        session = await asyncio.to_thread(
            services.next_prompt, db=target.db, session_id=session_id, key=key
        )
        committed = time.monotonic()
        prompt = room.prompt_texts[session.current_position]
        room.advanced_at[prompt] = committed
        room.result.advances += 1


def settle_advances(room: Room, phones: list[Phone]) -> None:
    result = room.result
    for prompt in room.advanced_at:
        seen = room.seen_after_advance.get(prompt, [])
        result.advance_ms.extend(seen)
        result.advance_missed += max(0, sum(p.connected for p in phones) - len(seen))
        if seen:
            result.advance_all_ms.append(max(seen))


def check_stored(target: Target, session_id: int, phones: list[Phone]) -> tuple[int, int]:
    """(acknowledged answers missing from the database or stored with another value,
    unacknowledged answers stored against the prompt the phone showed)."""
    prompt_ids = {p.text: p.id for p in services.list_prompts(db=target.db, session_id=session_id)}

    def stored_value(phone: Phone, prompt: str) -> Any:
        stored = services.find_my_answer(
            db=target.db,
            secret=target.secret,
            session_id=session_id,
            prompt_id=prompt_ids[prompt],
            token=phone.token,
        )
        return None if stored is None else stored.value

    lost = stored_unacked = 0
    for phone in phones:
        if phone.token is None:
            continue  # never loaded the page: never answered
        for prompt, value in phone.acked.items():
            # The phone may have sent another answer after this one whose reply never
            # came (the step ended, the network): it may have replaced this one.
            later = [
                p.value
                for p in phone.unacked
                if p.prompt == prompt and p.sent_at > phone.acked_sent_at[prompt]
            ]
            if stored_value(phone, prompt) not in [value, *later]:
                lost += 1
        for sent in phone.unacked:
            # A later answer to the same prompt may have replaced this one.
            if sent.prompt not in phone.acked and stored_value(phone, sent.prompt) is not None:
                stored_unacked += 1
    return lost, stored_unacked


def count_errors(result: StepResult, phones: list[Phone]) -> None:
    """Phones with anything wrong (page load, websocket, answers, push stream)."""
    for phone in phones:
        result.stream_errors += phone.stream_errors
        problem = phone.problem()
        if problem:
            result.errors += 1
            if len(result.error_samples) < 5:
                result.error_samples.append(problem)

"""Load benchmark: N simulated phones on the real join page, at the websocket level.

Each phone is a headless Streamlit tab (``bench/streamlit_protocol.py``) that joins
through the real join URL with its own participant cookie, follows the live session as a
browser would (it requests the fragment reruns its ``run_every`` asks for), and answers
on a schedule, while a simulated facilitator advances prompts through the services on
the same database. Per number of phones it prints connected phones, errors, latencies
(answer -> "received", advance -> new prompt on the phone, answer -> presenter tally),
server CPU and memory per phone, idle CPU per phone, and checks that every acknowledged
answer is stored.

    .venv/bin/python bench/phones.py --phones 100,300,600 --duration 120

Bounded: at most ``--max-phones`` phones, ``--duration`` seconds per step (capped),
127.0.0.1 only. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psutil
import websockets
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make bench.* and tests.support.* importable
    sys.path.insert(0, str(ROOT))

from bench.phone_driver import listener_data, listener_trigger, plain, plan_answer  # noqa: E402
from bench.sse import SseClient  # noqa: E402
from bench.streamlit_protocol import Node, StreamlitClient  # noqa: E402
from workshop import services  # noqa: E402
from workshop.config import Settings  # noqa: E402
from workshop.domain.codes import new_participant_token  # noqa: E402
from workshop.domain.model import PromptKind, PromptSpec, ResultsMode, Template  # noqa: E402
from workshop.storage import Database, make_database  # noqa: E402

PARTICIPANT_COOKIE = "workshop_participant"
OPTIONS = ("Alpha", "Bravo", "Charlie", "Delta")
MAX_PHONES = 2000
MAX_STEP_SECONDS = 600
CONNECT_TIMEOUT = 60.0
FINISHED_SUCCESSFULLY = ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY


# ---- results ----------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class StepResult:
    phones: int
    connected: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    connect_p95: float | None = None
    answers_sent: int = 0
    answers_acked: int = 0
    answers_unacked: int = 0  # sent, never shown as received (e.g. the prompt moved)
    unacked_stored: int = 0  # of those, stored against the prompt the phone showed
    ack_ms: list[float] = field(default_factory=list)
    advances: int = 0
    advance_ms: list[float] = field(default_factory=list)  # per phone per advance
    advance_missed: int = 0  # a phone that never showed an advanced prompt
    advance_all_ms: list[float] = field(default_factory=list)  # last phone per advance
    tally_ms: list[float] = field(default_factory=list)
    tally_missed: int = 0  # first answers the presenter never counted
    blank_pages: int = 0  # full runs that drew nothing (the phone shows an empty page)
    reloads: int = 0  # pages the push listener reloaded
    lost: int = 0  # acknowledged but not (or not so) in the database
    server_cpu_active: float = 0.0  # % of one core
    server_cpu_idle: float = 0.0
    bench_cpu_active: float = 0.0
    machine_cpu_active: float = 0.0  # all processes, % of one core (2 cores = 200)
    load_average: float = 0.0  # 1-minute load average at the end of the active phase
    rss_base_mb: float = 0.0
    rss_mb: float = 0.0
    reruns_per_s: float = 0.0

    def summary(self) -> dict[str, object]:
        def ms(values: list[float], q: float) -> int | None:
            found = percentile(values, q)
            return None if found is None else round(found)

        per_phone_kb = (self.rss_mb - self.rss_base_mb) * 1024 / max(1, self.connected)
        return {
            "phones": self.phones,
            "connected": self.connected,
            "errors": self.errors,
            "answers": self.answers_sent,
            "acked": self.answers_acked,
            "unacked": self.answers_unacked,
            "unacked_stored": self.unacked_stored,
            "lost": self.lost,
            "ack_p50": ms(self.ack_ms, 50),
            "ack_p95": ms(self.ack_ms, 95),
            "ack_p99": ms(self.ack_ms, 99),
            "advances": self.advances,
            "advance_p50": ms(self.advance_ms, 50),
            "advance_p95": ms(self.advance_ms, 95),
            "advance_p99": ms(self.advance_ms, 99),
            "advance_all_max": ms(self.advance_all_ms, 100),
            "advance_missed": self.advance_missed,
            "tally_p50": ms(self.tally_ms, 50),
            "tally_p95": ms(self.tally_ms, 95),
            "tally_p99": ms(self.tally_ms, 99),
            "tally_missed": self.tally_missed,
            "blank_pages": self.blank_pages,
            "reloads": self.reloads,
            "server_cpu_active_pct": round(self.server_cpu_active, 1),
            "server_cpu_idle_pct": round(self.server_cpu_idle, 1),
            "idle_cpu_per_phone_pct": round(self.server_cpu_idle / max(1, self.connected), 3),
            "bench_cpu_active_pct": round(self.bench_cpu_active, 1),
            "machine_cpu_active_pct": round(self.machine_cpu_active, 1),
            "load_average": round(self.load_average, 2),
            "rss_mb": round(self.rss_mb, 1),
            "rss_per_phone_kb": round(per_phone_kb, 1),
            "reruns_per_s": round(self.reruns_per_s, 1),
            "connect_p95_ms": None if self.connect_p95 is None else round(self.connect_p95),
        }


# ---- the server under test ------------------------------------------------------------


@dataclass
class Target:
    urls: list[str]
    pids: list[int]
    settings: Settings
    db: Database
    secret: bytes

    def processes(self) -> list[psutil.Process]:
        found = []
        for pid in self.pids:
            with contextlib.suppress(psutil.Error):
                found.append(psutil.Process(pid))
        return found


class ServerMeter:
    """CPU seconds and resident memory of the server processes (and their children)."""

    def __init__(self, processes: list[psutil.Process]) -> None:
        self.processes = processes

    def _all(self) -> Iterator[psutil.Process]:
        for process in self.processes:
            yield process
            with contextlib.suppress(psutil.Error):
                yield from process.children(recursive=True)

    def cpu_seconds(self) -> float:
        total = 0.0
        for process in self._all():
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                total += times.user + times.system
        return total

    def rss_mb(self) -> float:
        total = 0
        for process in self._all():
            with contextlib.suppress(psutil.Error):
                total += process.memory_info().rss
        return total / 2**20


class CpuWindow:
    """% of one core used between start() and stop()."""

    def __init__(self, read: object) -> None:
        self.read = read
        self.started = 0.0
        self.cpu = 0.0

    def start(self) -> None:
        self.started = time.monotonic()
        self.cpu = self.read()  # type: ignore[operator]

    def stop(self) -> float:
        wall = time.monotonic() - self.started
        return 100.0 * (self.read() - self.cpu) / max(wall, 1e-6)  # type: ignore[operator]


def bench_cpu_seconds() -> float:
    times = psutil.Process().cpu_times()
    return times.user + times.system


def machine_cpu_seconds() -> float:
    """CPU seconds of every process on the machine (others' jobs make a run noisy)."""
    times = psutil.cpu_times()
    return times.user + times.system + times.nice + getattr(times, "softirq", 0.0)


# ---- the live session the phones follow -----------------------------------------------


def bench_template(tag: str, prompts: int, results: str = "mixed") -> Template:
    """Single-choice prompts with unique texts (no text is a substring of another).

    ``results``: live (phones show a results panel that refreshes on its own),
    on_reveal (they do not), or mixed (alternating, as in the shipped templates).
    """

    def mode(i: int) -> ResultsMode:
        if results == "mixed":
            return ResultsMode.LIVE if i % 2 == 0 else ResultsMode.ON_REVEAL
        return ResultsMode(results)

    specs = tuple(
        PromptSpec(
            kind=PromptKind.SINGLE_CHOICE,
            text=f"Bench {tag} question {i + 1}: which option fits best?",
            options=OPTIONS,
            results=mode(i),
        )
        for i in range(prompts)
    )
    return Template(title=f"Bench {tag}", prompts=specs, min_answers_to_show=0, slug="bench")


@dataclass
class Pending:
    prompt: str
    value: str
    sent_at: float
    first_for_prompt: bool


class Room:
    """What every phone of one step shares: the session, prompt texts and the records."""

    def __init__(self, result: StepResult, prompt_texts: list[str], marker: str) -> None:
        self.result = result
        self.prompt_texts = prompt_texts
        self.marker = marker.lower()
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
    """One participant's phone: a Streamlit tab on the join page, plus the page's push
    listener (an EventSource) when the page draws one."""

    def __init__(self, room: Room, url: str, code: str, *, seed: int) -> None:
        self.room = room
        self.url = url
        self.code = code
        self.token = new_participant_token()
        self.rng = random.Random(seed)
        self.client = self._new_client()
        self.shown: str | None = None
        self.pending: Pending | None = None
        self.marker_run = ""  # the run that last drew the received marker
        self.acked: dict[str, str] = {}  # prompt text -> last acknowledged value
        self.unacked: list[Pending] = []  # sent, never shown as received
        self.connected = False
        self.connect_ms: float | None = None
        self.failure: str | None = None
        # Push listener state, mirroring workshop.ui.live's JavaScript.
        self.listener: Node | None = None
        self.rendered_revision: int | None = None
        self.boot: str | None = None
        self.sse: SseClient | None = None
        self.reloads = 0
        self.push_reruns = 0
        self.blank_runs = 0
        self.stale_after = 10.0
        self._reload_task: asyncio.Task[None] | None = None

    @property
    def cookies(self) -> dict[str, str]:
        return {PARTICIPANT_COOKIE: self.token}

    def _new_client(self) -> StreamlitClient:
        return StreamlitClient(
            self.url,
            page="join",
            query_string=f"code={self.code}",
            cookies=self.cookies,
            on_delta=self._on_delta,
            on_finished=self._on_finished,
        )

    def _on_finished(self, client: StreamlitClient, msg: ForwardMsg) -> None:
        """After a full run the page must show a prompt; one that does not (an error
        element or nothing) leaves the phone stuck until something reloads it."""
        if msg.metadata.run.fragment_ids or msg.script_finished != FINISHED_SUCCESSFULLY:
            return
        texts = (plain(node.text) for node in client.elements())
        shown = next((p for t in texts if t and (p := self.room.match_prompt(t))), None)
        if shown is None:
            self.blank_runs += 1
            self.shown = None

    def _on_delta(self, client: StreamlitClient, node: Node) -> None:
        if node.kind == "bidi_component":
            self._on_listener(node)
            return
        text = plain(node.text)
        if not text:
            return
        prompt = self.room.match_prompt(text)
        if prompt is not None and prompt != self.shown:
            self.shown = prompt
            self.room.prompt_seen(prompt, node.received_at)
        pending = self.pending
        if pending is None:
            return
        # Acknowledged = a run that started after the answer was sent draws the received
        # marker and, in the same run, the answer's value. (A run that started earlier,
        # or the very run that stores a changed answer, still shows the previous one.)
        started = client.run_started_at.get(node.run_id, 0.0)
        if started < pending.sent_at or self.shown != pending.prompt:
            return
        if node.kind != "html" and self.room.marker in text.lower():  # html: the page's CSS
            self.marker_run = node.run_id
        elif node.kind == "text" and text == pending.value and self.marker_run == node.run_id:
            self.pending = None
            self.acked[pending.prompt] = pending.value
            self.room.result.answers_acked += 1
            self.room.result.ack_ms.append(1000 * (node.received_at - pending.sent_at))
            if pending.first_for_prompt:
                self.room.answer_log.append((pending.prompt, pending.sent_at, node.received_at))

    # ---- push: the page's EventSource listener ------------------------------------------

    def _on_listener(self, node: Node) -> None:
        data = listener_data(node)
        if not data or "url" not in data:
            return
        self.listener = node
        self.rendered_revision = data.get("revision")
        self.stale_after = float(data.get("staleReloadMs", 10_000)) / 1000
        if self.sse is None:
            self.sse = SseClient(self.url, str(data["url"]), self._on_push, cookies=self.cookies)
            self.sse.start()

    async def _on_push(self, raw: str) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            return
        boot = message.get("boot")
        if self.boot and boot != self.boot:
            await self.reload()  # the server restarted: its Streamlit session is gone
            return
        self.boot = boot
        asked = message.get("revision")
        listener = self.listener
        if listener is None or asked == self.rendered_revision or self.client.closed:
            return
        self.push_reruns += 1
        with contextlib.suppress(ConnectionError, websockets.ConnectionClosed):
            await self.client.rerun(
                fragment_id=listener.fragment_id,
                triggers=[listener_trigger(listener, "changed", asked)],
            )
        asyncio.get_running_loop().call_later(self.stale_after, self._check_stale, asked)

    def _check_stale(self, asked: int) -> None:
        rendered = self.rendered_revision
        if rendered is not None and rendered < asked and not self.client.closed:
            self._reload_task = asyncio.create_task(self.reload())

    async def reload(self) -> None:
        """What the page's listener does when it gives up on its session: reload."""
        self.reloads += 1
        await self.close()
        self.client = self._new_client()
        self.listener = self.sse = None
        self.rendered_revision = self.boot = None
        await self.connect(0.0)

    async def close(self) -> None:
        if self.sse is not None:
            await self.sse.close()
        await self.client.close()

    async def connect(self, delay: float) -> None:
        await asyncio.sleep(delay)
        started = time.monotonic()
        self.shown = None
        try:
            await self.client.connect(timeout=CONNECT_TIMEOUT)
            await self.client.wait_for(lambda: self.shown is not None, timeout=CONNECT_TIMEOUT)
        except Exception as exc:  # counted, not raised: overload shows as errors
            self.failure = f"connect: {exc!r}"[:200]
            return
        self.connect_ms = 1000 * (time.monotonic() - started)
        self.connected = True

    async def answer(self) -> None:
        if not self.connected or self.client.closed or self.shown is None:
            return
        if self.pending is not None:  # never acknowledged: counted once, replaced
            self.unacked.append(self.pending)
            self.pending = None
        prompt = self.shown
        action = plan_answer(self.client, avoid=self.acked.get(prompt), rng=self.rng)
        if action is None:
            return
        for widget_id, value in action.values:
            self.client.set_widget(widget_id, **value)
        first = prompt not in self.acked
        self.pending = Pending(prompt, action.shown_value, time.monotonic(), first)
        self.room.result.answers_sent += 1
        try:
            await self.client.click(action.button)
        except Exception as exc:
            self.failure = f"answer: {exc!r}"[:200]

    async def answer_every(self, interval: float, stop: asyncio.Event) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), self.rng.uniform(0, interval))
        while not stop.is_set():
            await self.answer()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), interval * self.rng.uniform(0.9, 1.1))


# ---- one step: N phones -----------------------------------------------------------------


@dataclass
class Options:
    duration: float
    idle: float
    answer_every: float
    advance_every: float
    ramp: float
    marker: str
    prompts: int
    seed: int
    results: str
    tally: str


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


class PresenterScreen:
    """``--tally presenter``: the real presenter page, followed like a projector would."""

    def __init__(self, room: Room, url: str, code: str, key: str) -> None:
        self.room = room
        self.client = StreamlitClient(
            url,
            page="presenter",
            query_string=urlencode({"code": code, "key": key, "mode": "present"}),
            on_delta=self._on_delta,
        )
        self.prompt: tuple[str, str] = ("", "")  # (run id, prompt text)
        self.count: tuple[str, int, float] = ("", -1, 0.0)  # (run id, answered, time)

    def _on_delta(self, client: StreamlitClient, node: Node) -> None:
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

    def stored_value(phone: Phone, prompt: str) -> str | None:
        stored = services.find_my_answer(
            db=target.db,
            secret=target.secret,
            session_id=session_id,
            prompt_id=prompt_ids[prompt],
            token=phone.token,
        )
        return None if stored is None else str(stored.value)

    lost = stored_unacked = 0
    for phone in phones:
        for prompt, value in phone.acked.items():
            if stored_value(phone, prompt) != value:
                lost += 1
        for pending in phone.unacked:
            # A later answer to the same prompt may have replaced this one.
            if pending.prompt not in phone.acked and stored_value(phone, pending.prompt):
                stored_unacked += 1
    return lost, stored_unacked


def count_errors(result: StepResult, phones: list[Phone]) -> None:
    for phone in phones:
        problem = phone.failure or (repr(phone.client.error) if phone.client.error else None)
        if problem:
            result.errors += 1
            if len(result.error_samples) < 5:
                result.error_samples.append(problem)


async def run_step(target: Target, n: int, options: Options, tag: str) -> StepResult:
    result = StepResult(phones=n)
    template = bench_template(tag, options.prompts, options.results)
    started = services.start_session(db=target.db, template=template)
    session_id, code, key = started.session.id, started.session.code, started.facilitator_key
    room = Room(result, [p.text for p in template.prompts], options.marker)
    meter = ServerMeter(target.processes())
    result.rss_base_mb = meter.rss_mb()

    presenter = None
    if options.tally == "presenter":
        presenter = PresenterScreen(room, target.urls[-1], code, key)
        await presenter.client.connect()
    phones = [
        Phone(room, target.urls[i % len(target.urls)], code, seed=options.seed * 100_003 + i)
        for i in range(n)
    ]
    print(f"  connecting {n} phones at {options.ramp:g}/s ...", flush=True)
    await asyncio.gather(*(p.connect(i / options.ramp) for i, p in enumerate(phones)))
    result.connected = sum(p.connected for p in phones)
    result.connect_p95 = percentile([p.connect_ms for p in phones if p.connect_ms], 95)
    await asyncio.sleep(3)  # let the last phones' first ticks pass

    print(f"  idle {options.idle:g} s with {result.connected} phones ...", flush=True)
    idle = CpuWindow(meter.cpu_seconds)
    idle.start()
    await asyncio.sleep(options.idle)
    result.server_cpu_idle = idle.stop()
    result.rss_mb = meter.rss_mb()

    print(f"  active {options.duration:g} s ...", flush=True)
    stop = asyncio.Event()
    stop_db_tally = threading.Event()
    db_tally = None
    if options.tally == "db":
        db_tally = threading.Thread(
            target=poll_tally, args=(target, session_id, room, stop_db_tally), daemon=True
        )
        db_tally.start()
    reruns_before = sum(p.client.stats.reruns_sent for p in phones)
    active, bench_cpu = CpuWindow(meter.cpu_seconds), CpuWindow(bench_cpu_seconds)
    machine = CpuWindow(machine_cpu_seconds)
    for window in (active, bench_cpu, machine):
        window.start()
    tasks = [asyncio.create_task(p.answer_every(options.answer_every, stop)) for p in phones]
    tasks.append(
        asyncio.create_task(facilitator(target, session_id, key, room, options.advance_every, stop))
    )
    await asyncio.sleep(options.duration)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    result.server_cpu_active = active.stop()
    result.bench_cpu_active = bench_cpu.stop()
    result.machine_cpu_active = machine.stop()
    result.load_average = os.getloadavg()[0]
    reruns = sum(p.client.stats.reruns_sent for p in phones) - reruns_before
    result.reruns_per_s = reruns / options.duration
    result.rss_mb = max(result.rss_mb, meter.rss_mb())

    # Drain: give pending answers, the last advance and the tally time to show.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(p.pending for p in phones if p.connected):
        await asyncio.sleep(0.25)
    await asyncio.sleep(3)
    stop_db_tally.set()
    if db_tally is not None:
        db_tally.join(timeout=5)
    for phone in phones:
        if phone.pending is not None:
            phone.unacked.append(phone.pending)
            phone.pending = None
    result.answers_unacked = sum(len(p.unacked) for p in phones)
    result.blank_pages = sum(p.blank_runs for p in phones)
    result.reloads = sum(p.reloads for p in phones)
    settle_advances(room, phones)
    room.settle_tally()
    count_errors(result, phones)
    if presenter is not None:
        await presenter.client.close()
    await asyncio.gather(*(p.close() for p in phones), return_exceptions=True)
    result.lost, result.unacked_stored = await asyncio.to_thread(
        check_stored, target, session_id, phones
    )
    with contextlib.suppress(Exception):
        services.end_session(db=target.db, session_id=session_id, key=key)
    return result


# ---- command line ---------------------------------------------------------------------


def print_table(results: list[StepResult]) -> None:
    header = (
        "| phones | connected | errors | ack p50/p95/p99 ms | advance p50/p95/p99 ms "
        "| last phone ms | tally p50/p95 ms | lost | CPU active % | idle CPU/phone % "
        "| RSS/phone KB |"
    )
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for r in results:
        s = r.summary()
        print(
            f"| {s['phones']} | {s['connected']} | {s['errors']} "
            f"| {s['ack_p50']}/{s['ack_p95']}/{s['ack_p99']} "
            f"| {s['advance_p50']}/{s['advance_p95']}/{s['advance_p99']} "
            f"| {s['advance_all_max']} | {s['tally_p50']}/{s['tally_p95']} | {s['lost']} "
            f"| {s['server_cpu_active_pct']} | {s['idle_cpu_per_phone_pct']} "
            f"| {s['rss_per_phone_kb']} |"
        )


def local_only(url: str) -> str:
    host = urlsplit(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing to load {url}: the bench targets 127.0.0.1 only")
    return url.rstrip("/")


def start_server(
    data_dir: Path, entry: Path, env: dict[str, str]
) -> tuple[str, subprocess.Popen[bytes], Path]:
    """``streamlit run <entry>`` on 127.0.0.1 and a free port, from the repository root
    (so .streamlit/config.toml applies), as tests/support/server.py does for server.py."""
    from tests.support.postgres import free_port
    from tests.support.server import stop_server_process, wait_healthy

    port = free_port()
    log_path = data_dir / f"server-{port}.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "streamlit", "run", str(entry)),
                *("--server.address", "127.0.0.1", "--server.port", str(port)),
                *("--server.headless", "true"),
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "WORKSHOP_DATA_DIR": str(data_dir),
                "PYTHONUNBUFFERED": "1",
                **env,
            },
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
    except Exception:
        stop_server_process(process)
        raise
    return url, process, log_path


@contextlib.contextmanager
def started_target(args: argparse.Namespace) -> Iterator[Target]:
    """Attach to --url, or start --processes servers (and PostgreSQL if asked)."""
    from tests.support.server import stop_server_process

    with contextlib.ExitStack() as stack:
        env: dict[str, str] = {}
        if args.url:
            data_dir = Path(args.data_dir or os.environ.get("WORKSHOP_DATA_DIR", ""))
            if not args.data_dir and not os.environ.get("WORKSHOP_DATA_DIR"):
                raise SystemExit("--url needs --data-dir (the server's WORKSHOP_DATA_DIR)")
        else:
            data_dir = Path(tempfile.mkdtemp(prefix="workshop-bench-"))
            if not args.keep_data:
                stack.callback(shutil.rmtree, data_dir, True)
        if args.database == "postgres":
            from tests.support.postgres import create_database, throwaway_cluster

            admin = stack.enter_context(throwaway_cluster())
            env["WORKSHOP_DATABASE_URL"] = create_database(admin, "bench")
        elif args.database_url:
            env["WORKSHOP_DATABASE_URL"] = args.database_url
        settings = Settings.from_env({**os.environ, "WORKSHOP_DATA_DIR": str(data_dir), **env})
        if args.url:
            urls = [local_only(u) for u in args.url.split(",")]
            pids = [int(p) for p in (args.pid or "").split(",") if p]
        else:
            urls, pids = [], []
            for _ in range(args.processes):
                url, process, log_path = start_server(data_dir, Path(args.entry), env)
                stack.callback(stop_server_process, process)
                urls.append(url)
                pids.append(process.pid)
                print(f"server {url} pid {process.pid} log {log_path}", flush=True)
        db = make_database(settings.database_url)
        stack.callback(db.dispose)
        yield Target(urls, pids, settings, db, settings.participant_secret())


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="running server(s), comma-separated (127.0.0.1 only)")
    parser.add_argument("--pid", help="server PID(s) to meter, comma-separated (with --url)")
    parser.add_argument("--data-dir", help="the running server's WORKSHOP_DATA_DIR")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", help="an existing database (with --url)")
    parser.add_argument("--processes", type=int, choices=[1, 2], default=1)
    parser.add_argument(
        "--entry",
        default=str(ROOT / "server.py"),
        help="script the started servers run (a patched copy, for what-if measurements)",
    )
    parser.add_argument("--keep-data", action="store_true", help="keep the temp data dir")
    parser.add_argument("--phones", default="100,300", help="comma-separated steps")
    parser.add_argument("--duration", type=float, default=90.0, help="active s per step")
    parser.add_argument("--idle", type=float, default=20.0, help="idle s per step")
    parser.add_argument("--answer-every", type=float, default=30.0)
    parser.add_argument("--advance-every", type=float, default=30.0)
    parser.add_argument("--ramp", type=float, default=50.0, help="new phones per second")
    parser.add_argument("--marker", default="received", help="text of the received state")
    parser.add_argument("--prompts", type=int, default=40)
    parser.add_argument(
        "--results",
        choices=["live", "on_reveal", "mixed"],
        default="mixed",
        help="results mode of the bench prompts (live: phones poll a results panel)",
    )
    parser.add_argument(
        "--tally",
        choices=["presenter", "db"],
        default="presenter",
        help="answer -> tally seen on the real presenter page, or in the database",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="append one JSON line per step to this file")
    return parser.parse_args(argv)


async def main_async(args: argparse.Namespace) -> list[StepResult]:
    steps = [int(n) for n in args.phones.split(",") if n.strip()]
    if any(n < 1 or n > MAX_PHONES for n in steps):
        raise SystemExit(f"--phones must be between 1 and {MAX_PHONES}")
    if args.duration + args.idle > MAX_STEP_SECONDS:
        raise SystemExit(f"--duration + --idle must stay under {MAX_STEP_SECONDS} s")
    options = Options(
        duration=args.duration,
        idle=args.idle,
        answer_every=args.answer_every,
        advance_every=args.advance_every,
        ramp=args.ramp,
        marker=args.marker,
        prompts=args.prompts,
        seed=args.seed,
        results=args.results,
        tally=args.tally,
    )
    results = []
    with started_target(args) as target:
        for index, n in enumerate(steps):
            print(f"step {index + 1}/{len(steps)}: {n} phones", flush=True)
            result = await run_step(target, n, options, tag=f"s{index + 1}n{n}")
            print("  " + json.dumps(result.summary()), flush=True)
            if result.error_samples:
                print("  errors, e.g.:", *result.error_samples, sep="\n    ")
            results.append(result)
            if args.json:
                with open(args.json, "a") as handle:
                    line = {**result.summary(), "args": vars(args), "at": time.time()}
                    handle.write(json.dumps(line) + "\n")
    return results


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    results = asyncio.run(main_async(args))
    print()
    print_table(results)


if __name__ == "__main__":
    main()

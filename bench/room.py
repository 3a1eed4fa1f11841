"""The room of one step: the live session, the simulated phones, the presenter screen
and the facilitator, and the bookkeeping that turns what they saw into latencies."""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import random
import re
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import websockets
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.load_report import StepResult
from bench.load_target import Target
from bench.phone_driver import (
    AnswerAction,
    closed_expander,
    listener_data,
    listener_trigger,
    plain,
    plan_answer,
)
from bench.sse import SseClient
from bench.streamlit_protocol import Node, StreamlitClient
from workshop import services
from workshop.domain.codes import new_participant_token
from workshop.domain.model import PromptKind, PromptSpec, ResultsMode, Template

PARTICIPANT_COOKIE = "workshop_participant"
OPTIONS = ("Alpha", "Bravo", "Charlie", "Delta")
CONNECT_TIMEOUT = 60.0
FINISHED_SUCCESSFULLY = ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY


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
        self.acked_sent_at: dict[str, float] = {}  # prompt text -> when that was sent
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
        self._earlier_reruns = 0
        self.push_reruns = 0
        self.blank_runs = 0
        self.renders = 0  # listener draws, as the page's JavaScript counts them
        self.page_loads = 0  # a reload ends the old page's timers, as in a browser
        self.stale_after = 45.0
        self.stale_jitter = 30.0
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
            self.acked_sent_at[pending.prompt] = pending.sent_at
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
        self.renders += 1
        self.rendered_revision = data.get("revision")
        self.stale_after = float(data.get("staleReloadMs", 45_000)) / 1000
        self.stale_jitter = float(data.get("staleJitterMs", 30_000)) / 1000
        if self.sse is None:
            self.sse = SseClient(self.url, str(data["url"]), self._on_push, cookies=self.cookies)
            self.sse.start()

    async def _on_push(self, raw: str) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            return
        boot = message.get("boot")
        restarted = bool(self.boot) and boot != self.boot
        self.boot = boot
        asked = message.get("revision")
        if not restarted and asked == self.rendered_revision:
            return
        await self._ask(asked)

    async def _ask(self, asked: object) -> None:
        """Ask for a rerun; ask again at half the stale limit, reload at the limit."""
        if self.listener is None or self.client.closed:
            return
        self.push_reruns += 1
        before, page = self.renders, self.page_loads
        await self._send_rerun(asked)
        limit = self.stale_after + self.rng.random() * self.stale_jitter
        loop = asyncio.get_running_loop()
        loop.call_later(limit / 2, self._check_stale, before, page, asked, False)
        loop.call_later(limit, self._check_stale, before, page, asked, True)

    def _check_stale(self, before: int, page: int, asked: object, give_up: bool) -> None:
        if self.renders != before or self.page_loads != page or self.client.closed:
            return
        if give_up:
            self._reload_task = asyncio.create_task(self.reload())
        else:
            self._reload_task = asyncio.create_task(self._send_rerun(asked))

    async def _send_rerun(self, asked: object) -> None:
        listener = self.listener
        if listener is None or self.client.closed:
            return
        with contextlib.suppress(ConnectionError, websockets.ConnectionClosed):
            await self.client.rerun(
                fragment_id=listener.fragment_id,
                triggers=[listener_trigger(listener, "changed", asked)],
            )

    @property
    def reruns_sent(self) -> int:
        """Rerun requests sent by this phone, across reloads."""
        return self._earlier_reruns + self.client.stats.reruns_sent

    async def reload(self) -> None:
        """What the page's listener does when it gives up on its session: reload."""
        self.reloads += 1
        self.page_loads += 1
        await self.close()
        self._earlier_reruns += self.client.stats.reruns_sent
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
        """Answer what the phone shows (changing an earlier answer opens its form first)."""
        if not self.connected or self.client.closed or self.shown is None:
            return
        if self.pending is not None:  # never acknowledged: counted once, replaced
            self.unacked.append(self.pending)
            self.pending = None
        prompt, client = self.shown, self.client
        try:
            action = await self._find_answer_form(prompt)
            if action is None or self.shown != prompt:
                return
            for widget_id, value in action.values:
                client.set_widget(widget_id, **value)
            first = prompt not in self.acked
            self.pending = Pending(prompt, action.shown_value, time.monotonic(), first)
            self.room.result.answers_sent += 1
            await client.click(action.button)
        except (ConnectionError, websockets.ConnectionClosed) as exc:
            if client.error is not None:  # not our own reload closing the old tab
                self.failure = f"answer: {exc!r}"[:200]

    async def _find_answer_form(self, prompt: str) -> AnswerAction | None:
        def plan() -> AnswerAction | None:
            return plan_answer(self.client, avoid=self.acked.get(prompt), rng=self.rng)

        action = plan()
        expander = closed_expander(self.client) if action is None else None
        if expander is None:
            return action
        # A person taps "Change my answer" first: one more run before the form shows.
        self.client.set_widget(expander.widget_id, bool_value=True)
        await self.client.rerun(fragment_id=expander.fragment_id)
        with contextlib.suppress(TimeoutError):
            await self.client.wait_for(lambda: plan() is not None, timeout=CONNECT_TIMEOUT)
        return plan()

    async def answer_every(self, interval: float, stop: asyncio.Event) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), self.rng.uniform(0, interval))
        while not stop.is_set():
            await self.answer()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), interval * self.rng.uniform(0.9, 1.1))


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
            # The phone may have sent another answer after this one (not acknowledged
            # before the step ended, or the prompt moved): it may have replaced it.
            later = {
                p.value
                for p in phone.unacked
                if p.prompt == prompt and p.sent_at > phone.acked_sent_at[prompt]
            }
            if stored_value(phone, prompt) not in {value, *later}:
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

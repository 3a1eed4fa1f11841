"""Server CPU per thing a phone does, one at a time (no concurrency).

What the server spends on each action of a phone, measured by repeating it ``--repeat``
times on an otherwise idle server and dividing the server's CPU time (the idle server's
own CPU over the same wall time is subtracted):

- ``first visit``: a new browser opens the join URL with a cold cache (the 303 that sets
  its participant cookie, the page, which joins the session, and the app's stylesheet
  and script, gzipped), until the app could draw the prompt;
- ``reload``: the same browser loads the page again (cookie and cached assets: one
  request);
- ``stream connect``: an EventSource connects to ``/events/<code>`` until its first
  event (every phone does this again every 30 s, when the server ends the stream);
- ``advance, N listening``: the facilitator's advance with N push streams attached,
  until every one of them received the new prompt; per listener is the slope between
  the smallest and the largest N (what one more phone adds to an advance);
- ``answer POST``: ``POST /api/answer`` until its ``{"ok": true}``, as the first answer
  to a prompt and as a changed answer;
- ``view poll``: ``GET /api/view/<code>`` (a phone whose stream went silent for 25 s).

Each request comes on a new connection, as a phone's does (it acts every few tens of
seconds; the server closes an idle kept-alive connection after 5 s).

    .venv/bin/python bench/run_costs.py --repeat 100 --listeners 1,50

Multiply by the number of phones for a room. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make bench.* and tests.support.* importable
    sys.path.insert(0, str(ROOT))

from bench.load_report import StepResult  # noqa: E402
from bench.load_target import ServerMeter, start_server  # noqa: E402
from bench.phone_driver import plan_value  # noqa: E402
from bench.room import Phone, Room, bench_template  # noqa: E402
from bench.sse import SseClient  # noqa: E402
from workshop import services  # noqa: E402
from workshop.config import Settings  # noqa: E402
from workshop.domain.codes import new_participant_token  # noqa: E402
from workshop.storage import make_database  # noqa: E402

TIMEOUT = 30.0
MAX_LISTENERS = 200


async def idle_rate(meter: ServerMeter, seconds: float = 5.0) -> float:
    """The idle server's own CPU per second (the push hub's poll, heartbeats...)."""
    started_cpu, started = meter.cpu_seconds(), time.monotonic()
    await asyncio.sleep(seconds)
    return (meter.cpu_seconds() - started_cpu) / (time.monotonic() - started)


async def measure(
    meter: ServerMeter,
    label: str,
    repeat: int,
    once: Callable[[int], Awaitable[None]],
    *,
    baseline: float,
    prepare: Callable[[int], Awaitable[None]] | None = None,
) -> float:
    """Server CPU of ``once`` in ms (``prepare`` runs first each time, unmeasured)."""
    cpu = wall = 0.0
    for i in range(repeat):
        if prepare is not None:
            await prepare(i)
        await asyncio.sleep(0.3)  # let earlier work settle
        started_cpu, started = meter.cpu_seconds(), time.monotonic()
        await once(i)
        spent = time.monotonic() - started
        wall += spent
        cpu += meter.cpu_seconds() - started_cpu - baseline * spent
    per = 1000 * cpu / repeat
    print(
        f"{label:<24} {per:7.2f} ms CPU ({1000 * wall / repeat:6.1f} ms wall, {repeat} times)",
        flush=True,
    )
    return per


class Listeners:
    """N bare push streams on one session (what N phones' EventSources cost an advance)."""

    def __init__(self, url: str, count: int) -> None:
        self.prompts: list[int | None] = [None] * count
        self.tallied: list[int | None] = [None] * count  # n of the live results heard
        self.bytes_heard: list[int] = [0] * count  # the last event's size
        self.view_bytes: list[int] = [0] * count  # ...and the last whole view's
        self.streams = [
            SseClient(url, lambda raw, _at, i=i: self._heard(i, raw)) for i in range(count)
        ]

    def _heard(self, index: int, raw: str) -> None:
        event = json.loads(raw)
        self.bytes_heard[index] = len(raw)
        if "view" not in event:  # live results alone: the prompt's id and its tally
            self.tallied[index] = (event.get("results") or {}).get("n")
            return
        self.view_bytes[index] = len(raw)
        view = event["view"] or {}
        self.prompts[index] = (view.get("prompt") or {}).get("id")
        self.tallied[index] = (view.get("results") or {}).get("n")

    def all_tallied(self, n: int) -> bool:
        return all(t == n for t in self.tallied)

    def all_show(self, prompt_id: int) -> bool:
        return all(p == prompt_id for p in self.prompts)

    async def start(self) -> None:
        for stream in self.streams:
            stream.start()

    async def close(self) -> None:
        await asyncio.gather(*(s.close() for s in self.streams))


async def wait_until(check: Callable[[], bool], *, timeout: float = TIMEOUT) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.005)


async def main_async(args: argparse.Namespace) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="workshop-costs-"))
    url, process, _log = start_server(data_dir, Path(args.entry), {})
    from tests.support.server import stop_server_process

    listener_counts = sorted({int(n) for n in args.listeners.split(",") if n.strip()})
    if not listener_counts or not 1 <= listener_counts[0] <= listener_counts[-1] <= MAX_LISTENERS:
        raise SystemExit(f"--listeners must be between 1 and {MAX_LISTENERS}")
    try:
        db = make_database(Settings.from_env({"WORKSHOP_DATA_DIR": str(data_dir)}).database_url)
        answers = max(1, args.repeat // 4)
        prompts = answers + args.repeat * len(listener_counts) + 2
        template = bench_template("costs", prompts, args.results)
        started = services.start_session(db=db, template=template)
        session_id, key, code = started.session.id, started.facilitator_key, started.session.code
        prompt_ids = [p.id for p in services.list_prompts(db=db, session_id=session_id)]
        room = Room(StepResult(1), template.prompts)
        meter = ServerMeter([psutil.Process(process.pid)])
        events_url = f"{url}/events/{code}"
        print(f"join page, {args.results} results, server {url}")

        # ---- page load + join: a new browser each time --------------------------------
        loaded: list[Phone] = []

        async def page_load(i: int) -> None:
            phone = Phone(room, url, code, seed=i, follow=False)  # its stream: below
            await phone.connect(0.0)
            if not phone.connected:
                raise SystemExit(f"a phone did not load the page: {phone.failure}")
            loaded.append(phone)

        async def reload(i: int) -> None:
            await loaded[i].load_page()

        async def fresh_connections(i: int) -> None:
            await loaded[i].http.close()  # a reload after a while: a new connection

        baseline = await idle_rate(meter)
        print(f"idle server {1000 * baseline:.1f} ms CPU/s (subtracted)")
        await measure(meter, "first visit", args.repeat, page_load, baseline=baseline)
        first = loaded[0].first_load
        if first is not None:
            print(
                f"{'':<24} {first.requests} requests, {first.wire_bytes / 1024:.1f} KB "
                f"on the wire ({first.asset_bytes / 1024:.1f} KB assets)"
            )
        await measure(
            meter,
            "reload",
            args.repeat,
            reload,
            baseline=baseline,
            prepare=fresh_connections,
        )
        for phone in loaded:
            await phone.close()
        loaded.clear()

        # ---- one push stream connecting ------------------------------------------------
        async def stream_connect(_: int) -> None:
            heard = asyncio.Event()
            stream = SseClient(events_url, lambda _raw, _at: heard.set())
            stream.start()
            try:
                await asyncio.wait_for(heard.wait(), TIMEOUT)
            finally:
                await stream.close()

        await measure(meter, "stream connect", args.repeat, stream_connect, baseline=baseline)

        # ---- an advance with N listeners ------------------------------------------------
        position = 0

        async def advance_with(listeners: Listeners) -> None:
            nonlocal position
            position += 1
            await asyncio.to_thread(services.next_prompt, db=db, session_id=session_id, key=key)
            await wait_until(lambda: listeners.all_show(prompt_ids[position]))

        per_advance: dict[int, float] = {}
        for count in listener_counts:
            listeners = Listeners(events_url, count)
            await listeners.start()
            try:
                await wait_until(lambda ls=listeners: ls.all_show(prompt_ids[position]))
                # Their heartbeats and 30 s reconnects are the idle cost, not the advance's.
                attached = await idle_rate(meter)
                per_advance[count] = await measure(
                    meter,
                    f"advance, {count} listening",
                    args.repeat,
                    lambda _i, ls=listeners: advance_with(ls),
                    baseline=attached,
                )
            finally:
                await listeners.close()
        low, high = listener_counts[0], listener_counts[-1]
        if high > low:
            slope = (per_advance[high] - per_advance[low]) / (high - low)
            print(f"{'advance, per listener':<24} {slope:7.3f} ms CPU (from {low} to {high})")
        else:
            print(f"{'advance, per listener':<24} {per_advance[low] / low:7.3f} ms CPU")

        # ---- live results: answers while results are shown, N listeners ----------------
        await asyncio.to_thread(
            services.set_results_visible, db=db, session_id=session_id, key=key, visible=True
        )
        secret = Settings.from_env({"WORKSHOP_DATA_DIR": str(data_dir)}).participant_secret()
        current = prompt_ids[position]
        pushes = args.repeat
        for count in listener_counts:
            listeners = Listeners(events_url, count)
            await listeners.start()
            try:
                n = services.results_for(db=db, session_id=session_id, prompt_id=current).n
                await wait_until(lambda ls=listeners, n=n: ls.all_tallied(n))
                attached = await idle_rate(meter)

                async def tally_reaches_everyone(_i: int, ls: Listeners = listeners) -> None:
                    # One answer stored elsewhere (as another process would); the hub
                    # notices it at its next results check and pushes the new tally.
                    nonlocal n
                    token = new_participant_token(secret)
                    value = plan_value(template.prompts[position], avoid=None, rng=random.Random(n))
                    await asyncio.to_thread(
                        services.submit_answer,
                        db=db,
                        secret=secret,
                        session_id=session_id,
                        prompt_id=current,
                        token=token,
                        raw=value,
                    )
                    n += 1
                    await wait_until(lambda: ls.all_tallied(n), timeout=TIMEOUT + 10)

                await measure(
                    meter,
                    f"live results, {count} listening",
                    pushes,
                    tally_reaches_everyone,
                    baseline=attached,
                )
                sizes = sorted(listeners.bytes_heard)
                whole = sorted(listeners.view_bytes)
                print(
                    f"{'':<24} {sizes[len(sizes) // 2]} bytes per phone per push "
                    f"(a whole view: {whole[len(whole) // 2]} bytes)"
                )
            finally:
                await listeners.close()
        await asyncio.to_thread(
            services.set_results_visible, db=db, session_id=session_id, key=key, visible=False
        )

        # ---- answers: one phone that follows the room ------------------------------------
        phone = Phone(room, url, code, seed=10_000)
        await phone.connect(0.0)
        if not phone.connected:
            raise SystemExit(f"the answering phone did not connect: {phone.failure}")
        baseline = await idle_rate(meter)

        async def answer(_: int) -> None:
            acked = room.result.answers_acked
            await phone.answer()
            if room.result.answers_acked != acked + 1:
                raise SystemExit(f"an answer was not acknowledged: {dict(phone.refusals)}")

        async def next_prompt(_: int) -> None:
            nonlocal position
            position += 1
            await asyncio.to_thread(services.next_prompt, db=db, session_id=session_id, key=key)
            await wait_until(
                lambda: phone.drawn is not None and phone.drawn[0] == prompt_ids[position]
            )
            await rate_limit_pause(0)

        async def rate_limit_pause(_: int) -> None:
            await asyncio.sleep(1.05 * args.submit_interval)  # the server's per-phone limit
            await fresh_connection(0)

        async def fresh_connection(_: int) -> None:
            # A phone acts every few tens of seconds, long after the server closed its
            # kept-alive connection (5 s): each request comes on a new connection.
            await phone.http.close()

        await measure(
            meter, "answer POST, first", answers, answer, baseline=baseline, prepare=next_prompt
        )
        await measure(
            meter,
            "answer POST, changed",
            answers,
            answer,
            baseline=baseline,
            prepare=rate_limit_pause,
        )
        await measure(
            meter,
            "view poll",
            args.repeat,
            lambda _i: phone.poll(),
            baseline=baseline,
            prepare=fresh_connection,
        )
        await phone.close()
        db.dispose()
    finally:
        stop_server_process(process)
        shutil.rmtree(data_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument(
        "--listeners",
        default="1,50",
        help=f"push streams attached during advances, comma-separated (<= {MAX_LISTENERS})",
    )
    parser.add_argument("--results", choices=["live", "on_reveal", "mixed"], default="on_reveal")
    parser.add_argument("--entry", default=str(ROOT / "server.py"))
    parser.add_argument("--submit-interval", type=float, default=1.0, help="server rate limit")
    args = parser.parse_args(argv)
    if not 1 <= args.repeat <= 1000:
        raise SystemExit("--repeat must be between 1 and 1000")
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()

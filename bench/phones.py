"""Load benchmark: N simulated phones on the real phone page, speaking as browsers do.

Each phone (``bench/room.py``) opens the real join URL as a browser does: ``GET /join``
(the first visit is a 303 that sets the participant cookie, followed with it), the
page's stylesheet and script (gzip, cached for later visits), then the app draws the
prompt from the page's phone-data JSON; from then on it follows the room over the push
stream (an EventSource on ``/events/<code>``, ``bench/sse.py``) and answers with
``POST /api/answer``. No Streamlit session per phone: only the presenter is a
Streamlit page (``bench/streamlit_protocol.py``).

Two scenarios:

- ``--scenario room`` (default): per number of phones, the phones join, an idle window,
  then an active window where phones answer on a schedule, a simulated facilitator
  advances prompts through the services on the same database and a presenter page
  follows the room. Prints connected phones, errors, latencies (answer -> acknowledged,
  advance -> new prompt on the phone, answer -> presenter tally), refused answers by
  reason, server CPU and memory per phone, idle CPU per phone, and checks that every
  acknowledged answer is stored.
- ``--scenario join-wave``: ``--already-in`` phones are in and answering (every
  ``--answer-every`` s), the presenter is open, then ``--phones`` new phones arrive at
  ``--arrival-rate`` per second, each on its first visit (cold cache: page, redirect,
  assets). Per arriving phone: first request -> first prompt drawn (p50/p95/p99/max),
  requests and bytes on the wire of its first load; for the phones already in, the
  answer acknowledgement during the wave; errors; answers lost (checked against the
  store); then an idle window: server CPU and memory per open phone.

    .venv/bin/python bench/phones.py --phones 100,300,600 --duration 120
    .venv/bin/python bench/phones.py --scenario join-wave --phones 600 --arrival-rate 50

Bounded: at most ``MAX_PHONES`` phones (a join wave: that many arriving, plus at most
``MAX_ALREADY_IN`` in before it) and ``MAX_STEP_SECONDS`` per step, 127.0.0.1 only.
See docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make bench.* and tests.support.* importable
    sys.path.insert(0, str(ROOT))

from bench.load_report import StepResult, percentile, print_table  # noqa: E402
from bench.load_target import (  # noqa: E402
    CpuWindow,
    ServerMeter,
    Target,
    bench_cpu_seconds,
    code_version,
    machine_cpu_seconds,
    started_target,
)
from bench.room import (  # noqa: E402
    ANSWER_TIMEOUT,
    CONNECT_TIMEOUT,
    Phone,
    PresenterScreen,
    Room,
    bench_template,
    check_stored,
    count_errors,
    facilitator,
    poll_tally,
    settle_advances,
)
from workshop import services  # noqa: E402

MAX_PHONES = 2000
MAX_ALREADY_IN = 500  # join-wave: phones in before the wave, besides the --phones arriving
MAX_STEP_SECONDS = 600


@dataclass
class Options:
    duration: float
    idle: float
    answer_every: float
    advance_every: float
    ramp: float
    prompts: int
    seed: int
    results: str
    tally: str
    kinds: str = "single_choice"
    pattern: str = "even"


async def run_step(target: Target, n: int, options: Options, tag: str) -> StepResult:
    """One step: a new session, N phones join, an idle window, an active window, checks."""
    result = StepResult(phones=n)
    template = bench_template(tag, options.prompts, options.results, options.kinds)
    started = services.start_session(db=target.db, template=template)
    session_id, code, key = started.session.id, started.session.code, started.facilitator_key
    room = Room(result, template.prompts)
    meter = ServerMeter(target.processes())
    result.rss_base_mb = meter.rss_mb()

    presenter = None
    if options.tally == "presenter":
        presenter = PresenterScreen(room, target.urls[-1], code, key)
        await presenter.client.connect()
        presenter.start()
    phones = [
        Phone(room, target.urls[i % len(target.urls)], code, seed=options.seed * 100_003 + i)
        for i in range(n)
    ]
    print(f"  connecting {n} phones at {options.ramp:g}/s ...", flush=True)
    await asyncio.gather(*(p.connect(i / options.ramp) for i, p in enumerate(phones)))
    result.connected = sum(p.connected for p in phones)
    result.connect_p95 = percentile([p.connect_ms for p in phones if p.connect_ms], 95)
    await asyncio.sleep(3)  # let the last phones' push streams open

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
    active, bench_cpu = CpuWindow(meter.cpu_seconds), CpuWindow(bench_cpu_seconds)
    machine = CpuWindow(machine_cpu_seconds)
    for window in (active, bench_cpu, machine):
        window.start()
    if options.pattern == "bursty":
        tasks = [asyncio.create_task(p.answer_bursty(stop)) for p in phones]
    else:
        tasks = [asyncio.create_task(p.answer_every(options.answer_every, stop)) for p in phones]
    tasks.append(
        asyncio.create_task(facilitator(target, session_id, key, room, options.advance_every, stop))
    )
    await asyncio.sleep(options.duration)
    stop.set()
    result.server_cpu_active = active.stop()
    result.bench_cpu_active = bench_cpu.stop()
    result.machine_cpu_active = machine.stop()
    result.load_average = os.getloadavg()[0]
    result.rss_mb = max(result.rss_mb, meter.rss_mb())
    # Drain: answers still in flight get 15 s to be acknowledged, then count as unacked.
    _done, late = await asyncio.wait(tasks, timeout=15)
    for task in late:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

    await asyncio.sleep(3)  # the last advance and the tally get time to show
    stop_db_tally.set()
    if db_tally is not None:
        db_tally.join(timeout=5)
    result.answers_unacked = sum(len(p.unacked) for p in phones)
    result.stream_connects = sum(p.sse.connects for p in phones if p.sse is not None)
    result.events = sum(p.events for p in phones)
    result.polls = sum(p.polls for p in phones)
    settle_advances(room, phones)
    room.settle_tally()
    count_errors(result, phones)
    if presenter is not None:
        result.presenter_reruns = presenter.reruns
        presenter.stop()
        await presenter.client.close()
    await asyncio.gather(*(p.close() for p in phones), return_exceptions=True)
    result.lost, result.unacked_stored = await asyncio.to_thread(
        check_stored, target, session_id, phones
    )
    with contextlib.suppress(Exception):
        services.end_session(db=target.db, session_id=session_id, key=key)
    return result


# ---- join wave -------------------------------------------------------------------------


@dataclass
class WaveResult:
    """What one join wave measured (``--scenario join-wave``)."""

    phones: int  # arriving phones
    arrival_rate: float
    already_in: int
    connected: int = 0  # arriving phones that drew the first prompt
    in_connected: int = 0  # phones already in that were in
    errors: int = 0  # phones (arriving or already in) with anything wrong
    error_samples: list[str] = field(default_factory=list)
    first_prompt_ms: list[float] = field(default_factory=list)  # first request -> drawn
    # (s after the wave began that the phone arrived, its first prompt ms): the wave's shape
    arrivals: list[tuple[float, float]] = field(default_factory=list)
    load_requests: list[int] = field(default_factory=list)  # per arriving phone's first load
    load_bytes: list[int] = field(default_factory=list)
    asset_bytes: list[int] = field(default_factory=list)
    gzipped_assets: int = 0
    assets: int = 0
    ack_in_ms: list[float] = field(default_factory=list)  # already in, sent during the wave
    ack_new_ms: list[float] = field(default_factory=list)  # arriving phones' answers
    wave_seconds: float = 0.0  # first arrival's first request -> last arrival drawn
    step: StepResult = field(default_factory=lambda: StepResult(0))  # answers, streams, CPU
    server_cpu_wave: float = 0.0
    bench_cpu_wave: float = 0.0
    machine_cpu_wave: float = 0.0
    load_average: float = 0.0
    server_cpu_idle: float = 0.0  # % of a core, everyone open, nobody answering
    server_cpu_idle_before: float = 0.0  # the same before the wave (the phones already in)
    rss_base_mb: float = 0.0
    rss_mb: float = 0.0

    def p95_by_slice(self, seconds: float) -> list[int]:
        """First prompt p95 (ms) of the phones arriving in each ``seconds`` of the wave."""
        slices: dict[int, list[float]] = {}
        for at, ms in self.arrivals:
            slices.setdefault(int(at // seconds), []).append(ms)
        return [round(percentile(slices[k], 95) or 0) for k in sorted(slices)]

    def summary(self) -> dict[str, object]:
        def q(values: list[float], p: float) -> int | None:
            found = percentile(values, p)
            return None if found is None else round(found)

        open_phones = self.connected + self.in_connected
        step = self.step
        return {
            "scenario": "join-wave",
            "phones": self.phones,
            "arrival_rate": self.arrival_rate,
            "already_in": self.already_in,
            "connected": self.connected,
            "in_connected": self.in_connected,
            "errors": self.errors,
            "first_prompt_p50": q(self.first_prompt_ms, 50),
            "first_prompt_p95": q(self.first_prompt_ms, 95),
            "first_prompt_p99": q(self.first_prompt_ms, 99),
            "first_prompt_max": q(self.first_prompt_ms, 100),
            "wave_s": round(self.wave_seconds, 1),
            "first_prompt_p95_by_10s": self.p95_by_slice(10.0),
            "first_load_requests_min": min(self.load_requests, default=None),
            "first_load_requests_max": max(self.load_requests, default=None),
            "first_load_kb_mean": _kb_mean(self.load_bytes),
            "first_load_kb_max": round(max(self.load_bytes, default=0) / 1024, 1),
            "asset_kb_mean": _kb_mean(self.asset_bytes),
            "assets_gzipped": f"{self.gzipped_assets}/{self.assets}",
            "ack_in_wave_n": len(self.ack_in_ms),
            "ack_in_wave_p50": q(self.ack_in_ms, 50),
            "ack_in_wave_p95": q(self.ack_in_ms, 95),
            "ack_in_wave_p99": q(self.ack_in_ms, 99),
            "ack_new_n": len(self.ack_new_ms),
            "ack_new_p95": q(self.ack_new_ms, 95),
            "answers": step.answers_sent,
            "acked": step.answers_acked,
            "unacked": step.answers_unacked,
            "unacked_stored": step.unacked_stored,
            "refused": dict(sorted(step.refusals.items())),
            "answer_errors": step.answer_errors,
            "lost": step.lost,
            "stream_errors": step.stream_errors,
            "stream_connects": step.stream_connects,
            "events": step.events,
            "polls": step.polls,
            "server_cpu_wave_pct": round(self.server_cpu_wave, 1),
            "bench_cpu_wave_pct": round(self.bench_cpu_wave, 1),
            "machine_cpu_wave_pct": round(self.machine_cpu_wave, 1),
            "load_average": round(self.load_average, 2),
            "server_cpu_idle_pct": round(self.server_cpu_idle, 2),
            "server_cpu_idle_before_pct": round(self.server_cpu_idle_before, 2),
            "idle_cpu_per_phone_pct": round(self.server_cpu_idle / max(1, open_phones), 4),
            # What one more open phone costs: the idle CPU the wave's phones added.
            "idle_cpu_per_added_phone_pct": round(
                (self.server_cpu_idle - self.server_cpu_idle_before) / max(1, self.connected), 4
            ),
            "rss_mb": round(self.rss_mb, 1),
            "rss_per_phone_kb": round(
                (self.rss_mb - self.rss_base_mb) * 1024 / max(1, self.connected), 1
            ),
        }


def _kb_mean(sizes: list[int]) -> float:
    return round(sum(sizes) / max(1, len(sizes)) / 1024, 1)


def print_wave_table(results: list[WaveResult]) -> None:
    header = (
        "| phones @ rate | in | connected | errors | first prompt p50/p95/p99/max ms "
        "| requests, KB per first load | ack p95 in / new ms | lost "
        "| server CPU wave % | idle CPU per added phone % | RSS/phone KB |"
    )
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for r in results:
        s = r.summary()
        print(
            f"| {s['phones']} @ {s['arrival_rate']:g}/s | {s['already_in']} | {s['connected']} "
            f"| {s['errors']} | {s['first_prompt_p50']}/{s['first_prompt_p95']}/"
            f"{s['first_prompt_p99']}/{s['first_prompt_max']} "
            f"| {s['first_load_requests_max']}, {s['first_load_kb_mean']} "
            f"| {s['ack_in_wave_p95']} / {s['ack_new_p95']} | {s['lost']} "
            f"| {s['server_cpu_wave_pct']} | {s['idle_cpu_per_added_phone_pct']} "
            f"| {s['rss_per_phone_kb']} |"
        )


def first_answer_delay(rng: random.Random) -> float:
    """Scan, read, tap: 1.5–20 s after the prompt is drawn (log-normal, median ~6 s)."""
    return min(20.0, max(1.5, rng.lognormvariate(math.log(6.0), 0.6)))


async def run_wave(
    target: Target,
    n: int,
    options: Options,
    tag: str,
    *,
    rate: float,
    already_in: int,
    wave_answers: bool = True,
) -> WaveResult:
    """A join wave: ``already_in`` phones in and answering, the presenter open, then
    ``n`` phones arriving at ``rate`` per second on their first visit."""
    wave = WaveResult(phones=n, arrival_rate=rate, already_in=already_in)
    result = wave.step = StepResult(phones=n + already_in)
    template = bench_template(tag, options.prompts, options.results, options.kinds)
    started = services.start_session(db=target.db, template=template)
    session_id, code, key = started.session.id, started.session.code, started.facilitator_key
    room = Room(result, template.prompts)
    meter = ServerMeter(target.processes())
    urls = target.urls

    presenter = None
    if options.tally == "presenter":
        presenter = PresenterScreen(room, urls[-1], code, key)
        await presenter.client.connect()
        presenter.start()
    seed = options.seed * 100_003
    inside = [Phone(room, urls[i % len(urls)], code, seed=seed + i) for i in range(already_in)]
    if inside:
        print(f"  {already_in} phones already in, joining at {options.ramp:g}/s ...", flush=True)
        await asyncio.gather(*(p.connect(i / options.ramp) for i, p in enumerate(inside)))
    wave.in_connected = sum(p.connected for p in inside)
    await asyncio.sleep(3)  # their push streams open, the presenter settles
    print(f"  idle {options.idle:g} s before the wave ...", flush=True)
    idle_before = CpuWindow(meter.cpu_seconds)
    idle_before.start()
    await asyncio.sleep(options.idle)
    wave.server_cpu_idle_before = idle_before.stop()
    wave.rss_base_mb = meter.rss_mb()

    stop = asyncio.Event()
    answering = [asyncio.create_task(p.answer_every(options.answer_every, stop)) for p in inside]
    arriving = [
        Phone(room, urls[(already_in + i) % len(urls)], code, seed=seed + already_in + i)
        for i in range(n)
    ]

    async def arrive(phone: Phone, delay: float) -> None:
        await phone.connect(delay)
        if not (wave_answers and phone.connected):
            return
        if await _stopped_within(stop, first_answer_delay(phone.rng)):
            return
        await phone.answer()

    print(f"  wave: {n} phones arriving at {rate:g}/s ...", flush=True)
    windows = [CpuWindow(meter.cpu_seconds), CpuWindow(bench_cpu_seconds)]
    windows.append(CpuWindow(machine_cpu_seconds))
    for window in windows:
        window.start()
    wave_start = time.monotonic()
    tasks = [asyncio.create_task(arrive(p, i / rate)) for i, p in enumerate(arriving)]
    async with asyncio.timeout(n / rate + 2 * CONNECT_TIMEOUT):
        while any(p.connect_ms is None and p.failure is None for p in arriving):
            await asyncio.sleep(0.05)
    wave_end = time.monotonic()
    wave.server_cpu_wave, wave.bench_cpu_wave, wave.machine_cpu_wave = (w.stop() for w in windows)
    wave.load_average = os.getloadavg()[0]
    wave.wave_seconds = max(
        (p.started_at + p.connect_ms / 1000 for p in arriving if p.connect_ms is not None),
        default=wave_start,
    ) - min((p.started_at for p in arriving if p.started_at is not None), default=wave_start)
    print(f"  wave over in {wave_end - wave_start:.1f} s; the last answers ...", flush=True)
    # The arriving phones' first answers (up to 20 s after their prompt), then stop.
    _done, late = await asyncio.wait(tasks, timeout=20 + ANSWER_TIMEOUT)
    stop.set()
    _done, late_in = await asyncio.wait(answering, timeout=15)
    for task in [*late, *late_in]:
        task.cancel()
    await asyncio.gather(*tasks, *answering, return_exceptions=True)
    wave.rss_mb = meter.rss_mb()

    everyone = [*inside, *arriving]
    await asyncio.sleep(3)
    print(f"  idle {options.idle:g} s with every phone open ...", flush=True)
    idle = CpuWindow(meter.cpu_seconds)
    idle.start()
    await asyncio.sleep(options.idle)
    wave.server_cpu_idle = idle.stop()
    wave.rss_mb = max(wave.rss_mb, meter.rss_mb())

    for phone in arriving:
        if phone.connect_ms is not None and phone.first_load is not None:
            wave.first_prompt_ms.append(phone.connect_ms)
            assert phone.started_at is not None
            wave.arrivals.append((phone.started_at - wave_start, phone.connect_ms))
            wave.load_requests.append(phone.first_load.requests)
            wave.load_bytes.append(phone.first_load.wire_bytes)
            wave.asset_bytes.append(phone.first_load.asset_bytes)
            wave.assets += phone.first_load.assets
            wave.gzipped_assets += min(phone.first_load.gzipped, phone.first_load.assets)
        wave.ack_new_ms.extend(ms for _sent, ms in phone.ack_log)
    wave.connected = len(wave.first_prompt_ms)
    for phone in inside:
        wave.ack_in_ms.extend(ms for sent, ms in phone.ack_log if wave_start <= sent <= wave_end)
    result.connected = wave.connected + wave.in_connected
    result.answers_unacked = sum(len(p.unacked) for p in everyone)
    result.stream_connects = sum(p.sse.connects for p in everyone if p.sse is not None)
    result.events = sum(p.events for p in everyone)
    result.polls = sum(p.polls for p in everyone)
    count_errors(result, everyone)
    wave.errors, wave.error_samples = result.errors, result.error_samples
    if presenter is not None:
        presenter.stop()
        await presenter.client.close()
    await asyncio.gather(*(p.close() for p in everyone), return_exceptions=True)
    result.lost, result.unacked_stored = await asyncio.to_thread(
        check_stored, target, session_id, everyone
    )
    with contextlib.suppress(Exception):
        services.end_session(db=target.db, session_id=session_id, key=key)
    return wave


async def _stopped_within(stop: asyncio.Event, seconds: float) -> bool:
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()


# ---- command line ---------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="running server(s), comma-separated (127.0.0.1 only)")
    parser.add_argument("--pid", help="server PID(s) to meter, comma-separated (with --url)")
    parser.add_argument("--data-dir", help="the running server's WORKSHOP_DATA_DIR")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", help="an existing database (with --url)")
    parser.add_argument("--processes", type=int, choices=[1, 2], default=1)
    parser.add_argument(
        "--nginx",
        action="store_true",
        help="put nginx in front of the started servers (deploy/nginx.conf.template): "
        "every phone and the presenter go through it",
    )
    parser.add_argument(
        "--entry",
        default=str(ROOT / "server.py"),
        help="script the started servers run (a patched copy, for what-if measurements)",
    )
    parser.add_argument("--keep-data", action="store_true", help="keep the temp data dir")
    parser.add_argument(
        "--scenario",
        choices=["room", "join-wave"],
        default="room",
        help="room: join, idle, answer and advance; join-wave: phones arriving on their "
        "first visit while --already-in phones answer",
    )
    parser.add_argument("--phones", default="100,300", help="comma-separated steps")
    parser.add_argument("--duration", type=float, default=90.0, help="active s per step")
    parser.add_argument("--idle", type=float, default=20.0, help="idle s per step")
    parser.add_argument(
        "--answer-every",
        type=float,
        default=None,
        help="s between a phone's answers (room: 30; join-wave, phones already in: 5)",
    )
    parser.add_argument("--advance-every", type=float, default=30.0)
    parser.add_argument("--ramp", type=float, default=50.0, help="new phones per second")
    parser.add_argument(
        "--arrival-rate",
        type=float,
        default=50.0,
        help="join-wave: arriving phones per second (each on its first visit)",
    )
    parser.add_argument(
        "--already-in", type=int, default=100, help="join-wave: phones in (and answering) first"
    )
    parser.add_argument(
        "--no-wave-answers",
        action="store_true",
        help="join-wave: arriving phones do not answer (by default each answers once, "
        "1.5-20 s after its prompt is drawn)",
    )
    parser.add_argument("--prompts", type=int, default=40)
    parser.add_argument(
        "--results",
        choices=["live", "on_reveal", "mixed"],
        default="mixed",
        help="results mode of the bench prompts (live: phones get the tally pushed)",
    )
    parser.add_argument(
        "--tally",
        choices=["presenter", "db"],
        default="presenter",
        help="answer -> tally seen on the real presenter page, or in the database",
    )
    parser.add_argument(
        "--kinds",
        choices=["single_choice", "every"],
        default="single_choice",
        help="the bench prompts: all single choice, or every registered kind in turn",
    )
    parser.add_argument(
        "--pattern",
        choices=["even", "bursty"],
        default="even",
        help="even: every phone every --answer-every s; bursty: 1.5-20 s after each "
        "prompt appears (median ~6 s), a tenth change their answer",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="append one JSON line per step to this file")
    return parser.parse_args(argv)


async def main_async(args: argparse.Namespace) -> list[StepResult | WaveResult]:
    steps = [int(n) for n in args.phones.split(",") if n.strip()]
    if any(n < 1 or n > MAX_PHONES for n in steps):
        raise SystemExit(f"--phones must be between 1 and {MAX_PHONES}")
    if args.duration + args.idle > MAX_STEP_SECONDS:
        raise SystemExit(f"--duration + --idle must stay under {MAX_STEP_SECONDS} s")
    wave = args.scenario == "join-wave"
    if wave:
        if not 0.1 <= args.arrival_rate <= 500:
            raise SystemExit("--arrival-rate must be between 0.1 and 500 per second")
        if max(steps) / args.arrival_rate + args.idle > MAX_STEP_SECONDS:
            raise SystemExit(f"phones / rate + --idle must stay under {MAX_STEP_SECONDS} s")
        if not 0 <= args.already_in <= MAX_ALREADY_IN:
            raise SystemExit(f"--already-in must be between 0 and {MAX_ALREADY_IN}")
    answer_every = args.answer_every or (5.0 if wave else 30.0)
    options = Options(
        duration=args.duration,
        idle=args.idle,
        answer_every=answer_every,
        advance_every=args.advance_every,
        ramp=args.ramp,
        prompts=args.prompts,
        seed=args.seed,
        results=args.results,
        tally=args.tally,
        kinds=args.kinds,
        pattern=args.pattern,
    )
    results: list[StepResult | WaveResult] = []
    with started_target(args) as target:
        for index, n in enumerate(steps):
            print(f"step {index + 1}/{len(steps)}: {n} phones", flush=True)
            result: StepResult | WaveResult
            if wave:
                result = await run_wave(
                    target,
                    n,
                    options,
                    tag=f"w{index + 1}n{n}",
                    rate=args.arrival_rate,
                    already_in=args.already_in,
                    wave_answers=not args.no_wave_answers,
                )
            else:
                result = await run_step(target, n, options, tag=f"s{index + 1}n{n}")
            print("  " + json.dumps(result.summary()), flush=True)
            if result.error_samples:
                print("  errors, e.g.:", *result.error_samples, sep="\n    ")
            results.append(result)
            if args.json:
                with open(args.json, "a") as handle:
                    line = {
                        **result.summary(),
                        "args": vars(args),
                        "at": time.time(),
                        "code": code_version(),
                    }
                    handle.write(json.dumps(line) + "\n")
    return results


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    results = asyncio.run(main_async(args))
    print()
    waves = [r for r in results if isinstance(r, WaveResult)]
    rooms = [r for r in results if isinstance(r, StepResult)]
    if waves:
        print_wave_table(waves)
    if rooms:
        print_table(rooms)


if __name__ == "__main__":
    main()

"""Load benchmark: N simulated phones on the real join page, speaking as browsers do.

Each phone (``bench/room.py``) loads the real join URL (the HTML request that sets its
participant cookie, then Streamlit's websocket with that cookie, ``bench/streamlit_protocol.py``)
and waits until the page's run has drawn the phone component; from then on it follows the
room over the push stream (an EventSource on ``/events/<code>``, ``bench/sse.py``), keeps
its websocket open and idle, and answers on a schedule with ``POST /api/answer``, while a
simulated facilitator advances prompts through the services on the same database and a
presenter page follows the room. Per number of phones it prints connected phones,
errors, latencies (answer -> acknowledged, advance -> new prompt on the phone, answer ->
presenter tally), refused answers by reason, server CPU and memory per phone, idle CPU
per phone, and checks that every acknowledged answer is stored.

    .venv/bin/python bench/phones.py --phones 100,300,600 --duration 120

Bounded: at most ``MAX_PHONES`` phones and ``MAX_STEP_SECONDS`` per step, 127.0.0.1 only.
See docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import threading
import time
from dataclasses import dataclass
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
    reruns_before = sum(p.reruns_sent for p in phones)
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
    reruns = sum(p.reruns_sent for p in phones) - reruns_before
    result.reruns_per_s = reruns / options.duration
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
        prompts=args.prompts,
        seed=args.seed,
        results=args.results,
        tally=args.tally,
        kinds=args.kinds,
        pattern=args.pattern,
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
    print_table(results)


if __name__ == "__main__":
    main()

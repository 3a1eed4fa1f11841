"""Server CPU per kind of run of the join page, one phone at a time (no concurrency).

What one phone costs the server for each thing it does, measured by repeating it
``--repeat`` times on an otherwise idle server and dividing the server's CPU time:

- ``full run``: the whole page rerun (a reload, or ``st.rerun(scope="app")``);
- ``follow tick``: one tick of the page's follow fragment (``run_every`` safety poll, or a
  push trigger when nothing changed);
- ``advance``: the push trigger after a facilitator's change (fragment run, then the full
  run it asks for), until the phone shows the new prompt;
- ``answer``: submit, until the phone shows "received" (the submit run, then the run
  that draws the stored answer).

    .venv/bin/python bench/run_costs.py --repeat 200

Multiply by the number of phones to get what one advance costs a room (the last phone
updates after about N x advance ms on one core). See docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
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
from bench.room import Phone, Room, bench_template  # noqa: E402
from workshop import services  # noqa: E402
from workshop.config import Settings  # noqa: E402
from workshop.storage import make_database  # noqa: E402

TIMEOUT = 30.0


async def idle_rate(meter: ServerMeter, seconds: float = 5.0) -> float:
    """The idle server's own CPU per second (config polling, the push hub's poll...)."""
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
) -> None:
    """Server CPU of ``once`` (``prepare`` runs first each time, unmeasured)."""
    cpu = wall = 0.0
    for i in range(repeat):
        if prepare is not None:
            await prepare(i)
        await asyncio.sleep(0.3)  # let earlier runs' messages and timers settle
        started_cpu, started = meter.cpu_seconds(), time.monotonic()
        await once(i)
        spent = time.monotonic() - started
        wall += spent
        cpu += meter.cpu_seconds() - started_cpu - baseline * spent
    print(
        f"{label:<16} {1000 * cpu / repeat:7.2f} ms CPU "
        f"({1000 * wall / repeat:6.1f} ms wall, {repeat} times)",
        flush=True,
    )


async def main_async(args: argparse.Namespace) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="workshop-costs-"))
    url, process, _log = start_server(data_dir, Path(args.entry), {})
    from tests.support.server import stop_server_process

    try:
        db = make_database(Settings.from_env({"WORKSHOP_DATA_DIR": str(data_dir)}).database_url)
        prompts = 2 * args.repeat + 2
        template = bench_template("costs", prompts, args.results)
        started = services.start_session(db=db, template=template)
        session_id, key = started.session.id, started.facilitator_key
        room = Room(StepResult(1), [p.text for p in template.prompts], "received")
        phone = Phone(room, url, started.session.code, seed=1)
        await phone.connect(0.0)
        if not phone.connected:
            raise SystemExit(f"the phone did not connect: {phone.failure}")
        client, meter = phone.client, ServerMeter([psutil.Process(process.pid)])
        baseline = await idle_rate(meter)

        async def full_run(_: int) -> None:
            await client.rerun()
            await client.wait_idle(timeout=TIMEOUT)

        async def follow_tick(_: int) -> None:
            fragment = phone.listener.fragment_id if phone.listener else ""
            finished = client.stats.script_runs_finished
            await client.rerun(fragment_id=fragment, is_auto_rerun=True)
            await client.wait_for(
                lambda: client.stats.script_runs_finished > finished, timeout=TIMEOUT
            )

        async def advance(_: int) -> None:
            before = phone.shown
            await asyncio.to_thread(services.next_prompt, db=db, session_id=session_id, key=key)
            await client.wait_for(lambda: phone.shown != before, timeout=TIMEOUT)
            await client.wait_idle(timeout=TIMEOUT)

        async def answer(_: int) -> None:
            acked = room.result.answers_acked
            await phone.answer()
            await client.wait_for(lambda: room.result.answers_acked > acked, timeout=TIMEOUT)
            await client.wait_idle(timeout=TIMEOUT)

        async def rate_limit_pause(_: int) -> None:
            await asyncio.sleep(1.05 * args.submit_interval)  # the server's per-phone limit

        async def next_prompt_and_pause(i: int) -> None:
            await advance(i)
            await rate_limit_pause(i)

        print(
            f"join page, {args.results} results, server {url}; idle server "
            f"{1000 * baseline:.1f} ms CPU/s (subtracted)"
        )
        await measure(meter, "full run", args.repeat, full_run, baseline=baseline)
        await measure(meter, "follow tick", args.repeat, follow_tick, baseline=baseline)
        await measure(meter, "advance", args.repeat, advance, baseline=baseline)
        answers = max(1, args.repeat // 4)
        await measure(
            meter, "first answer", answers, answer, baseline=baseline, prepare=next_prompt_and_pause
        )
        await measure(
            meter, "changed answer", answers, answer, baseline=baseline, prepare=rate_limit_pause
        )
        await phone.close()
        db.dispose()
    finally:
        stop_server_process(process)
        shutil.rmtree(data_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--results", choices=["live", "on_reveal", "mixed"], default="on_reveal")
    parser.add_argument("--entry", default=str(ROOT / "server.py"))
    parser.add_argument("--submit-interval", type=float, default=1.0, help="server rate limit")
    args = parser.parse_args(argv)
    if not 1 <= args.repeat <= 1000:
        raise SystemExit("--repeat must be between 1 and 1000")
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()

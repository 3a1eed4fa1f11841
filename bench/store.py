"""Benchmark: answers per second through ``services.submit_answer``, and latency per call.

Runs on SQLite (a fresh file in a temp folder) and on PostgreSQL (a throwaway cluster,
or ``--postgres-url``), with 1, 8 and 32 threads. Each thread owns its participants (own
tokens) and cycles through them: the first pass creates participants and answers, later
passes replace answers, as phones changing their minds do. The per-participant submit
rate limit is switched off for the run (it would otherwise be what is measured).

    .venv/bin/python bench/store.py                     # both backends, 1/8/32 threads
    .venv/bin/python bench/store.py --no-postgres --threads 8 --answers 5000

Bounded: each run stops after ``--answers`` answers or ``--seconds`` seconds.
Target on the 2-core reference machine: >= 1,000 answers/s on SQLite with 8 threads,
p95 < 20 ms.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.support.postgres
if importlib.util.find_spec("workshop") is None:  # not installed: use the source tree
    sys.path.insert(0, str(ROOT / "src"))

from tests.support.postgres import create_database, find_pg_bin, throwaway_cluster  # noqa: E402
from workshop import services  # noqa: E402
from workshop.activities import make_spec  # noqa: E402
from workshop.domain.codes import new_participant_token  # noqa: E402
from workshop.domain.model import Template  # noqa: E402
from workshop.guards import SUBMIT_GUARD  # noqa: E402
from workshop.storage import Database, make_database  # noqa: E402

SECRET = b"benchmark-installation-secret"
TARGET_RATE = 1000.0
TARGET_P95_MS = 20.0
OPTIONS = ("Yes", "No", "Not sure")
TEMPLATE = Template(
    title="Benchmark",
    prompts=(make_spec("single_choice", text="Ready?", options=OPTIONS),),
    min_answers_to_show=0,
    slug="bench",
)


@dataclass
class Run:
    backend: str
    threads: int
    answers: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    rows: int
    participants: int

    @property
    def rate(self) -> float:
        return self.answers / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def run_once(
    db: Database, backend: str, *, threads: int, answers: int, seconds: float, per_thread: int
) -> Run:
    started = services.start_session(db=db, template=TEMPLATE)
    sid = started.session.id
    prompt = services.get_live_view(db=db, session_id=sid).prompt
    assert prompt is not None
    quota = [answers // threads + (1 if i < answers % threads else 0) for i in range(threads)]
    barrier = threading.Barrier(threads + 1)
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors = [0] * threads
    stop_at = [0.0]

    def worker(index: int) -> None:
        tokens = [new_participant_token(SECRET) for _ in range(per_thread)]
        timings = latencies[index]
        barrier.wait()
        for n in range(quota[index]):
            if time.perf_counter() > stop_at[0]:
                break
            begin = time.perf_counter()
            try:
                services.submit_answer(
                    db=db,
                    secret=SECRET,
                    session_id=sid,
                    prompt_id=prompt.id,
                    token=tokens[n % per_thread],
                    raw=OPTIONS[n % len(OPTIONS)],
                )
            except Exception as error:  # counted and shown; a benchmark must not hide one
                errors[index] += 1
                if errors[index] == 1:
                    print(f"  error in thread {index}: {type(error).__name__}: {error}")
                continue
            timings.append((time.perf_counter() - begin) * 1000)

    pool = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    for thread in pool:
        thread.start()
    stop_at[0] = time.perf_counter() + seconds
    begin = time.perf_counter()
    barrier.wait()
    for thread in pool:
        thread.join(timeout=seconds + 60)
    elapsed = time.perf_counter() - begin
    flat = [t for timings in latencies for t in timings]
    view = services.get_live_view(db=db, session_id=sid)
    return Run(
        backend=backend,
        threads=threads,
        answers=len(flat),
        errors=sum(errors),
        seconds=elapsed,
        latencies_ms=flat,
        rows=view.counts.answered,
        participants=view.counts.joined,
    )


def warm_up(db: Database) -> None:
    """Fill the connection pool and SQLAlchemy's statement caches before timing."""
    run_once(db, "warm-up", threads=8, answers=400, seconds=10, per_thread=10)


@contextmanager
def postgres_url(given: str | None) -> Iterator[str | None]:
    if given:
        yield given
        return
    if find_pg_bin() is None:
        print("PostgreSQL binaries not found: skipping PostgreSQL (or pass --postgres-url)")
        yield None
        return
    with throwaway_cluster() as admin:
        yield create_database(admin, f"bench_{os.getpid()}")


def print_table(runs: list[Run]) -> None:
    header = (
        f"{'backend':<10} {'threads':>7} {'answers':>8} {'errors':>6} {'seconds':>8} "
        f"{'answers/s':>10} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'mean ms':>8}"
    )
    print(header)
    print("-" * len(header))
    for r in runs:
        mean = statistics.fmean(r.latencies_ms) if r.latencies_ms else float("nan")
        print(
            f"{r.backend:<10} {r.threads:>7} {r.answers:>8} {r.errors:>6} {r.seconds:>8.2f} "
            f"{r.rate:>10.0f} {r.percentile(50):>7.2f} {r.percentile(95):>7.2f} "
            f"{r.percentile(99):>7.2f} {mean:>8.2f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", default="1,8,32", help="comma-separated thread counts")
    parser.add_argument("--answers", type=int, default=4000, help="answers per run (cap)")
    parser.add_argument("--seconds", type=float, default=15.0, help="time per run (cap)")
    parser.add_argument("--per-thread", type=int, default=25, help="participants per thread")
    parser.add_argument("--postgres-url", help="use this PostgreSQL database (it gets tables)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args(argv)
    thread_counts = [int(t) for t in args.threads.split(",") if t.strip()]

    SUBMIT_GUARD.configure(interval=0)
    print("Per-participant submit rate limit: OFF for this benchmark (SUBMIT_GUARD interval=0)")
    print(
        f"Each run: up to {args.answers} answers or {args.seconds:.0f} s; "
        f"{args.per_thread} participants per thread; one prompt; Python {sys.version.split()[0]}"
        f", {os.cpu_count()} CPUs"
    )
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="workshop-bench-") as folder:
        backends: list[tuple[str, str | None]] = []
        if not args.no_sqlite:
            backends.append(("sqlite", f"sqlite:///{Path(folder) / 'bench.db'}"))
        with postgres_url(None if args.no_postgres else args.postgres_url) as pg:
            if not args.no_postgres and pg:
                backends.append(("postgresql", pg))
            for name, url in backends:
                assert url is not None
                db = make_database(url)
                try:
                    warm_up(db)
                    for threads in thread_counts:
                        run = run_once(
                            db,
                            name,
                            threads=threads,
                            answers=args.answers,
                            seconds=args.seconds,
                            per_thread=args.per_thread,
                        )
                        if run.rows != run.participants:  # one row per participant
                            print(f"  CHECK FAILED: {run.rows} rows, {run.participants} people")
                        runs.append(run)
                finally:
                    db.dispose()
    print()
    import workshop

    print(f"workshop package: {Path(workshop.__file__).parent}")
    print_table(runs)
    print()
    target = next((r for r in runs if r.backend == "sqlite" and r.threads == 8), None)
    if target is not None:
        ok = target.rate >= TARGET_RATE and target.percentile(95) < TARGET_P95_MS
        print(
            f"Target (SQLite, 8 threads): >= {TARGET_RATE:.0f} answers/s and p95 < "
            f"{TARGET_P95_MS:.0f} ms -> {target.rate:.0f} answers/s, p95 "
            f"{target.percentile(95):.2f} ms: {'MET' if ok else 'MISSED'}"
        )
    return 1 if any(r.errors for r in runs) else 0


if __name__ == "__main__":
    raise SystemExit(main())

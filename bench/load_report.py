"""What one step of the phones benchmark measured, and how it is printed."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


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
    presenter_reruns: int = 0  # reruns the presenter's push asked for (0: on a timer)
    answers_sent: int = 0
    answers_acked: int = 0
    answers_unacked: int = 0  # sent, never acknowledged (refused, or no reply)
    unacked_stored: int = 0  # of those, stored against the prompt the phone showed
    refusals: Counter[str] = field(default_factory=Counter)  # reason -> answers refused
    answer_errors: int = 0  # answers refused for other reasons than a race, or no reply
    ack_ms: list[float] = field(default_factory=list)
    advances: int = 0
    advance_ms: list[float] = field(default_factory=list)  # per phone per advance
    advance_missed: int = 0  # a phone that never showed an advanced prompt
    advance_all_ms: list[float] = field(default_factory=list)  # last phone per advance
    tally_ms: list[float] = field(default_factory=list)
    tally_missed: int = 0  # first answers the presenter never counted
    stream_errors: int = 0  # push-stream connections that failed or were refused
    stream_connects: int = 0  # push streams opened (each ends after 30 s)
    events: int = 0  # push events the phones received
    polls: int = 0  # GET /api/view the phones sent (silent stream, refused answer)
    lost: int = 0  # acknowledged but not (or not so) in the database
    server_cpu_active: float = 0.0  # % of one core
    server_cpu_idle: float = 0.0
    bench_cpu_active: float = 0.0
    machine_cpu_active: float = 0.0  # all processes, % of one core (2 cores = 200)
    load_average: float = 0.0  # 1-minute load average at the end of the active phase
    rss_base_mb: float = 0.0
    rss_mb: float = 0.0
    reruns_per_s: float = 0.0  # Streamlit reruns the phones asked for (0: they follow by push)

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
            "refused": dict(sorted(self.refusals.items())),
            "answer_errors": self.answer_errors,
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
            "stream_errors": self.stream_errors,
            "presenter_reruns": self.presenter_reruns,
            "stream_connects": self.stream_connects,
            "events": self.events,
            "polls": self.polls,
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


def print_table(results: list[StepResult]) -> None:
    header = (
        "| phones | connected | errors | ack p50/p95/p99 ms | advance p50/p95/p99 ms "
        "| last phone ms | tally p50/p95 ms | acked / refused (moved, closed) | lost "
        "| CPU active % | idle CPU/phone % | RSS/phone KB |"
    )
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for r in results:
        s = r.summary()
        print(
            f"| {s['phones']} | {s['connected']} | {s['errors']} "
            f"| {s['ack_p50']}/{s['ack_p95']}/{s['ack_p99']} "
            f"| {s['advance_p50']}/{s['advance_p95']}/{s['advance_p99']} "
            f"| {s['advance_all_max']} | {s['tally_p50']}/{s['tally_p95']} "
            f"| {s['acked']} / {r.refusals['moved']}, {r.refusals['closed']} | {s['lost']} "
            f"| {s['server_cpu_active_pct']} | {s['idle_cpu_per_phone_pct']} "
            f"| {s['rss_per_phone_kb']} |"
        )

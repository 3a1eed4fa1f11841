"""Process-local abuse guards: a per-participant submit rate limit, a per-address limit
on new participant tokens, and a slow-down for repeated wrong facilitator keys. All are
small in-memory tables with time decay (nothing is stored or logged); with several
processes each keeps its own (the limits are per process, which is enough to stop a
script hammering one connection)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from .domain.errors import RateLimited

_MAX_TRACKED = 50_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class SubmitGuard:
    """Token bucket per participant: ``burst`` quick submits, then one per ``interval``."""

    def __init__(self, *, burst: int = 5, interval: float = 1.0) -> None:
        self.burst = burst
        self.interval = interval
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def configure(self, *, burst: int | None = None, interval: float | None = None) -> None:
        with self._lock:
            if burst is not None:
                self.burst = burst
            if interval is not None:
                self.interval = interval
            self._buckets.clear()

    def _bucket(self, key: str, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(tokens=float(self.burst), updated=now)
            if len(self._buckets) > _MAX_TRACKED:
                self._buckets.popitem(last=False)
        elif self.interval > 0:
            bucket.tokens = min(
                float(self.burst), bucket.tokens + (now - bucket.updated) / self.interval
            )
            bucket.updated = now
        return bucket

    def check(self, key: str) -> None:
        """Raise ``RateLimited`` if this participant must wait before submitting again."""
        if self.interval <= 0:
            return
        with self._lock:
            bucket = self._bucket(key, time.monotonic())
            if bucket.tokens < 1:
                raise RateLimited((1 - bucket.tokens) * self.interval)

    def record(self, key: str) -> None:
        if self.interval <= 0:
            return
        with self._lock:
            bucket = self._bucket(key, time.monotonic())
            bucket.tokens = max(0.0, bucket.tokens - 1)

    def take(self, key: str) -> bool:
        """Use one of ``key``'s allowance if it has one left (check and record at once)."""
        if self.interval <= 0:
            return True
        with self._lock:
            bucket = self._bucket(key, time.monotonic())
            if bucket.tokens < 1:
                return False
            bucket.tokens -= 1
            return True


class KeyGuard:
    """After ``free_failures`` wrong keys for one session, each check waits longer
    (doubling, at most ``max_delay`` s); a minute without failures forgives them."""

    def __init__(self, *, free_failures: int = 5, max_delay: float = 3.0) -> None:
        self.free_failures = free_failures
        self.max_delay = max_delay
        self._failures: dict[int, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def delay_for(self, session_id: int) -> float:
        with self._lock:
            count, last = self._failures.get(session_id, (0, 0.0))
            if count and time.monotonic() - last > 60:
                self._failures.pop(session_id, None)
                return 0.0
        excess = count - self.free_failures
        return 0.0 if excess < 0 else min(self.max_delay, 0.1 * 2**excess)

    def wait_if_throttled(self, session_id: int) -> None:
        delay = self.delay_for(session_id)
        if delay:
            time.sleep(delay)

    def record_failure(self, session_id: int) -> None:
        with self._lock:
            count, _ = self._failures.get(session_id, (0, 0.0))
            self._failures[session_id] = (count + 1, time.monotonic())

    def record_success(self, session_id: int) -> None:
        with self._lock:
            self._failures.pop(session_id, None)

    def reset(self) -> None:
        with self._lock:
            self._failures.clear()


SUBMIT_GUARD = SubmitGuard()
# New participant tokens per client address (a bucket per address, in memory only).
MINT_GUARD = SubmitGuard(burst=600, interval=60 / 300)
KEY_GUARD = KeyGuard()

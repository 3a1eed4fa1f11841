"""Process-local abuse guards: a per-participant submit rate limit, a per-address limit
on new participant tokens, and a slow-down for repeated wrong facilitator keys. All are
small in-memory tables with time decay (nothing is stored or logged); with several
processes each keeps its own (the limits are per process, which is enough to stop a
script hammering one connection)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
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


class FailureGuard:
    """Wrong secrets per client address: after ``free_failures`` each wrong try waits
    longer (doubling, at most ``max_delay`` s), after ``lockout_after`` the address is
    locked out for ``lockout_seconds``; ``forget_seconds`` without a failure forgive.

    Keyed by the client's address (memory only), never by the session: someone who
    knows only the projected join code must not slow the real facilitator down. A right
    key does not reset the count (an attacker with a session of their own could
    otherwise interleave it with guesses); time does.
    """

    def __init__(
        self,
        *,
        free_failures: int = 5,
        max_delay: float = 3.0,
        lockout_after: int = 30,
        lockout_seconds: float = 300.0,
        forget_seconds: float = 900.0,
    ) -> None:
        self.free_failures = free_failures
        self.max_delay = max_delay
        self.lockout_after = lockout_after
        self.lockout_seconds = lockout_seconds
        self.forget_seconds = forget_seconds
        self._failures: OrderedDict[Hashable, tuple[int, float]] = OrderedDict()
        self._lock = threading.Lock()

    def _count(self, key: Hashable, now: float) -> tuple[int, float]:
        count, last = self._failures.get(key, (0, 0.0))
        if count and now - last > self.forget_seconds:
            self._failures.pop(key, None)
            return 0, 0.0
        return count, last

    def delay_for(self, key: Hashable) -> float:
        """How long the next wrong try from ``key`` waits before its answer."""
        with self._lock:
            count, _ = self._count(key, time.monotonic())
        excess = count - self.free_failures
        return 0.0 if excess < 0 else min(self.max_delay, 0.1 * 2**excess)

    def locked_for(self, key: Hashable) -> float:
        """Seconds left of this address's lockout (0: not locked out)."""
        now = time.monotonic()
        with self._lock:
            count, last = self._count(key, now)
        if count < self.lockout_after:
            return 0.0
        return max(0.0, last + self.lockout_seconds - now)

    def record_failure(self, key: Hashable) -> None:
        with self._lock:
            count, _ = self._count(key, time.monotonic())
            self._failures[key] = (count + 1, time.monotonic())
            self._failures.move_to_end(key)
            if len(self._failures) > _MAX_TRACKED:
                self._failures.popitem(last=False)

    def wait_after_failure(self, key: Hashable) -> None:
        delay = self.delay_for(key)
        if delay:
            time.sleep(delay)

    def reset(self) -> None:
        with self._lock:
            self._failures.clear()


SUBMIT_GUARD = SubmitGuard()
# New participant tokens per client address (a bucket per address, in memory only).
MINT_GUARD = SubmitGuard(burst=600, interval=60 / 300)
KEY_GUARD = FailureGuard()  # wrong facilitator keys, per client address
ADMIN_GUARD = FailureGuard(lockout_after=20)  # wrong admin passwords, per client address
# Join codes that miss on the phone routes, per client address: never a lockout (a code
# may go live a second later), only a growing delay after 20 misses.
CODE_GUARD = FailureGuard(free_failures=20, max_delay=2.0, lockout_after=2**31)
# Sessions started per client address: a burst of 10, then one every 30 s.
START_GUARD = SubmitGuard(burst=10, interval=30.0)

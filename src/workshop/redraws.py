"""Flow control for pushed redraws: how many phone redraws this process has in hand.

A change in the room asks every phone to redraw its live part, one Streamlit run each.
Started all at once, hundreds of runs (a thread each, one interpreter lock, one event
loop handing their messages to the websockets) take several times the CPU of the same
runs one after another, and every phone waits for the slowest. So the push hub
(``web.events``) tells phones only while this process has fewer than ``LIMIT`` redraws
in hand: phones told and not yet redrawing (``told``), plus runs of the live part in
progress (``begin``/``end``, from ``ui.phone``). A phone that was told but never asks
(a closed tab) stops counting after ``FORGET_TOLD_SECONDS``.

Plain counters under a lock: updated from script threads, read on the event loop.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque

LIMIT = 16
FORGET_TOLD_SECONDS = 2.0
FORGET_RUNNING_SECONDS = 5.0  # a redraw this long is stuck (the store is busy): stop waiting


class RedrawWindow:
    def __init__(
        self,
        limit: int = LIMIT,
        forget_told: float = FORGET_TOLD_SECONDS,
        forget_running: float = FORGET_RUNNING_SECONDS,
    ) -> None:
        self.limit = limit
        self._forget_told = forget_told
        self._forget_running = forget_running
        self._lock = threading.Lock()
        self._told: deque[float] = deque()  # when each not-yet-started phone was told
        self._running: dict[int, float] = {}  # run -> when it began
        self._runs = itertools.count()

    def told(self, phones: int) -> None:
        now = time.monotonic()
        with self._lock:
            self._told.extend([now] * phones)

    def begin(self) -> int:
        """A redraw starts (told or not); returns its ticket for ``end``."""
        ticket = next(self._runs)
        with self._lock:
            if self._told:
                self._told.popleft()
            self._running[ticket] = time.monotonic()
        return ticket

    def end(self, ticket: int) -> None:
        with self._lock:
            self._running.pop(ticket, None)

    def room(self) -> int:
        """How many more phones may be told now."""
        now = time.monotonic()
        with self._lock:
            while self._told and self._told[0] < now - self._forget_told:
                self._told.popleft()
            running = sum(1 for t in self._running.values() if t >= now - self._forget_running)
            return max(0, self.limit - len(self._told) - running)


WINDOW = RedrawWindow()

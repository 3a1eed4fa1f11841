"""One change signal per process: a write announces the session it changed.

Services call ``CHANGES.announce(session_id)`` right after a commit; the push hub
(``web/events.py``, the one watcher of this process) listens and wakes at once instead
of waiting for its next poll. Changes made by other processes (PostgreSQL scale-out)
still reach the hub through its poll. This module sits below ``web/`` and ``ui/`` so
that neither needs the other; it imports nothing of the app.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

Listener = Callable[[int], None]


class ChangeSignal:
    """Thread-safe fan-out of "session N changed" to a few in-process listeners."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(session_id)`` after every announced change; returns an undo.

        Listeners run in the writer's thread: they must only hand the news on (e.g.
        ``loop.call_soon_threadsafe``), never do work there.
        """
        with self._lock:
            self._listeners.append(listener)

        def stop() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return stop

    def announce(self, session_id: int) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(session_id)
            except Exception:  # a listener's failure must never fail the committed write
                log.warning("change listener failed", exc_info=True)


CHANGES = ChangeSignal()

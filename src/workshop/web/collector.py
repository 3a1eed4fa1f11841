"""Full garbage collections on a clock, not whenever the heap grew by a quarter.

CPython runs a full (generation 2) collection once a quarter more objects have survived
into the oldest generation, and it stops the whole process while it walks every tracked
object (~1 µs each here). Every phone's open event stream holds ~300 of them (coroutines
of each middleware layer, cells, tasks, the connection's parser), and the streams are
renewed every minute, so in a room of 2,000 phones a full collection came every 4 s
during the join wave (and every ~15 s after it), each a 0.25-0.6 s pause: measured with
``gc.callbacks`` in ``bench/phones.py --scenario join-wave``, it was the whole tail of the
answers' acknowledgement times.

So young collections (generations 0 and 1: cheap, and they free most garbage) stay
automatic, the full one runs every ``FULL_EVERY_SECONDS`` in a daemon thread, and what
the process imported at start is frozen out of the collector's walk (it lives forever).
Cyclic garbage that reached the oldest generation waits at most that long to be freed.
"""

from __future__ import annotations

import gc
import logging
import threading
import time

FULL_EVERY_SECONDS = 120.0
NEVER_BY_ITSELF = 1 << 30  # generation 2's threshold: the clock decides instead
log = logging.getLogger(__name__)
_started = threading.Event()


def install(every_seconds: float = FULL_EVERY_SECONDS) -> None:
    """Freeze what is alive now and collect the oldest generation on a clock (once per
    process; later calls do nothing)."""
    if _started.is_set():
        return
    _started.set()
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, NEVER_BY_ITSELF)
    threading.Thread(
        target=_collect_forever, args=(every_seconds,), name="workshop-gc", daemon=True
    ).start()


def _collect_forever(every_seconds: float) -> None:
    while True:
        time.sleep(every_seconds)
        started = time.perf_counter()
        freed = gc.collect()
        log.debug(
            "full collection: %d freed in %.0f ms", freed, 1000 * (time.perf_counter() - started)
        )

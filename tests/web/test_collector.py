"""Full garbage collections run on a clock (``web/collector.py``), in a fresh process:
the thresholds and the freeze are process-wide."""

from __future__ import annotations

import subprocess
import sys
import textwrap

PROBE = textwrap.dedent(
    """
    import gc, time, weakref
    from workshop.web import collector

    collector.install(every_seconds=0.3)
    assert gc.get_freeze_count() > 0, "what was imported at start is frozen"
    assert gc.get_threshold()[2] == collector.NEVER_BY_ITSELF

    class Node:
        pass

    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle: only the collector frees it
    alive = weakref.ref(a)
    gc.collect(1)  # young collections move the survivors into the oldest generation
    del a, b
    for _ in range(200):
        [object() for _ in range(1000)]  # plenty of allocation: young collections only
        gc.collect(1)
    assert alive() is not None, "a young collection never walks the oldest generation"
    deadline = time.monotonic() + 10
    while alive() is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert alive() is None, "the clock's full collection freed the old cycle"
    print("ok")
    """
)


def test_old_cycles_are_freed_by_the_clock_not_by_young_collections():
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"

"""CPU of idle facilitator tabs: N presenter/console tabs open, nothing happens.

Starts a real server on 127.0.0.1 (fresh data directory, SQLite), one session, opens
``--tabs`` tabs in Debian's headless Chromium (half presenters in presenting mode,
half consoles), waits for them to settle, then measures the CPU of the server and of
the browser's processes over ``--seconds``. Run:

    .venv/bin/python bench/idle_screens.py --tabs 10 --seconds 30
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make tests.support.* importable
    sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.support.builders import make_session  # noqa: E402
from tests.support.server import running_server  # noqa: E402
from workshop.config import Settings  # noqa: E402
from workshop.storage import make_database  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants (the browser's renderer and helper processes)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def total(pids: list[int]) -> float:
    seconds = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):
            seconds += cpu_seconds(pid)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tabs", type=int, default=10, choices=range(1, 21))
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="workshop-idle-"))
    with running_server(data) as server, sync_playwright() as play:
        db = make_database(Settings.from_env({"WORKSHOP_DATA_DIR": str(data)}).database_url)
        started = make_session(db)
        query = f"code={started.session.code}&key={started.facilitator_key}"
        browser = play.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            pages = []
            for i in range(args.tabs):
                page = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
                which = "presenter" if i % 2 == 0 else "console"
                extra = "&mode=present" if which == "presenter" else ""
                page.goto(f"{server.url}/{which}?{query}{extra}")
                pages.append(page)
            for page in pages:
                page.wait_for_selector(".ws-meta", timeout=30_000)
            pages[0].wait_for_timeout(8_000)  # first runs, streams open
            browser_pids = [p for p in tree(os.getpid()) if p != os.getpid()]
            server_pids = tree(server.process.pid)
            s0, b0, t0 = total(server_pids), total(browser_pids), time.monotonic()
            pages[0].wait_for_timeout(args.seconds * 1000)
            s1, b1, t1 = total(server_pids), total(browser_pids), time.monotonic()
        finally:
            browser.close()
        db.dispose()
    wall = t1 - t0
    print(
        f"{args.tabs} idle facilitator tabs over {wall:.0f} s: server "
        f"{100 * (s1 - s0) / wall:.1f} % of a core, browser {100 * (b1 - b0) / wall:.1f} % "
        f"(load {os.getloadavg()[0]:.2f})"
    )


if __name__ == "__main__":
    main()

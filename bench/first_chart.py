"""Answer -> projector chart, for every kind: the first chart (the answer that reaches the
session's minimum count) and the next one, on the real presenter in Chromium.

Starts a real server on 127.0.0.1 (fresh data directory, SQLite), a session with one
prompt of every registered kind (minimum count ``--min``), and a presenter tab in
presenting mode at 1920x1080 in Debian's headless Chromium. For each prompt, answers
are stored through the services from this process (as another process's would reach
the server: only through its one watcher); the time from the answer's commit to the
projector showing ``n = k`` (a chart's title, or the card wall's line) is measured.
Prints a table of p50 / max per kind over ``--rounds`` rounds. Run:

    .venv/bin/python bench/first_chart.py --rounds 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make tests.support.* importable
    sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PROJECTOR  # noqa: E402
from tests.support.builders import every_kind_template, sample_answers  # noqa: E402
from tests.support.server import running_server  # noqa: E402
from workshop import services  # noqa: E402
from workshop.activities import get_kind  # noqa: E402
from workshop.config import Settings  # noqa: E402
from workshop.domain.codes import new_participant_token  # noqa: E402
from workshop.storage import make_database  # noqa: E402

TIMEOUT_MS = 10_000


def shows_n(page: Page, n: int) -> float:
    """Seconds until the projector's main area holds ``n = <n> ·`` (SVG text included)."""
    started = time.monotonic()
    page.wait_for_function(
        "(n) => (document.querySelector('[data-testid=stMain]')?.textContent || '')"
        ".includes(`n = ${n} ·`)",
        arg=n,
        timeout=TIMEOUT_MS,
    )
    return time.monotonic() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="sessions, one after another")
    parser.add_argument("--min", type=int, default=3, help="the session's minimum count")
    args = parser.parse_args(argv)
    if not 1 <= args.rounds <= 20 or not 1 <= args.min <= 20:
        raise SystemExit("--rounds and --min must be between 1 and 20")
    template = every_kind_template(min_answers=args.min)
    first: dict[str, list[float]] = {}
    later: dict[str, list[float]] = {}
    with (
        tempfile.TemporaryDirectory(prefix="workshop-chart-") as data,
        running_server(Path(data)) as server,
    ):
        settings = Settings.from_env({"WORKSHOP_DATA_DIR": str(server.data_dir)})
        db, secret = make_database(settings.database_url), settings.participant_secret()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for round_ in range(args.rounds):
                    started = services.start_session(db=db, template=template)
                    sid, key = started.session.id, started.facilitator_key
                    services.set_results_visible(db=db, session_id=sid, key=key, visible=True)
                    page = browser.new_context(**PROJECTOR).new_page()
                    query = f"code={started.session.code}&key={key}&mode=present"
                    page.goto(f"{server.url}/presenter?{query}")
                    page.locator(".ws-prompt").wait_for(timeout=30_000)
                    prompts = services.list_prompts(db=db, session_id=sid)
                    for position, prompt in enumerate(prompts):
                        services.go_to_prompt(db=db, session_id=sid, key=key, position=position)
                        page.get_by_text(prompt.text).first.wait_for(timeout=TIMEOUT_MS)
                        label = get_kind(prompt.kind).label
                        values = sample_answers(template, seed=round_ * 100 + position)
                        for k in range(1, args.min + 2):
                            services.submit_answer(
                                db=db,
                                secret=secret,
                                session_id=sid,
                                prompt_id=prompt.id,
                                token=new_participant_token(secret),
                                raw=values[position],
                            )
                            if k < args.min:
                                continue
                            took = shows_n(page, k)
                            (first if k == args.min else later).setdefault(label, []).append(took)
                            page.wait_for_timeout(300)
                    page.context.close()
                browser.close()
        finally:
            db.dispose()
    print(f"\nanswer -> projector shows it, {args.rounds} rounds, minimum count {args.min}")
    print("| kind | first chart p50 / max ms | next answer p50 / max ms |")
    print("|---|---|---|")
    for label in first:

        def cell(values: list[float]) -> str:
            return f"{1000 * statistics.median(values):.0f} / {1000 * max(values):.0f}"

        print(f"| {label} | {cell(first[label])} | {cell(later[label])} |")
    everything = sorted(v for table in (first, later) for values in table.values() for v in values)
    p95 = everything[min(len(everything) - 1, int(0.95 * len(everything)))]
    print(f"all kinds: p95 {1000 * p95:.0f} ms over {len(everything)} answers")


if __name__ == "__main__":
    main()

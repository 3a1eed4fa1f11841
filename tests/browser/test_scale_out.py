"""Scale-out: two real server processes sharing one PostgreSQL, behind nginx.

An answer given through process A shows on a presenter served by process B within 2 s;
a phone that comes in through nginx joins, answers and follows the room by push (the
Server-Sent Events stream passes nginx unbuffered).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from deploy.render_nginx import render
from tests.browser.conftest import PHONE, PROJECTOR
from tests.support.builders import make_template
from tests.support.postgres import create_database, free_port
from tests.support.server import RunningServer, start_server, stop_server_process
from workshop import services
from workshop.activities import make_spec
from workshop.storage import Database, make_database

pytestmark = pytest.mark.postgres
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SEEN_WITHIN_S = 2.0
UI_TIMEOUT_MS = 25_000


@dataclass
class Cluster:
    a: RunningServer
    b: RunningServer
    proxy_url: str
    db: Database


def _wait_http(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(url)


@pytest.fixture(scope="module")
def cluster(postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if not Path(NGINX).exists():
        pytest.fail("nginx is needed for the scale-out test (apt-get install nginx-light)")
    url = create_database(postgres_admin_url, f"scaleout_{os.getpid()}")
    proxy_port = free_port()
    proxy_url = f"http://127.0.0.1:{proxy_port}"
    env = {
        "WORKSHOP_DATABASE_URL": url,
        "WORKSHOP_SECRET_KEY": "scale-out-test-secret-shared-by-all-processes",
        "WORKSHOP_PUBLIC_URL": proxy_url,
    }
    root = tmp_path_factory.mktemp("scale-out")
    a = start_server(root / "a", extra_env=env)
    b = start_server(root / "b", extra_env=env)
    # nginx workers run as an unprivileged user: give them a prefix they may use.
    prefix = Path(tempfile.mkdtemp(prefix="workshop-nginx-"))
    os.chmod(prefix, 0o755)
    render(prefix, f"127.0.0.1:{proxy_port}", [a.port, b.port])
    os.chmod(prefix / "tmp", 0o777)
    nginx = subprocess.Popen(
        [NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    db = make_database(url)
    try:
        _wait_http(f"{proxy_url}/_stcore/health")
        yield Cluster(a, b, proxy_url, db)
    finally:
        db.dispose()
        nginx.terminate()
        nginx.wait(timeout=10)
        stop_server_process(a.process)
        stop_server_process(b.process)
        shutil.rmtree(prefix, ignore_errors=True)


def _answered(presenter: Page) -> int:
    text = presenter.locator(".ws-stat", has_text="answered").first.inner_text()
    return int(text.split()[0])


def _wait_answered(presenter: Page, expected: int, limit_s: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < limit_s + 5:
        if _answered(presenter) == expected:
            return time.monotonic() - start
        presenter.wait_for_timeout(50)
    raise AssertionError(f"presenter never showed {expected} answered")


def _phone_answers(page: Page, url: str, option: str) -> None:
    page.goto(url)
    expect(page.get_by_text("Where are you joining from?").first).to_be_visible(
        timeout=UI_TIMEOUT_MS
    )
    page.get_by_text(option, exact=True).click()
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_text("Received — thank you!", exact=False)).to_be_visible(
        timeout=UI_TIMEOUT_MS
    )


def test_answer_through_one_process_shows_on_a_presenter_of_the_other(
    browser: Browser, cluster: Cluster
):
    template = make_template(
        make_spec(
            "single_choice",
            text="Where are you joining from?",
            options=("Front rows", "Back rows", "Online"),
        ),
        make_spec("open_text", text="One word for this room"),
    )
    started = services.start_session(db=cluster.db, template=template)
    code, key = started.session.code, started.facilitator_key
    contexts = [
        browser.new_context(**PROJECTOR),
        browser.new_context(**PHONE),
        browser.new_context(**PHONE),
    ]
    try:
        presenter, phone_a, phone_proxy = (c.new_page() for c in contexts)
        presenter.goto(f"{cluster.b.url}/presenter?code={code}&key={key}&mode=present")
        expect(presenter.get_by_text("Where are you joining from?").first).to_be_visible(
            timeout=UI_TIMEOUT_MS
        )
        assert _answered(presenter) == 0

        _phone_answers(phone_a, f"{cluster.a.url}/join?code={code}", "Back rows")
        took = _wait_answered(presenter, 1, SEEN_WITHIN_S)
        print(f"answer via process A seen on process B's presenter after {took:.2f} s")
        assert took < SEEN_WITHIN_S

        _phone_answers(phone_proxy, f"{cluster.proxy_url}/join?code={code}", "Online")
        took = _wait_answered(presenter, 2, SEEN_WITHIN_S)
        print(f"answer via nginx seen on the presenter after {took:.2f} s")
        assert took < SEEN_WITHIN_S

        # Push through nginx: both phones follow the facilitator's next prompt.
        services.next_prompt(db=cluster.db, session_id=started.session.id, key=key)
        for phone in (phone_a, phone_proxy):
            expect(phone.get_by_text("One word for this room").first).to_be_visible(timeout=5_000)
            # Heard on the event stream, not by the phone's fallback poll of /api/view.
            assert phone.evaluate("window.__workshopPhone.state.stats.polls") == 0
        answers = services.list_session_answers(db=cluster.db, session_id=started.session.id)
        assert sorted(a.value for _, a in answers) == ["Back rows", "Online"]
        assert (
            services.get_live_view(db=cluster.db, session_id=started.session.id).counts.joined == 2
        )
    finally:
        for context in contexts:
            context.close()

"""The low items on the real server: security headers, metrics off, private files."""

from __future__ import annotations

import re
import stat
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support.builders import make_session
from tests.support.server import running_server
from workshop.storage import make_database


def _get(url: str) -> tuple[int, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=15) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.slow
def test_headers_metrics_and_file_permissions(tmp_path: Path):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    (data / "old-notes.txt").write_text("made by an older version")
    (data / "old-notes.txt").chmod(0o644)
    with running_server(data) as server:
        status, page = _get(f"{server.url}/console?code=K7Q4MX&key=secret")
        assert status == 200 and page["content-type"].startswith("text/html")
        assert page["x-content-type-options"] == "nosniff"
        assert page["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in page["content-security-policy"]
        assert page["referrer-policy"] == "no-referrer"
        # The phone's page (workshop's own HTML): a strict policy, nothing but this
        # server's own files, nothing inline (the real browser tests draw it under it, with
        # no violation reported: tests/browser/test_no_script_runs.py). Every screen of it:
        # the code form, an unknown code (404), a live session (after its first-visit
        # redirect, which carries no page).
        status, _ = _get(f"{server.url}/join?code=ZZZZZZ")  # the server opens its store
        assert status == 404
        db = make_database(f"sqlite:///{data / 'workshop.db'}")
        try:
            code = make_session(db).session.code  # the server's database file exists by now
        finally:
            db.dispose()
        for path, expected in (
            ("/join", 200),
            ("/join?code=ZZZZZZ", 404),
            (f"/join?code={code}", 200),
        ):
            status, join = _get(f"{server.url}{path}")
            assert status == expected, path
            assert join["content-type"].startswith("text/html"), path
            assert join["x-content-type-options"] == "nosniff"
            assert join["x-frame-options"] == "DENY" and join["referrer-policy"] == "no-referrer"
            directives = [d.strip() for d in join["content-security-policy"].split(";")]
            for directive in (
                "default-src 'none'",
                "script-src 'self'",
                "style-src 'self'",
                "connect-src 'self'",
                "form-action 'self'",
                "base-uri 'none'",
                "frame-ancestors 'none'",
            ):
                assert directive in directives, (path, directives)
            for directive in directives:
                _name, *sources = directive.split()
                for loose in ("'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:"):
                    assert loose not in sources, (path, directive)
                assert not any(s.startswith(("'sha256-", "'nonce-")) for s in sources), directive
            assert not any(d.startswith("object-src") and "'none'" not in d for d in directives)
        # Its script and stylesheet are files from here, typed (nosniff holds them to it).
        with urllib.request.urlopen(f"{server.url}/join", timeout=15) as response:
            html = response.read().decode()
        assets = re.findall(r'(?:src|href)="(/phone/[^"]+)"', html)
        assert len(assets) == 2, assets
        for asset in assets:
            status, headers = _get(f"{server.url}{asset}")
            assert status == 200 and headers["x-content-type-options"] == "nosniff"
            assert headers["content-type"].startswith(("text/javascript", "text/css"))
        status, api = _get(f"{server.url}/api/view/K7Q4MX")
        assert status == 404 and api["x-content-type-options"] == "nosniff"
        status, _ = _get(f"{server.url}/_stcore/metrics")
        assert status == 404
        status, _ = _get(f"{server.url}/_stcore/health")
        assert status == 200
        assert _mode(data) == 0o700
        assert _mode(data / "secret.key") == 0o600
        assert _mode(data / "old-notes.txt") == 0o600
        assert _mode(data / "workshop.db") == 0o600


@pytest.mark.slow
def test_metrics_can_be_turned_on(tmp_path: Path):
    with running_server(tmp_path / "data", extra_env={"WORKSHOP_METRICS": "1"}) as server:
        status, _ = _get(f"{server.url}/_stcore/metrics")
        assert status == 200

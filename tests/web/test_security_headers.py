"""The low items on the real server: security headers, metrics off, private files."""

from __future__ import annotations

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
        # The phone's page: a full policy (the real browser tests draw it under it, with
        # no violation reported: tests/browser/test_no_script_runs.py)
        status, join = _get(f"{server.url}/join?code=K7Q4MX")
        policy = join["content-security-policy"]
        assert status == 200
        for directive in (
            "default-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ):
            assert directive in policy
        scripts = next(d for d in policy.split("; ") if d.startswith("script-src "))
        assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
        assert "'sha256-" in scripts  # Streamlit's one inline script, by its hash
        status, api = _get(f"{server.url}/api/view/K7Q4MX")
        assert status == 404 and api["x-content-type-options"] == "nosniff"
        status, _ = _get(f"{server.url}/_stcore/metrics")
        assert status == 404
        status, _ = _get(f"{server.url}/_stcore/health")
        assert status == 200
        db = make_database(f"sqlite:///{data / 'workshop.db'}")
        try:
            make_session(db)  # the server's database file exists by now
        finally:
            db.dispose()
        assert _mode(data) == 0o700
        assert _mode(data / "secret.key") == 0o600
        assert _mode(data / "old-notes.txt") == 0o600
        assert _mode(data / "workshop.db") == 0o600


@pytest.mark.slow
def test_metrics_can_be_turned_on(tmp_path: Path):
    with running_server(tmp_path / "data", extra_env={"WORKSHOP_METRICS": "1"}) as server:
        status, _ = _get(f"{server.url}/_stcore/metrics")
        assert status == 200

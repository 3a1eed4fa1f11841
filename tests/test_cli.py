"""The ``workshop`` command line, run as a real process: check, sessions, export."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.builders import answer_current, make_template
from workshop import services
from workshop.activities import KINDS
from workshop.config import Settings
from workshop.context import open_context
from workshop.domain.codes import display_code
from workshop.templates import templates_dir

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted(templates_dir().glob("*.yaml"))


def workshop_command() -> list[str]:
    """The installed console script, so the test also proves it is installed."""
    script = Path(sys.executable).with_name("workshop")
    if script.exists():
        return [str(script)]
    found = shutil.which("workshop")
    return [found] if found else [sys.executable, "-m", "workshop.cli"]


def run(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKSHOP_")}
    env["WORKSHOP_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [*workshop_command(), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def context(data_dir: Path):
    """The same database and secret the command line will open."""
    ctx = open_context(Settings.from_env({"WORKSHOP_DATA_DIR": str(data_dir)}))
    yield ctx
    ctx.db.dispose()


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout


# ---- check ----------------------------------------------------------------------------


def test_check_accepts_the_shipped_templates(data_dir):
    result = run("check", *map(str, SHIPPED), data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"OK: {len(SHIPPED)} template(s) valid"
    assert result.stderr == ""
    assert not data_dir.exists()  # checking a file touches no database


def test_check_prints_every_problem_of_a_bad_file_and_fails(tmp_path, data_dir):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "title: Bad\n"
        "prompts:\n"
        "  - kind: single_choice\n"
        "    text: One option\n"
        "    options: [Only]\n"
        "  - kind: scale\n"
        "    text: Backwards\n"
        "    min: 5\n"
        "    max: 1\n"
        "  - kind: poll\n"
        "    text: Unknown kind\n",
        encoding="utf-8",
    )
    result = run("check", str(bad), *map(str, SHIPPED), data_dir=data_dir)
    assert result.returncode == 1
    assert_no_traceback(result)
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "bad.yaml: prompt 1, field 'options': must be a list of at least 2 choices",
        "bad.yaml: prompt 2, field 'max': must be greater than min (5)",
        f"bad.yaml: prompt 3, field 'kind': is 'poll'; use one of: {', '.join(KINDS)}",
    ]
    assert "OK" not in result.stdout


def test_check_reports_invalid_yaml_and_missing_files(tmp_path, data_dir):
    broken = tmp_path / "broken.yaml"
    broken.write_text("title: [unclosed\n", encoding="utf-8")
    result = run("check", str(broken), str(tmp_path / "missing.yaml"), data_dir=data_dir)
    assert result.returncode == 1
    assert_no_traceback(result)
    assert "broken.yaml: field '(file)': is not valid YAML" in result.stderr
    assert "missing.yaml: field '(file)': cannot be read" in result.stderr


def test_check_needs_a_file(data_dir):
    result = run("check", data_dir=data_dir)
    assert result.returncode == 2 and "usage:" in result.stderr


def test_no_command_prints_usage(data_dir):
    result = run(data_dir=data_dir)
    assert result.returncode == 2 and "usage: workshop" in result.stderr


# ---- sessions -------------------------------------------------------------------------


def test_sessions_on_a_fresh_machine(data_dir):
    result = run("sessions", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "No sessions yet."
    assert (data_dir / "workshop.db").exists()  # created on first run


def test_sessions_lists_newest_first_with_code_status_and_title(context, data_dir):
    first = services.start_session(db=context.db, template=make_template(title="Morning"))
    second = services.start_session(db=context.db, template=make_template(title="Ça marche 👍"))
    services.end_session(db=context.db, session_id=first.session.id, key=first.facilitator_key)
    result = run("sessions", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(display_code(second.session.code) + "  live ")
    assert lines[0].endswith("Ça marche 👍")
    assert lines[1].startswith(display_code(first.session.code) + "  ended")
    assert lines[1].endswith("Morning")
    assert " UTC " in lines[0]


# ---- export ---------------------------------------------------------------------------


def test_export_writes_the_sessions_csv(context, data_dir, tmp_path):
    started = services.start_session(db=context.db, template=make_template())
    answer_current(context.db, started, "A", secret=context.participant_secret)
    answer_current(context.db, started, "B", secret=context.participant_secret)
    expected = services.export_csv(db=context.db, session_id=started.session.id)
    out = tmp_path / "results.csv"
    typed = display_code(started.session.code).lower()  # as a person types it
    result = run("export", typed, "-o", str(out), data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == expected
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert f"Wrote {out}" in result.stderr
    assert display_code(started.session.code) in result.stderr


def test_export_to_stdout(context, data_dir):
    started = services.start_session(db=context.db, template=make_template())
    answer_current(context.db, started, "C", secret=context.participant_secret)
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKSHOP_")}
    env["WORKSHOP_DATA_DIR"] = str(data_dir)
    result = subprocess.run(
        [*workshop_command(), "export", started.session.code],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == services.export_csv(db=context.db, session_id=started.session.id)


@pytest.mark.parametrize("code", ["ZZZ-ZZZ", "nope", "", "'; DROP TABLE sessions; --"])
def test_export_of_an_unknown_code_fails_in_plain_words(context, data_dir, tmp_path, code):
    out = tmp_path / "results.csv"
    result = run("export", code, "-o", str(out), data_dir=data_dir)
    assert result.returncode == 1
    assert_no_traceback(result)
    assert "No session with code" in result.stderr
    assert not out.exists()


def test_export_to_an_unwritable_place_fails_in_plain_words(context, data_dir, tmp_path):
    started = services.start_session(db=context.db, template=make_template())
    out = tmp_path / "no" / "such" / "folder" / "results.csv"
    result = run("export", started.session.code, "-o", str(out), data_dir=data_dir)
    assert result.returncode == 1
    assert_no_traceback(result)
    assert f"Cannot write {out}" in result.stderr

"""Start the real app (``streamlit run server.py``) on 127.0.0.1 and a free port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.postgres import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class RunningServer:
    url: str  # e.g. http://127.0.0.1:43121
    port: int
    process: subprocess.Popen[bytes]
    data_dir: Path
    log_path: Path
    env: dict[str, str]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 45.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"server at {url} not healthy after {timeout} s")


def start_server(
    data_dir: Path,
    *,
    port: int | None = None,
    extra_env: dict[str, str] | None = None,
    address: str = "127.0.0.1",  # another loopback address (127.0.0.2) tells client from server
) -> RunningServer:
    port = port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "WORKSHOP_DATA_DIR": str(data_dir),
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    log_path = data_dir / f"server-{port}.log"
    handle = log_path.open("ab")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "server.py"),
            "--server.address",
            address,
            "--server.port",
            str(port),
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    handle.close()
    url = f"http://{address}:{port}"
    try:
        wait_healthy(url, process)
    except Exception:
        stop_server_process(process)
        raise
    return RunningServer(url, port, process, data_dir, log_path, env)


def stop_server_process(process: subprocess.Popen[bytes], *, kill: bool = False) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextmanager
def running_server(data_dir: Path, **kwargs: object) -> Iterator[RunningServer]:
    server = start_server(data_dir, **kwargs)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        stop_server_process(server.process)

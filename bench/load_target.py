"""The server under test: started here or attached to, and metered (CPU, memory)."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psutil

from workshop.config import Settings
from workshop.storage import Database, make_database

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Target:
    urls: list[str]
    pids: list[int]
    settings: Settings
    db: Database
    secret: bytes

    def processes(self) -> list[psutil.Process]:
        found = []
        for pid in self.pids:
            with contextlib.suppress(psutil.Error):
                found.append(psutil.Process(pid))
        return found


class ServerMeter:
    """CPU seconds and resident memory of the server processes (and their children)."""

    def __init__(self, processes: list[psutil.Process]) -> None:
        self.processes = processes

    def _all(self) -> Iterator[psutil.Process]:
        for process in self.processes:
            yield process
            with contextlib.suppress(psutil.Error):
                yield from process.children(recursive=True)

    def cpu_seconds(self) -> float:
        total = 0.0
        for process in self._all():
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                total += times.user + times.system
        return total

    def rss_mb(self) -> float:
        total = 0
        for process in self._all():
            with contextlib.suppress(psutil.Error):
                total += process.memory_info().rss
        return total / 2**20


class CpuWindow:
    """% of one core used between start() and stop()."""

    def __init__(self, read: Callable[[], float]) -> None:
        self.read = read
        self.started = 0.0
        self.cpu = 0.0

    def start(self) -> None:
        self.started = time.monotonic()
        self.cpu = self.read()

    def stop(self) -> float:
        wall = time.monotonic() - self.started
        return 100.0 * (self.read() - self.cpu) / max(wall, 1e-6)


def bench_cpu_seconds() -> float:
    times = psutil.Process().cpu_times()
    return times.user + times.system


def machine_cpu_seconds() -> float:
    """CPU seconds of every process on the machine (others' jobs make a run noisy)."""
    times = psutil.cpu_times()
    return times.user + times.system + times.nice + getattr(times, "softirq", 0.0)


def local_only(url: str) -> str:
    host = urlsplit(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing to load {url}: the bench targets 127.0.0.1 only")
    return url.rstrip("/")


BENCH_PER_ADDRESS_LIMITS = {
    "WORKSHOP_NEW_PARTICIPANTS_BURST": "20000",
    "WORKSHOP_MAX_STREAMS_PER_ADDRESS": "20000",
}


def start_server(
    data_dir: Path, entry: Path, env: dict[str, str]
) -> tuple[str, subprocess.Popen[bytes], Path]:
    """``streamlit run <entry>`` on 127.0.0.1 and a free port, from the repository root
    (so .streamlit/config.toml applies), as tests/support/server.py does for server.py."""
    from tests.support.postgres import free_port
    from tests.support.server import stop_server_process, wait_healthy

    port = free_port()
    log_path = data_dir / f"server-{port}.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "streamlit", "run", str(entry)),
                *("--server.address", "127.0.0.1", "--server.port", str(port)),
                *("--server.headless", "true"),
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "WORKSHOP_DATA_DIR": str(data_dir),
                "PYTHONUNBUFFERED": "1",
                # Every simulated phone comes from 127.0.0.1, like a room behind one NAT
                # but larger than the per-address defaults allow for.
                **BENCH_PER_ADDRESS_LIMITS,
                **env,
            },
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
    except Exception:
        stop_server_process(process)
        raise
    return url, process, log_path


def start_nginx(stack: contextlib.ExitStack, ports: list[int]) -> str:
    """nginx in front of the servers on ``ports``, as docs/deploy.md sets it up
    (``deploy/nginx.conf.template``: sticky by the participant cookie, SSE unbuffered);
    returns its URL. Stopped when ``stack`` closes."""
    from deploy.render_nginx import render
    from tests.support.postgres import free_port

    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise SystemExit("--nginx needs nginx (apt-get install nginx-light)")
    prefix = Path(tempfile.mkdtemp(prefix="workshop-bench-nginx-"))
    stack.callback(shutil.rmtree, prefix, True)
    os.chmod(prefix, 0o755)  # nginx workers run as an unprivileged user
    port = free_port()
    render(prefix, f"127.0.0.1:{port}", ports)
    os.chmod(prefix / "tmp", 0o777)
    process = subprocess.Popen(
        [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def stop() -> None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    stack.callback(stop)
    url = f"http://127.0.0.1:{port}"
    from tests.support.server import wait_healthy

    wait_healthy(url, process)  # through nginx to one of the servers
    print(f"nginx {url} pid {process.pid} -> ports {ports}", flush=True)
    return url


@contextlib.contextmanager
def started_target(args: argparse.Namespace) -> Iterator[Target]:
    """Attach to --url, or start --processes servers (and PostgreSQL if asked), behind
    nginx with --nginx."""
    from tests.support.server import stop_server_process

    with contextlib.ExitStack() as stack:
        env: dict[str, str] = {}
        if args.url:
            data_dir = Path(args.data_dir or os.environ.get("WORKSHOP_DATA_DIR", ""))
            if not args.data_dir and not os.environ.get("WORKSHOP_DATA_DIR"):
                raise SystemExit("--url needs --data-dir (the server's WORKSHOP_DATA_DIR)")
        else:
            data_dir = Path(tempfile.mkdtemp(prefix="workshop-bench-"))
            if not args.keep_data:
                stack.callback(shutil.rmtree, data_dir, True)
        if args.database == "postgres":
            from tests.support.postgres import create_database, throwaway_cluster

            admin = stack.enter_context(throwaway_cluster())
            env["WORKSHOP_DATABASE_URL"] = create_database(admin, "bench")
        elif args.database_url:
            env["WORKSHOP_DATABASE_URL"] = args.database_url
        nginx = getattr(args, "nginx", False) and not args.url
        if nginx:  # the app believes nginx's X-Forwarded-For for its per-address limits
            env["WORKSHOP_TRUSTED_PROXIES"] = "127.0.0.1"
        settings = Settings.from_env({**os.environ, "WORKSHOP_DATA_DIR": str(data_dir), **env})
        if args.url:
            urls = [local_only(u) for u in args.url.split(",")]
            pids = [int(p) for p in (args.pid or "").split(",") if p]
        else:
            urls, pids = [], []
            for _ in range(args.processes):
                url, process, log_path = start_server(data_dir, Path(args.entry), env)
                stack.callback(stop_server_process, process)
                urls.append(url)
                pids.append(process.pid)
                print(f"server {url} pid {process.pid} log {log_path}", flush=True)
            if nginx:
                urls = [start_nginx(stack, [int(u.rsplit(":", 1)[1]) for u in urls])]
        db = make_database(settings.database_url)
        stack.callback(db.dispose)
        yield Target(urls, pids, settings, db, settings.participant_secret())


def code_version() -> str:
    """The commit measured (``-dirty``: with uncommitted changes in the tree)."""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        done = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        )
        return done.stdout.strip()
    return "unknown"

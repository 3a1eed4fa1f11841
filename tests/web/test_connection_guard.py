"""No client can exhaust the server: the real server, raw sockets from one loopback
address (127.0.0.5) while phones from another (127.0.0.1) join, answer and follow."""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.builders import make_session, make_template
from tests.support.server import RunningServer, running_server
from workshop import services
from workshop.storage import make_database
from workshop.web.connection_guard import ConnectionLimits
from workshop.web.participant_cookie import PARTICIPANT_COOKIE, read_cookie

ATTACKER = "127.0.0.5"
PHONE = "127.0.0.1"


def _connect(server: RunningServer, source: str) -> socket.socket:
    sock = socket.create_connection(
        ("127.0.0.1", server.port), timeout=10, source_address=(source, 0)
    )
    return sock


def _request(
    server: RunningServer, method: str, path: str, *, source: str = PHONE, **kwargs: object
) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection(
        "127.0.0.1", server.port, timeout=15, source_address=(source, 0)
    )
    conn.request(method, path, **kwargs)  # type: ignore[arg-type]
    return conn.getresponse()


def _phone_joins_answers_and_follows(server: RunningServer, code: str, prompt_id: int) -> None:
    """What a phone does: open the join page (its first visit sets the cookie and
    redirects; with the cookie back the page is drawn), answer, follow the stream."""
    first = _request(server, "GET", f"/join?code={code}")
    assert first.status == 303
    first.read()
    cookies = [read_cookie(c, PARTICIPANT_COOKIE) for c in first.headers.get_all("Set-Cookie")]
    token = next(c for c in cookies if c)
    headers = {"content-type": "application/json", "cookie": f"{PARTICIPANT_COOKIE}={token}"}
    page = _request(server, "GET", first.headers["location"], headers={"cookie": headers["cookie"]})
    assert page.status == 200
    assert b'id="phone-data"' in page.read()
    body = json.dumps({"code": code, "prompt": prompt_id, "value": "A"})
    answer = _request(server, "POST", "/api/answer", body=body, headers=headers)
    assert answer.status == 200 and json.loads(answer.read())["ok"] is True
    stream = _request(server, "GET", f"/events/{code}", headers={"cookie": headers["cookie"]})
    assert stream.status == 200
    for _ in range(10):  # "retry:", then the first event
        line = stream.fp.readline()
        if line.startswith(b"data: "):
            assert json.loads(line[6:])["view"]["session"]["code"] == code
            break
    else:
        pytest.fail("no event on the stream")
    stream.close()


@contextmanager
def _room(tmp_path: Path, env: dict[str, str]) -> Iterator[tuple[RunningServer, str, int]]:
    with running_server(tmp_path / "data", extra_env=env) as server:
        db = make_database(f"sqlite:///{server.data_dir / 'workshop.db'}")
        try:
            started = make_session(db, make_template())
            view = services.get_live_view(db=db, session_id=started.session.id)
            assert view.prompt is not None
            yield server, started.session.code, view.prompt.id
        finally:
            db.dispose()


def _closed_by_server(sock: socket.socket, deadline: float) -> bool:
    sock.settimeout(max(0.1, deadline - time.monotonic()))
    try:
        return sock.recv(4096) == b""
    except (TimeoutError, ConnectionResetError):
        return False


@pytest.mark.slow
def test_idle_and_slow_loris_sockets_from_one_address_freeze_nobody(tmp_path: Path):
    """The probe's freeze: 2,000 silent sockets and 300 that trickle their headers."""
    with _room(tmp_path, {"WORKSHOP_REQUEST_READ_SECONDS": "4"}) as (server, code, prompt_id):
        held: list[socket.socket] = []
        try:
            for _ in range(2000):
                held.append(_connect(server, ATTACKER))
            loris = []
            for _ in range(300):
                sock = _connect(server, ATTACKER)
                sock.sendall(b"GET /join HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never finished
                loris.append(sock)
            held.extend(loris)
            _phone_joins_answers_and_follows(server, code, prompt_id)
            for sock in loris[:50]:  # a header line more: still not a whole request
                sock.sendall(b"X-Slow: 1\r\n")
            # The server closes what never became a request, on its own.
            deadline = time.monotonic() + 60
            closed = sum(_closed_by_server(sock, deadline) for sock in held)
            assert closed == len(held)
            _phone_joins_answers_and_follows(server, code, prompt_id)
        finally:
            for sock in held:
                sock.close()
        assert "Too many open files" not in server.log()


def test_beyond_the_per_address_cap_a_connection_gets_503_and_retry_after(tmp_path: Path):
    env = {"WORKSHOP_MAX_CONNECTIONS_PER_ADDRESS": "40", "WORKSHOP_REQUEST_READ_SECONDS": "30"}
    with _room(tmp_path, env) as (server, code, prompt_id):
        held = [_connect(server, ATTACKER) for _ in range(40)]
        try:
            extra = _connect(server, ATTACKER)
            extra.settimeout(10)
            reply = extra.recv(4096)
            assert reply.startswith(b"HTTP/1.1 503 ") and b"\r\nRetry-After: " in reply
            assert b"Please try again" in reply
            assert _closed_by_server(extra, time.monotonic() + 10)
            _phone_joins_answers_and_follows(server, code, prompt_id)  # another address
        finally:
            for sock in held:
                sock.close()


def test_event_streams_are_capped_per_address_with_503_and_retry_after(tmp_path: Path):
    with _room(tmp_path, {"WORKSHOP_MAX_STREAMS_PER_ADDRESS": "3"}) as (server, code, prompt_id):
        streams = [_request(server, "GET", f"/events/{code}", source=ATTACKER) for _ in range(3)]
        try:
            assert [s.status for s in streams] == [200, 200, 200]
            refused = _request(server, "GET", f"/events/{code}", source=ATTACKER)
            assert refused.status == 503 and int(refused.headers["Retry-After"]) > 0
            assert "Trying again soon" in refused.read().decode()
            _phone_joins_answers_and_follows(server, code, prompt_id)
        finally:
            for stream in streams:
                stream.close()
        # A stream that ends gives its slot back.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            again = _request(server, "GET", f"/events/{code}", source=ATTACKER)
            if again.status == 200:
                again.close()
                break
            time.sleep(0.5)
        else:
            pytest.fail("the closed streams' slots never came back")


def test_limits_are_sized_from_the_open_file_limit():
    limits = ConnectionLimits.sized_from(1024)
    assert limits.max_total < 1024 and limits.max_per_address < limits.max_total
    assert ConnectionLimits.sized_from(1024, max_per_address=10).max_per_address == 10
    assert ConnectionLimits.sized_from(100_000).max_per_address > 2_300


def test_a_stopping_server_does_not_wait_for_open_event_streams(tmp_path: Path):
    """Phones hold streams for up to a minute; a restart must not wait for them."""
    import signal
    import subprocess

    from workshop.web.connection_guard import SHUTDOWN_GRACE_SECONDS

    with running_server(tmp_path / "data") as server:
        db = make_database(f"sqlite:///{server.data_dir / 'workshop.db'}")
        code = make_session(db, make_template()).session.code
        db.dispose()
        streams = [_request(server, "GET", f"/events/{code}") for _ in range(3)]
        assert all(s.status == 200 for s in streams)
        for s in streams:
            assert s.fp.readline()  # the stream is open and talking
        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=SHUTDOWN_GRACE_SECONDS + 12)
        except subprocess.TimeoutExpired:
            pytest.fail("the server waited for its open event streams")
        print(f"stopped {time.monotonic() - started:.1f} s after SIGTERM with 3 open streams")


def test_connections_send_without_nagle_delay_even_on_a_proto_0_listener():
    """Streamlit's listening socket has ``proto`` 0, so asyncio leaves Nagle on and a
    response's body (written after its headers) waited ~40 ms for the client's ACK."""
    from workshop.web.connection_guard import _send_without_delay

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # proto 0, as Streamlit's
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    client = socket.create_connection(listener.getsockname())
    accepted, _ = listener.accept()
    try:
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0

        class Transport:
            def get_extra_info(self, name: str) -> socket.socket | None:
                return accepted if name == "socket" else None

        _send_without_delay(Transport())  # type: ignore[arg-type]
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        for sock in (client, accepted, listener):
            sock.close()

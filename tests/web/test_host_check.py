"""A request naming a host this server is not (DNS rebinding) is refused, on the real
server and in-process; loopback, this machine's addresses and the public URL's host pass."""

from __future__ import annotations

import http.client
from pathlib import Path

import pytest

from tests.support.server import running_server
from workshop.web.host_check import host_of, is_loopback


def test_host_of_strips_the_port_and_case():
    assert host_of("Example.ORG:8501") == "example.org"
    assert host_of("[::1]:8501") == "::1"
    assert host_of("192.168.1.20") == "192.168.1.20"
    assert is_loopback("127.0.0.5") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("evil.example") and not is_loopback("10.0.0.1")


def get(port: int, path: str, host: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": host})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.mark.slow
def test_the_real_server_answers_only_to_its_own_names(tmp_path: Path):
    env = {"WORKSHOP_PUBLIC_URL": "https://workshop.example.org"}
    with running_server(tmp_path / "data", extra_env=env) as server:
        port = server.port
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", "workshop.example.org"):
            status, _ = get(port, "/_stcore/health", host)
            assert status == 200, host
        for host in ("attacker.example", f"rebind.attacker.example:{port}", ""):
            for path in ("/", "/join?code=ABC-DEF", "/_stcore/health", "/api/view/ABCDEF"):
                status, body = get(port, path, host)
                assert status == 400, (host, path)
                assert b"does not answer to that address" in body


@pytest.mark.slow
def test_allowed_hosts_adds_names_and_star_turns_the_check_off(tmp_path: Path):
    env = {"WORKSHOP_ALLOWED_HOSTS": "quiz.local, other.example"}
    with running_server(tmp_path / "a", extra_env=env) as server:
        assert get(server.port, "/_stcore/health", "quiz.local")[0] == 200
        assert get(server.port, "/_stcore/health", "nope.example")[0] == 400
    with running_server(tmp_path / "b", extra_env={"WORKSHOP_ALLOWED_HOSTS": "*"}) as server:
        assert get(server.port, "/_stcore/health", "anything.example")[0] == 200

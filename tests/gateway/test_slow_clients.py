"""Slow, stalled or lying clients cannot hold the gateway's sockets (M5)."""

from __future__ import annotations

import socket
import time
import urllib.request

import pytest
from gateway_kit import gateway, upstream
from gateway_ops_kit import write_prd
from serve_env_kit import GatewayProcess, open_file_limit

from gonogo.testing import FakeOpenAIServer


def _connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    s = socket.create_connection((host, int(port)), timeout=10)
    return s


def _read_all(s: socket.socket, timeout: float) -> bytes:
    s.settimeout(timeout)
    out = b""
    try:
        while chunk := s.recv(65536):
            out += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    return out


def test_half_sent_requests_get_408_and_are_closed(tmp_path):
    with upstream() as (srv, _), gateway(tmp_path, srv.base_url, read_timeout_s=0.5) as g:
        socks = [_connect(g.url) for _ in range(50)]
        for s in socks:
            s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthor")  # and stall
        idle = _connect(g.url)  # sends nothing at all
        t0 = time.monotonic()
        answers = [_read_all(s, 5) for s in [*socks, idle]]
        elapsed = time.monotonic() - t0
        for s in [*socks, idle]:
            s.close()
        with urllib.request.urlopen(g.url + "/healthz", timeout=5) as r:
            assert r.status == 200
    assert all(a.startswith(b"HTTP/1.1 408 ") and b'"request_timeout"' in a for a in answers)
    assert elapsed < 5  # closed by the gateway, not by our own read timeout


def test_a_stalled_body_is_cut_off(tmp_path):
    with upstream() as (srv, _), gateway(tmp_path, srv.base_url, read_timeout_s=0.5) as g:
        s = _connect(g.url)
        s.sendall(
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
            + g.app_key.encode()
            + b'\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"mod'
        )
        t0 = time.monotonic()
        answer = _read_all(s, 5)
        elapsed = time.monotonic() - t0
        s.close()
    assert answer == b"" and elapsed < 5  # the connection was closed under it


def test_an_announced_body_past_the_limit_is_413_at_once(tmp_path):
    with upstream() as (srv, _), gateway(tmp_path, srv.base_url, read_timeout_s=30) as g:
        for path in ("/v1/chat/completions", "/v1/prompts/answer/completions",
                     "/v1/admin/prompts/answer/versions"):  # fmt: skip
            s = _connect(g.url)
            s.sendall(
                f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Content-Length: 100000000\r\n\r\n".encode()
            )  # and no body at all
            answer = _read_all(s, 10)
            s.close()
            assert answer.startswith(b"HTTP/1.1 413 "), (path, answer[:200])
            assert b'"request_too_large"' in answer


@pytest.mark.slow
def test_a_thousand_idle_sockets_do_not_starve_healthz(tmp_path):
    # the server starts with a soft limit of 256 open files: the gateway lifts it to the hard
    # limit; and sockets that never send a request are closed after --read-timeout
    with FakeOpenAIServer() as up:
        prd = write_prd(tmp_path, up.base_url)
        url = f"sqlite:///{tmp_path / 'gateway.db'}"
        gw = GatewayProcess(prd, url, extra=["--read-timeout", "2"])
        with open_file_limit(256):
            gw.start()
        socks = []
        try:
            socks += [_connect(gw.url) for _ in range(1000)]
            for _ in range(3):
                with urllib.request.urlopen(gw.url + "/healthz", timeout=5) as r:
                    assert r.status == 200
            time.sleep(3)
            closed = sum(1 for s in socks if _read_all(s, 0.5).startswith(b"HTTP/1.1 408"))
            log = gw.output()
        finally:
            for s in socks:
                s.close()
            gw.stop()
    assert closed == len(socks)
    assert "Traceback" not in log and "Too many open files" not in log, log

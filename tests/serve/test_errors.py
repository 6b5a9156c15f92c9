"""What a hostile or broken request gets: a NUL in a path is a 404, a malformed request a 400, a slow client is cut
off after the header deadline, a bug a 500 — each with the security headers and one log line, never a traceback
for what a client sent."""

from __future__ import annotations

import logging
import socket

import pytest

from compliance.serve import app as app_module
from tests.serve.test_api import branch_ledger

SECURITY = {"content-security-policy", "x-content-type-options", "referrer-policy", "x-frame-options",
            "cross-origin-opener-policy", "cache-control"}


@pytest.fixture
def logged(caplog):
    """Every record of the app and of uvicorn (whose loggers do not propagate to the root)."""
    uvicorn_logger = logging.getLogger("uvicorn")
    uvicorn_logger.addHandler(caplog.handler)
    caplog.set_level(logging.WARNING)
    try:
        yield caplog
    finally:
        uvicorn_logger.removeHandler(caplog.handler)


def raw(server, request: bytes) -> bytes:
    """What the server answers to ``request`` sent as bytes, up to its closing the connection."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def header_names(answer: bytes) -> set[str]:
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")[1:]
    return {line.split(":", 1)[0].lower() for line in head}


def test_a_nul_in_a_path_is_a_404_with_one_line_in_the_log(plain, logged):
    with plain.client() as client:
        where = client.post("/check", files=[("ledgers", branch_ledger(2))],
                            data={"as_of": "2024-12-31"}).headers["location"]
        logged.clear()
        answer = raw(plain, f"GET {where}index.html%00 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                     .encode())
    assert answer.startswith(b"HTTP/1.1 404 ")
    assert header_names(answer) >= SECURITY
    assert [(r.levelname, r.getMessage()) for r in logged.records] == [
        ("WARNING", f"404 GET {where}index.html\\x00 from 127.0.0.1")]
    assert [r for r in logged.records if r.exc_info] == []


@pytest.mark.parametrize("body", [
    b"zz\r\nhello\r\n0\r\n\r\n",  # a chunk size that is no number
    b"5\r\n--b\r\n\r\nzz\r\n",  # a good chunk, then a broken one
])
def test_a_malformed_chunked_upload_is_a_400_with_one_line_in_the_log(plain, logged, body):
    answer = raw(plain, b"POST /api/check HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                        b"Content-Type: multipart/form-data; boundary=b\r\n\r\n" + body)
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert header_names(answer) >= SECURITY
    assert [(r.levelname, r.getMessage()) for r in logged.records] == [("WARNING", "Invalid HTTP request received.")]


def test_a_bug_is_a_500_with_the_headers_and_its_traceback_once(plain, logged, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(app_module, "job_for", broken)
    with plain.client() as client:
        api = client.post("/api/check", files=[("ledgers", branch_ledger(2))])
        form = client.post("/check", files=[("ledgers", branch_ledger(2))])
    assert (api.status_code, api.json()) == (500, {
        "error": "处理请求时发生内部错误（已记录在服务器日志中）。请稍后重试。", "exit_code": 2})
    assert form.status_code == 500 and "服务器内部错误" in form.text
    for response in (api, form):
        assert set(response.headers) >= SECURITY
    assert [(r.levelname, r.getMessage(), r.exc_info[1].args) for r in logged.records] == [
        ("ERROR", "internal error on POST /api/check", ("a bug",)),
        ("ERROR", "internal error on POST /check", ("a bug",))]


@pytest.mark.parametrize("sent", [b"", b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"])  # nothing; headers never ended
def test_a_client_slow_with_its_headers_is_disconnected(plain, logged, sent):
    assert raw(plain, sent) == b""  # closed by the server after its deadline (2 s for this one), no answer
    assert [(r.levelname, r.getMessage()) for r in logged.records] == [
        ("WARNING", "headers not complete within 2 s from 127.0.0.1: disconnected")]

"""What keeps members' names private: the token, runs deleted after their time, the queue, the policy headers,
and ``compliance serve`` refusing to listen beyond this computer without a token."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import time

from click.testing import CliRunner

from compliance.cli import main
from compliance.serve.app import Options, policy_for
from compliance.serve.worker import Settings
from compliance.serve.workspace import Runs
from tests.serve.conftest import TOKEN, running
from tests.serve.test_api import branch_ledger

BEARER = {"Authorization": f"Bearer {TOKEN}"}


def test_listening_beyond_loopback_needs_a_token():
    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0"], env={"COMPLIANCE_TOKEN": ""})
    assert result.exit_code == 2
    assert result.stderr == (
        "错误：--host 0.0.0.0 会让其他电脑也能访问，而台账中有党员姓名：请同时给出 --token（或环境变量 "
        "COMPLIANCE_TOKEN），每个请求都必须带上它。只在本机使用时请去掉 --host。\n")


def test_a_token_must_fit_a_header():
    for token in ("党支部自查令牌党支部自查令牌党支部", "short+token="):
        result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--token", token])
        assert result.exit_code == 2
        assert "令牌应为至少 16 个英文字母、数字或 ._~+/=- 符号（它要放进请求头）" in result.stderr


def test_a_taken_port_is_said_in_chinese():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--port", str(port)])
    assert result.exit_code == 2
    assert result.stderr == f"错误：列“--port”：无法在 127.0.0.1:{port} 上监听：已被其他程序占用，请换一个 --port\n"


def test_a_broken_roster_stops_the_start(tmp_path):
    (tmp_path / "名册.xlsx").write_bytes(b"not a workbook")
    result = CliRunner().invoke(main, ["serve", "--roster", str(tmp_path / "名册.xlsx")])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"错误：文件 {tmp_path / '名册.xlsx'}：")


def test_every_request_carries_the_token(guarded):
    name, data = branch_ledger(3)
    with guarded.client() as client:
        assert client.get("/healthz").status_code == 200  # a probe for monitors: says nothing
        page = client.get("/")
        assert page.status_code == 401 and "请输入管理员给您的访问令牌" in page.text
        api = client.post("/api/check", files=[("ledgers", (name, data))])
        assert api.status_code == 401
        assert api.json() == {"error": "需要令牌：请在请求头中加上 Authorization: Bearer <令牌>"}
        wrong = client.post("/api/check", files=[("ledgers", (name, data))], headers={"Authorization": "Bearer x"})
        assert wrong.status_code == 401
        assert client.get("/runs/anything/").status_code == 401
        right = client.post("/api/check", files=[("ledgers", (name, data))], headers=BEARER)
        assert right.status_code == 200 and right.json()["inputs"][0]["source"] == name
        other = client.post("/api/check", files=[("ledgers", (name, data))], headers={"X-Compliance-Token": TOKEN})
        assert other.status_code == 200
        either = client.post("/api/check", files=[("ledgers", (name, data))],
                             headers={"X-Compliance-Token": "stale", **BEARER})
        assert either.status_code == 200  # one credential that is right is enough


def test_the_login_form_sets_a_random_expiring_cookie_that_logging_out_ends(guarded):
    cookies = []
    for _ in range(2):
        with guarded.client() as client:
            refused = client.post("/login", data={"token": "guess"})
            assert refused.status_code == 401 and "令牌不正确" in refused.text
            accepted = client.post("/login", data={"token": TOKEN})
            assert accepted.status_code == 303 and accepted.headers["location"] == "/"
            cookie = accepted.headers["set-cookie"]
            assert re.fullmatch(r"compliance_session=[A-Za-z0-9_-]{43}; HttpOnly; Max-Age=43200; Path=/; "
                                r"SameSite=strict", cookie)  # random: nothing of the token; not Secure over http
            cookies.append(cookie.split(";")[0].split("=")[1])
            home = client.get("/")  # the client keeps the cookie
            assert home.status_code == 200 and '<form method="post" action="/logout">' in home.text
            out = client.post("/logout")
            assert out.status_code == 303 and out.headers["location"] == "/login"
            assert re.match(r'compliance_session=""; expires=.*; Max-Age=0;', out.headers["set-cookie"])
        with guarded.client(cookies={"compliance_session": cookies[-1]}) as client:
            assert client.get("/").status_code == 401  # ended at the server, whatever the browser keeps
    assert cookies[0] != cookies[1]
    with guarded.client(cookies={"compliance_session": TOKEN}) as client:
        assert client.get("/").status_code == 401  # the token itself is no cookie
    with guarded.client() as client:
        proxied = client.post("/login", data={"token": TOKEN}, headers={"X-Forwarded-Proto": "https"})
        assert proxied.headers["set-cookie"].endswith("; Secure")
        session = proxied.headers["set-cookie"].split(";")[0].split("=")[1]
    guarded.service.sessions.ends[session] -= 12 * 3600  # twelve hours later
    with guarded.client(cookies={"compliance_session": session}) as client:
        assert client.get("/").status_code == 401


def test_guessing_the_token_is_slowed_down(guarded):
    throttle = guarded.service.throttle
    try:
        with guarded.client() as client:
            wrong = [client.post("/login", data={"token": f"guess{n}"}).status_code for n in range(5)]
            assert wrong == [401] * 5
            locked = client.post("/login", data={"token": TOKEN})  # even the right one, for a minute
            assert (locked.status_code, locked.headers["retry-after"]) == (429, "60")
            assert "令牌错误次数过多，请 60 秒后再试" in locked.text
            api = client.post("/api/check", files=[("ledgers", branch_ledger(1))], headers=BEARER)
            assert (api.status_code, api.json()) == (429, {"error": "令牌错误次数过多，请 60 秒后再试"})
            assert client.get("/healthz").status_code == 200
            throttle.records["127.0.0.1"].until -= 60  # a minute later
            again = client.post("/api/check", files=[("ledgers", branch_ledger(1))],
                                headers={"Authorization": "Bearer guess6"})
            assert again.status_code == 401 and throttle.wait("127.0.0.1") == 120  # each wrong one doubles it
            throttle.records["127.0.0.1"].until -= 120
            right = client.post("/api/check", files=[("ledgers", branch_ledger(1))], headers=BEARER)
            assert right.status_code == 200 and "127.0.0.1" not in throttle.records  # a right one clears the count
    finally:
        throttle.records.clear()


def test_a_run_is_gone_after_its_time(guarded):
    name, data = branch_ledger(5)
    with guarded.client(headers=BEARER) as client:
        posted = client.post("/check", files=[("ledgers", (name, data))], data={"as_of": "2024-12-31"})
        assert posted.status_code == 303
        where = posted.headers["location"]
        run = guarded.service.runs.get(where.split("/")[2])
        deadline = time.monotonic() + 30
        while run.state != "done" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client.get(where).status_code == 200 and run.folder.exists()
        time.sleep(1.8)  # kept one second after the check, swept every quarter second
        gone = client.get(where)
        assert gone.status_code == 404 and "这次检查不存在或已过期删除" in gone.text
        assert not run.folder.exists()
        assert client.get(where + "findings.xlsx").status_code == 404


def test_checks_beyond_the_pool_wait_with_a_queue_page(guarded):
    service = guarded.service
    asyncio.run_coroutine_threadsafe(service.slots.acquire(), service.loop).result(5)  # the only worker is busy
    try:
        with guarded.client(headers=BEARER) as client:
            first = client.post("/check", files=[("ledgers", branch_ledger(1))], data={"as_of": "2024-12-31"})
            second = client.post("/check", files=[("ledgers", branch_ledger(2))], data={"as_of": "2024-12-31"})
            assert (first.status_code, second.status_code) == (303, 303)
            waiting = [client.get(r.headers["location"]) for r in (first, second)]
            assert [w.status_code for w in waiting] == [200, 200]
            assert "马上轮到这次检查" in waiting[0].text and "前面还有 1 个检查" in waiting[1].text
            assert '<meta http-equiv="refresh" content="1">' in waiting[1].text
            assert client.get("/healthz").status_code == 200  # the page answers while checks wait
    finally:
        service.loop.call_soon_threadsafe(service.slots.release)
    runs = [service.runs.get(r.headers["location"].split("/")[2]) for r in (first, second)]
    deadline = time.monotonic() + 30
    while any(run.state != "done" for run in runs) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [run.outcome.exit_code for run in runs] == [1, 1]


def test_a_slow_upload_holds_up_no_one(plain):
    host, port = plain.url.removeprefix("http://").split(":")
    body = (b"--b\r\nContent-Disposition: form-data; name=\"ledgers\"; filename=\"slow.csv\"\r\n\r\n"
            + "组织,日期,类型\n".encode())
    with socket.create_connection((host, int(port))) as slow:
        slow.sendall(b"POST /api/check HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n" + body)
        with plain.client() as client:  # the slow upload is half sent; others are answered meanwhile
            assert client.get("/").status_code == 200
            name, data = branch_ledger(4)
            other = client.post("/api/check", files=[("ledgers", (name, data))], data={"as_of": "2024-12-31"})
            assert other.status_code == 200 and other.json()["inputs"][0]["source"] == name
            assert [r.state for r in plain.service.runs.runs.values()].count("receiving") == 1
    deadline = time.monotonic() + 10  # the client went away: its half upload is deleted
    while any(r.state == "receiving" for r in plain.service.runs.runs.values()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [r.state for r in plain.service.runs.runs.values()].count("receiving") == 0


def test_everything_is_deleted_at_shutdown(tmp_path):
    with running(Options(Settings(), workers=1, parent=str(tmp_path))) as server, server.client() as client:
        posted = client.post("/check", files=[("ledgers", branch_ledger(7))], data={"as_of": "2024-12-31"})
        assert client.get(posted.headers["location"]).status_code == 200
        root = server.service.runs.root
        workers = list(server.service.pool._processes.values())
        assert len(list(root.iterdir())) == 1 and [w.is_alive() for w in workers] == [True]
    assert list(tmp_path.iterdir()) == []  # the run, and the private root folder with it
    assert [w.is_alive() for w in workers] == [False]


def test_the_policy_names_only_the_templates_own_inline_code(plain, monkeypatch):
    """An inline script or style block on a page runs only if a template wrote it: one that escaped escaping (here
    added to every page the server renders) gets no hash, so the browser refuses it."""
    import re

    from compliance.serve.app import Service

    own_script = re.search(r"<script>(.*?)</script>", Service.render(plain.service, "upload.html.j2", fields={},
                                                                      message=""), re.S)[1]
    own_style = re.search(r"<style>(.*?)</style>", Service.render(plain.service, "upload.html.j2", fields={},
                                                                   message=""), re.S)[1]
    original = Service.render
    monkeypatch.setattr(Service, "render", lambda self, name, **values: original(self, name, **values).replace(
        "</body>", "<script>steal()</script><style>body{}</style></body>"))
    with plain.client() as client:
        home = client.get("/")
    assert "<script>steal()</script>" in home.text
    assert home.headers["content-security-policy"] == (
        "default-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
        f"script-src 'sha256-{_b64(own_script)}'; style-src 'sha256-{_b64(own_style)}'; img-src data:")
    assert policy_for("<p>plain</p>").split("; ")[4:6] == ["script-src 'none'", "style-src 'none'"]
    assert policy_for('<p style="padding-left: 1.7em">x</p>').split("; ")[5] == (
        "style-src 'unsafe-hashes' 'sha256-" + _b64("padding-left: 1.7em") + "'")


def _b64(text: str) -> str:
    import base64
    import hashlib

    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def test_headers_on_every_response(plain):
    with plain.client() as client:
        home = client.get("/")
        json_file = client.get("/healthz")
        foreign = client.get("/", headers={"Host": "evil.example:80"})
        posted_elsewhere = client.post("/check", headers={"Origin": "http://evil.example"}, files=[
            ("ledgers", branch_ledger(1))])
    assert re.fullmatch(r"default-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
                        r"script-src 'sha256-[A-Za-z0-9+/=]+'; style-src 'sha256-[A-Za-z0-9+/=]+'; img-src data:",
                        home.headers["content-security-policy"])
    for response in (home, json_file):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["referrer-policy"] == "same-origin"
    assert json_file.headers["content-security-policy"].endswith("; sandbox")
    assert foreign.status_code == 400  # a rebound name: not answered on loopback
    assert posted_elsewhere.status_code == 403


def test_a_sandboxed_frame_cannot_post_and_a_proxy_can(plain):
    with plain.client() as client:
        sandboxed = client.post("/check", headers={"Origin": "null"}, files=[("ledgers", branch_ledger(1))])
        proxied = client.post("/api/check", files=[("ledgers", branch_ledger(1))], data={"as_of": "2024-12-31"},
                              headers={"Origin": "https://dangjian.example.gov.cn",
                                       "X-Forwarded-Host": "dangjian.example.gov.cn"})
    assert sandboxed.status_code == 403
    assert proxied.status_code == 200


def test_a_worker_killed_costs_no_one_their_check(plain):
    pool = plain.service.pool
    victim = next(iter(pool._processes.values()))
    victim.kill()
    victim.join(10)
    with plain.client() as client:
        response = client.post("/api/check", files=[("ledgers", branch_ledger(6))], data={"as_of": "2024-12-31"})
    assert response.status_code == 200, response.text
    assert response.json()["inputs"][0]["source"] == "支部7.csv"
    assert plain.service.pool is not pool  # a new pool took over


def test_what_a_killed_server_left_is_swept_at_the_next_start(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left = tmp_path / f"compliance-serve-{dead.stdout.strip()}-abc123"
    (left / "run" / "台账").mkdir(parents=True)
    (left / "run" / "台账" / "名单.csv").write_text("党员姓名\n", encoding="utf-8")
    alive = tmp_path / f"compliance-serve-{os.getpid()}-def456"
    alive.mkdir()
    runs = Runs(60, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, runs.root.name])
    runs.close()

"""What one upload and all the kept runs may occupy on disk, and how many files an upload may hold: a zip bomb is
refused while it unpacks and leaves nothing behind, the kept runs stay within ``--limit disk`` by deleting the
oldest that no one is looking at, and naming a thousand files of the same name costs a thousand look-ups."""

from __future__ import annotations

import io
import threading
import time
import zipfile
from pathlib import Path

import pytest

from compliance.serve import upload
from compliance.serve.workspace import Names
from tests.serve.test_api import branch_ledger


def zeros_zip(entries: int, size: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        for n in range(entries):
            book.writestr(f"区县/{n}.csv", b"0" * size)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_within_the_runs_budget_and_leaves_only_its_message(bounded):
    bomb = zeros_zip(3, 100 << 10)  # 300 KB of zeros in 1 KB: each entry well under --limit size
    message = "文件 区县.zip：压缩包解压后，这次检查占用的空间超过 0.25 MB（--limit run）"
    with bounded.client() as client:
        posted = client.post("/check", files=[("ledgers", ("区县.zip", bomb))], data={"as_of": "2024-12-31"})
        api = client.post("/api/check", files=[("ledgers", ("区县.zip", bomb))], data={"as_of": "2024-12-31"})
        assert posted.status_code == 303
        run = bounded.service.runs.get(posted.headers["location"].split("/")[2])
        assert run.state == "done" and run.outcome.error == message
        assert not run.folder.exists() and run.size == 0  # deleted at once; the message is kept
        shown = client.get(posted.headers["location"])
        assert shown.status_code == 422 and f"错误：{message}" in shown.text
    assert (api.status_code, api.json()) == (422, {"error": message, "exit_code": 2})


def test_an_upload_beyond_the_runs_budget_is_refused_as_it_arrives(bounded):
    with bounded.client() as client:
        response = client.post("/api/check", files=[("ledgers", ("大.csv", b"0" * (300 << 10)))])
    assert response.status_code == 413
    assert response.json() == {"error": "上传的内容超过一次检查可占用的空间 0.25 MB（启动时的 --limit run）",
                                "exit_code": 2}
    assert [r for r in bounded.service.runs.runs.values() if r.state == "receiving"] == []


def test_kept_runs_stay_within_the_disk_limit_but_one_being_viewed_stays(bounded):
    service = bounded.service
    with bounded.client() as client:
        first = client.post("/check", files=[("ledgers", branch_ledger(1))], data={"as_of": "2024-12-31"})
        a = service.runs.get(first.headers["location"].split("/")[2])
        _complete(a)  # its organisation pages, workbook and zip written after its index, and counted
        assert a.state == "done" and a.size > service.options.settings.serve.disk_bytes  # one run fills the disk
        assert client.get(first.headers["location"]).status_code == 200
        full = client.post("/check", files=[("ledgers", branch_ledger(2))], data={"as_of": "2024-12-31"})
        assert full.status_code == 503 and full.headers["retry-after"] == "60"
        assert "服务器上保存的检查结果已占满空间上限（--limit disk），请一两分钟后再试。" in full.text
        api = client.post("/api/check", files=[("ledgers", branch_ledger(2))], data={"as_of": "2024-12-31"})
        assert api.status_code == 503 and api.json()["exit_code"] == 2
        assert a.folder.exists()  # viewed a moment ago: kept
        a.finished -= 61  # a minute later, no one has looked at it since
        a.viewed -= 61
        second = client.post("/check", files=[("ledgers", branch_ledger(2))], data={"as_of": "2024-12-31"})
        assert second.status_code == 303
        assert not a.folder.exists() and service.runs.get(a.id) is None  # the oldest went to make room
        assert client.get(first.headers["location"]).status_code == 404
        b = service.runs.get(second.headers["location"].split("/")[2])
        _complete(b)
        assert client.get(second.headers["location"]).status_code == 200
        assert sorted(p.name for p in b.folder.iterdir()) == ["out"]  # the upload is gone, the reports stay
        assert b.size == sum(p.stat().st_size for p in b.folder.rglob("*") if p.is_file())
    b.finished -= 61
    b.viewed -= 61
    assert service.room() and service.runs.kept() == 0


def test_too_many_files_in_one_upload(bounded):
    many = [("ledgers", (f"{n}.csv", b"x\n")) for n in range(41)]
    with bounded.client() as client:
        parts = client.post("/api/check", files=many)
        zipped = client.post("/api/check", files=[("ledgers", ("多.zip", zeros_zip(40, 1)))])
    assert parts.json()["error"] == "一次上传的文件（含压缩包中的文件）超过 40 个（--limit files）"
    assert zipped.json()["error"] == "文件 多.zip：一次上传的文件（含压缩包中的文件）超过 40 个（--limit files）"


def test_a_thousand_files_of_one_name_cost_a_look_up_or_two_each(tmp_path, monkeypatch):
    looked = []
    original = Path.exists
    monkeypatch.setattr(Path, "exists", lambda self: looked.append(self) or original(self))
    names = Names()
    for _ in range(1000):
        names.unique(tmp_path, ["a.csv"]).write_bytes(b"")
    assert len(looked) == 1 + 2 * 999
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["a.csv", *(f"a-{n}.csv" for n in range(2, 1001))])
    assert names.unique(tmp_path, ["a-2.csv"]).name == "a-2-2.csv"  # a name a counter gave is taken too


def test_duplicate_names_are_numbered_in_an_upload_and_in_a_zip(plain):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book, pytest.warns(UserWarning, match="Duplicate name"):
        for n in range(3):
            book.writestr("a.csv", f"组织,日期,类型\n第{n}党支部,2024-03-05,主题党日\n")
    files = [("ledgers", ("a.csv", f"组织,日期,类型\n第{n}党支部,2024-03-05,主题党日\n".encode())) for n in range(3)]
    with plain.client() as client:
        response = client.post("/api/check", files=[*files, ("ledgers", ("a.zip", buffer.getvalue()))],
                               data={"as_of": "2024-12-31"})
    assert sorted(s["source"] for s in response.json()["inputs"]) == [
        "a-2.csv", "a-3.csv", "a-4.csv", "a-5.csv", "a-6.csv", "a.csv"]


def test_an_upload_being_written_holds_up_no_one(plain, monkeypatch):
    """The parts are named and written off the event loop: while one is held up, /healthz is answered."""
    holding, answered = threading.Event(), threading.Event()
    original = upload._Parts.on_headers_finished

    def held(self):
        holding.set()
        assert answered.wait(30)
        original(self)

    monkeypatch.setattr(upload._Parts, "on_headers_finished", held)
    with plain.client() as client:
        def post():
            return client.post("/api/check", files=[("ledgers", branch_ledger(3))], data={"as_of": "2024-12-31"})

        result = {}
        thread = threading.Thread(target=lambda: result.setdefault("response", post()))
        thread.start()
        assert holding.wait(30)
        with plain.client(timeout=5) as other:
            assert other.get("/healthz").text == "ok\n"
        answered.set()
        thread.join(60)
    assert result["response"].status_code == 200


def _complete(run, seconds: float = 60) -> None:
    """Wait (the server runs in another thread) until the run's reports are all written and counted."""
    deadline = time.monotonic() + seconds
    while not run.complete:
        assert time.monotonic() < deadline, "the run's pages were not written"
        time.sleep(0.05)

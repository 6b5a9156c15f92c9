"""The HTTP API as a script or an upload portal uses it: the same findings.json as the command line, the same
Chinese refusals, runs kept apart, hostile names contained, runs gone after their time, a token when asked."""

from __future__ import annotations

import io
import os
import shutil
import stat
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli import main
from compliance.config.limits import Limits
from compliance.errors import InputError
from compliance.serve.worker import _unpack_folder
from compliance.serve.workspace import Budget, unpack
from tests.helpers import AUGUST_WAIVER, without_pointer

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "fixtures" / "demo"


def demo_files(roster: bool = True) -> list[tuple[str, tuple[str, bytes]]]:
    files = [("ledgers", (p.name, p.read_bytes())) for p in sorted((DEMO / "ledgers").iterdir())]
    if roster:
        files += [("roster", (p.name, p.read_bytes())) for p in sorted((DEMO / "roster").iterdir())]
    return files


def command_line(tmp_path: Path, monkeypatch, ledgers: list[Path], *args: str) -> tuple[int, str, bytes | None]:
    """``compliance check 台账 …`` in a folder laid out as the server lays out a run: its exit code, its error
    output and the findings.json it wrote."""
    here = tmp_path / "cli"
    (here / "台账").mkdir(parents=True, exist_ok=False)
    for path in ledgers:
        shutil.copy(path, here / "台账" / path.name)
    shutil.copytree(DEMO / "roster", here / "名册")
    monkeypatch.chdir(here)
    result = CliRunner().invoke(main, ["check", "台账", "--format", "json", "--out", "out", "-q", *args])
    written = here / "out" / "findings.json"
    return result.exit_code, result.stderr, written.read_bytes() if written.exists() else None


@pytest.mark.parametrize("as_of", ["2024-11-15", "2024-12-31"])
def test_findings_equal_the_command_lines(plain, tmp_path, monkeypatch, as_of):
    with plain.client() as client:
        response = client.post("/api/check", files=demo_files(), data={"as_of": as_of})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    code, _, expected = command_line(tmp_path, monkeypatch, sorted((DEMO / "ledgers").iterdir()),
                                     "--roster", "名册", "--as-of", as_of)
    assert response.content == expected
    assert response.headers["x-compliance-exit"] == str(code) == "1"
    document = response.json()
    assert document["as_of"] == as_of
    assert document["summary"]["rejected"] == 2 and document["summary"]["violation"] > 0


def test_a_platforms_exports_are_read_as_the_command_line_reads_them(plain, tmp_path, monkeypatch):
    """Exports as the platforms write them (三会一课台账导出_…: 所在党支部, 实际会议时间, codes beside names), no
    layout file: the page understands their headers exactly as the command line does."""
    exports = sorted((REPO / "fixtures" / "layouts" / "01-platform-codes").iterdir())
    with plain.client() as client:
        response = client.post("/api/check", data={"as_of": "2024-12-31"},
                               files=[("ledgers", (p.name, p.read_bytes())) for p in exports]
                               + [("roster", (p.name, p.read_bytes())) for p in sorted((DEMO / "roster").iterdir())])
    code, _, expected = command_line(tmp_path, monkeypatch, exports, "--roster", "名册", "--as-of", "2024-12-31")
    assert response.status_code == 200 and response.content == expected
    assert response.headers["x-compliance-exit"] == str(code)
    assert sum(i["accepted"] for i in response.json()["inputs"]) == 183  # every one of the demo's good rows


def test_fail_on_and_period_are_the_command_lines(plain, tmp_path, monkeypatch):
    with plain.client() as client:
        response = client.post("/api/check", files=demo_files(),
                               data={"as_of": "2024-12-31", "period": "2024-01..2024-06", "fail_on": "none"})
    code, _, expected = command_line(tmp_path, monkeypatch, sorted((DEMO / "ledgers").iterdir()), "--roster",
                                     "名册", "--as-of", "2024-12-31", "--period", "2024-01..2024-06",
                                     "--fail-on", "none")
    assert (response.status_code, response.headers["x-compliance-exit"]) == (200, "0") and code == 0
    assert response.content == expected
    assert response.json()["period"]["label"] == "2024-01..2024-06"


def test_waivers_are_the_command_lines(plain, tmp_path, monkeypatch):
    with plain.client() as client:
        response = client.post("/api/check", files=[*demo_files(), ("waivers", ("waivers.yaml", AUGUST_WAIVER.encode()))],
                               data={"as_of": "2024-12-31"})
    (tmp_path / "cli" / "其他").mkdir(parents=True)
    (tmp_path / "cli" / "其他" / "waivers.yaml").write_text(AUGUST_WAIVER, encoding="utf-8")
    code, _, expected = command_line(tmp_path, monkeypatch, sorted((DEMO / "ledgers").iterdir()), "--roster", "名册",
                                     "--as-of", "2024-12-31", "--waivers", "其他/waivers.yaml")
    assert response.content == expected and response.headers["x-compliance-exit"] == str(code)
    assert response.json()["summary"]["waived"] == 1  # 第一中学第二党支部 missed August


def test_a_broken_workbook_is_refused_with_the_command_lines_message(plain, tmp_path, monkeypatch):
    broken = tmp_path / "第一中学台账.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 200)  # a zip header, then nothing: a truncated download
    with plain.client() as client:
        response = client.post("/api/check", files=[("ledgers", (broken.name, broken.read_bytes()))])
    code, stderr, _ = command_line(tmp_path, monkeypatch, [broken])
    assert code == 2
    assert response.status_code == 422
    assert response.headers["x-compliance-exit"] == "2"
    assert response.json() == {"error": without_pointer(stderr).strip().removeprefix("错误："), "exit_code": 2}
    assert response.json()["error"].startswith("文件 第一中学台账.xlsx：")


@pytest.mark.parametrize(("data", "message"), [
    ({"as_of": "2024-13-01"}, "检查日（as_of）：“2024-13-01”不是有效日期，应写作 YYYY-MM-DD（如 2024-12-31）"),
    ({"period": "2024-13"}, "检查期间（period）：期间“2024-13”中的月份 13 不存在"),
    ({"fail_on": "all"}, "fail_on：“all”不是可选值，可选：error、warning、none"),
])
def test_bad_fields_are_refused_before_checking(plain, data, message):
    with plain.client() as client:
        response = client.post("/api/check", files=demo_files(roster=False), data=data)
    assert (response.status_code, response.json()) == (422, {"error": message, "exit_code": 2})


def test_an_upload_without_ledgers_or_not_a_form(plain):
    with plain.client() as client:
        empty = client.post("/api/check", files=[("ledgers", ("", b""))], data={"as_of": "2024-12-31"})
        raw = client.post("/api/check", content="组织,日期\n".encode(), headers={"content-type": "text/csv"})
        unknown = client.post("/api/check", files=[("ledger", ("a.csv", b"x"))])
    assert empty.json()["error"] == "请选择台账文件（ledgers；可以多选，或上传文件夹打成的 .zip）"
    assert raw.status_code == 422
    assert raw.json()["error"] == "请以 multipart/form-data 上传文件（curl 的 -F 选项，或网页上的表单）"
    assert unknown.json()["error"] == "未知的文件字段“ledger”，可用：ledgers、roster、layout、waivers"


def branch_ledger(i: int) -> tuple[str, bytes]:
    org = f"第{i + 1}中学党支部"
    rows = [f"{org},2024-{month:02d}-10,主题党日,学习党章" for month in range(1, 13) if month != (i % 12) + 1]
    return f"支部{i + 1}.csv", ("组织,日期,类型,主题\n" + "\n".join(rows) + "\n").encode()


def test_twenty_checks_at_once_each_get_their_own_findings(plain):
    kept = {p.name for p in plain.service.runs.root.iterdir()}  # pages of earlier tests, kept for their hour
    def post(i: int):
        name, data = branch_ledger(i)
        with plain.client() as client:
            return client.post("/api/check", files=[("ledgers", (name, data))], data={"as_of": "2024-12-31"})

    with ThreadPoolExecutor(20) as pool:
        responses = list(pool.map(post, range(20)))
    for i, response in enumerate(responses):
        assert response.status_code == 200, response.text
        document = response.json()
        assert [s["source"] for s in document["inputs"]] == [f"支部{i + 1}.csv"]
        assert {f["org"] for f in document["findings"]} == {f"第{i + 1}中学党支部"}
        missed = [f["period"] for f in document["findings"] if f["rule"] == "theme-day-monthly"]
        assert missed == [f"2024-{(i % 12) + 1:02d}"]  # the one month this branch left out
    deadline = time.monotonic() + 10  # an API run is deleted once answered: just after its last byte is sent
    while ({p.name for p in plain.service.runs.root.iterdir()} != kept or set(plain.service.runs.runs) != kept) \
            and time.monotonic() < deadline:
        time.sleep(0.05)
    assert set(plain.service.runs.runs) == kept
    assert {p.name for p in plain.service.runs.root.iterdir()} == kept


def hostile_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book:
        book.writestr("台账/第一中学党支部.csv", "组织,日期,类型\n第一中学党支部,2024-03-05,主题党日\n")
        book.writestr("../逃逸.csv", "组织,日期,类型\n逃逸党支部,2024-03-05,主题党日\n")
        book.writestr("台账/../../../再逃逸.csv", "组织,日期,类型\n逃逸党支部,2024-03-05,主题党日\n")
        book.writestr("/etc/cron.d/绝对路径.csv", "组织,日期,类型\n逃逸党支部,2024-03-05,主题党日\n")
        link = zipfile.ZipInfo("台账/链接.csv")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        book.writestr(link, "/etc/passwd")
        book.writestr("__MACOSX/台账/._第一中学党支部.csv", b"\x00\x05\x16\x07")
    return buffer.getvalue()


def every_file(folder: Path) -> set[str]:
    """Every path under ``folder``, but a worker's warm-up folder (``warm-<pid>``), which each worker writes and
    removes by itself as it starts — at any moment, so rglob could meet one vanishing (a flaky FileNotFoundError
    under load) or count one as written by the request."""
    found = set()
    for top, folders, files in os.walk(folder):  # os.walk passes over a folder that vanishes while it walks
        folders[:] = [name for name in folders if not name.startswith("warm-")]
        found.update(Path(top, name).relative_to(folder).as_posix() for name in folders + files)
    return found


def test_hostile_names_and_zip_entries_stay_inside_the_run(plain):
    before = every_file(plain.root_parent)
    files = [("ledgers", ("区县台账.zip", hostile_zip())),
             ("ledgers", ("../../x.csv", "组织,日期,类型\n第二中学党支部,2024-03-06,主题党日\n".encode()))]
    with plain.client() as client:
        page = client.post("/check", files=files, data={"as_of": "2024-12-31"})
        api = client.post("/api/check", files=files, data={"as_of": "2024-12-31"})
    assert page.status_code == 303
    run = plain.service.runs.get(page.headers["location"].split("/")[2])
    folder = f"{plain.service.runs.root.name}/{run.id}"
    inside = {folder} | {f"{folder}/{name}" for name in every_file(run.folder)}
    written = every_file(plain.root_parent) - before
    assert written - {plain.service.runs.root.name} == inside  # everything written is inside the run's folder
    assert [p.name for p in run.folder.iterdir()] == ["out"]  # once checked, the uploads are deleted
    document = api.json()
    assert sorted(s["source"] for s in document["inputs"]) == ["x.csv", "台账/第一中学党支部.csv"]  # the zip's folder
    assert [n for n in document["notes"] if "压缩包" in n] == [
        "压缩包 区县台账.zip 中的“../逃逸.csv”指向压缩包之外，未解压",
        "压缩包 区县台账.zip 中的“台账/../../../再逃逸.csv”指向压缩包之外，未解压",
        "压缩包 区县台账.zip 中的“/etc/cron.d/绝对路径.csv”指向压缩包之外，未解压",
        "压缩包 区县台账.zip 中的“台账/链接.csv”是链接，未解压",
    ]
    plain.service.runs.drop(run)


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("台账.csv", b"0" * (8 << 20))  # 8 MB of zeros: about 8 KB zipped
    archive = tmp_path / "台账.zip"
    archive.write_bytes(buffer.getvalue())
    (tmp_path / "台账").mkdir()
    with pytest.raises(InputError) as caught:
        unpack(archive, tmp_path / "台账", Budget(4 << 20), Limits(size_mb=4), "台账.zip")
    assert str(caught.value) == "文件 台账.zip：压缩包解压后超过 4 MB（--limit size，同一次上传的压缩包合计）"
    assert list((tmp_path / "台账").iterdir()) == []


def zipped(entries: dict[str, bytes], encoding: str | None = None) -> bytes:
    """A zip as another tool writes it: ``encoding`` gbk (Chinese Windows) or utf-8 (Info-ZIP on Linux and macOS)
    puts the names' bytes in that encoding without the UTF-8 flag; None is Python's own (flagged UTF-8)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book:
        for name, data in entries.items():
            book.writestr(name if encoding is None else _Unflagged(name, encoding), data)
    return buffer.getvalue()


class _Unflagged(zipfile.ZipInfo):
    """An entry whose name is written in ``encoding`` without the UTF-8 flag (Python itself always flags)."""

    def __init__(self, name: str, encoding: str):
        super().__init__(name, (2024, 1, 1, 0, 0, 0))
        self.encoding = encoding
        self.create_system = 0 if encoding == "gbk" else 3  # Windows' own zip; Info-ZIP on Linux or macOS

    def _encodeFilenameFlags(self):
        return self.filename.encode(self.encoding), self.flag_bits & ~0x800


def test_zips_from_windows_and_from_info_zip_keep_their_chinese_names(plain):
    ledger = "组织,日期,类型\n第一党支部,2024-03-05,主题党日\n".encode()
    with plain.client() as client:
        for encoding in ("gbk", "utf-8", None):
            response = client.post("/api/check", data={"as_of": "2024-12-31"}, files=[
                ("ledgers", ("台账.zip", zipped({"区县/第一中学/主题党日.csv": ledger,
                                                 "学习.csv": ledger}, encoding)))])  # 学习 in GBK is UTF-8 too
            assert sorted(s["source"] for s in response.json()["inputs"]) == [
                "区县/第一中学/主题党日.csv", "学习.csv"], encoding


def test_a_zip_is_unpacked_afresh_when_a_check_is_tried_again(tmp_path, monkeypatch):
    """A worker killed while unpacking leaves a half-unpacked copy aside; the retry starts again from the zip."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "台账").mkdir()
    (tmp_path / "台账" / "区县.zip").write_bytes(zipped({"区县/一.csv": b"a\n", "区县/二.csv": b"b\n"}))
    aside = tmp_path / "tmp" / "unpacking-台账-区县.zip" / "区县"
    aside.mkdir(parents=True)
    (aside / "一.csv").write_bytes(b"")  # what the killed attempt had written
    assert _unpack_folder(Path("台账"), Budget(1 << 20), Limits()) == []
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == [
        "台账/区县/一.csv", "台账/区县/二.csv"]
    assert (tmp_path / "台账" / "区县" / "一.csv").read_bytes() == b"a\n"


def test_the_zips_of_one_upload_share_one_size_limit(tmp_path):
    budget = Budget(3 << 20)
    for n in (1, 2):
        (tmp_path / f"{n}.zip").write_bytes(zipped({f"{n}.csv": b"0" * (2 << 20)}))
    (tmp_path / "台账").mkdir()
    assert unpack(tmp_path / "1.zip", tmp_path / "台账", budget, Limits(size_mb=3), "1.zip") == []
    with pytest.raises(InputError) as caught:
        unpack(tmp_path / "2.zip", tmp_path / "台账", budget, Limits(size_mb=3), "2.zip")
    assert str(caught.value) == "文件 2.zip：压缩包解压后超过 3 MB（--limit size，同一次上传的压缩包合计）"


def test_awkward_names_are_kept_apart_and_short_enough(plain):
    long_name = "第一中学第二党支部" * 12 + ".csv"  # 326 bytes: more than a file system allows
    files = [("ledgers", (long_name, "组织,日期,类型\n第二党支部,2024-03-05,主题党日\n".encode())),
             ("ledgers", ("a", "组织,日期,类型\n第三党支部,2024-03-05,主题党日\n".encode())),
             ("ledgers", ("a/b.csv", "组织,日期,类型\n第四党支部,2024-03-05,主题党日\n".encode())),
             ("ledgers", ("报告.docx", zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"})))]
    with plain.client() as client:
        response = client.post("/api/check", files=files, data={"as_of": "2024-12-31"})
    assert response.status_code == 200, response.text
    sources = sorted(s["source"] for s in response.json()["inputs"])
    # "a" is no ledger; 报告.docx is a Word document (read as minutes: issue 31) with nothing in it
    assert sources == ["a_b.csv", "报告.docx", "第一中学第二党支部" * 7 + "第一.csv"]
    assert len(sources[2].encode()) == 199
    assert [n for n in response.json()["notes"] if "报告.docx" in n or "未读取" in n] == [
        "以下文件不是台账表格，未读取：a",
        "文件 报告.docx：不是活动记录（没有标题，没有“时间”“主题”“主持人”等会议记录的栏目：不是会议记录），跳过 0 行"]


def test_a_zip_within_a_zip_is_read_and_one_too_deep_is_named(plain):
    ledger = "组织,日期,类型\n第一党支部,2024-03-05,主题党日\n".encode()
    deepest = zipped({"四.csv": ledger})
    third = zipped({"三.csv": ledger, "第四层.zip": deepest})
    second = zipped({"二.csv": ledger, "里面/第三层.zip": third})
    outer = zipped({"区县/一.csv": ledger, "区县/第二层.zip": second})
    with plain.client() as client:
        response = client.post("/api/check", files=[("ledgers", ("台账.zip", outer))], data={"as_of": "2024-12-31"})
    document = response.json()
    assert sorted(s["source"] for s in document["inputs"]) == ["区县/一.csv", "区县/二.csv", "区县/里面/三.csv"]
    assert [n for n in document["notes"] if "压缩包" in n] == [
        "压缩包 区县/里面/第四层.zip 套在 3 层压缩包之内，未解压（请解压后重新打包上传）"]


def test_minutes_are_read_from_docx_files_and_from_a_zip_of_a_folder_of_them(plain, tmp_path):
    from tests.minutes_docs import committee, grid_minutes

    title = "中共第一中学委员会第一党支部2024年{}月支委会记录"
    march = committee(tmp_path / "3月支委会.docx", title.format(3), "2024-03-08 14:30", "研究三月工作").read_bytes()
    april = committee(tmp_path / "4月支委会.docx", title.format(4), "2024.04.09 14:30", "研究四月工作").read_bytes()
    meeting = grid_minutes(tmp_path / "党员大会.docx", "第一中学第一党支部党员大会记录", [
        ["时间", "2024-06-20 14:30", "主持人", "李明"], ["应到人数", "30", "实到人数", "14"]]).read_bytes()
    files = [("ledgers", ("党员大会.docx", meeting)),
             ("ledgers", ("会议记录.zip", zipped({"一支部/3月支委会.docx": march, "一支部/4月支委会.docx": april})))]
    with plain.client() as client:
        response = client.post("/api/check", files=files, data={"as_of": "2024-12-31"})
    assert response.status_code == 200, response.text
    document = response.json()
    assert sorted((s["source"], s["accepted"]) for s in document["inputs"]) == [
        ("一支部/3月支委会.docx", 1), ("一支部/4月支委会.docx", 1), ("党员大会.docx", 1)]
    quorum = [(f["org"], f["period"], f["status"]) for f in document["findings"] if f["rule"] == "member-meeting-quorum"]
    assert quorum == [("第一中学第一党支部", "2024-06-20", "violation")]

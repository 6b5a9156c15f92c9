"""Resource limits (issue 7): absurd sheets and decompression bombs are refused before memory is spent on them,
with the limit's message; ordinary files are not refused."""

from __future__ import annotations

import io
import os
import resource
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.styles import Font

from compliance.cli import main
from compliance.config.limits import Limits, column_letter
from compliance.errors import InputError
from compliance.intake.sheets import read_rows
from compliance.intake.zipscan import sheet_extent
from compliance.manual import pointer
from tests.helpers import LEDGER_HEADER, without_pointer, write_csv

HEADER = ["组织", "日期", "类型", "主题"]


def _workbook(path: Path, rows: list[list], extra: dict[str, object] | None = None) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "台账"
    for values in rows:
        sheet.append(values)
    for ref, value in (extra or {}).items():
        sheet[ref] = value
    book.save(path)
    return path


def _ledger_rows(n: int) -> list[list]:
    return [HEADER] + [["一支部", f"2024-01-{1 + i % 28:02d}", "主题党日", f"学习{i}"] for i in range(n)]


def _validate(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", *args])
    return result.exit_code, result.output


def _refused(path: Path, *limits: str) -> str:
    """The message for a file refused at a limit (exit 2)."""
    code, output = _validate(str(path), *[f"--limit={item}" for item in limits])
    assert code == 2, output
    assert output.startswith("错误："), output
    return without_pointer(output).removeprefix("错误：").strip()


# ---- the bomb that motivated the guard ------------------------------------------------------------------------

def _limited_memory():
    cap = 2 << 30
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def test_a_five_kilobyte_workbook_asking_for_17_billion_cells_is_refused(tmp_path):
    """Without the guard the reader aborts the process (it asks for 512 GiB); run in a child with 2 GiB of
    address space so that a regression fails this test instead of the machine."""
    path = _workbook(tmp_path / "炸弹.xlsx", _ledger_rows(2), {"XFD1048576": "x"})
    assert path.stat().st_size < 10_000
    child = subprocess.run(
        [sys.executable, "-m", "compliance", "validate", str(path)], capture_output=True, text=True,
        preexec_fn=_limited_memory, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        timeout=120,
    )
    assert child.returncode == 2, child.stderr[-2000:]
    assert without_pointer(child.stderr).strip() == (
        f"错误：文件 {path.name}，工作表“台账”：工作表的已用区域为 1,048,576 行 × 16,384 列（到 XFD1048576），"
        "共 17,179,869,184 个单元格，超过上限 50,000,000 个。通常是远处的单元格被误填了内容：删除台账以外的行和列后另存即可"
        "（确需检查时可用 --limit cells=更大的数值 放宽）"
    )


def test_an_empty_formatted_cell_far_away_is_not_refused(tmp_path):
    """Excel writes a cell that only has a format; it takes no room, so it does not count."""
    book = openpyxl.Workbook()
    book.active.append(["组织", "日期", "类型"])
    book.active.append(["一支部", "2024-01-05", "主题党日"])
    book.active["XFD1048576"].font = Font(bold=True)
    book.save(tmp_path / "格式.xlsx")
    code, output = _validate(str(tmp_path / "格式.xlsx"))
    assert code == 0, output
    assert "读取 1 行 = 接受 1 + 拒收 0 + 空行 0" in output


def test_the_roster_is_guarded_too(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "组织"
    book.active.append(["组织名称", "组织类型"])
    book.active["XFD1048576"] = "x"
    book.create_sheet("领导干部")
    book.save(tmp_path / "名册.xlsx")
    write_csv(tmp_path / "台账.csv", ["组织", "日期", "类型"], [["一支部", "2024-01-05", "主题党日"]])
    code, output = _validate(str(tmp_path / "台账.csv"), "--roster", str(tmp_path / "名册.xlsx"))
    assert code == 2
    assert output.startswith(f"错误：文件 {tmp_path / '名册.xlsx'}，工作表“组织”：工作表的已用区域为 1,048,576 行 × 16,384 列")


# ---- zip bombs ---------------------------------------------------------------------------------------------------

def _understate(path: Path, member: str, declared: int) -> None:
    """Rewrite the sizes ``member`` declares (local header and central directory) as ``declared`` bytes."""
    data = bytearray(path.read_bytes())
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo(member)
    struct.pack_into("<L", data, info.header_offset + 22, declared)  # local header: uncompressed size
    name = member.encode()
    central = data.find(b"PK\x01\x02" + data[info.header_offset + 4 : info.header_offset + 6])
    while data[central + 46 : central + 46 + len(name)] != name:
        central = data.find(b"PK\x01\x02", central + 4)
    struct.pack_into("<L", data, central + 24, declared)  # central directory: uncompressed size
    path.write_bytes(bytes(data))


def test_a_part_that_inflates_past_what_it_declares_is_refused(tmp_path):
    path = _workbook(tmp_path / "谎报.xlsx", _ledger_rows(200))
    _understate(path, "xl/worksheets/sheet1.xml", 1000)
    assert _refused(path) == (
        f"文件 {path.name}：压缩包中的部件“xl/worksheets/sheet1.xml”解压后大于它声明的 1,000 字节（疑似压缩炸弹），已拒绝读取"
    )


def test_the_unzipped_size_of_a_workbook_is_limited(tmp_path):
    path = _workbook(tmp_path / "大.xlsx", [HEADER] + [["一支部", "2024-01-05", "主题党日", "学" * 100]] * 8000)
    unzipped = sum(m.file_size for m in zipfile.ZipFile(path).infolist())
    assert path.stat().st_size < 1 << 20 < unzipped
    assert _refused(path, "size=1") == (
        f"文件 {path.name}：文件解压后共 {unzipped / (1 << 20):,.1f} MB，超过上限 1 MB（确需检查时可用 --limit size=更大的数值（MB） 放宽）"
    )


def test_the_size_of_a_csv_is_limited(tmp_path):
    path = write_csv(tmp_path / "大.csv", HEADER, [["一支部", "2024-01-05", "主题党日", "学" * 100]] * 4000)
    size = path.stat().st_size
    assert size > 1 << 20
    assert _refused(path, "size=1") == (
        f"文件 {path.name}：文件大小为 {size / (1 << 20):,.1f} MB，超过上限 1 MB（确需检查时可用 --limit size=更大的数值（MB） 放宽）"
    )


# ---- rows, columns, cells, cell length -------------------------------------------------------------------------

def test_rows_of_a_csv_and_of_a_sheet(tmp_path):
    csv_path = write_csv(tmp_path / "多.csv", HEADER, _ledger_rows(10)[1:])
    assert _refused(csv_path, "rows=10") == (
        f"文件 {csv_path.name}：文件有 11 行，超过上限 10 行（确需检查时可用 --limit rows=更大的数值 放宽）"
    )
    assert _validate(str(csv_path), "--limit", "rows=11")[0] == 0  # the header and ten rows: exactly at the limit
    for name, end in [("多-windows.csv", "\r\n"), ("多-mac.csv", "\r")]:  # a line ends at CRLF or a lone CR too
        other = tmp_path / name
        other.write_bytes(csv_path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", end.encode()))
        assert _validate(str(other), "--limit", "rows=11")[0] == 0, name  # CRLF is one line break, not two
        assert _refused(other, "rows=10") == (
            f"文件 {name}：文件有 11 行，超过上限 10 行（确需检查时可用 --limit rows=更大的数值 放宽）")
    book = _workbook(tmp_path / "多.xlsx", _ledger_rows(10))
    assert _refused(book, "rows=10") == (
        f"文件 {book.name}，工作表“台账”：工作表有 11 行，超过上限 10 行（确需检查时可用 --limit rows=更大的数值 放宽）"
    )


def test_columns_of_a_csv_and_of_a_sheet(tmp_path):
    wide = HEADER + [f"备注{i}" for i in range(8)]
    csv_path = write_csv(tmp_path / "宽.csv", wide, [["一支部", "2024-01-05", "主题党日", "学习"] + [""] * 8])
    assert _refused(csv_path, "columns=10") == (
        f"文件 {csv_path.name}：文件有 12 列，超过上限 10 列（确需检查时可用 --limit columns=更大的数值 放宽）"
    )
    ragged = tmp_path / "参差.csv"  # a title line narrower than the header: the tolerant reader
    ragged.write_text("2024年台账\n" + ",".join(wide) + "\n", encoding="utf-8")
    assert _refused(ragged, "columns=10").startswith(f"文件 {ragged.name}：文件有 12 列，超过上限 10 列")
    book = _workbook(tmp_path / "宽.xlsx", [wide])
    assert _refused(book, "columns=10").startswith(f"文件 {book.name}，工作表“台账”：工作表有 12 列，超过上限 10 列")


def test_cells_of_a_sheet(tmp_path):
    book = _workbook(tmp_path / "区域.xlsx", _ledger_rows(29))
    assert _refused(book, "cells=100") == (
        f"文件 {book.name}，工作表“台账”：工作表的已用区域为 30 行 × 4 列（到 D30），共 120 个单元格，超过上限 100 个。"
        "通常是远处的单元格被误填了内容：删除台账以外的行和列后另存即可（确需检查时可用 --limit cells=更大的数值 放宽）"
    )
    assert _validate(str(book), "--limit", "cells=120")[0] == 0


def _rewrite(path: Path, member: str, old: str, new: str) -> None:
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    parts[member] = parts[member].replace(old.encode(), new.encode())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def test_a_huge_cell_is_named_by_file_sheet_row_and_column(tmp_path):
    long_topic = "学" * 40_000
    csv_path = write_csv(tmp_path / "长.csv", HEADER,
                         [["一支部", "2024-01-05", "主题党日", "学习"], ["一支部", "2024-01-06", "主题党日", long_topic]])
    assert _refused(csv_path) == (
        f"文件 {csv_path.name}，第 3 行，列“D”：单元格有 40,000 个字符，超过上限 32,767 个"
        "（确需检查时可用 --limit cell-chars=更大的数值 放宽）"
    )
    assert _validate(str(csv_path), "--limit", "cell-chars=40000")[0] == 0
    ragged = tmp_path / "长2.csv"
    ragged.write_text("台账\n组织,日期,类型,主题\n一支部,2024-01-05,主题党日," + long_topic + "\n", encoding="utf-8")
    assert _refused(ragged) == (
        f"文件 {ragged.name}，第 3 行：单元格超过 32,767 个字符的上限（确需检查时可用 --limit cell-chars=更大的数值 放宽）"
    )
    book = _workbook(tmp_path / "长.xlsx", [HEADER, ["一支部", "2024-01-05", "主题党日", "占位"]])
    _rewrite(book, "xl/worksheets/sheet1.xml", "占位", long_topic)  # openpyxl cuts text at Excel's limit; a file need not
    assert _refused(book) == (
        f"文件 {book.name}，工作表“台账”，第 2 行，列“D”：单元格有 40,000 个字符，超过上限 32,767 个"
        "（确需检查时可用 --limit cell-chars=更大的数值 放宽）"
    )


def test_the_ods_reader_refuses_repeated_cells_beyond_its_own_limit(tmp_path):
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
        '<office:spreadsheet><table:table table:name="台账"><table:table-row table:number-rows-repeated="1000000">'
        '<table:table-cell table:number-columns-repeated="16384" office:value-type="string"><text:p>x</text:p>'
        "</table:table-cell></table:table-row></table:table></office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    path = tmp_path / "重复.ods"
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>'
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest)
    assert _refused(path) == (
        f"文件 {path.name}：工作表的已用区域超过读取器能容纳的 1 亿个单元格（通常是远处的单元格被误填或重复），"
        "删除台账以外的行和列后另存即可"
    )


# ---- the option --------------------------------------------------------------------------------------------------

def test_limits_are_parsed_from_name_value_pairs():
    assert Limits.parse(["rows=30_000_000", "cell-chars=100,000", "SIZE=4096"]) == Limits(
        size_mb=4096, rows=30_000_000, cell_chars=100_000)
    with pytest.raises(InputError) as caught:
        Limits.parse(["lines=5"])
    assert caught.value.message == (
        "未知的上限“lines”，可用：size、rows、columns、cells、cell-chars（写作 名称=数值，如 rows=30000000）")
    with pytest.raises(InputError) as caught:
        Limits.parse(["rows=-1"])
    assert caught.value.message == "上限“rows=-1”的数值应为正整数"


def test_a_bad_limit_is_a_usage_error(tmp_path):
    path = write_csv(tmp_path / "台账.csv", LEDGER_HEADER, [])
    code, output = _validate(str(path), "--limit", "rows=many")
    assert code == 2
    assert "上限“rows=many”的数值应为正整数" in output


# ---- the extent scan -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("xml", "bound", "extent"), [
    (b'<sheetData><row r="1"><c r="A1"><v>1</v></c><c r="C1"><v>1</v></c></row></sheetData>', (1, 26), (1, 3)),
    (b'<sheetData><row r="7"><c r="AB7" t="s"><v>0</v></c></row><row r="2"><c r="B2"><v>1</v></c></row>'
     b'</sheetData>', (7, 28), (7, 28)),  # rows out of order: the largest, not the last
    (b'<sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576" s="2"/></row>'
     b'</sheetData>', (1048576, 26), (1, 1)),  # a styled empty cell takes no room
    (b'<sheetData><row><c><v>1</v></c><c><v>2</v></c><c/></row><row><c><v>3</v></c></row></sheetData>',
     (2, 2), (2, 2)),  # no references: each row and cell follows the one before
    (b'<x:sheetData><x:row r="3"><x:c r="D3"><x:v>1</x:v></x:c></x:row></x:sheetData>', (3, 4), (3, 4)),
    (b'<sheetData><row r="1"><c s="1" r="ZZ9"><v>1</v></c></row></sheetData>', (9, 702), (9, 702)),
    (b"<sheetData></sheetData>", (0, 0), (0, 0)),
])
def test_the_extent_of_sheet_xml(xml, bound, extent):
    assert sheet_extent(xml) == bound
    assert sheet_extent(xml, exact=True) == extent


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 701, 702, 16383)] == ["A", "Z", "AA", "ZZ", "AAA", "XFD"]


def test_the_csv_limit_leaves_the_csv_module_as_it_was(tmp_path):
    import csv

    before = csv.field_size_limit()
    ragged = tmp_path / "参差.csv"
    ragged.write_text("台账\n组织,日期,类型\n一支部,2024-01-05,主题党日\n", encoding="utf-8")
    read_rows(ragged, "参差.csv", limits=Limits(cell_chars=10))
    assert csv.field_size_limit() == before


def test_a_workbook_that_makes_the_reader_panic_is_a_clean_error(tmp_path):
    """Found by the long fuzz run: a truncated .xls makes calamine panic (a Rust panic, surfacing as pyo3's
    PanicException — a BaseException, not an Exception — after printing an English message and, with
    RUST_BACKTRACE set, a backtrace). It is a Chinese message and exit 2, and nothing else reaches stderr."""
    data = (Path(__file__).resolve().parents[2] / "fixtures" / "messy" / "ledgers" / "区教育局党组.xls").read_bytes()
    path = tmp_path / "截断.xls"
    path.write_bytes(data[:4101])
    child = subprocess.run(
        [sys.executable, "-m", "compliance", "validate", str(path)], capture_output=True, text=True, cwd=tmp_path,
        env={**os.environ, "RUST_BACKTRACE": "1", "PYTHONPATH": str(Path(__file__).resolve().parents[2])}, timeout=120,
    )
    assert child.returncode == 2
    message, end = child.stderr.split("\n", 1)  # one line (the reader's own words after the colon vary by version)
    assert message.startswith("错误：文件 截断.xls：无法读取工作簿（文件损坏或并非表格文件）：slice index"), message
    assert end == pointer(message) + "\n"  # and where the manual explains it


def test_an_xls_that_aborts_the_reader_is_read_in_a_child_and_refused(tmp_path):
    """Found by fuzzing: a damaged 5 KB .xls (tests/data/aborts-reader.xls) makes calamine ask for ~1.2 TB and
    abort — no exception, the process is gone. An .xls is read in a child process with a memory cap; the check
    reports the file and exits 2."""
    sample = Path(__file__).resolve().parents[1] / "data" / "aborts-reader.xls"
    direct = subprocess.run(  # the threat, shown: the reader alone dies on it
        [sys.executable, "-c", "import sys, python_calamine as c; c.CalamineWorkbook.from_path(sys.argv[1])",
         str(sample)], capture_output=True, preexec_fn=_limited_memory, timeout=120,
    )
    assert direct.returncode < 0 or direct.returncode == 134, direct.returncode  # SIGABRT
    assert b"memory allocation of" in direct.stderr
    path = tmp_path / "损坏.xls"
    path.write_bytes(sample.read_bytes())
    assert _refused(path) == f"文件 {path.name}：无法读取工作簿（文件损坏或并非表格文件）：读取器申请了不合理的内存后退出"

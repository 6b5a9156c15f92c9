"""A CSV's rows and its lines (issue 36): a rejected row is named by the line a text editor shows it on, whatever
line breaks the file holds — CRLF between rows and LF inside cells (Excel on Windows), LF (Unix), a lone CR (old
Mac exports), and any of them inside a quoted cell — and every row read is accounted for."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from compliance.engine.kinds import load_catalogue
from compliance.intake import sheets
from compliance.intake.result import Intake
from compliance.intake.sheets import read_rows, text_lines
from compliance.pipeline import take_in
from compliance.render.common import issue_list
from tests.helpers import alias_roster

AS_OF = dt.date(2024, 12, 31)
CATALOGUE = load_catalogue()


def _intake(tmp: Path, data: bytes, *, with_roster: bool = True) -> Intake:
    folder = tmp / "ledgers"
    folder.mkdir()
    (folder / "台账.csv").write_bytes(data)
    return take_in([folder], alias_roster(tmp) if with_roster else None, CATALOGUE, AS_OF)


def _outcome(result: Intake) -> tuple:
    """(read, accepted, rejected, blank, skipped), each table's (header line, first and last body line), and the
    rejected rows' (line, column)."""
    (source,) = result.sources
    return (
        (source.read, source.accepted, source.rejected, source.blank, source.skipped),
        [(result.tables[t].header_row, result.tables[t].body) for t in source.tables],
        [(issue["row"], issue["column"]) for issue in issue_list(result.rejected)],
    )


@pytest.mark.parametrize(("data", "lines"), [
    (b"", 0),
    (b"a", 1),
    (b"a\n", 1),
    (b"a\nb", 2),
    (b"a\r\nb\r\n", 2),
    (b"a\rb\r", 2),
    (b"a\rb", 2),
    (b"\r\r\n\n", 3),  # a lone CR, then CRLF, then LF
    (b"\n\r", 2),  # LF then a lone CR: not one CRLF
    (b'a,"x\ry"\r\nb', 3),
])
def test_lines_end_at_crlf_lf_or_a_lone_cr(data, lines):
    assert text_lines(data) == lines



@pytest.mark.parametrize("block", [1, 2, 3, 5, 1 << 20])
def test_line_breaks_are_counted_block_by_block_as_bytes_count_counts_them(monkeypatch, block):
    """numpy counts a large file's line breaks a block at a time: a CRLF split between two blocks is one CRLF, and
    a BOM stepped over is not counted."""
    monkeypatch.setattr(sheets, "_BLOCK", block)
    data = b'\xef\xbb\xbf\xe7\xbb\x84\xe7\xbb\x87,a\r\n\r\r\n,"x\ry"\n\n\rb\r\n'
    for start in (0, 3):
        for what in (b"\n", b"\r", b"\r\n"):
            assert sheets._count(data, what, start) == data.count(what, start), (what, start)
        assert text_lines(data, start) == 8  # CRLF, CR, CRLF, CR (in the quoted cell), LF, LF, CR, CRLF
    assert text_lines(b"\xef\xbb\xbf", 3) == 0 and text_lines(b"\xef\xbb\xbfa", 3) == 1

# ---- the falsifying examples of the long fuzz run ----------------------------------------------------------------
# Each has a bare CR in a quoted cell ("\r=1", which csv.writer quotes); the file's rows end in CRLF, as csv.writer
# writes them. Before the fix the reader took the CR for part of one line (it counted LF only) while the line map
# took it for a line break, so lines after it were off by one.

NO_ORG = {
    False: "表头中没有组织列，工作表名和文件名中也没有组织名称（可在格式文件 --layout 中用 org 指定）",
    True: "表头中没有组织列，工作表名和文件名中也没有名册里的组织名称（可在格式文件 --layout 中用 org 指定）",
}
FALSIFYING = {
    # The fuzz run's tables had 主讲人 and 主题 alone; a table without a date is no activity record now (issue 27),
    # so each gets a 日期 column, which leaves the lines where they were.
    # read 3 while the bodies spanned 2 rows: the last two rows are on lines 4 and 5, not 3 and 4
    "rows-after-the-cr": (
        [["日期", "主讲人", "主题"], ["2024-03-05", "一支部", "\r=1"], ["2024-03-06", "一支部", "一支部"],
         ["2024-03-07", "一支部", "一支部"]],
        ((3, 0, 3, 0, 0), [(1, (2, 5))], [(2, "组织"), (4, "组织"), (5, "组织")]),
    ),
    # a stacked second header right after the row: it is on line 4 (its empty body would start on line 5)
    "stacked-header-after-the-cr": (
        [["日期", "主讲人", "主题"], ["2024-03-05", "一支部", "\r=1"], ["日期", "主题", "主讲人"]],
        ((1, 0, 1, 0, 0), [(1, (2, 2)), (4, (5, 4))], [(2, "组织")]),
    ),
    # a blank row after it, on line 4
    "blank-row-after-the-cr": (
        [["日期", "主讲人", "主题"], ["2024-03-05", "一支部", "\r=1"], ["", "", ""]],
        ((2, 0, 1, 1, 0), [(1, (2, 4))], [(2, "组织")]),
    ),
    # a stacked header after a row after it: the first table's last row is on line 4, the second header on 5
    "stacked-header-below-a-row-after-the-cr": (
        [["日期", "主讲人", "主题"], ["2024-03-05", "一支部", "\r=1"], ["2024-03-06", "一支部", "一支部"],
         ["日期", "主题", "主讲人"], ["2024-03-07", "一支部", "一支部"]],
        ((3, 0, 3, 0, 0), [(1, (2, 4)), (5, (6, 6))], [(2, "组织"), (4, "组织"), (6, "组织")]),
    ),
}


@pytest.mark.parametrize("with_roster", [False, True])
@pytest.mark.parametrize(("encoding", "delimiter"), [("utf-8", ","), ("gb18030", ";"), ("utf-8", ";"),
                                                     ("gb18030", ",")])
@pytest.mark.parametrize("case", list(FALSIFYING))
def test_a_bare_cr_in_a_quoted_cell_starts_a_line(tmp_path, case, encoding, delimiter, with_roster):
    rows, (counts, tables, rejected) = FALSIFYING[case]
    text = "".join(delimiter.join(f'"{c}"' if "\r" in c else c for c in row) + "\r\n" for row in rows)
    result = _intake(tmp_path, text.encode(encoding), with_roster=with_roster)
    assert _outcome(result) == (counts, tables, rejected)
    assert {issue["reason"] for issue in issue_list(result.rejected)} == {NO_ORG[with_roster]}


# ---- a ledger, with every kind of line break between rows and inside cells --------------------------------------

@pytest.mark.parametrize("rectangular", [True, False])  # every row as wide as the header (pyarrow), or not (csv)
@pytest.mark.parametrize("in_cell", ["\r\n", "\n", "\r"])
@pytest.mark.parametrize("between", ["\r\n", "\n", "\r"])
def test_rows_keep_their_lines_whatever_the_line_breaks(tmp_path, between, in_cell, rectangular):
    title = f'"2024年{in_cell}党建活动台账"' + (",,," if rectangular else "")  # lines 1-2
    text = between.join([
        title,
        "组织,日期,类型,主题",  # line 3
        f'一支部,2024-03-05,主题党日,"学习{in_cell}党章"',  # lines 4-5
        "一支部,2024-13-05,主题党日,重温誓词",  # line 6: rejected
        "" if not rectangular else ",,,",  # line 7: blank
        f'一支部,2024-04-05,支部委员会,"传达{in_cell}会议{in_cell}精神"',  # lines 8-10
        "一支部,2024-05-05,主题党日,研讨",  # line 11
    ]) + between
    data = text.encode("utf-8")
    folder = tmp_path / "read"
    folder.mkdir()
    (folder / "台账.csv").write_bytes(data)
    assert (read_rows(folder / "台账.csv", "台账.csv")[None].frame is not None) is rectangular  # both readers
    result = _intake(tmp_path, data)
    assert _outcome(result) == ((6, 3, 1, 1, 1), [(3, (4, 11))], [(6, "日期")])  # the title row: skipped
    assert [(i["row"], i["value"], i["reason"]) for i in issue_list(result.rejected)] == [
        (6, "2024-13-05", "日期“2024-13-05”不存在")]
    records = result.gate.records
    assert records["row"].tolist() == [4, 8, 11]
    assert records["topic"].tolist() == ["学习 党章", "传达 会议 精神", "研讨"]


@pytest.mark.parametrize("between", ["\r\n", "\n", "\r"])
def test_a_file_without_quotes_is_one_row_a_line(tmp_path, between):
    """No quote, so no cell holds a line break: the fast reader, and row n is line n, whichever line break."""
    text = between.join(["组织,日期,类型,主题", "一支部,2024-03-05,主题党日,学习党章", ",,,",
                         "一支部,2024-13-05,主题党日,重温誓词", "一支部,2024-04-05,主题党日,研讨"])
    result = _intake(tmp_path, text.encode("utf-8"))
    assert _outcome(result) == ((4, 2, 1, 1, 0), [(1, (2, 5))], [(4, "日期")])
    assert result.gate.records["row"].tolist() == [2, 5]

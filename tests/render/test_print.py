"""Every sheet the tool writes prints as people expect (issue 21): A4 landscape, one page wide, the header rows on
every page, a footer with the sheet's name and the page number — read back from the written workbooks."""

from __future__ import annotations

import zipfile

import openpyxl
from click.testing import CliRunner

from compliance.cli import main
from tests.helpers import DEMO


def page_setup(sheet) -> tuple:
    setup = sheet.page_setup
    return (setup.orientation, int(setup.paperSize), int(setup.fitToWidth), int(setup.fitToHeight),
            sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.print_title_rows, sheet.oddFooter.left.text,
            sheet.oddFooter.right.text)


def test_the_problem_list_prints_one_page_wide_with_its_header_on_every_page(tmp_path):
    result = CliRunner().invoke(main, ["check", str(DEMO / "ledgers"), "--roster", str(DEMO / "roster"),
                                       "--as-of", "2024-12-31", "--out", str(tmp_path), "--format", "xlsx",
                                       "--fail-on", "none", "--quiet"])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(tmp_path / "findings.xlsx")
    assert book.sheetnames == ["问题清单", "拒收的行", "统计", "出席率"]
    for sheet in book.worksheets:
        assert page_setup(sheet) == ("landscape", 9, 1, 0, True, "$1:$1", "&A", "第 &P 页，共 &N 页"), sheet.title


def test_the_ledger_template_prints_its_title_and_header_on_every_page(tmp_path):
    assert CliRunner().invoke(main, ["template", str(tmp_path / "模板.xlsx")]).exit_code == 0
    book = openpyxl.load_workbook(tmp_path / "模板.xlsx")
    assert [page_setup(sheet)[5] for sheet in book.worksheets] == ["$1:$2", "$1:$1"]
    for sheet in book.worksheets:
        assert page_setup(sheet)[:5] == ("landscape", 9, 1, 0, True), sheet.title


def test_the_template_is_the_same_bytes_every_time(tmp_path):
    for name in ("一.xlsx", "二.xlsx"):
        assert CliRunner().invoke(main, ["template", str(tmp_path / name), "--org", "第一中学第一党支部"]).exit_code == 0
    assert (tmp_path / "一.xlsx").read_bytes() == (tmp_path / "二.xlsx").read_bytes()
    with zipfile.ZipFile(tmp_path / "一.xlsx") as archive:  # not the time of day it was written
        core = archive.read("docProps/core.xml").decode()
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert "<dcterms:created xsi:type=\"dcterms:W3CDTF\">2024-01-01T00:00:00Z</dcterms:created>" in core


def test_the_problem_list_has_paper_widths_row_heights_and_a_date_column(tmp_path):
    from compliance.render.xlsx import HEADER, LINE_HEIGHT, PAPER

    result = CliRunner().invoke(main, ["check", str(DEMO / "ledgers"), "--roster", str(DEMO / "roster"),
                                       "--as-of", "2024-12-31", "--out", str(tmp_path), "--format", "xlsx",
                                       "--fail-on", "none", "--quiet"])
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(tmp_path / "findings.xlsx")["问题清单"]
    columns = [sheet.column_dimensions[openpyxl.utils.get_column_letter(n)] for n in range(1, len(HEADER) + 1)]
    assert [(c.width, c.hidden) for c in columns] == [
        (4, False), (13, False), (9, False), (7, False), (16, False), (10, True), (14, False), (9, False),
        (26, False), (5, False), (6, False), (8, False), (11, False), (14, False)]
    assert sum(PAPER.values()) == 142  # what prints: measured at 8.6 pt on A4 landscape (test_print_pdf.py)
    # a row as tall as its most wrapped cell: 区教育局党组's 依据, 《县以上党和国家机关党员领导干部民主生活会若干规定》,
    # 27 CJK characters in a column 14 wide, is five lines
    assert sheet["B3"].value == "区教育局党组" and sheet["G3"].value.startswith("《县以上党和国家机关")
    assert sheet.row_dimensions[3].height == 5 * LINE_HEIGHT
    assert sheet.row_dimensions[1].height == 3 * LINE_HEIGHT  # 严重程度 wraps in its narrow header
    # 整改时限: typed in by the unit, a date on or after the check
    assert sheet["M2"].number_format == "yyyy-mm-dd" and sheet["M22"].number_format == "yyyy-mm-dd"
    (rule,) = sheet.data_validations.dataValidation
    assert (rule.type, rule.operator, rule.formula1, str(rule.sqref), rule.allow_blank, rule.showErrorMessage) == (
        "date", "greaterThanOrEqual", "DATE(2024,12,31)", "M2:M22", True, True)
    assert rule.error == "请填写 2024-12-31 或以后的日期，如 2025-03-31。"

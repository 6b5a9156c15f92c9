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

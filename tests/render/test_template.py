"""compliance template: a blank canonical ledger that, filled in, passes validate untouched and is checked."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from compliance.cli import main
from compliance.engine.kinds import load_catalogue

REPO = Path(__file__).resolve().parents[2]
ROSTER = REPO / "fixtures" / "demo" / "roster"


def test_template_has_header_drop_downs_date_format_and_explanations(tmp_path):
    out = tmp_path / "模板.xlsx"
    result = CliRunner().invoke(main, ["template", str(out)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["台账", "填写说明"]
    sheet = book["台账"]
    assert [c.value for c in sheet[2]] == ["组织", "日期", "类型", "主题", "主讲人", "应到", "实到", "会前说纪"]
    rules = {str(v.sqref): (v.type, v.formula1) for v in sheet.data_validations.dataValidation}
    assert rules == {
        "C3:C502": ("list", "'填写说明'!$D$2:$D$24"),
        "H3:H502": ("list", '"是,否"'),
        "F3:F502": ("whole", "0"),
        "G3:G502": ("whole", "0"),
        "B3:B502": ("date", "32874"),
    }
    notes = book["填写说明"]
    types = [notes.cell(row=r, column=4).value for r in range(2, 25)]
    assert types == list(load_catalogue().activity_types)
    assert notes.cell(row=25, column=4).value is None
    assert sheet["B3"].number_format == "yyyy-mm-dd"
    assert [notes.cell(row=r, column=1).value for r in range(2, 10)] == [
        "组织", "日期", "类型", "主题", "主讲人", "应到", "实到", "会前说纪"]


def test_a_filled_template_passes_validate_untouched_and_is_checked(tmp_path):
    runner = CliRunner()
    ledgers = tmp_path / "ledgers"
    out = ledgers / "一支部.xlsx"
    assert runner.invoke(main, ["template", str(out), "--org", "第一中学第一党支部"]).exit_code == 0
    book = openpyxl.load_workbook(out)
    sheet = book["第一中学第一党支部"]
    assert sheet["A1"].value == "填报单位：第一中学第一党支部"
    assert [c.value for c in sheet[2]] == ["日期", "类型", "主题", "主讲人", "应到", "实到", "会前说纪"]
    rows = [[dt.datetime(2024, 1, 9), "主题党日", "重温入党誓词", None, 30, 28, None],
            [dt.datetime(2024, 1, 12), "支部委员会", "研究1月支部工作", None, 5, 5, "是"],
            [dt.datetime(2024, 1, 20), "党课", "学习党章", "李明", 30, 29, "是"]]
    for r, values in enumerate(rows, start=3):  # as a person types them: from the first row under the header
        for c, value in enumerate(values, start=1):
            sheet.cell(row=r, column=c, value=value)
    book.save(out)

    validated = runner.invoke(main, ["validate", str(ledgers), "--roster", str(ROSTER), "--as-of", "2024-01-31",
                                     "--format", "json"])
    assert validated.exit_code == 0, validated.output
    document = json.loads(validated.output)
    # the template's title row and its 填写说明 sheet are read and skipped, each with the reason
    assert document["summary"] == {"read": 28, "accepted": 3, "rejected": 0, "blank": 0, "skipped": 25, "warnings": 0}

    checked = runner.invoke(main, ["check", str(ledgers), "--roster", str(ROSTER), "--as-of", "2024-01-31",
                                   "--period", "2024-01", "--out", str(tmp_path / "out"), "--fail-on", "none"])
    assert checked.exit_code == 0, checked.output
    findings = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))["findings"]
    branch = {(f["rule"], f["period"], f["status"]) for f in findings if f["org"] == "第一中学第一党支部"}
    # January has its theme day, committee meeting and lecture; the party-group meeting is missing.
    assert ("party-group-monthly", "2024-01", "violation") in branch
    assert not any(rule in {"theme-day-monthly", "branch-committee-monthly"} for rule, _, _ in branch)


def test_template_refuses_a_name_that_is_not_xlsx(tmp_path):
    result = CliRunner().invoke(main, ["template", str(tmp_path / "模板.xls")])
    assert result.exit_code == 2
    assert result.output == f"错误：文件 {tmp_path / '模板.xls'}：模板文件名应以 .xlsx 结尾\n"

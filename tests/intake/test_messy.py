"""The demo district written the way schools write it (fixtures/messy, see its generate.py) against the same
district written canonically (fixtures/demo): the same records, the same findings, and every other row listed."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli import main
from compliance.pipeline import run_check
from compliance.render.common import issue_list
from tests.helpers import activity_records

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "fixtures" / "demo"
MESSY = REPO / "fixtures" / "messy"
ROSTER = DEMO / "roster"
LAYOUT = MESSY / "layout.yaml"


def canonical(as_of: date):
    return run_check([DEMO / "ledgers"], ROSTER, as_of=as_of)


def messy(as_of: date):
    return run_check([MESSY / "ledgers"], ROSTER, as_of=as_of, layout=LAYOUT)


def meaning(record) -> tuple:
    """A record without where it was written."""
    return (record.org, record.date, record.type, record.topic, record.person, record.expected, record.present,
            record.discipline)


def without_places(findings: list[dict]) -> list[dict]:
    return [
        {**f, "evidence": [(e["date"], e["type"]) for e in f["evidence"]]} for f in findings
    ]


@pytest.mark.parametrize("as_of", [date(2024, 12, 31), date(2024, 11, 15)])
def test_messy_and_canonical_ledgers_give_the_same_findings(as_of):
    clean, dirty = canonical(as_of), messy(as_of)
    assert len(clean.findings()) > 20
    assert without_places(dirty.findings()) == without_places(clean.findings())
    assert Counter(map(meaning, activity_records(dirty))) == Counter(map(meaning, activity_records(clean)))


def test_every_messy_row_is_accepted_rejected_or_blank():
    result = messy(date(2024, 12, 31))
    assert [(i["source"], i["sheet"], i["row"], i["column"], i["value"], i["reason"])
            for i in issue_list(result.rejected)] == [
        ("区委教育工委.ods", "2024年度", 5, "日期", "2024/02/30", "日期“2024/02/30”不存在"),
        ("区教育局党组.xls", "2024年", 5, "类型", None, "活动类型为空，且无法从工作表名或文件名确定"),
        ("区教育局党组.xls", "2024年", 9, "日期", "1900-01-05",
         "日期“1900-01-05”不在合理范围（1990-01-01 至 2099-12-31），可能填写有误"),
        ("第一中学/2024年党建活动台账.xlsx", "主題黨日", 28, "日期", "2024年13月5日", "日期“2024年13月5日”不存在"),
        ("第一中学/2024年党建活动台账.xlsx", "支委会", 27, "组织", "第三中学党支部",
         "组织“第三中学党支部”不在名册中，最接近的有：第一中学退休党支部、第一中学第二党支部、第一中学第一党支部"),
        ("第一中学/2024年党建活动台账.xlsx", "其他活动", 7, "类型", "联谊活动", "未知的活动类型“联谊活动”"),
    ]
    # read = accepted + rejected + blank + skipped: title rows, and the workbook's 填表说明 sheet (5 rows)
    assert [(s.source, s.read, s.accepted, s.rejected, s.blank, s.skipped) for s in result.sources] == [
        ("区委教育工委.ods", 16, 13, 1, 1, 1),
        ("区教育局党组.xls", 8, 5, 2, 0, 1),
        ("实验小学.csv", 38, 37, 0, 1, 0),
        ("第一中学/2024年党建活动台账.xlsx", 118, 87, 3, 1, 27),
        ("第一中学/退休党支部活动记录.xlsx", 24, 23, 0, 0, 1),
        ("领导干部/领导干部培训登记表.csv", 7, 7, 0, 0, 0),
        ("领导干部/领导干部调研报告登记表.xlsx", 12, 11, 0, 0, 1),
    ]
    workbook = result.sources[3]
    assert workbook.skipped_sheets == [{"sheet": "填表说明", "reason": "不是活动记录（名称“填表说明”：填写说明，不是记录）"},
                                       {"sheet": "Sheet3", "reason": "空表"}]
    assert [(t.sheet, t.skipped) for t in result.tables if t.source == workbook.source][-2:] == [
        ("其他活动", [{"reason": "表头上方的标题行", "rows": 2, "at": "1-2"}]),
        ("填表说明", [{"reason": "不是活动记录（名称“填表说明”：填写说明，不是记录）", "rows": 5, "at": "全部"}])]


def test_exact_normalised_records_of_messy_rows():
    """A merged organisation cell, an alias, a traditional sheet name, a full-width date, a GBK CSV, a layout."""
    records = {(r.source, r.sheet, r.row): r for r in activity_records(messy(date(2024, 12, 31)))}
    picked = {
        key: (r.org, r.date.isoformat(), r.type, r.topic, r.person, r.expected, r.present, r.discipline)
        for key, r in records.items()
        if key in EXPECTED_ROWS
    }
    assert picked == EXPECTED_ROWS


XLSX = "第一中学/2024年党建活动台账.xlsx"
EXPECTED_ROWS = {
    # alias 一中第一党支部 in the first cell of a merged 支部名称 range, a real Excel date, sheet 主題黨日 as the type
    (XLSX, "主題黨日", 4): ("第一中学第一党支部", "2024-01-09", "主题党日", "重温入党誓词", None, None, None, None),
    # the merged range's next row: empty cell, same organisation; the date as 2024年2月10日 text
    (XLSX, "主題黨日", 5): ("第一中学第一党支部", "2024-02-10", "主题党日", "参观红色教育基地", None, None, None, None),
    # 20240412 as a number
    (XLSX, "主題黨日", 7): ("第一中学第一党支部", "2024-04-12", "主题党日", "师德师风专题研讨", None, None, None, None),
    # √ as 会前说纪, 2024.3.5
    (XLSX, "支委会", 6): ("第一中学第一党支部", "2024-03-05", "支部委员会", "研究3月支部工作", None, 5, 5, True),
    # GBK CSV, alias, full-width digits, type variant 支委会议
    ("实验小学.csv", None, 9): ("实验小学教工党支部", "2024-03-05", "支部委员会", "研究3月支部工作", None, 5, 5, None),
    # headers mapped by layout.yaml, header on row 2
    ("第一中学/退休党支部活动记录.xlsx", "活动记录", 3):
        ("第一中学退休党支部", "2024-04-05", "支部委员会", "研究4月支部工作", None, 5, 5, True),
    # the type from the file name, the alias 教育工委
    ("领导干部/领导干部调研报告登记表.xlsx", "Sheet1", 3):
        ("区委教育工委", "2024-03-15", "调研报告", "关于学习贯彻党的二十届三中全会精神的调研", "张建国", None, None, None),
}


def test_validate_command_on_the_messy_district():
    runner = CliRunner()
    args = [str(MESSY / "ledgers"), "--roster", str(ROSTER), "--as-of", "2024-12-31"]
    result = runner.invoke(main, ["validate", *args, "--layout", str(LAYOUT), "--format", "json"])
    assert result.exit_code == 1, result.output
    document = json.loads(result.output)
    assert document["summary"] == {"read": 223, "accepted": 183, "rejected": 6, "blank": 3, "skipped": 31,
                                   "warnings": 1}
    retired = document["inputs"][4]
    assert retired["tables"] == [{
        "sheet": "活动记录", "header_row": 2,
        "columns": {"所属党组织": "组织", "开展时间": "日期", "形式": "类型", "活动名称": "主题", "负责人": "主讲人",
                    "应到数": "应到", "实到数": "实到", "会前说纪": "会前说纪"},
        "unused": [], "from_name": {}, "inferred": {}, "kind": "activity", "why": None,
        "skipped": [{"reason": "表头上方的标题行", "rows": 1, "at": "1"}],
    }]

    # The headers are read for their meaning: without the layout file, the same columns and the same rows.
    without_layout = runner.invoke(main, ["validate", *args, "--format", "json"])
    assert without_layout.exit_code == 1, without_layout.output
    assert json.loads(without_layout.output)["inputs"] == document["inputs"]


def test_a_layout_entry_applies_when_the_file_itself_is_given():
    path = MESSY / "ledgers" / "第一中学" / "退休党支部活动记录.xlsx"
    result = run_check([path], ROSTER, as_of=date(2024, 12, 31), layout=LAYOUT)
    assert [(s.source, s.read, s.accepted, s.skipped) for s in result.sources] == [("退休党支部活动记录.xlsx", 24, 23, 1)]
    assert result.notes == []

"""The intake's steps on tables built in memory — no files, no data-quality gate: finding the header row, what
each header is taken to mean, and every field parsed with its problem kept beside it."""

from __future__ import annotations

from pathlib import Path

from compliance.engine.kinds import load_catalogue
from compliance.intake.header import locate_header
from compliance.intake.meaning import HeaderReader
from compliance.intake.normalise import normalise, resolve_orgs
from compliance.intake.roster import roster_from_rows
from compliance.intake.sheets import Sheet, SourceFile, to_table
from tests.helpers import LEADER_HEADER, ORG_HEADER, ORGS

CATALOGUE = load_catalogue()
ROSTER = roster_from_rows(([ORG_HEADER, *ORGS], "名册", "组织"), ([LEADER_HEADER], "名册", "领导干部"))


def candidates(rows: list[list], source: str, sheet: str | None):
    content = Sheet(rows)
    header, _ = locate_header(content.head(30), HeaderReader(CATALOGUE.column_of))
    table = to_table(content, header, source, sheet)
    return normalise([SourceFile(source, Path(source), "", [table])], CATALOGUE, ROSTER)


def test_the_header_below_a_title_is_found_and_its_synonyms_mapped():
    rows = [["一中党委2024年党建活动台账", None, None, None], [None] * 4,
            ["支部名称", "活动日期", "活动主题", "备注"], ["一支部", "2024.3.5", "重温入党誓词", "无"]]
    result = candidates(rows, "一中/主题党日.xlsx", "2024年")
    (table,) = result.tables
    assert (table.header_row, table.mapping) == (3, {"支部名称": "组织", "活动日期": "日期", "活动主题": "主题"})
    assert table.unused == [{"column": "备注", "reason": "未识别的列，已忽略（可在格式文件 --layout 中说明它的含义）"}]
    assert result.warnings == []  # a column the tool does not need is listed with the table, not as a problem
    row = result.rows.iloc[0]
    # the type comes from the file name, since the table has no type column
    assert (row["org_key"], str(row["date"].date()), row["type"], row["topic"]) == (
        "一支部", "2024-03-05", "主题党日", "重温入党誓词")
    assert resolve_orgs(result, ROSTER).tolist() == [2]


def test_each_field_is_parsed_and_a_problem_is_kept_not_raised():
    rows = [["组织", "日期", "类型", "应到", "实到", "会前说纪"],
            ["一中一支部", "2024年13月5日", "支委会", "30人", "二十", "√"],
            ["二支部", 45358, "黨課", None, 12, "不知道"]]
    result = candidates(rows, "台账.csv", None).rows
    assert result["type"].tolist() == ["支部委员会", "党课"]  # a variant and traditional characters
    assert result["date_problem"].tolist() == ["日期“2024年13月5日”不存在", None]
    assert str(result["date"].iloc[1].date()) == "2024-03-07"  # an Excel serial
    assert result["expected"].tolist()[0] == 30
    assert result["present_problem"].tolist() == ["人数“二十”不是整数", None]
    assert result["discipline"].tolist() == [True, None]
    assert result["discipline_problem"].tolist() == [None, "无法识别的标记“不知道”，应填“是”或“否”"]

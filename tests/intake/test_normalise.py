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


def test_new_topics_names_and_organisations_go_to_opencc_together_not_one_call_each(monkeypatch):
    """A province's ledgers hold tens of thousands of spellings the roster never had: past the cells sampled to
    understand the header, each column's new ones are converted in one call (the answers as one call each gives)."""
    from compliance import spelling
    from compliance.intake.understand import SAMPLE

    calls: list[str] = []
    converter = spelling._converter()

    class Counting:
        def convert(self, text: str) -> str:
            calls.append(text)
            return converter.convert(text)

    monkeypatch.setattr(spelling, "_TEXTS", {})
    monkeypatch.setattr(spelling, "_NAMES", {})
    spelling.person_key.cache_clear()
    monkeypatch.setattr(spelling, "_converter", lambda: Counting())
    numbers = "一二三四五六七八九十"
    count = SAMPLE + 10
    branches = [f"九中第{numbers[k // 10]}{numbers[k % 10]}黨支部" for k in range(count)]
    topics = [f"學習黨章黨規第{numbers[k // 10]}{numbers[k % 10]}講" for k in range(count)]
    lecturers = [f"陳{numbers[k // 10]}{numbers[k % 10]}" for k in range(count)]
    rows = [["組織", "日期", "類型", "主題", "主講人"],
            *([b, f"2024-03-{k % 28 + 1:02d}", "黨課", t, p]
              for k, (b, t, p) in enumerate(zip(branches, topics, lecturers, strict=True)))]
    result = candidates(rows, "台账.csv", None).rows
    spelling.person_key.cache_clear()
    assert result["org_key"].tolist() == [converter.convert(b) for b in branches]
    assert result["topic"].tolist() == [converter.convert(t) for t in topics]
    assert result["person"].tolist() == [converter.convert(p) for p in lecturers]
    for column in (branches, topics, lecturers):  # those sampled one by one (fewer than SAMPLE), the rest together
        assert any("\n".join(column[SAMPLE:]) in call for call in calls)
        assert not any(value in calls for value in column[SAMPLE:])

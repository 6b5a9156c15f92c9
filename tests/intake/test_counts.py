"""Count tables (统计表) as evidence (issue 28): owip's wide yearly table and the long monthly export, written by
fixtures/counts/generate.py, alone and beside a ledger — exact findings, unverifiable months, cross-check warnings,
refused cells, a table without a year."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from compliance.cli import main
from compliance.pipeline import run_check

REPO = Path(__file__).resolve().parents[2]
COUNTS = REPO / "fixtures" / "counts"
ROSTER = REPO / "fixtures" / "demo" / "roster"
AS_OF = dt.date(2024, 12, 31)
ONLY = "由统计表只能核验次数，无法核验主题/日期/出席"


def check(*paths: Path):
    return run_check(list(paths), ROSTER, as_of=AS_OF)


def of(result, rule: str, org: str) -> list[tuple]:
    return [(f["status"], f["period"], f["actual"], f["message"]) for f in result.findings()
            if f["rule"] == rule and f["org"] == org]


def test_a_wide_table_with_march_at_zero_gives_exactly_one_branch_committee_violation_in_march():
    result = check(COUNTS / "wide")
    assert of(result, "branch-committee-monthly", "第一中学第一党支部") == [
        ("violation", "2024-03", 0, "2024-03 支部委员会 0 次，应至少 1 次")]
    [finding] = [f for f in result.findings() if f["rule"] == "branch-committee-monthly"
                 and f["org"] == "第一中学第一党支部"]
    assert finding["evidence"] == [{"source": "组织生活开展情况统计表.xlsx", "sheet": "Sheet1", "row": 4,
                                    "date": "2024-03", "type": "支部委员会", "count": 0,
                                    "text": "2024年3月统计表：支委会 0 次"}]
    # the refused cells (November 1.5, December -1) give no count: those months are missing
    assert of(result, "branch-committee-monthly", "第一中学第二党支部") == [
        ("violation", "2024-11", 0, "2024-11 支部委员会 0 次，应至少 1 次"),
        ("violation", "2024-12", 0, "2024-12 支部委员会 0 次，应至少 1 次")]
    assert of(result, "branch-committee-monthly", "第一中学退休党支部") == [
        ("violation", "2024-08", 0, "2024-08 支部委员会 0 次，应至少 1 次")]


def test_refused_cells_and_derived_columns_are_said_per_row():
    result = check(COUNTS / "wide")
    rejected = result.rejected.to_dict("records")
    assert [(r["row"], r["column"], r["value"], r["reason"], r["org"]) for r in rejected] == [
        (5, "支委会次数·11月", "1.5", "次数“1.5”不是整数，该格未计入（次数应为不小于 0 的整数）", "第一中学第二党支部"),
        (5, "支委会次数·12月", "-1", "次数“-1”为负数，该格未计入（次数应为不小于 0 的整数）", "第一中学第二党支部")]
    assert [(w["row"], w["column"], w["reason"]) for w in result.warnings.to_dict("records")] == [
        (6, "支委会次数·按时开展月份数", "表内“按时开展月份数”为 9，按月次数计算为 8"),
        (6, "支委会次数·完成率", "表内“完成率”为 100.00%，按月次数计算为 88.89%（8/9）")]
    [source] = result.sources
    assert (source.read, source.accepted, source.rejected, source.blank, source.skipped) == (5, 2, 1, 0, 2)
    [table] = result.tables
    assert table.kind.kind.value == "counts"
    assert {"column": "党员集体活动（1月 … 完成率，共 14 列）",
            "reason": "“党员集体活动”合并了多类活动，规则目录（combined_types）没有说明它可以计为哪一类，未计入；"
                      "请分别填写各类活动的次数"} in table.unused


def test_rules_that_need_each_activity_are_unverifiable_for_the_months_only_a_count_gives():
    result = check(COUNTS / "long")
    org = "实验小学教工党支部"
    assert of(result, "member-meeting-quorum", org) == [
        ("unverifiable", "2024", None, f"2024-03、2024-06、2024-09、2024-12 的支部党员大会只见于统计表（台账中没有逐条记录），"
                                       f"{ONLY}")]
    assert of(result, "party-lecture-quarterly", org) == [("violation", "2024-Q3", 0, "2024-Q3 党课 0 次，应至少 1 次")]
    # 组织生活会民主评议党员 counts as both (combined_types); 支部委员会 every month but June (0)
    assert of(result, "org-life-meeting-yearly", org) == of(result, "member-review-yearly", org) == []
    assert of(result, "branch-committee-monthly", org) == [
        ("violation", "2024-06", 0, "2024-06 支部委员会 0 次，应至少 1 次")]


def test_a_table_beside_a_ledger_the_larger_stands_and_a_disagreement_is_a_warning():
    result = check(COUNTS / "mixed")
    org = "实验小学教工党支部"
    assert of(result, "branch-committee-monthly", org) == []  # June: the ledger's 1 over the table's 0
    warned = [(w["row"], w["reason"]) for w in result.warnings.to_dict("records") if w["column"] == "支部委员会"]
    assert warned[:2] == [(2, "统计表记 1 次，台账记录 0 次（2024年1月，取较大者，以统计表为准）"),
                          (3, "统计表记 1 次，台账记录 0 次（2024年2月，取较大者，以统计表为准）")]
    assert (6, "统计表记 2 次，台账记录 1 次（2024年5月，取较大者，以统计表为准）") in warned
    assert (7, "统计表记 0 次，台账记录 1 次（2024年6月，取较大者，以台账为准）") in warned
    assert all(row != 4 for row, _ in warned)  # March: both say 1
    assert len(warned) == 11
    [discipline] = [f for f in result.findings() if f["rule"] == "discipline-talk-before-meeting" and f["org"] == org]
    # every month holds a 支委会 or 党员大会 the ledger does not give (June: its 党员大会)
    assert (discipline["status"], discipline["period"], discipline["message"]) == (
        "unverifiable", "2024", "、".join(f"2024-{m:02d}" for m in range(1, 13))
        + f" 的支部党员大会或支部委员会或党小组会只见于统计表（台账中没有逐条记录），{ONLY}")


def test_a_table_without_a_year_anywhere_is_refused_saying_so(tmp_path):
    book = openpyxl.load_workbook(COUNTS / "wide" / "组织生活开展情况统计表.xlsx")
    book.active["A1"] = "组织生活开展情况统计表"
    (tmp_path / "ledgers").mkdir()
    book.save(tmp_path / "ledgers" / "统计表.xlsx")
    shutil.copy(COUNTS / "mixed" / "实验小学台账.csv", tmp_path / "ledgers")
    result = run_check([tmp_path / "ledgers"], ROSTER, as_of=AS_OF)
    assert any("无法确定年份：标题、文件名、工作表名中都没有年份" in n for n in result.notes), result.notes
    summary = next(s for s in result.sources if s.source == "统计表.xlsx")
    assert summary.accepted == 0 and summary.skipped == summary.read
    assert of(result, "branch-committee-monthly", "第一中学第一党支部")[0][1] == "2024-01"  # nothing credited


def test_the_findings_json_and_the_pages_show_a_count_as_a_count(tmp_path):
    out = tmp_path / "out"
    run = CliRunner().invoke(main, ["check", str(COUNTS / "wide"), "--roster", str(ROSTER), "--as-of", "2024-12-31",
                                    "--format", "json,html", "--out", str(out), "--fail-on", "none"])
    assert run.exit_code == 0, run.output
    document = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert [t["kind"] for i in document["inputs"] for t in i["tables"]] == ["counts"]
    page = (out / "orgs" / "第一中学第一党支部.html").read_text(encoding="utf-8")
    assert "2024年3月统计表：支委会 0 次 · 组织生活开展情况统计表.xlsx · 工作表“Sheet1” · 第 4 行" in page


def test_layout_suggest_writes_count_tables_and_fed_back_they_give_the_same_findings(tmp_path):
    runner = CliRunner()
    paths = [str(COUNTS / "wide"), str(COUNTS / "long")]
    suggested = runner.invoke(main, ["layout", "suggest", *paths, "--roster", str(ROSTER)])
    assert suggested.exit_code == 0, suggested.output
    text = suggested.output
    assert ('  - file: "组织生活开展情况统计表.xlsx"\n    sheet: "Sheet1"\n'
            "    kind: counts  # 统计表：每格是一个组织、一类活动、一个月的次数\n    header_row: 2\n"
            "    year: 2024  # 取自标题、文件名或工作表名\n    columns:\n      \"院系级党组织名称\": 组织\n") in text
    assert "    # 支委会次数·1月 … 12月：支部委员会的次数\n    # 支委会次数·按时开展月份数、完成率：与各月次数核对\n" in text
    assert "    # 组织生活会民主评议党员：组织生活会、民主评议党员的次数\n" in text
    layout = tmp_path / "layout.yaml"
    layout.write_text(text, encoding="utf-8")
    documents = []
    for extra in ([], ["--layout", str(layout)]):
        out = tmp_path / f"out{len(extra)}"
        run = runner.invoke(main, ["check", *paths, "--roster", str(ROSTER), "--as-of", "2024-12-31", "--format",
                                   "json", "--out", str(out), "--fail-on", "none", *extra])
        assert run.exit_code == 0, run.output
        documents.append(json.loads((out / "findings.json").read_text(encoding="utf-8")))
    for key in ("findings", "rejected", "warnings", "stats"):
        assert documents[1][key] == documents[0][key], key


def test_a_layout_gives_the_year_a_table_does_not_write(tmp_path):
    book = openpyxl.load_workbook(COUNTS / "wide" / "组织生活开展情况统计表.xlsx")
    book.active["A1"] = "组织生活开展情况统计表"
    (tmp_path / "ledgers").mkdir()
    book.save(tmp_path / "ledgers" / "统计表.xlsx")
    layout = tmp_path / "layout.yaml"
    layout.write_text('sources:\n  - file: "统计表.xlsx"\n    kind: counts\n    year: 2024\n', encoding="utf-8")
    result = run_check([tmp_path / "ledgers"], ROSTER, as_of=AS_OF, layout=layout)
    assert of(result, "branch-committee-monthly", "第一中学第一党支部") == [
        ("violation", "2024-03", 0, "2024-03 支部委员会 0 次，应至少 1 次")]
    assert result.tables[0].from_name == {"年份": "2024"}


def test_a_combined_type_must_name_known_types():
    from compliance.config.catalogue import parse_catalogue
    from compliance.engine.kinds import RulesFile
    from compliance.errors import CatalogueError

    text = (REPO / "compliance" / "rules.yaml").read_text(encoding="utf-8").replace(
        "types: [组织生活会, 民主评议党员]", "types: [组织生活会, 民主测评]")
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(text.encode("utf-8"), "my-rules.yaml", RulesFile)
    assert str(caught.value) == ("文件 my-rules.yaml：规则文件无效。\ncombined_types：“组织生活会民主评议党员”的活动类型“民主测评”"
                                 "未在 activity_types 中定义")


def test_a_leaders_lecture_is_unverifiable_where_the_units_count_table_holds_lectures_no_record_names(tmp_path):
    folder = tmp_path / "ledgers"
    folder.mkdir()
    shutil.copy(COUNTS / "long" / "党支部组织生活月度统计.xlsx", folder)
    (folder / "实验小学.csv").write_text("组织,日期,类型,主题,主讲人\n实小教工党支部,2024-03-05,支委会,研究3月工作,陈静\n",
                                       encoding="utf-8")
    result = run_check([folder], ROSTER, as_of=AS_OF)
    assert [(f["person"], f["status"], f["period"], f["message"]) for f in result.findings()
            if f["rule"] == "leader-lecture-yearly" and f["org"] == "实验小学党总支"] == [
        ("陈静", "unverifiable", "2024", f"陈静 2024 所在单位的统计表中有党课（台账中没有逐条记录），{ONLY}")]


def test_a_count_column_of_no_month_beside_month_columns_is_unused_saying_why(tmp_path):
    """A wide table's 党课 column outside the 1月 … 12月 groups, with no 月份 column: its month is unknown, so it is
    listed as not used (it once reached the engine without a month and stopped the run with a traceback)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2024年组织生活开展情况统计表"])
    sheet.append(["院系级党组织名称", "党支部名称", "支委会次数", *[""] * 11, "党课"])
    sheet.append(["", "", *[f"{m}月" for m in range(1, 13)], ""])
    sheet.append(["区委教育工委", "第一中学第一党支部", *[1] * 12, 2])
    sheet.merge_cells(start_row=2, start_column=3, end_row=2, end_column=14)
    sheet.merge_cells(start_row=2, start_column=15, end_row=3, end_column=15)
    (tmp_path / "ledgers").mkdir()
    book.save(tmp_path / "ledgers" / "统计表.xlsx")
    result = check(tmp_path / "ledgers")
    [table] = result.tables
    assert table.unused == [{"column": "党课", "reason": "这一列不在某个月份下，表中也没有“月份”列，无法确定是哪个月的次数"}]
    assert sorted(result.counts["month"].tolist()) == [(2024 - 1970) * 12 + m for m in range(12)]
    assert of(result, "branch-committee-monthly", "第一中学第一党支部") == []  # every month met

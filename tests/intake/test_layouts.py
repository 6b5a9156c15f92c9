"""The demo district as party-building platforms and schools export it (fixtures/layouts, see its generate.py):
nine layouts, no layout file, each the same 183 records as the canonical demo — so each gives exactly the demo's
findings and accepts every row. And ``compliance layout suggest`` on each, fed back with ``--layout``, gives the
same records from the same rows."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli import main
from compliance.pipeline import run_check
from compliance.render.common import issue_list
from tests.helpers import activity_records
from tests.intake.test_messy import DEMO, ROSTER, meaning

LAYOUTS = Path(__file__).resolve().parents[2] / "fixtures" / "layouts"
FOLDERS = sorted(p.name for p in LAYOUTS.iterdir() if p.is_dir())
AS_OF = date(2024, 12, 31)


def comparable(findings: list[dict]) -> list[dict]:
    """Findings without where their evidence was written (file, sheet, row) and without its order, which follows
    the ledgers' row order."""
    return [{**f, "evidence": sorted((e["date"], e["type"]) for e in f["evidence"])}
            for f in findings]


@pytest.fixture(scope="module")
def canonical():
    return run_check([DEMO / "ledgers"], ROSTER, as_of=AS_OF)


def test_there_are_nine_distinct_layouts():
    assert FOLDERS == ["01-platform-codes", "02-planned-actual", "03-published", "04-parent-branch",
                       "05-compound-headers", "06-title-rows", "07-per-type-files", "08-unit-books", "09-registers"]


@pytest.mark.parametrize("folder", FOLDERS)
def test_each_layout_gives_the_canonical_findings_and_accepts_every_row(folder, canonical):
    result = run_check([LAYOUTS / folder], ROSTER, as_of=AS_OF)
    assert issue_list(result.rejected) == []
    assert all(s.accepted == s.read - s.blank - s.skipped for s in result.sources)
    # what is skipped is title rows, each table's own; every table is an activity ledger
    assert {k["reason"] for t in result.tables for k in t.skipped} <= {"表头上方的标题行"}
    assert {t.kind.kind for t in result.tables} == {"activity"}
    assert sum(s.accepted for s in result.sources) == 183
    assert result.notes == []
    assert Counter(map(meaning, activity_records(result))) == Counter(map(meaning, activity_records(canonical)))
    assert len(canonical.findings()) > 20
    assert comparable(result.findings()) == comparable(canonical.findings())
    # the demo's one suspicious value (实到 22 of 应到 20) is still said; nothing about the exports' extra columns
    assert [(w["column"], w["value"], w["reason"]) for w in issue_list(result.warnings)] == [
        ("实到", "22", "实到人数多于应到人数（应到 20）")]


def test_what_the_platform_export_was_understood_as():
    result = run_check([LAYOUTS / "01-platform-codes"], ROSTER, as_of=AS_OF)
    table = next(t for t in result.tables if t.source.startswith("三会一课台账导出_第一中学党委"))
    assert table.mapping == {"党组织名称": "组织", "会议类型": "类型", "会议议题": "主题", "会议时间": "日期",
                             "主持人姓名": "主讲人", "应到人数": "应到", "实到人数": "实到", "是否会前说纪": "会前说纪"}
    assert table.unused == [
        {"column": "序号", "reason": "序号，与检查无关"},
        {"column": "组织编码", "reason": "编码，不是组织名称，已用“党组织名称”"},
        {"column": "会议内容", "reason": "也可作主题（内容），已用更确切的“会议议题”"},
        {"column": "主持人工号", "reason": "工号，不是人名，已用“主持人姓名”"},
        {"column": "记录人", "reason": "记录人、联系人或填报人，不是主讲人，已用“主持人姓名”"},
        {"column": "请假人数", "reason": "请假、缺席或列席人数，不是实到人数，已用“实到人数”"},
        {"column": "列席人数", "reason": "请假、缺席或列席人数，不是实到人数，已用“实到人数”"},
        {"column": "审核状态", "reason": "未识别的列，已忽略（可在格式文件 --layout 中说明它的含义）"},
    ]


@pytest.mark.parametrize("folder", FOLDERS)
def test_layout_suggest_fed_back_gives_the_same_records(folder, tmp_path):
    runner = CliRunner()
    suggested = runner.invoke(main, ["layout", "suggest", str(LAYOUTS / folder), "--roster", str(ROSTER)])
    assert suggested.exit_code == 0, suggested.output
    layout = tmp_path / "layout.yaml"
    layout.write_text(suggested.output, encoding="utf-8")
    without = run_check([LAYOUTS / folder], ROSTER, as_of=AS_OF)
    with_layout = run_check([LAYOUTS / folder], ROSTER, as_of=AS_OF, layout=layout)
    assert activity_records(with_layout) == activity_records(without)
    assert with_layout.notes == []  # every entry matched a sheet
    assert [t.mapping for t in with_layout.tables] == [t.mapping for t in without.tables]

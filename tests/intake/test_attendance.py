"""Attendance lists (issue 28): one row per member who took part, or one cell listing everyone, read as the
activities they are — with 实到 (and 应到, when the list marks who was absent) from the people listed. The files are
fixtures/attendance/ledgers (written by its generate.py in the layouts the platforms and branches use)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli import main
from compliance.intake.attendance import Presence, parse_list
from compliance.intake.values import ValueProblem
from compliance.pipeline import run_check
from tests.helpers import activity_records, warnings, write_csv

REPO = Path(__file__).resolve().parents[2]
LEDGERS = REPO / "fixtures" / "attendance" / "ledgers"
ROSTER = REPO / "fixtures" / "demo" / "roster"
AS_OF = dt.date(2024, 12, 31)
P, L, A, V = Presence.PRESENT, Presence.LEAVE, Presence.ABSENT, Presence.OBSERVER  # V: 列席 (a visitor)


def check(*names: str, **options):
    return run_check([LEDGERS / name for name in names], ROSTER, as_of=AS_OF, **options)


def records(result) -> list[tuple]:
    return [(r.org, r.date.isoformat(), r.type, r.topic, r.person, r.expected, r.present, r.row)
            for r in activity_records(result)]


def findings_of(result, rule: str) -> list[tuple]:
    return [(f["status"], f["org"], f["person"], f["period"], f["expected"], f["actual"], f["message"])
            for f in result.findings() if f["rule"] == rule]


# ---- a list cell: the people it names and how each took part --------------------------------------------------

@pytest.mark.parametrize(("cell", "people"), [
    ("张三、李四(请假)、王五(缺席)、赵六(列席)", [("张三", P), ("李四", L), ("王五", A), ("赵六", V)]),
    ("张三，李四（请假）；王五（缺席）,赵六（列席）", [("张三", P), ("李四", L), ("王五", A), ("赵六", V)]),
    ("张三\n李四\n王 芳(请假)\n", [("张三", P), ("李四", P), ("王芳", L)]),
    ("张三 李四 王 芳", [("张三", P), ("李四", P), ("王芳", P)]),
    ("张三 李四  王五", [("张三", P), ("李四", P), ("王五", P)]),
    ("出席：张三、李四；请假：王五、赵六", [("张三", P), ("李四", P), ("王五", L), ("赵六", L)]),
    ("参会人员：张三、李四 缺席人员：王五", [("张三", P), ("李四", P), ("王五", A)]),
    ("张三、李四请假、王五 缺席", [("张三", P), ("李四", L), ("王五", A)]),
    ("陈建国（书记）、刘洋 校长、周涛(因病请假)", [("陈建国", P), ("刘洋", P), ("周涛", L)]),
    ("張三、李四（病假）", [("张三", P), ("李四", L)]),  # traditional characters
    ("张三、张三、李四", [("张三", P), ("李四", P)]),  # a name twice is one person
    ("  ", []),
])
def test_a_list_cell_gives_each_person_once_with_how_they_took_part(cell, people):
    assert list(parse_list(cell)) == people


@pytest.mark.parametrize("cell", ["全体党员", "张三等12人", "支部全体党员（3人请假）"])
def test_a_cell_that_does_not_list_names_is_said_so(cell):
    with pytest.raises(ValueProblem, match=f"^“{cell}”不是逐个列出的姓名，无法按名单计算人数$"):
        parse_list(cell)


# ---- one row per member: the county platform's 已展开主题党日 export ------------------------------------------------

EXPORT = "已展开主题党日.xlsx"
APRIL = "已展开主题党日（2024年4月）.xlsx"


def test_twenty_member_rows_are_two_activities_of_twelve_and_eight():
    result = check(EXPORT)
    assert records(result) == [
        ("第一中学第一党支部", "2024-03-15", "主题党日", "学习贯彻全国两会精神", None, None, 12, 3),
        ("第一中学第二党支部", "2024-03-20", "主题党日", "重温入党誓词", None, None, 8, 15),
    ]
    (source,) = result.sources
    assert (source.read, source.accepted, source.rejected, source.blank, source.skipped) == (21, 20, 0, 0, 1)
    (table,) = result.tables
    assert (table.kind.kind.value, table.kind.why, table.activities, table.accepted) == (
        "attendance", "“姓名”列每行是一位参加者，同一组织、日期、类型、主题的 20 行是 2 次活动", 2, 20)
    assert table.mapping == {"姓名": "参会人员", "所属党组织": "组织", "主题": "主题", "时间": "日期"}
    assert table.members == {3: tuple(range(3, 15)), 15: tuple(range(15, 23))}
    assert result.notes == ["文件 已展开主题党日.xlsx，工作表“已展开主题党日”是签到名单（每行一位参加者）：20 行 → 2 次活动，"
                            "每次活动的实到为其中不同参加者的人数"]
    # the monthly rule sees one 主题党日 per branch in March: met, not twelve times over
    march = [f for f in result.findings() if f["rule"] == "theme-day-monthly" and f["period"] == "2024-03"]
    assert [f["org"] for f in march] == ["实验小学教工党支部"]  # (the 退休 branch was founded in April)


def test_an_activity_without_a_topic_is_one_violation_not_one_per_member():
    result = check(EXPORT, APRIL)
    assert findings_of(result, "theme-day-topic") == [
        ("violation", "实验小学教工党支部", None, "2024-04-10", None, None, "2024-04-10 的主题党日未填写“主题”")]
    (finding,) = [f for f in result.findings() if f["rule"] == "theme-day-topic"]
    assert finding["evidence"] == [{"source": APRIL, "sheet": "Sheet1", "row": 3, "date": "2024-04-10",
                                    "type": "主题党日", "rows": "3-8"}]
    assert [r[6] for r in records(result)] == [12, 8, 6, 9]


def test_listeners_of_a_lecture_are_not_its_lecturer():
    result = check("党课听课人员名单.xlsx", BOOK)  # (the branch's ledger names its hosts: lecturers are verifiable)
    assert records(result)[0] == (
        "第一中学第一党支部", "2024-05-16", "党课", "学习党的二十届三中全会精神", None, None, 10, 3)
    # 李明 and 王芳 listened: neither gave a 党课, and neither is warned about as a near-miss of a leader's name
    assert [(f[0], f[2], f[5]) for f in findings_of(result, "leader-lecture-yearly") if f[1] == "第一中学党委"] == [
        ("violation", "李明", 0), ("violation", "王芳", 0), ("violation", "赵强", 0)]
    assert warnings(result) == []


def test_a_register_naming_lecturers_by_姓名_stays_a_register(tmp_path):
    write_csv(tmp_path / "第一中学第一党支部党课.csv", ["授课日期", "党课题目", "姓名"],
              [["2024-03-28", "学习党章", "李明"], ["2024-06-27", "党史学习", "王芳"]])
    result = run_check([tmp_path], ROSTER, as_of=AS_OF)
    assert [(r[4], r[6]) for r in records(result)] == [("李明", None), ("王芳", None)]
    assert result.tables[0].kind.kind.value == "activity"
    assert [f[2] for f in findings_of(result, "leader-lecture-yearly") if f[1] == "第一中学党委"] == ["赵强"]


def test_a_check_of_one_branch_counts_the_other_branchs_member_rows_as_skipped(tmp_path):
    result = check(EXPORT, scope=["第一中学第二党支部"])
    (source,) = result.sources
    assert (source.read, source.accepted, source.rejected, source.blank, source.skipped) == (21, 8, 0, 0, 13)
    assert result.notes == [
        "检查范围为第一中学第二党支部及其下级组织：另有 12 行属于检查范围以外的组织，未检查",
        "文件 已展开主题党日.xlsx，工作表“已展开主题党日”是签到名单（每行一位参加者）：8 行 → 1 次活动，"
        "每次活动的实到为其中不同参加者的人数"]
    assert (result.tables[0].activities, result.tables[0].accepted) == (1, 8)


# ---- one cell listing everyone: 实到, 应到 and 出席率 -------------------------------------------------------------

BOOK = "第一中学第一党支部三会一课记录.xlsx"


def test_a_参会人员_cell_gives_实到_and_应到_and_the_quorum_is_judged_on_them():
    result = check(BOOK)
    assert [(r[1], r[2], r[4], r[5], r[6]) for r in records(result)] == [
        ("2024-01-09", "支部委员会", "李明", 3, 3),
        ("2024-03-12", "支部党员大会", "李明", 10, 7),  # 2 on leave and 1 absent are due; 1 attending is not
        ("2024-06-18", "支部党员大会", "李明", 9, 4),
        ("2024-09-10", "党小组会", "李明", 6, 5),
        ("2024-11-05", "支部委员会", "李明", 3, 3),
    ]
    assert findings_of(result, "member-meeting-quorum") == [
        ("violation", "第一中学第一党支部", None, "2024-06-18", 5, 4,
         "2024-06-18 的支部党员大会应到 9 人、实到 4 人，实到须超过应到的 1/2（至少 5 人）")]
    assert result.tables[0].columns >= {"实到", "应到", "参会人员"} and result.tables[0].roll


def test_出席率_in_stats_counts_each_meeting_once_from_its_list():
    result = check(BOOK, EXPORT, "实验小学教工党支部会议.csv")
    assert result.stats["attendance"] == [
        {"org": "第一中学第一党支部", "year": 2024, "meetings": 5, "expected": 31, "present": 22, "rate": 0.7097,
         "lowest": {"date": "2024-06-18", "type": "支部党员大会", "expected": 9, "present": 4, "rate": 0.4444}},
        {"org": "实验小学教工党支部", "year": 2024, "meetings": 2, "expected": 14, "present": 14, "rate": 1.0,
         "lowest": {"date": "2024-04-16", "type": "支部委员会", "expected": 5, "present": 5, "rate": 1.0}},
    ]  # the theme days list only who came (no 应到): not in 出席率


def test_an_实到_column_that_disagrees_with_its_list_wins_with_a_warning():
    result = check("实验小学教工党支部会议.csv")
    assert [(r[5], r[6]) for r in records(result)] == [(5, 5), (9, 9)]
    assert warnings(result) == [("实验小学教工党支部会议.csv", None, 3, "实到", "9",
                                 "实到人数 9 与参会人员名单中出席的 8 人不一致，按实到人数计")]


def test_a_cell_that_lists_no_names_is_a_warning_and_counts_nothing(tmp_path):
    write_csv(tmp_path / "第一中学第一党支部.csv", ["日期", "类型", "主题", "参会人员"],
              [["2024-03-05", "支委会", "研究3月工作", "全体党员"], ["2024-04-02", "支委会", "研究4月工作", "张三、李四"]])
    result = run_check([tmp_path], ROSTER, as_of=AS_OF)
    assert [(r[5], r[6]) for r in records(result)] == [(None, None), (None, 2)]
    assert warnings(result) == [("第一中学第一党支部.csv", None, 2, "参会人员", None,
                                 "“全体党员”不是逐个列出的姓名，无法按名单计算人数，按未填写处理")]


# ---- what the outputs say -----------------------------------------------------------------------------------

def test_validate_says_how_many_rows_made_how_many_activities():
    output = CliRunner().invoke(main, ["validate", str(LEDGERS / EXPORT), "--roster", str(ROSTER),
                                       "--as-of", "2024-12-31"]).output
    assert output.splitlines()[:2] == [
        "已展开主题党日.xlsx：读取 21 行 = 接受 20 + 拒收 0 + 空行 0 + 跳过 1",
        "  工作表“已展开主题党日”：签到名单，表头在第 2 行（姓名→参会人员、所属党组织→组织、主题、时间→日期）：20 行 → 2 次活动",
    ]


def test_findings_json_and_the_page_name_every_row_of_an_activity(tmp_path):
    folder = tmp_path / "台账"
    folder.mkdir()
    for name in (EXPORT, APRIL, BOOK):
        shutil.copy(LEDGERS / name, folder / name)
    result = CliRunner().invoke(main, ["check", str(folder), "--roster", str(ROSTER), "--as-of", "2024-12-31",
                                       "--out", str(tmp_path / "out"), "--format", "json,html"])
    assert result.exit_code == 1, result.output
    document = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    (topic,) = [f for f in document["findings"] if f["rule"] == "theme-day-topic"]
    assert topic["evidence"] == [{"source": APRIL, "sheet": "Sheet1", "row": 3, "date": "2024-04-10",
                                  "type": "主题党日", "rows": "3-8"}]
    tables = {i["source"]: i["tables"][0] for i in document["inputs"]}
    assert {k: tables[EXPORT][k] for k in ("kind", "activities", "accepted")} == {
        "kind": "attendance", "activities": 2, "accepted": 20}
    page = next((tmp_path / "out").glob("**/实验小学教工党支部*.html")).read_text(encoding="utf-8")
    assert f"{APRIL} · 工作表“Sheet1” · 第 3-8 行 · 2024-04-10 主题党日" in page
    branch = next((tmp_path / "out").glob("**/第一中学第一党支部*.html")).read_text(encoding="utf-8")
    assert "2024 年出席率 71.0%（5 次会议，实到 22 / 应到 31）；最低：2024-06-18 支部党员大会，4/9（44.4%）。" in branch
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "已展开主题党日：第 2 行（签到名单：20 行 → 2 次活动）" in index

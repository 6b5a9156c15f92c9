"""Meeting minutes in Word are records (issue 31): a .docx in the platforms' layouts — a label | value grid with
labels split over runs and merged value cells, or 标签：值 paragraphs — gives one record per meeting; a plan is
noted and skipped; a .doc is listed as not read. The documents are written with python-docx (tests.minutes_docs)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli import main
from compliance.intake.backing import UNBACKED
from compliance.pipeline import run_check
from tests.helpers import LEDGER_HEADER, ActivityRecord, activity_records, row, write_csv
from tests.minutes_docs import committee, grid_minutes, old_word, paragraph_minutes, plan

AS_OF = dt.date(2024, 12, 31)
BRANCH = "第一中学第一党支部"
TITLE = "中共第一中学委员会第一党支部2024年{month}月支委会记录"


@pytest.fixture
def roster(tmp_path: Path) -> Path:
    folder = tmp_path / "roster"
    folder.mkdir()
    (folder / "组织.csv").write_text(
        "组织名称,组织类型,上级组织,成立日期,别名,设党小组\n"
        "第一中学党委,党委,,2005-09-01,一中党委,\n"
        f"{BRANCH},党支部,第一中学党委,2005-09-01,一中第一党支部,\n", encoding="utf-8")
    (folder / "领导干部.csv").write_text("姓名,所在单位,职务,任职日期,离任日期\n", encoding="utf-8")
    return folder


def member_meeting(path: Path, day: str = "2024.06.20 14:30", expected: str = "30", present: str = "14") -> Path:
    """owip's 党员集体活动记录: a split 活动（会议）类型 label, 所在支部 beside it, a merged 主 题： value."""
    return grid_minutes(path, "党员集体活动记录", [
        [["活动", "（", "会议", "）", "类型"], "支部党员大会", "所在支部", BRANCH],
        ["主 题：", "选举产生出席上级党代会代表"],
        ["活动召开时间：", day, "地 点：", "报告厅"],
        ["主持人", "李明", "记录人", "王芳"],
        ["应到人数", expected, "实到人数", present],
        [["缺席人员（未请假人员要注明）："], "张三,李四(出差)"],
        ["其     他", ""],
        ["主要内容", "一、宣读选举办法；二、投票选举。"],
        None,  # 主要内容 merged over two rows
    ])


def theme_day(path: Path) -> Path:
    return paragraph_minutes(path, f"{BRANCH}主题党日活动记录", [
        ["活动", "时间：", "2024年12月18日"], "活动地点：党员活动室", "参与人员：全体党员", "活动主题：学习贯彻全会精神",
    ], "活动中，大家逐段学习……")


def record(day: str, kind: str, topic: str, source: str, *, person: str | None = "李明", expected: int | None = 5,
           present: int | None = 5, place: str = "表格", absent: str | None = None) -> ActivityRecord:
    """A record of minutes: its sheet is its place in the document (表格: its only table; 正文: its paragraphs)."""
    return ActivityRecord(org=BRANCH, date=dt.date.fromisoformat(day), type=kind, topic=topic, person=person,
                          expected=expected, present=present, discipline=None, absent=absent, source=source,
                          sheet=place, row=2)


def test_each_layout_gives_its_record_and_the_rest_is_noted(tmp_path: Path, roster: Path) -> None:
    folder = tmp_path / "会议记录"
    folder.mkdir()
    committee(folder / "3月支委会.docx", TITLE.format(month=3), "2024-03-08 14:30", "研究三月工作")
    member_meeting(folder / "党员大会.docx")
    theme_day(folder / "主题党日.docx")
    plan(folder / "2024年党建工作计划.docx")
    old_word(folder / "旧记录.doc")
    result = run_check([folder], roster, as_of=AS_OF)
    assert activity_records(result) == [
        record("2024-03-08", "支部委员会", "研究三月工作", "3月支委会.docx"),
        record("2024-12-18", "主题党日", "学习贯彻全会精神", "主题党日.docx", person=None, expected=None,
               present=None, place="正文"),
        record("2024-06-20", "支部党员大会", "选举产生出席上级党代会代表", "党员大会.docx", expected=30, present=14,
               absent="张三、李四"),  # 缺席人员（未请假人员要注明）：张三,李四(出差); the 支委会's 缺席人员及原因：无
    ]
    assert "以下是旧版 Word/WPS 文字文档，未读取；如是会议记录，请在 Word/WPS 中另存为 .docx 后重新检查：旧记录.doc" \
        in result.notes
    assert "文件 2024年党建工作计划.docx：不是活动记录（标题“第一中学第一党支部2024年党建工作计划”中有“计划”：" \
           "不是会议记录），跳过 5 行" in result.notes
    plan_summary = next(s for s in result.sources if s.source == "2024年党建工作计划.docx")
    assert (plan_summary.read, plan_summary.accepted, plan_summary.skipped) == (5, 0, 5)
    kinds = {result.tables[t].source: result.tables[t].kind.kind.value for s in result.sources for t in s.tables}
    assert kinds == {"主题党日.docx": "minutes", "3月支委会.docx": "minutes", "党员大会.docx": "minutes",
                     "2024年党建工作计划.docx": "other"}
    assert len(result.rejected) == 0


def test_a_month_without_minutes_is_that_months_violation(tmp_path: Path, roster: Path) -> None:
    folder = tmp_path / BRANCH
    folder.mkdir()
    for month in [m for m in range(1, 13) if m != 5]:
        day = f"2024-{month:02d}-10 14:30" if month % 2 else f"2024.{month:02d}.10 14:30"  # both date styles
        committee(folder / f"{month}月支委会.docx", TITLE.format(month=month), day, f"研究{month}月工作")
    result = run_check([folder], roster, as_of=AS_OF)
    committee_findings = [(f["status"], f["org"], f["period"]) for f in result.findings()
                          if f["rule"] == "branch-committee-monthly"]
    assert committee_findings == [("violation", BRANCH, "2024-05")]
    assert len(activity_records(result)) == 11


def test_a_member_meeting_short_of_quorum_breaks_the_rule_on_its_day(tmp_path: Path, roster: Path) -> None:
    folder = tmp_path / "记录"
    folder.mkdir()
    member_meeting(folder / "党员大会.docx")
    result = run_check([folder], roster, as_of=AS_OF)
    quorum = [(f["status"], f["org"], f["period"], f["expected"], f["actual"]) for f in result.findings()
              if f["rule"] == "member-meeting-quorum"]
    assert quorum == [("violation", BRANCH, "2024-06-20", 16, 14)]


def test_minutes_without_a_date_are_rejected_naming_the_document(tmp_path: Path, roster: Path) -> None:
    folder = tmp_path / "记录"
    folder.mkdir()
    member_meeting(folder / "党员大会.docx", day="")
    result = run_check([folder], roster, as_of=AS_OF)
    rejected = [(r["source"], r["column"], r["reason"]) for r in result.rejected.to_dict("records")]
    assert rejected == [("党员大会.docx", "日期", "日期为空")]


def test_validate_shows_what_each_document_gave(tmp_path: Path, roster: Path) -> None:
    folder = tmp_path / "记录"
    folder.mkdir()
    member_meeting(folder / "党员大会.docx")
    plan(folder / "计划.docx")
    outcome = CliRunner().invoke(main, ["validate", str(folder), "--roster", str(roster), "--as-of", "2024-12-31"])
    assert outcome.exit_code == 0, outcome.output
    assert ("党员大会.docx：读取 1 行 = 接受 1 + 拒收 0 + 空行 0\n  表格：会议记录，读取的栏目：活动（会议）类型→类型、所在支部→组织、主 题：→主题、活动召开时间：→日期、主持人→主讲人、应到人数→应到、"
            "实到人数→实到") in outcome.output
    assert "计划.docx：读取 5 行 = 接受 0 + 拒收 0 + 空行 0 + 跳过 5" in outcome.output


def ledger_and_minutes(tmp_path: Path) -> Path:
    """A branch's ledger beside its minutes: two meetings in both, a 支委会 and a 主题党日 in the ledger alone (no
    minutes are expected of a 主题党日), a 支委会 in the minutes alone."""
    folder = tmp_path / BRANCH
    folder.mkdir()
    write_csv(folder / "台账.csv", LEDGER_HEADER, [
        row(BRANCH, "2024-03-08", "支委会", {"主题": "研究三月工作", "主讲人": "李明"}),
        row(BRANCH, "2024-04-10", "支委会", {"主题": "研究四月工作", "主讲人": "李明"}),  # no minutes
        row(BRANCH, "2024-06-20", "党员大会", {"主题": "选举代表", "应到": "30", "实到": "14"}),
        row(BRANCH, "2024-06-28", "主题党日", {"主题": "重温入党誓词"}),  # kept in the ledger only
    ])
    committee(folder / "3月支委会.docx", TITLE.format(month=3), "2024-03-08 14:30", "研究三月工作")
    member_meeting(folder / "党员大会.docx")
    committee(folder / "7月支委会.docx", TITLE.format(month=7), "2024-07-10 14:30", "研究七月工作")  # no ledger row
    return folder


def test_a_meeting_in_ledger_and_minutes_counts_once_and_the_unbacked_row_is_listed(tmp_path: Path,
                                                                                     roster: Path) -> None:
    folder = ledger_and_minutes(tmp_path)
    result = run_check([folder], roster, as_of=AS_OF)
    judged_committee = [(f["status"], f["period"], [(e["source"], e["row"]) for e in f["evidence"]])
                        for f in result.findings() if f["rule"] == "branch-committee-monthly"]
    assert judged_committee == [("violation", f"2024-{m:02d}", []) for m in (1, 2, 5, 6, 8, 9, 10, 11, 12)]
    quorum = [(f["status"], f["period"], f["actual"], [(e["source"], e["row"]) for e in f["evidence"]])
              for f in result.findings() if f["rule"] == "member-meeting-quorum"]
    assert quorum == [("violation", "2024-06-20", 14, [("党员大会.docx", None), ("台账.csv", 4)])]  # (minutes:
    # no row — the record's place is its sheet, 表格)
    met = result.judgements.frame()
    met = met[(met["rule"] == "branch-committee-monthly") & (met["status"] == "met")]
    assert met["period"].tolist() == ["2024-03", "2024-04", "2024-07"]
    unbacked = [(w["source"], w["row"], w["reason"]) for w in result.warnings.to_dict("records")
                if w["reason"] == UNBACKED]
    assert unbacked == [("台账.csv", 3, UNBACKED)]
    assert [(r.source, r.date.isoformat()) for r in activity_records(result)] == [  # the rules saw five meetings;
        # the minutes of the two the ledger records too follow, named in those meetings' evidence
        ("7月支委会.docx", "2024-07-10"), ("台账.csv", "2024-03-08"), ("台账.csv", "2024-04-10"),
        ("台账.csv", "2024-06-20"), ("台账.csv", "2024-06-28"), ("3月支委会.docx", "2024-03-08"),
        ("党员大会.docx", "2024-06-20")]
    attendance = [(a["org"], a["meetings"], a["expected"], a["present"]) for a in result.stats["attendance"]]
    assert attendance == [(BRANCH, 2, 35, 19)]  # 06-20 (30, 14) once — not again through its minutes — and 07-10
    assert "meeting-minutes-kept" not in {f["rule"] for f in result.findings()}  # off by default: no finding
    assert "meeting-minutes-kept" not in set(result.judgements.frame()["rule"])


def test_switched_on_the_minutes_rule_makes_each_unbacked_meeting_a_finding(tmp_path: Path, roster: Path) -> None:
    folder = ledger_and_minutes(tmp_path)
    packaged = (Path(__file__).resolve().parents[2] / "compliance" / "rules.yaml").read_text(encoding="utf-8")
    assert packaged.count("    enabled: false\n") == 1
    rules = tmp_path / "督查规则.yaml"
    rules.write_text(packaged.replace("    enabled: false\n", "    enabled: true\n"), encoding="utf-8")
    result = run_check([folder], roster, rules=rules, as_of=AS_OF)
    minutes_findings = [(f["status"], f["severity"], f["org"], f["period"], f["message"],
                         [(e["source"], e["row"]) for e in f["evidence"]])
                        for f in result.findings() if f["rule"] == "meeting-minutes-kept"]
    assert minutes_findings == [
        ("violation", "error", BRANCH, "2024-04-10", "2024-04-10 的支部委员会台账有记载，未见会议记录（同一组织、日期、活动类型）",
         [("台账.csv", 3)])]
    judged = result.judgements.frame()
    judged = judged[judged["rule"] == "meeting-minutes-kept"]
    assert list(zip(judged["period"], judged["status"], strict=True)) == [
        ("2024-03-08", "met"), ("2024-04-10", "violation"), ("2024-06-20", "met"), ("2024-07-10", "met")]
    others = [f for f in run_check([folder], roster, as_of=AS_OF).findings()]
    assert [f for f in result.findings() if f["rule"] != "meeting-minutes-kept"] == others  # nothing else moves


def test_a_document_of_several_meetings_gives_each_and_a_bare_title_takes_the_folders_name(tmp_path: Path,
                                                                                           roster: Path) -> None:
    folder = tmp_path / BRANCH  # 党支部工作记录 names no organisation, nor does the file: the folder does
    folder.mkdir()
    grid_minutes(folder / "工作记录.docx", "党支部工作记录", [
        ["会议类型", "支委会", "时间", "2024-03-08 14:30"], ["主持人", "李明", "记录人", "王芳"]],
        more=[("党支部工作记录", [["会议类型", "党课", "时间", "2024.03.20 14:30"], ["主讲人", "李明", "主持人", "张三"],
                              ["主题", "学习党章"]])])
    result = run_check([folder], roster, as_of=AS_OF)
    assert [(r.org, r.date.isoformat(), r.type, r.topic, r.person, r.sheet) for r in activity_records(result)] == [
        (BRANCH, "2024-03-08", "支部委员会", None, "李明", "表格1"),
        (BRANCH, "2024-03-20", "党课", "学习党章", "李明", "表格2")]


def test_a_minutes_record_is_named_by_its_document_and_table_wherever_it_is_shown(tmp_path: Path,
                                                                                   roster: Path) -> None:
    """Minutes have no row numbers: their place is the document and its table (表格, 表格2) or 正文 — in findings.json,
    the organisation's page, the problem list, the text format and validate."""
    import json

    from openpyxl import load_workbook

    folder = ledger_and_minutes(tmp_path)
    grid_minutes(folder / "工作记录.docx", "党支部工作记录", [  # its second meeting has no date: rejected
        ["会议类型", "党课", "时间", "2024.03.20 14:30"], ["主讲人", "李明", "主题", "学习党章"]],
        more=[("党支部工作记录", [["会议类型", "支委会", "时间", ""], ["主持人", "李明", "记录人", "王芳"]])])
    out = tmp_path / "reports"
    outcome = CliRunner().invoke(main, ["check", str(folder), "--roster", str(roster), "--as-of", "2024-12-31",
                                        "--out", str(out), "--format", "json,html,xlsx,text"])
    assert outcome.exit_code == 1, outcome.output
    document = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    (quorum,) = [f for f in document["findings"] if f["rule"] == "member-meeting-quorum"]
    assert quorum["evidence"] == [
        {"source": "党员大会.docx", "sheet": "表格", "row": None, "date": "2024-06-20", "type": "支部党员大会"},
        {"source": "台账.csv", "sheet": None, "row": 4, "date": "2024-06-20", "type": "支部党员大会"}]
    assert document["rejected"] == [{"source": "工作记录.docx", "sheet": "表格2", "row": None, "column": "日期",
                                     "value": None, "reason": "日期为空", "org": BRANCH}]
    html = (out / "orgs" / f"{BRANCH}.html").read_text(encoding="utf-8")
    assert "<li>党员大会.docx · 表格 · 2024-06-20 支部党员大会 ·「选举产生出席上级党代会代表」 · 缺席：张三、李四</li>" in html
    assert "<li>台账.csv · 第 4 行 · 2024-06-20 支部党员大会 ·「选举代表」</li>" in html
    assert "<tr><td>工作记录.docx</td><td>表格2</td><td class=\"num\"></td><td>日期</td>" in html
    sheet = load_workbook(out / "findings.xlsx")["拒收的行"]
    assert [c.value for c in sheet[2]][:6] == ["工作记录.docx", "表格2", None, "日期", None, "日期为空"]
    assert "文件 工作记录.docx，表格2，列“日期”：日期为空" in outcome.output
    validated = CliRunner().invoke(main, ["validate", str(folder), "--roster", str(roster), "--as-of", "2024-12-31"])
    assert "  表格1：会议记录，读取的栏目：会议类型→类型、时间→日期、主讲人、主题" in validated.output
    assert "  文件 工作记录.docx，表格2，列“日期”：日期为空\n" in validated.output


def test_layout_suggest_says_minutes_need_no_layout_and_its_file_reads_the_same(tmp_path: Path, roster: Path) -> None:
    """A layout entry for a document would match nothing (its labels are read one by one): suggest says so instead,
    and the file it writes, fed back, changes nothing and leaves no unmatched entry."""
    folder = ledger_and_minutes(tmp_path)
    suggested = CliRunner().invoke(main, ["layout", "suggest", str(folder), "--roster", str(roster)])
    assert suggested.exit_code == 0, suggested.output
    assert "  # 党员大会.docx，表格：会议记录，不用格式文件（各栏目的读法见 compliance validate）\n" in suggested.output
    assert "docx\"" not in suggested.output  # no entry names a document
    layout = tmp_path / "layout.yaml"
    layout.write_text(suggested.output, encoding="utf-8")
    with_layout = run_check([folder], roster, as_of=AS_OF, layout=layout)
    assert not [n for n in with_layout.notes if "格式文件" in n]
    assert with_layout.findings() == run_check([folder], roster, as_of=AS_OF).findings()

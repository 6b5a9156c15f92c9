"""Headers read for their meaning (issue 14): phrases in no synonym list resolve by what they say, columns that
say they are something else lose to the real one and are listed with the reason, parent and branch columns work
together, and the cells decide only where the headers leave a tie or a gap."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from compliance.engine.kinds import load_catalogue
from compliance.intake.meaning import HeaderReader
from compliance.intake.result import Intake
from compliance.pipeline import take_in
from tests.helpers import LEADER_HEADER, ORG_HEADER, write_csv
from tests.intake.test_ingest import records, rejected

AS_OF = dt.date(2024, 12, 31)
SCHOOL = [
    ["区委教育工委", "党工委", "", "2000-01-01", "教育工委", ""],
    ["第一中学党委", "党委", "区委教育工委", "2000-01-01", "一中党委", ""],
    ["第一中学第一党支部", "党支部", "第一中学党委", "2000-01-01", "一中第一党支部", "是"],
    ["第一中学第二党支部", "党支部", "第一中学党委", "2000-01-01", "", "否"],
]
LEADERS = [["李明", "第一中学党委", "书记", "2016-09-01", ""], ["王芳", "第一中学党委", "校长", "2020-01-01", ""]]
READER = HeaderReader(load_catalogue().column_of)


def district(tmp: Path) -> Path:
    folder = tmp / "roster"
    folder.mkdir(exist_ok=True)
    write_csv(folder / "组织.csv", ORG_HEADER, SCHOOL)
    write_csv(folder / "领导干部.csv", LEADER_HEADER, LEADERS)
    (tmp / "ledgers").mkdir(exist_ok=True)
    return folder


def run(tmp: Path, roster: bool = True) -> Intake:
    return take_in([tmp / "ledgers"], district(tmp) if roster else None, load_catalogue(), AS_OF)


def table(result: Intake, index: int = 0) -> tuple[dict, list[tuple[str, str]]]:
    info = result.tables[index]
    return info.mapping, [(u["column"], u["reason"]) for u in info.unused]


@pytest.mark.parametrize(("header", "column"), [
    ("开会日期（实际）", "日期"), ("实际召开时间", "日期"), ("活动开展时间", "日期"), ("培训起止日期", "日期"),
    ("会议\n时间", "日期"), ("所属基层党组织名称", "组织"), ("所在党支部", "组织"), ("所屬黨支部", "组织"),
    ("授课人姓名", "主讲人"), ("主持人姓名", "主讲人"), ("主讲人（主持人）", "主讲人"), ("主讲人/主持人", "主讲人"),
    ("会议议题", "主题"), ("调研报告题目", "主题"), ("*会议类别", "类型"), ("应到\n（人）", "应到"),
    ("實到人數(人)", "实到"), ("出席人数", "实到"), ("会前10分钟说纪（是/否）", "会前说纪"),
    ("缺席人员及原因", "缺席"), ("缺席人员（未请假人员要注明）", "缺席"), ("未到会人员名单", "缺席"),  # names
    ("缺席人数", None), ("请假人员", None),  # a count is never 缺席 (nor 实到); leave is not absence
])
def test_headers_in_no_list_resolve_by_what_they_say(header, column):
    assert READER.read(header).column == column


@pytest.mark.parametrize(("header", "why"), [
    ("计划召开时间", "计划日期，不是活动开展的日期"), ("发布日期", "发布日期，不是活动开展的日期"),
    ("填报时间", "填报日期，不是活动开展的日期"), ("记录人", "记录人、联系人或填报人，不是主讲人"),
    ("联系人姓名", "记录人、联系人或填报人，不是主讲人"), ("请假人数", "请假、缺席或列席人数，不是实到人数"),
    ("列席人数", "请假、缺席或列席人数，不是实到人数"), ("组织编码", "编码，不是组织名称"),
    ("主持人工号", "工号，不是人名"), ("序号", "序号，与检查无关"), ("联系电话", "电话，与检查无关"),
    ("党组织类别", "组织的类别，不是活动类型"), ("参会支部", "参会的单位，不是开展活动的组织"),
    ("邀请单位", "邀请的单位，不是开展活动的组织"), ("主办单位", "主办的单位，不是开展活动的组织"),
])
def test_headers_that_say_they_are_something_else(header, why):
    reading = READER.read(header)
    assert (reading.column, reading.why, reading.never) == (None, why, True)


def test_a_platform_register_planned_beside_actual_recorder_beside_host_content_beside_agenda(tmp_path):
    write_csv(district(tmp_path).parent / "ledgers" / "三会一课登记.csv",
              ["序号", "组织编码", "所在党支部", "会议类型", "会议内容", "会议议题", "计划召开时间", "实际召开时间",
               "记录人", "主持人姓名", "应到人数", "实到人数", "请假人数", "列席人数"],
              [["1", "0102001", "一中第一党支部", "支委会", "详见会议记录", "研究3月支部工作", "2024-03-01",
                "2024/3/5  14:30", "赵敏", "李明", "5", "5", "0", "1"],
               ["2", "0102002", "第一中学第二党支部", "党课", "详见会议记录", "学习党章", "2024-03-10",
                "2024-03-12 09:00:00", "钱进", "王芳", "30", "27", "3", "0"]])
    result = run(tmp_path)
    assert rejected(result) == []
    assert records(result) == [
        ("第一中学第一党支部", "2024-03-05", "支部委员会", "研究3月支部工作", "李明", 5, 5, None,
         "三会一课登记.csv", None, 2),
        ("第一中学第二党支部", "2024-03-12", "党课", "学习党章", "王芳", 30, 27, None, "三会一课登记.csv", None, 3),
    ]
    mapping, unused = table(result)
    assert mapping == {"所在党支部": "组织", "会议类型": "类型", "会议议题": "主题", "实际召开时间": "日期",
                       "主持人姓名": "主讲人", "应到人数": "应到", "实到人数": "实到"}
    assert unused == [
        ("序号", "序号，与检查无关"),
        ("组织编码", "编码，不是组织名称，已用“所在党支部”"),
        ("会议内容", "也可作主题（内容），已用更确切的“会议议题”"),
        ("计划召开时间", "计划日期，不是活动开展的日期，已用“实际召开时间”"),
        ("记录人", "记录人、联系人或填报人，不是主讲人，已用“主持人姓名”"),
        ("请假人数", "请假、缺席或列席人数，不是实到人数，已用“实到人数”"),
        ("列席人数", "请假、缺席或列席人数，不是实到人数，已用“实到人数”"),
    ]
    assert result.warnings.empty  # understood columns not used are not problems with rows


def test_parent_and_branch_columns_give_each_row_the_most_specific_organisation(tmp_path):
    write_csv(district(tmp_path).parent / "ledgers" / "活动.csv",
              ["所属党委", "所在党支部", "活动日期", "活动类型", "活动主题"],
              [["第一中学党委", "", "2024-01-10", "理论学习中心组学习", "学习党的二十大精神"],
               ["第一中学党委", "第一中学第一党支部", "2024-01-12", "主题党日", "重温入党誓词"],
               ["一中党委", "第二党支部", "2024-01-13", "主题党日", "参观红色教育基地"],  # short, under its unit
               ["第一中学党委", "第三党支部", "2024-01-14", "主题党日", "志愿服务"],  # not in the roster
               ["第一中学党委", "—", "2024-01-15", "党课", "党史学习"]])  # a dash for "no branch"
    result = run(tmp_path)
    assert [r[:3] for r in records(result)] == [
        ("第一中学党委", "2024-01-10", "理论学习中心组学习"), ("第一中学第一党支部", "2024-01-12", "主题党日"),
        ("第一中学第二党支部", "2024-01-13", "主题党日"), ("第一中学党委", "2024-01-15", "党课"),
    ]
    # a branch the roster does not know is never credited to its parent: the row is rejected, naming it
    assert [r[:5] for r in rejected(result)] == [("活动.csv", None, 5, "组织", "第三党支部")]
    assert table(result)[0] == {"所属党委": "组织", "所在党支部": "组织", "活动日期": "日期", "活动类型": "类型",
                                "活动主题": "主题"}


def test_the_cells_fill_a_gap_and_break_a_tie_but_never_override_a_header(tmp_path):
    ledgers = district(tmp_path).parent / "ledgers"
    # no header says date or lecturer: the cells do (dates; the unit's leaders); 形式 is a weak header for the type
    write_csv(ledgers / "第一中学第一党支部.csv", ["开展情况", "形式", "负责同志", "活动内容"],
              [["2024-04-02", "支委会", "李明", "研究4月工作"], ["2024-04-09", "党课", "王芳", "学习党章"],
               ["2024-05-07", "支委会", "李明", "研究5月工作"]])
    # two headers as good as each other for the date: the one whose cells are dates wins, not the leftmost
    write_csv(ledgers / "二支部.csv", ["组织", "时间", "日期", "类型"],
              [["第一中学第二党支部", "14:30", "2024-04-03", "支委会"],
               ["第一中学第二党支部", "15:00", "2024-05-03", "支委会"]])
    # a clear 会议类型 header stands even though another column's cells are types too
    write_csv(ledgers / "三.csv", ["组织", "日期", "会议类型", "备用"],
              [["一中第一党支部", "2024-06-04", "支委会", "党课"], ["一中第一党支部", "2024-06-05", "支委会", "党课"]])
    result = run(tmp_path)
    assert rejected(result) == []
    by_source = {info.source: (info.mapping, sorted(info.by_content)) for info in result.tables}
    assert by_source == {
        "三.csv": ({"组织": "组织", "日期": "日期", "会议类型": "类型"}, []),
        "二支部.csv": ({"组织": "组织", "日期": "日期", "类型": "类型"}, []),
        "第一中学第一党支部.csv": ({"开展情况": "日期", "形式": "类型", "负责同志": "主讲人", "活动内容": "主题"},
                           ["开展情况", "负责同志"]),
    }
    assert [(r[0], r[1], r[2], r[4]) for r in records(result) if r[8] == "第一中学第一党支部.csv"] == [
        ("第一中学第一党支部", "2024-04-02", "支部委员会", "李明"), ("第一中学第一党支部", "2024-04-09", "党课", "王芳"),
        ("第一中学第一党支部", "2024-05-07", "支部委员会", "李明"),
    ]
    assert [r[1] for r in records(result) if r[8] == "二支部.csv"] == ["2024-04-03", "2024-05-03"]
    unused = {info.source: [(u["column"], u["reason"]) for u in info.unused] for info in result.tables}
    assert unused["二支部.csv"] == [  # its cells are times: never the date, the time of it
        ("时间", "日期，但内容是时刻或时段（如“14:30、15:00”），不是日期，与“日期”合起来是活动的时间，日期取自“日期”")]
    assert unused["三.csv"] == [("备用", "未识别的列，已忽略（可在格式文件 --layout 中说明它的含义）")]


def test_a_table_that_cannot_give_a_date_is_said_once_and_every_row_is_still_listed(tmp_path):
    write_csv(district(tmp_path).parent / "ledgers" / "计划.csv", ["支部名称", "计划时间", "活动类型"],
              [["一中第一党支部", "2024-03-05", "主题党日"], ["一中第一党支部", "2024-04-05", "主题党日"]])
    result = run(tmp_path)
    assert result.notes[0] == (
        "文件 计划.csv：无法确定日期（表头中没有活动开展的日期列（“计划时间”是计划日期）），全部 2 行未使用")
    reason = "表头中没有活动开展的日期列（“计划时间”是计划日期）（可在格式文件 --layout 中用 columns 说明哪一列是活动日期）"
    assert rejected(result) == [("计划.csv", None, 2, "日期", None, reason), ("计划.csv", None, 3, "日期", None, reason)]


def test_type_and_organisation_from_names_that_contain_them(tmp_path):
    ledgers = district(tmp_path).parent / "ledgers"
    write_csv(ledgers / "第一中学第一党支部主题党日活动登记表.csv", ["活动日期", "活动主题"],
              [["2024年03月05日", "重温入党誓词"]])
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "2024年党课记录"
    sheet.append(["一中党委2024年党课记录"])
    sheet.append(["授课时间", "授课人", "党课题目"])
    sheet.append([dt.datetime(2024, 6, 28), "李明", "党史学习"])
    book.save(ledgers / "第一中学党委会议记录.xlsx")
    result = run(tmp_path)
    assert [r[:5] for r in records(result)] == [
        ("第一中学党委", "2024-06-28", "党课", "党史学习", "李明"),
        ("第一中学第一党支部", "2024-03-05", "主题党日", "重温入党誓词", None),
    ]
    assert [info.from_name for info in result.tables] == [
        {"组织": "第一中学党委", "类型": "党课"}, {"组织": "第一中学第一党支部", "类型": "主题党日"}]


def test_without_a_roster_the_unit_comes_from_its_book_name(tmp_path):
    district(tmp_path)
    write_csv(tmp_path / "ledgers" / "2024年实验小学党总支会议记录.csv", ["会议日期", "会议类型"],
              [["2024-05-06", "党课"]])
    result = run(tmp_path, roster=False)
    assert [r[:3] for r in records(result)] == [("实验小学党总支", "2024-05-06", "党课")]


# ---- what a new user's exports showed (the probe of issue 14) ------------------------------------------------------


def workbook(path: Path, sheets: dict[str, list[list]], merges: dict[str, list[str]] | None = None) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for cells in (merges or {}).get(name, []):
            sheet.merge_cells(cells)
    book.save(path)
    return path


def test_a_planned_date_beside_the_actual_one_loses_whatever_it_is_called(tmp_path):
    write_csv(district(tmp_path).parent / "ledgers" / "一支部.csv",
              ["支部名称", "会议类型", "预定召开时间", "实际召开时间", "议题", "主持人", "应出席人数", "出席人数"],
              [["一中第一党支部", "支委会", "2024-05-07", "2024-05-10", "研究5月工作", "李明", "5", "5"]])
    result = run(tmp_path)
    assert [r[:8] for r in records(result)] == [
        ("第一中学第一党支部", "2024-05-10", "支部委员会", "研究5月工作", "李明", 5, 5, None)]
    assert table(result)[1] == [("预定召开时间", "预定日期，不是活动开展的日期，已用“实际召开时间”")]


def test_sheets_named_by_branch_in_a_units_workbook(tmp_path):
    header = ["时间", "会议（活动）类型", "主要内容", "主持人", "应到人数", "实到人数"]
    workbook(district(tmp_path).parent / "ledgers" / "第一中学党委2024年党建工作台账.xlsx", {
        "党委": [header, ["2024-01-10", "理论学习中心组学习", "学习党的二十大精神", "李明", "9", "9"]],
        "第一党支部": [header, ["2024-01-12", "支委会", "研究1月工作", "李明", "5", "5"]],
        "第二支部": [header, ["2024-01-13", "支委会", "研究1月工作", "王芳", "5", "4"]],
        "第三支部": [header, ["2024-01-14", "支委会", "研究1月工作", "王芳", "5", "4"]],
    })
    result = run(tmp_path)
    assert [(r[0], r[1], r[9]) for r in records(result)] == [
        ("第一中学党委", "2024-01-10", "党委"), ("第一中学第一党支部", "2024-01-12", "第一党支部"),
        ("第一中学第二党支部", "2024-01-13", "第二支部")]
    # a branch the roster does not know: never the unit's meeting
    why = "工作表名“第三支部”像是一个组织，但在“第一中学党委”之下找不到它"
    assert rejected(result) == [("第一中学党委2024年党建工作台账.xlsx", "第三支部", 2, "组织", None,
                                 f"{why}（可在格式文件 --layout 中用 org 指定）")]
    assert result.notes[0] == f"文件 第一中学党委2024年党建工作台账.xlsx，工作表“第三支部”：无法确定组织（{why}），全部 1 行未使用"


def test_a_lecture_register_credits_the_lecturer_not_the_host_nor_his_unit(tmp_path):
    ledgers = district(tmp_path).parent / "ledgers"
    workbook(ledgers / "第一中学第一党支部2024年党课记录.xlsx", {"党课登记": [
        ["序号", "授课日期", "党课题目", "讲授人", "讲授人所在单位", "主持人", "记录人", "听课人数", "学时"],
        [1, "2024-03-28", "学习党章", "王芳（校长）", "第一中学党委", "钱伟", "孙小红", 28, 2],
        [2, "2024-06-27", "党史学习", "李明 书记", "第一中学党委", "钱伟", "孙小红", 27, 2],
    ]})
    write_csv(ledgers / "二支部党课.csv", ["支部名称", "授课时间", "党课题目", "参会人员", "讲授人", "主讲人职务"],
              [["第一中学第二党支部", "2024-04-02", "学习党章", "李明、王芳、赵强", "王芳", "校长"]])
    result = run(tmp_path)
    assert [r[:7] for r in records(result)] == [
        ("第一中学第二党支部", "2024-04-02", "党课", "学习党章", "王芳", None, 3),  # 实到: the 参会人员 listed
        ("第一中学第一党支部", "2024-03-28", "党课", "学习党章", "王芳", None, 28),
        ("第一中学第一党支部", "2024-06-27", "党课", "党史学习", "李明", None, 27),
    ]
    unused = {info.source: [(u["column"], u["reason"]) for u in info.unused] for info in result.tables}
    assert unused == {
        "二支部党课.csv": [("主讲人职务", "职务，不是人名，已用“讲授人”")],
        "第一中学第一党支部2024年党课记录.xlsx": [
            ("序号", "序号，与检查无关"), ("讲授人所在单位", "讲授的单位，不是开展活动的组织"),
            ("主持人", "也可作主讲人（主持人），已用更确切的“讲授人”"),
            ("记录人", "记录人、联系人或填报人，不是主讲人，已用“讲授人”"),
            ("学时", "未识别的列，已忽略（可在格式文件 --layout 中说明它的含义）")],
    }


def test_a_two_row_header_and_a_weak_type_column_the_cells_do_not_bear_out(tmp_path):
    workbook(district(tmp_path).parent / "ledgers" / "第一中学第一党支部.xlsx", {"主題黨日": [
        ["序號", "活動日期", "活動主題", "活動形式", "參會情況", None, None, "記錄人"],
        [None, None, None, None, "應到", "實到", "列席", None],
        [1, "2024-03-05", "重温入党誓词", "志愿服务", 30, 28, 2, "孙小红"],
        [2, "2024-04-09", "参观红色教育基地", "参观学习", 30, 29, 0, "孙小红"],
    ]}, {"主題黨日": ["E1:G1", "A1:A2", "B1:B2", "C1:C2", "D1:D2", "H1:H2"]})
    result = run(tmp_path)
    assert [r[:7] for r in records(result)] == [
        ("第一中学第一党支部", "2024-03-05", "主题党日", "重温入党誓词", None, 30, 28),
        ("第一中学第一党支部", "2024-04-09", "主题党日", "参观红色教育基地", None, 30, 29)]
    info = result.tables[0]
    assert (info.header_row, info.mapping) == (1, {"活動日期": "日期", "活動主題": "主题", "應到": "应到", "實到": "实到"})
    assert ("活動形式", "活动形式（可能是活动类型），但内容大多不是类型（如“志愿服务、参观学习”），已忽略") in [
        (u["column"], u["reason"]) for u in info.unused]


def test_units_that_do_not_hold_the_activity_and_types_with_a_qualifier(tmp_path):
    ledgers = district(tmp_path).parent / "ledgers"
    write_csv(ledgers / "培训.csv", ["培训班名称", "主办单位", "学员姓名", "所在单位", "培训类型", "培训起止日期"],
              [["校级领导干部培训班", "市委党校", "王芳", "一中党委", "任职培训", "2024年1月8日至12日"]])
    write_csv(ledgers / "活动.csv", ["所在党支部", "共建单位", "活动日期", "组织生活类型", "活动主题"],
              [["第一中学第一党支部（0102001）", "和平社区党委", "2024-05-07", "支部委员会（扩大）", "研究5月工作"],
               ["一中第一党支部", "", "2024-05-21", "党课（书记讲党课）", "党史学习"]])
    result = run(tmp_path)
    assert rejected(result) == []
    assert [r[:5] for r in records(result)] == [
        ("第一中学党委", "2024-01-08", "任职培训", "校级领导干部培训班", "王芳"),
        ("第一中学第一党支部", "2024-05-07", "支部委员会", "研究5月工作", None),
        ("第一中学第一党支部", "2024-05-21", "党课", "党史学习", None)]
    unused = {info.source: [(u["column"], u["reason"]) for u in info.unused] for info in result.tables}
    assert unused == {"培训.csv": [("主办单位", "主办的单位，不是开展活动的组织，已用“所在单位”")],
                      "活动.csv": [("共建单位", "共建的单位，不是开展活动的组织，已用“所在党支部”")]}


def test_a_sheet_named_by_two_types_gives_none(tmp_path):
    workbook(district(tmp_path).parent / "ledgers" / "一支部.xlsx", {"主题党日+支委会": [
        ["支部名称", "活动日期", "活动类型"], ["一中第一党支部", "2024-05-07", ""]]})
    result = run(tmp_path)
    assert [r[3:6] for r in rejected(result)] == [("类型", None, "活动类型为空，且无法从工作表名或文件名确定")]


def test_layout_suggest_quotes_headers_with_line_breaks(tmp_path):
    from click.testing import CliRunner

    from compliance.cli import main

    roster = district(tmp_path)
    workbook(tmp_path / "ledgers" / "一支部.xlsx", {"台账": [
        ["所在\n党支部", "活動時間\n（起止）", "活动类型", "会议\n记录人"],
        ["一中第一党支部", "2024.01.08-2024.01.12", "主题党日", "孙小红"]]})
    suggested = CliRunner().invoke(main, ["layout", "suggest", str(tmp_path / "ledgers"), "--roster", str(roster)])
    assert suggested.exit_code == 0, suggested.output
    assert '      "会议\\n记录人": ~  # 记录人、联系人或填报人，不是主讲人' in suggested.output
    layout = tmp_path / "layout.yaml"
    layout.write_text(suggested.output, encoding="utf-8")
    result = take_in([tmp_path / "ledgers"], roster, load_catalogue(), AS_OF, layout)
    assert [r[:3] for r in records(result)] == [("第一中学第一党支部", "2024-01-08", "主题党日")]


def test_a_short_branch_name_two_schools_share_is_read_under_the_rows_own_unit(tmp_path):
    folder = tmp_path / "roster"
    folder.mkdir()
    write_csv(folder / "组织.csv", ORG_HEADER, [
        *SCHOOL[:3], ["第二中学党委", "党委", "区委教育工委", "2000-01-01", "二中党委", ""],
        ["第二中学第一党支部", "党支部", "第二中学党委", "2000-01-01", "", ""]])
    write_csv(folder / "组织.csv", ORG_HEADER, [
        SCHOOL[0], SCHOOL[1], [*SCHOOL[2][:4], "第一党支部", "是"],  # this school's branch has the short alias
        ["第二中学党委", "党委", "区委教育工委", "2000-01-01", "二中党委", ""],
        ["第二中学第一党支部", "党支部", "第二中学党委", "2000-01-01", "", ""]])
    write_csv(folder / "领导干部.csv", LEADER_HEADER, [])
    (tmp_path / "ledgers").mkdir()
    write_csv(tmp_path / "ledgers" / "活动.csv", ["所属党委", "所在党支部", "活动日期", "活动类型"],
              [["第二中学党委", "第一党支部", "2024-03-05", "主题党日"],  # the second school's own branch
               ["第二中学党委", "第九党支部", "2024-03-06", "主题党日"]])
    workbook(tmp_path / "ledgers" / "第二中学党委2024年台账.xlsx", {"第一党支部": [
        ["活动日期", "活动类型"], ["2024-04-05", "主题党日"]]})
    result = take_in([tmp_path / "ledgers"], folder, load_catalogue(), AS_OF)
    assert [r[:2] for r in records(result)] == [("第二中学第一党支部", "2024-03-05"), ("第二中学第一党支部", "2024-04-05")]
    assert [r[4] for r in rejected(result)] == ["第九党支部"]


def test_without_a_roster_branches_of_two_schools_stay_apart(tmp_path):
    (tmp_path / "ledgers").mkdir()
    for school in ("第一中学", "第二中学"):
        workbook(tmp_path / "ledgers" / f"{school}党委2024年台账.xlsx", {"第一党支部": [
            ["活动日期", "活动类型"], ["2024-04-05", "主题党日"]]})
    result = take_in([tmp_path / "ledgers"], None, load_catalogue(), AS_OF)
    assert [r[0] for r in records(result)] == ["第一中学第一党支部", "第二中学第一党支部"]

"""A unit's folder as it really is (issue 27): every table read as what it is — an activity ledger, a count table,
a sign-in list, a list of what was not done, another register — none stopping the run, no row vanishing. The files
are fixtures/folder/ (written by its generate.py in the layouts of the platforms' templates and exports)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli import main
from compliance.errors import InputError
from compliance.pipeline import run_check
from compliance.render.common import issue_list
from tests.helpers import activity_records

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "fixtures" / "demo"
FOLDER = REPO / "fixtures" / "folder"
CASES = FOLDER / "cases"
ROSTER = DEMO / "roster"
AS_OF = dt.date(2024, 12, 31)


def folder_of(tmp: Path, *files: Path) -> Path:
    """The demo's ledgers and ``files`` in one folder, as a unit keeps them."""
    folder = tmp / "台账"
    shutil.copytree(DEMO / "ledgers", folder)
    for file in files:
        shutil.copy(file, folder / file.name)
    return folder


def intake(*paths: Path, roster: Path | None = ROSTER):
    return run_check(list(paths), roster, as_of=AS_OF)


def described(result, source: str) -> list[tuple]:
    """(sheet, kind, why, skipped) of every table of one file."""
    summary = next(s for s in result.sources if s.source == source)
    return [(result.tables[t].sheet, result.tables[t].kind.kind.value, result.tables[t].kind.why,
             result.tables[t].skipped) for t in summary.tables]


# ---- 1. another spreadsheet never stops the run -------------------------------------------------------------------

OTHERS = {  # file → the one note it gets (None: a count table, read as evidence — issue 28)
    "2024年党内统计年报.xlsx": "工作表“表1”是统计表（表头是次数、合计或比率（“合计”），不是逐次的活动记录），跳过 10 行",
    "三会一课开展情况月度统计.xlsx": None,
    "主题党日签到表.xlsx": "工作表“签到表”是签到名单（表头有“签到”：每行是一位参加者，不是一次活动），跳过 15 行",
    "党员花名册.xlsx": "工作表“党员花名册”不是活动记录（看起来是党员名册（表头有“性别”“民族”“出生日期”），每行是一个人，"
                  "不是一次活动），跳过 20 行",
    "党费缴纳明细.xlsx": "工作表“2024年”不是活动记录（看起来是党费缴纳表（表头有“缴费基数（元）”“缴纳比例”“月缴纳金额（元）”），"
                   "每行是一个人，不是一次活动），跳过 15 行",
    "发展党员工作台账.xlsx": "工作表“发展党员”不是活动记录（看起来是发展党员台账（表头有“递交入党申请书时间”"
                     "“确定为入党积极分子时间”“确定为发展对象时间”），每行是一个人，不是一次活动），跳过 8 行",
    "学习强国学习情况统计.xlsx": "工作表“12月”不是活动记录（看起来是学习积分统计（表头有“本月积分”“总积分”），每行是一个人，"
                       "不是一次活动），跳过 16 行",
    "未开展主题党日党组织名单.xlsx": "工作表“未展开主题党日”是未开展名单（名称“未开展主题党日党组织名单”中有“未开展”："
                          "这是没有开展或没有参加的名单，不计为开展的活动），跳过 227 行",
    "民主评议党员结果.xlsx": "工作表“评议结果”不是活动记录（看起来是投票或评议结果（表头有“优秀票数”“合格票数”"
                     "“基本合格票数”），每行是一个人，不是一次活动），跳过 12 行",
    "组织生活开展情况统计表.xlsx": None,
}
COUNTED = sorted(name for name, note in OTHERS.items() if note is None)


def without_counts(findings: list[dict]) -> list[dict]:
    """The findings with the count tables' cells left out of their evidence."""
    return [{**f, "evidence": [e for e in f["evidence"] if "count" not in e]} for f in findings]


def test_other_spreadsheets_beside_the_ledgers_change_no_finding_and_get_one_note_each(tmp_path):
    """… and the two count tables, which say what the ledgers say month by month, are read as evidence (issue 28):
    they change no finding either, and stand beside the records in its evidence."""
    others = sorted((FOLDER / "others").iterdir())
    assert sorted(p.name for p in others) == sorted(OTHERS)
    runner = CliRunner()
    args = ["--roster", str(ROSTER), "--as-of", "2024-12-31", "--format", "json", "--fail-on", "warning"]
    alone = runner.invoke(main, ["check", str(DEMO / "ledgers"), *args, "--out", str(tmp_path / "alone")])
    both = runner.invoke(main, ["check", str(folder_of(tmp_path, *others)), *args, "--out", str(tmp_path / "both")])
    assert both.exit_code == alone.exit_code == 1, both.output
    before = json.loads((tmp_path / "alone" / "findings.json").read_text(encoding="utf-8"))
    after = json.loads((tmp_path / "both" / "findings.json").read_text(encoding="utf-8"))
    for key in ("rejected", "warnings", "stats"):
        assert json.dumps(after[key], ensure_ascii=False) == json.dumps(before[key], ensure_ascii=False), key
    assert without_counts(after["findings"]) == before["findings"]
    counted = {e["source"] for f in after["findings"] for e in f["evidence"] if "count" in e}
    assert counted == set(COUNTED)
    assert before["notes"] == []
    assert after["notes"] == [f"文件 {name}：{note}" for name, note in sorted(OTHERS.items()) if note]
    # every row of the others is read and skipped, with the reason; the count tables' rows are accepted
    extra = [i for i in after["inputs"] if i["source"] in OTHERS and i["source"] not in COUNTED]
    assert all(i["read"] == i["skipped"] > 0 and i["accepted"] == i["rejected"] == i["blank"] == 0 for i in extra)
    assert sum(i["skipped"] for i in extra) == sum(i["skipped"] for i in after["inputs"]) - 1 == 323
    counts = {i["source"]: (i["read"], i["accepted"], i["skipped"]) for i in after["inputs"] if i["source"] in COUNTED}
    assert counts == {"三会一课开展情况月度统计.xlsx": (24, 24, 0), "组织生活开展情况统计表.xlsx": (4, 3, 1)}
    kinds = {i["source"]: [(t["kind"], t["header_row"]) for t in i["tables"]] for i in after["inputs"]
             if i["source"] in OTHERS}
    assert kinds["未开展主题党日党组织名单.xlsx"] == [("not_done", 2)]
    assert kinds["主题党日签到表.xlsx"] == [("attendance", None)]
    assert kinds["三会一课开展情况月度统计.xlsx"] == [("counts", 1)]
    assert kinds["组织生活开展情况统计表.xlsx"] == [("counts", 2)]
    assert kinds["党员花名册.xlsx"] == [("other", 3)]


def test_summary_sheets_of_a_ledger_workbook_are_noted_and_skipped():
    result = intake(CASES / "8-党建工作台账导出.xlsx")
    assert [(sheet, kind) for sheet, kind, _, _ in described(result, "8-党建工作台账导出.xlsx")] == [
        ("会议记录明细", "activity"), ("支委会", "activity"), ("党员大会", "activity"), ("月度汇总", "counts"),
        ("参会考勤统计", "counts")]
    assert result.notes[0] == (
        "文件 8-党建工作台账导出.xlsx：工作表“月度汇总”是统计表（表头是各类活动或各月的次数（“支委会”“党员大会”“党课”），"
        "不是逐次的活动记录），跳过 13 行；工作表“参会考勤统计”是统计表（表头是次数、合计或比率（“应参加次数”“实际参加次数”"
        "“出勤率”），不是逐次的活动记录），跳过 6 行")


def test_a_folder_holding_no_ledger_at_all_says_what_it_holds(tmp_path):
    folder = tmp_path / "others"
    folder.mkdir()
    shutil.copy(FOLDER / "others" / "党员花名册.xlsx", folder)
    with pytest.raises(InputError) as caught:
        intake(folder)
    assert str(caught.value) == (
        "文件 党员花名册.xlsx：没有找到活动台账：工作表“党员花名册”不是活动记录（看起来是党员名册（表头有“性别”“民族”"
        "“出生日期”），每行是一个人，不是一次活动），跳过 20 行")


# ---- 2. no row vanishes: a template's sample row is a row, not a second header ------------------------------------

def test_a_sample_row_repeating_the_column_names_is_skipped_and_the_rows_below_are_read():
    result = intake(CASES / "2-三会一课录入样表.xlsx")
    [source] = result.sources
    assert (source.read, source.accepted, source.rejected, source.blank, source.skipped) == (4, 3, 0, 0, 1)
    assert described(result, source.source) == [
        ("Sheet1", "activity", None, [{"reason": "模板的示例行（单元格照抄列名）", "rows": 1, "at": "2"}])]
    assert [t.header_row for t in result.tables] == [1]
    assert [(r.org, r.date.isoformat(), r.type, r.row) for r in activity_records(result)] == [
        ("第一中学第一党支部", "2024-03-05", "支部委员会", 3), ("第一中学第一党支部", "2024-03-12", "支部党员大会", 4),
        ("第一中学第二党支部", "2024-03-20", "党小组会", 5)]


def test_a_repeated_header_is_still_a_header_when_the_row_holds_nothing_else(tmp_path):
    from tests.intake.test_understand import workbook

    (tmp_path / "ledgers").mkdir()
    book = workbook(tmp_path / "ledgers" / "打印导出.xlsx", {"台账": [
        ["支部名称", "活动日期", "活动类型"], ["一中第一党支部", "2024-03-05", "党课"],
        ["支部名称", "活动日期", "活动类型"], ["一中第一党支部", "2024-04-09", "党课"]]})
    result = intake(book)
    assert [t.header_row for t in result.tables] == [1, 3]
    assert [(s.read, s.accepted, s.skipped) for s in result.sources] == [(2, 2, 0)]


# ---- 3. a list of what was not done is never credited ------------------------------------------------------------

def test_a_list_of_theme_days_not_held_is_not_credited_as_theme_days_held():
    result = intake(DEMO / "ledgers", CASES / "3-未展开主题党日.xlsx")
    source = result.sources[-1]
    assert (source.read, source.accepted, source.rejected, source.skipped) == (25, 0, 0, 25)
    assert described(result, source.source) == [(
        "未展开主题党日", "not_done",
        "名称“3-未展开主题党日”中有“未展开”：这是没有开展或没有参加的名单，不计为开展的活动",
        [{"reason": "表头上方的标题行", "rows": 1, "at": "1"},
         {"reason": "未开展名单（名称“3-未展开主题党日”中有“未展开”：这是没有开展或没有参加的名单，不计为开展的活动）",
          "rows": 24, "at": "3-26"}])]
    assert not any(r.source == source.source for r in activity_records(result))
    assert result.notes == [f"文件 3-未展开主题党日.xlsx：工作表“未展开主题党日”是未开展名单（{result.tables[-1].kind.why}），"
                            "跳过 25 行"]


@pytest.mark.parametrize("where", ["sheet", "title"])
def test_the_not_done_word_counts_in_the_sheet_name_or_the_title_too(tmp_path, where):
    from tests.intake.test_understand import workbook

    rows = [["序号", "姓名", "所属党组织", "时间"], [1, "张三", "第一中学第一党支部", "2024-03-05"]]
    sheet = "缺席人员" if where == "sheet" else "Sheet1"
    if where == "title":
        rows.insert(0, ["主题党日活动缺席人员名单"])
    (tmp_path / "ledgers").mkdir()
    book = workbook(tmp_path / "ledgers" / "主题党日.xlsx", {sheet: rows})
    named = "缺席人员" if where == "sheet" else "主题党日活动缺席人员名单"
    with pytest.raises(InputError) as caught:  # alone in the folder: no activity ledger at all
        intake(book)
    assert f"是未开展名单（名称“{named}”中有“缺席”" in str(caught.value)
    result = intake(DEMO / "ledgers", book)
    assert (result.sources[-1].source, result.sources[-1].accepted, result.sources[-1].skipped) == (
        "主题党日.xlsx", 0, 2 if where == "title" else 1)


# ---- 9. a template's instruction rows are skipped with the reason ------------------------------------------------

def test_instruction_rows_and_a_leftover_drop_down_value_are_skipped_not_rejected():
    result = intake(CASES / "9-三会一课导入模板.xlsx")
    [source] = result.sources
    assert (source.read, source.accepted, source.rejected, source.blank, source.skipped) == (6, 2, 0, 0, 4)
    assert described(result, source.source) == [("导入模板", "activity", None, [
        {"reason": "模板的填写说明", "rows": 1, "at": "1"},
        {"reason": "模板的填写说明", "rows": 2, "at": "3-4"},
        {"reason": "只有一个下拉选项的值（模板残留），不是一条记录", "rows": 1, "at": "7"}])]
    assert issue_list(result.rejected) == [] and issue_list(result.warnings) == []
    assert [(r.org, r.date.isoformat(), r.type) for r in activity_records(result)] == [
        ("第一中学第二党支部", "2024-03-04", "支部委员会"), ("第一中学第二党支部", "2024-03-15", "党小组会")]


# ---- 4. a time column is not the date ------------------------------------------------------------------------------

def test_a_column_of_times_beside_the_date_column_is_not_taken_for_the_date():
    result = intake(CASES / "4-会议日期和会议时间.xlsx")
    [table] = result.tables
    assert table.mapping == {"所属党组织": "组织", "会议类型": "类型", "会议日期": "日期", "主持人": "主讲人",
                             "会议议题": "主题"}
    assert table.unused == [{"column": "会议时间", "reason": "活动日期，但内容是时刻或时段（如“14:30 - 16:00、15:00-16:30”），"
                             "不是日期，与“会议日期”合起来是活动的时间，日期取自“会议日期”"}]
    assert issue_list(result.rejected) == []
    assert [(r.date.isoformat(), r.type) for r in activity_records(result)] == [
        ("2024-02-10", "支部委员会"), ("2024-03-08", "支部委员会"), ("2024-03-22", "支部党员大会"),
        ("2024-04-09", "支部委员会")]


def test_a_lone_column_of_times_gives_no_date(tmp_path):
    from tests.helpers import write_csv

    (tmp_path / "ledgers").mkdir()
    write_csv(tmp_path / "ledgers" / "一支部.csv", ["支部名称", "会议类型", "会议时间"],
              [["第一中学第一党支部", "支委会", "14:30-16:00"], ["第一中学第一党支部", "支委会", "下午3:00"]])
    result = intake(tmp_path / "ledgers", DEMO / "ledgers")
    assert [(r["row"], r["column"], r["reason"]) for r in issue_list(result.rejected)
            if r["source"] == "一支部.csv"] == [
        (2, "日期", "表头中没有活动开展的日期列（可在格式文件 --layout 中用 columns 说明哪一列是活动日期）"),
        (3, "日期", "表头中没有活动开展的日期列（可在格式文件 --layout 中用 columns 说明哪一列是活动日期）")]
    table = next(t for t in result.tables if t.source == "一支部.csv")
    assert table.unused == [{"column": "会议时间",
                             "reason": "活动日期，但内容是时刻或时段（如“14:30-16:00、下午3:00”），不是日期，已忽略"}]


# ---- 8. a sheet repeating another is one note, not a warning per row ---------------------------------------------

def test_sheets_repeating_the_detail_sheet_are_said_once_and_counted_once():
    result = intake(CASES / "8-党建工作台账导出.xlsx")
    assert result.notes[1:3] == ["文件 8-党建工作台账导出.xlsx：工作表“支委会”的 11 行与“会议记录明细”重复，只计一次",
                                 "文件 8-党建工作台账导出.xlsx：工作表“党员大会”的 3 行与“会议记录明细”重复，只计一次"]
    assert issue_list(result.warnings) == []
    counted = [(r.sheet, r.date.isoformat()) for r in activity_records(result)]
    assert len(counted) == 15 and {sheet for sheet, _ in counted} == {"会议记录明细"}


def test_a_sheet_repeating_only_some_rows_of_another_still_warns_per_row(tmp_path):
    from tests.intake.test_understand import workbook

    header = ["支部名称", "会议类型", "会议时间", "会议议题"]
    rows = [["第一中学第一党支部", "支委会", f"2024-0{m}-05", f"研究{m}月工作"] for m in (1, 2, 3, 4)]
    (tmp_path / "ledgers").mkdir()  # each sheet has a row of its own: neither is a copy of the other
    book = workbook(tmp_path / "ledgers" / "台账.xlsx", {"明细": [header, *rows[:3]], "支委会": [header, *rows[1:]]})
    result = intake(book)
    assert [(w["sheet"], w["row"], w["reason"]) for w in issue_list(result.warnings)] == [
        ("支委会", 2, "疑似重复记录：与文件 台账.xlsx，工作表“明细”，第 3 行相同（组织、日期、类型、主题、主讲人），只计一次"),
        ("支委会", 3, "疑似重复记录：与文件 台账.xlsx，工作表“明细”，第 4 行相同（组织、日期、类型、主题、主讲人），只计一次")]
    assert result.notes == []


def test_a_sheet_all_of_whose_rows_are_in_a_later_sheet_is_the_copy(tmp_path):
    from tests.intake.test_understand import workbook

    header = ["支部名称", "会议类型", "会议时间", "会议议题"]
    rows = [["第一中学第一党支部", "支委会", f"2024-0{m}-05", f"研究{m}月工作"] for m in (1, 2, 3)]
    (tmp_path / "ledgers").mkdir()
    book = workbook(tmp_path / "ledgers" / "台账.xlsx", {"支委会": [header, *rows[:2]], "明细": [header, *rows]})
    result = intake(book)
    assert result.notes == ["文件 台账.xlsx：工作表“支委会”的 2 行与“明细”重复，只计一次"]
    assert issue_list(result.warnings) == []
    assert len(activity_records(result)) == 3


# ---- 5. formal names -----------------------------------------------------------------------------------------------

def test_formal_names_are_matched_to_the_rosters_short_names():
    result = intake(CASES / "5-正式名称.xlsx")
    assert issue_list(result.rejected) == []
    assert [(r.org, r.type) for r in activity_records(result)] == [
        ("第一中学第一党支部", "支部委员会"), ("第一中学第二党支部", "主题党日"), ("实验小学党总支", "党课"),
        ("第一中学党委", "理论学习中心组学习"), ("区委教育工委", "理论学习中心组学习"),
        ("区教育局党组", "理论学习中心组学习")]


def test_formal_names_give_their_type_without_a_roster():
    result = intake(CASES / "5-正式名称.xlsx", roster=None)
    assert [(o.name, o.type.value) for o in result.roster.orgs] == [
        ("区委教育工委", "党工委"), ("区教育局党组", "党组"), ("实验小学党总支", "党总支"), ("第一中学党委", "党委"),
        ("第一中学第一党支部", "党支部"), ("第一中学第二党支部", "党支部")]
    assert issue_list(result.rejected) == []


def test_a_roster_keeping_formal_names_is_found_by_the_short_ones():
    from compliance.intake.roster import roster_from_rows
    from tests.helpers import LEADER_HEADER, ORG_HEADER

    orgs = [ORG_HEADER, ["中共第一中学委员会", "党委", "", "2000-01-01", "", ""],
            ["中共第一中学第一支部委员会", "党支部", "中共第一中学委员会", "2000-01-01", "", "否"]]
    roster = roster_from_rows((orgs, "名册", "组织"), ([LEADER_HEADER], "名册", "领导干部"))
    assert [roster.resolve(n) for n in ("第一中学党委", "第一中学第一党支部", "中共第一中学第一支部委员会")] == [0, 1, 1]


# ---- 6. the type written where the name is -------------------------------------------------------------------------

def test_a_name_column_of_type_words_gives_the_type_before_the_files_name():
    result = intake(CASES / "6-主题党日活动录入样表.xlsx")
    [table] = result.tables
    assert table.mapping == {"所属党组织": "组织", "活动名称": "类型", "活动时间": "日期", "主持人": "主讲人",
                             "应到人数": "应到", "实到人数": "实到", "活动内容": "主题"}
    assert table.by_content == frozenset({"活动名称"}) and table.from_name == {}
    assert [(r.date.isoformat(), r.type, r.topic) for r in activity_records(result)] == [
        ("2024-03-12", "支部党员大会", "接收预备党员"), ("2024-04-02", "支部委员会", "研究4月工作"),
        ("2024-06-18", "支部党员大会", "学习党章"), ("2024-07-01", "主题党日", "重温入党誓词")]


# ---- 7. a register naming people, not units ------------------------------------------------------------------------

def test_a_training_register_credits_each_named_leader_and_their_unit(tmp_path):
    roster = tmp_path / "roster"
    shutil.copytree(ROSTER, roster)
    with (roster / "领导干部.csv").open("a", encoding="utf-8") as leaders:  # a second 陈静, in another unit
        leaders.write("陈静,第一中学党委,副校长,2020-09-01,\n")
    result = intake(CASES / "7-领导干部岗位培训登记表.xlsx", roster=roster)
    [table] = result.tables
    assert table.inferred == {"组织": "按“姓名”列的姓名，取名册中该领导干部的所在单位"}
    assert [(r.org, r.person, r.type, r.date.isoformat()) for r in activity_records(result)] == [
        ("第一中学党委", "李明", "岗位培训", "2024-04-08"), ("第一中学党委", "王芳", "岗位培训", "2024-05-06")]
    assert [(r["row"], r["column"], r["reason"]) for r in issue_list(result.rejected)] == [
        (4, "组织", "“陈静”是名册中 2 位领导干部的姓名（实验小学党总支、第一中学党委），无法确定是哪个单位的"),
        (6, "组织", "“钱多多”不是名册中的领导干部，无法按姓名确定单位")]
    # 李明's training is evidence for his own five-yearly training rule
    assert not [f for f in result.findings() if f["rule"] == "leader-training-five-yearly" and f["person"] == "李明"]


def test_a_sheet_whose_content_starts_below_the_rows_searched_for_a_header_is_skipped(tmp_path):
    from tests.helpers import write_csv

    folder = folder_of(tmp_path)
    write_csv(folder / "远处.csv", ["", "", ""], [["", "", ""]] * 34 + [["说明", "见附件", ""]])
    result = intake(folder)
    assert result.notes == ["文件 远处.csv：不是活动记录（找不到表头），跳过 1 行"]
    assert [(s.read, s.skipped) for s in result.sources if s.source == "远处.csv"] == [(1, 1)]


def test_blank_cells_are_numpy_booleans_under_every_pandas():
    """The count of a skipped sheet's rows negates them: under pandas 2.3 a masked ``boolean`` column made that
    count -71 (~True is -2 on Python bools), above; pandas 3's ``bool[pyarrow]`` hid it."""
    import pandas as pd

    from compliance.intake.sheets import blank_cells

    cells = pd.DataFrame({"a": [None, "x", "  "], "b": ["", None, 3]}, dtype=object)
    blank = blank_cells(cells)
    assert [str(t) for t in blank.dtypes] == ["bool", "bool"]
    assert (~blank.to_numpy().all(axis=1)).tolist() == [False, True, True]


def test_validate_says_what_each_table_was_taken_to_be_and_the_rows_skipped(tmp_path):
    folder = tmp_path / "上传"
    folder.mkdir()
    for name in ("9-三会一课导入模板.xlsx", "8-党建工作台账导出.xlsx"):
        shutil.copy(CASES / name, folder / name)
    result = CliRunner().invoke(main, ["validate", str(folder), "--roster", str(ROSTER), "--as-of", "2024-12-31"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if not line.startswith("    未使用")]
    ledger_lines = []
    for sheet in ("会议记录明细", "支委会", "党员大会"):
        ledger_lines += [f"  工作表“{sheet}”：活动台账，表头在第 2 行（支部名称→组织、会议类型→类型、会议时间→日期、"
                         "主持人→主讲人、会议议题→主题、应到人数→应到、实到人数→实到）", "    跳过第 1 行（1 行）：表头上方的标题行"]
    assert lines == [
        "8-党建工作台账导出.xlsx：读取 51 行 = 接受 29 + 拒收 0 + 空行 0 + 跳过 22",
        *ledger_lines,
        "  工作表“月度汇总”：统计表（表头是各类活动或各月的次数（“支委会”“党员大会”“党课”），不是逐次的活动记录），跳过 13 行",
        "  工作表“参会考勤统计”：统计表（表头是次数、合计或比率（“应参加次数”“实际参加次数”“出勤率”），不是逐次的活动记录），"
        "跳过 6 行",
        "9-三会一课导入模板.xlsx：读取 6 行 = 接受 2 + 拒收 0 + 空行 0 + 跳过 4",
        "  工作表“导入模板”：活动台账，表头在第 2 行（*所属党组织→组织、*会议类型→类型、*会议时间→日期、会议议题→主题、"
        "主持人→主讲人、应到人数→应到、实到人数→实到）",
        "    跳过第 1 行（1 行）：模板的填写说明",
        "    跳过第 3-4 行（2 行）：模板的填写说明",
        "    跳过第 7 行（1 行）：只有一个下拉选项的值（模板残留），不是一条记录",
        "合计 2 个文件：读取 57 行 = 接受 31 + 拒收 0 + 空行 0 + 跳过 26；提醒 0 条。",
        "注意：文件 8-党建工作台账导出.xlsx：工作表“月度汇总”是统计表（表头是各类活动或各月的次数（“支委会”“党员大会”“党课”），"
        "不是逐次的活动记录），跳过 13 行；工作表“参会考勤统计”是统计表（表头是次数、合计或比率（“应参加次数”“实际参加次数”"
        "“出勤率”），不是逐次的活动记录），跳过 6 行",
        "注意：文件 8-党建工作台账导出.xlsx：工作表“支委会”的 11 行与“会议记录明细”重复，只计一次",
        "注意：文件 8-党建工作台账导出.xlsx：工作表“党员大会”的 3 行与“会议记录明细”重复，只计一次",
    ]


def test_an_instruction_above_a_ledger_naming_absentees_does_not_make_it_a_list_of_what_was_not_done(tmp_path):
    from tests.intake.test_understand import workbook

    (tmp_path / "ledgers").mkdir()
    book = workbook(tmp_path / "ledgers" / "主题党日登记表.xlsx", {"Sheet1": [
        ["第一中学第一党支部主题党日活动登记表"], ["注：未参加人员请在备注中说明原因"],
        ["支部名称", "活动日期", "活动主题", "备注"], ["第一中学第一党支部", "2024-03-05", "重温入党誓词", "张三缺席"]]})
    result = intake(book)
    assert [(t.kind.kind.value, t.skipped) for t in result.tables] == [
        ("activity", [{"reason": "表头上方的标题行", "rows": 1, "at": "1"},
                      {"reason": "模板的填写说明", "rows": 1, "at": "2"}])]
    assert [(r.type, r.topic) for r in activity_records(result)] == [("主题党日", "重温入党誓词")]


def test_a_ledger_whose_header_is_not_understood_still_stops_the_run_beside_good_ones(tmp_path):
    """Dates beside activity types under a header that says nothing known: a ledger not understood — never left out
    with a note, which would report its unit's activities as missing."""
    folder = folder_of(tmp_path)
    (folder / "english.csv").write_text("Org,When,Kind\n第一中学第一党支部,2024-03-05,主题党日\n"
                                        "第一中学第一党支部,2024-04-09,支委会\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        intake(folder)
    assert str(caught.value).startswith("文件 english.csv：找不到台账表头：最像表头的是第 2 行")

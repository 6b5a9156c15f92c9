"""Reading real ledgers: encodings, title rows, merged cells, per-type sheets, date spellings, the data-quality
gate's rejected rows and warnings, layouts, and the self-check without a roster. Each test builds its ledger."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from compliance.engine.kinds import load_catalogue
from compliance.errors import InputError
from compliance.intake.result import Intake
from compliance.pipeline import NO_ROSTER, take_in
from compliance.render.common import issue_list
from tests.helpers import ORG_HEADER, ORGS, alias_roster, write_csv

AS_OF = dt.date(2024, 12, 31)


def intake(tmp: Path, *, with_roster: bool = True, layout: Path | None = None) -> Intake:
    return take_in([tmp / "ledgers"], alias_roster(tmp) if with_roster else None, load_catalogue(), AS_OF, layout)


def records(result: Intake) -> list[tuple]:
    """(org, date, type, topic, person, expected, present, discipline, source, sheet, row) per accepted row."""
    names = result.roster.names
    types = result.catalogue.activity_types
    out = []
    for r in result.gate.records.itertuples(index=False):
        table = result.tables[r.table]
        out.append((
            names[r.org], str(r.date)[:10], types[r.type], _none(r.topic), _none(r.person),
            None if pd.isna(r.expected) else int(r.expected),
            None if pd.isna(r.present) else int(r.present),
            _none(r.discipline), table.source, table.sheet, r.row,
        ))
    return out


def _none(value):
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def rejected(result: Intake) -> list[tuple]:
    return [(i["source"], i["sheet"], i["row"], i["column"], i["value"], i["reason"])
            for i in issue_list(result.rejected)]


def warnings(result: Intake) -> list[tuple]:
    return [(i["source"], i["sheet"], i["row"], i["column"], i["value"], i["reason"])
            for i in issue_list(result.warnings)]


def ledgers(tmp: Path) -> Path:
    folder = tmp / "ledgers"
    folder.mkdir(exist_ok=True)
    return folder


# ---- encodings -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16", "big5"])
def test_csv_encodings_are_detected(tmp_path, encoding):
    text = "組織,日期,類型,主講人\n一中一支部,2024-01-05,主題黨日,王　芳\n"
    (ledgers(tmp_path) / "台账.csv").write_bytes(text.encode(encoding))
    result = intake(tmp_path)
    assert records(result) == [
        ("一支部", "2024-01-05", "主题党日", None, "王芳", None, None, None, "台账.csv", None, 2),
    ]
    assert rejected(result) == []


def test_tab_separated_utf16_export(tmp_path):
    """Excel's “Unicode 文本” export: UTF-16 with a BOM, tab-separated."""
    text = "组织\t日期\t类型\n一支部\t2024-03-05\t党课\n"
    (ledgers(tmp_path) / "导出.csv").write_bytes(text.encode("utf-16"))
    assert [r[:3] for r in records(intake(tmp_path))] == [("一支部", "2024-03-05", "党课")]


# ---- workbooks: title rows, merged cells, per-type sheets, skipped sheets ---------------------------------------

def test_title_rows_merged_cells_and_skipped_sheets(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "主題黨日"
    sheet.append(["中共第一中学委员会2024年党建活动台账"])
    sheet.merge_cells("A1:E1")
    sheet.append(["填报单位：第一中学党委", None, None, "填报时间：2025年1月6日"])
    sheet.append(["支部名称", "活动日期", "活动主题", "应到人数", "实到人数"])
    sheet.append(["一中一支部", dt.datetime(2024, 1, 9), "重温入党誓词", 30, 28])
    sheet.append([None, 20240210, "参观红色教育基地", "30人", 27])
    sheet.append([None, "2024.3.5", "学习纪律处分条例", 30, 29])
    sheet.merge_cells("A4:A6")
    sheet.append([])
    sheet.append(["二支部", "2024年3月7日", "志愿服务", None, None])
    notes = book.create_sheet("填表说明")
    notes.append(["1. 每次活动填写一行"])
    notes.append(["2. 日期写作 2024年3月5日"])
    book.create_sheet("Sheet3")
    book.save(ledgers(tmp_path) / "一中台账.xlsx")

    result = intake(tmp_path)
    assert records(result) == [
        ("一支部", "2024-01-09", "主题党日", "重温入党誓词", None, 30, 28, None, "一中台账.xlsx", "主題黨日", 4),
        ("一支部", "2024-02-10", "主题党日", "参观红色教育基地", None, 30, 27, None, "一中台账.xlsx", "主題黨日", 5),
        ("一支部", "2024-03-05", "主题党日", "学习纪律处分条例", None, 30, 29, None, "一中台账.xlsx", "主題黨日", 6),
        ("二支部", "2024-03-07", "主题党日", "志愿服务", None, None, None, None, "一中台账.xlsx", "主題黨日", 8),
    ]
    [source] = result.sources
    # two title rows above the header, and the two rows of 填表说明: read, and skipped with the reason
    assert (source.read, source.accepted, source.rejected, source.blank, source.skipped) == (9, 4, 0, 1, 4)
    assert source.skipped_sheets == [
        {"sheet": "填表说明", "reason": "不是活动记录（名称“填表说明”：填写说明，不是记录）"},
        {"sheet": "Sheet3", "reason": "空表"},
    ]
    assert result.notes == ["文件 一中台账.xlsx：工作表“填表说明”不是活动记录（名称“填表说明”：填写说明，不是记录），跳过 2 行"]
    table, notes = result.tables
    assert (table.sheet, table.header_row, table.kind.kind, table.skipped) == (
        "主題黨日", 3, "activity", [{"reason": "表头上方的标题行", "rows": 2, "at": "1-2"}])
    assert (notes.sheet, notes.header_row, notes.kind.kind, notes.skipped) == ("填表说明", None, "other", [
        {"reason": "不是活动记录（名称“填表说明”：填写说明，不是记录）", "rows": 2, "at": "全部"}])
    assert table.mapping == {"支部名称": "组织", "活动日期": "日期", "活动主题": "主题", "应到人数": "应到",
                             "实到人数": "实到"}


def test_type_from_the_column_then_the_sheet_then_the_file(tmp_path):
    folder = ledgers(tmp_path)
    write_csv(folder / "领导干部调研报告登记表.csv", ["单位", "姓名", "完成时间", "报告题目"],
              [["一中党委", "王 芳", "2024年3月15日", "关于课后服务的调研"]])
    write_csv(folder / "支部活动.csv", ["组织", "日期", "类型"],
              [["一支部", "2024-04-02", "支委会议"], ["一支部", "2024-04-09", ""]])
    result = intake(tmp_path)
    assert records(result) == [
        ("一支部", "2024-04-02", "支部委员会", None, None, None, None, None, "支部活动.csv", None, 2),
        ("一中党委", "2024-03-15", "调研报告", "关于课后服务的调研", "王芳", None, None, None,
         "领导干部调研报告登记表.csv", None, 2),
    ]
    assert rejected(result) == [
        ("支部活动.csv", None, 3, "类型", None, "活动类型为空，且无法从工作表名或文件名确定"),
    ]


def test_organisation_from_the_file_name_when_the_ledger_has_no_organisation_column(tmp_path):
    write_csv(ledgers(tmp_path) / "一中一支部.csv", ["日期", "类型"], [["2024-05-06", "党课"]])
    write_csv(ledgers(tmp_path) / "活动.csv", ["日期", "类型"], [["2024-05-07", "党课"]])
    result = intake(tmp_path)
    assert [r[:3] for r in records(result)] == [("一支部", "2024-05-06", "党课")]
    assert rejected(result) == [
        ("活动.csv", None, 2, "组织", None,
         "表头中没有组织列，工作表名和文件名中也没有名册里的组织名称（可在格式文件 --layout 中用 org 指定）"),
    ]
    assert result.notes[0] == ("文件 活动.csv：无法确定组织（表头中没有组织列，工作表名和文件名中也没有名册里的组织名称），"
                               "全部 1 行未使用")


# ---- values: dates, organisations, counts -------------------------------------------------------------------------

def test_date_spellings_and_impossible_dates(tmp_path):
    rows = [
        ["一支部", "2024年3月5日", "党课"], ["一支部", "2024.3.5", "党课"], ["一支部", "2024/03/05", "党课"],
        ["一支部", "2024-3-5", "党课"], ["一支部", "20240305", "党课"], ["一支部", "２０２４年３月５日", "党课"],
        ["一支部", "45356", "党课"],
        ["一支部", "2024年13月5日", "党课"], ["一支部", "2024-02-30", "党课"], ["一支部", "三月五日", "党课"],
        ["一支部", "1900-01-05", "党课"], ["一支部", "", "党课"],
    ]
    write_csv(ledgers(tmp_path) / "台账.csv", ["组织", "日期", "类型"], rows)
    result = intake(tmp_path)
    assert [r[1] for r in records(result)] == ["2024-03-05"] * 7
    assert rejected(result) == [
        ("台账.csv", None, 9, "日期", "2024年13月5日", "日期“2024年13月5日”不存在"),
        ("台账.csv", None, 10, "日期", "2024-02-30", "日期“2024-02-30”不存在"),
        ("台账.csv", None, 11, "日期", "三月五日", "无法识别的日期“三月五日”，应写作 2024-03-05、2024年3月5日 或 20240305"),
        ("台账.csv", None, 12, "日期", "1900-01-05", "日期“1900-01-05”不在合理范围（1990-01-01 至 2099-12-31），可能填写有误"),
        ("台账.csv", None, 13, "日期", None, "日期为空"),
    ]


def test_excel_dates_serials_and_eight_digit_numbers(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "党课"
    sheet.append(["组织", "日期"])
    sheet.append(["一支部", dt.date(2024, 3, 5)])
    sheet.append(["一支部", 45356])
    sheet.append(["一支部", 20240305])
    sheet.append(["一支部", "20240305"])
    book.save(ledgers(tmp_path) / "党课.xlsx")
    assert [(r[1], r[2], r[10]) for r in records(intake(tmp_path))] == [
        ("2024-03-05", "党课", 2), ("2024-03-05", "党课", 3), ("2024-03-05", "党课", 4), ("2024-03-05", "党课", 5),
    ]


def test_organisation_names_aliases_and_the_closest_entries(tmp_path):
    rows = [["一 中 一 支 部", "2024-01-05", "党课"], ["ＹＩ支部", "2024-01-05", "党课"], ["二支布", "2024-01-05", "党课"],
            ["", "2024-01-05", "党课"]]
    write_csv(ledgers(tmp_path) / "台账.csv", ["组织", "日期", "类型"], rows)
    result = intake(tmp_path)
    assert [r[0] for r in records(result)] == ["一支部"]
    assert rejected(result) == [
        ("台账.csv", None, 3, "组织", "ＹＩ支部", "组织“YI支部”不在名册中，最接近的有：二支部、一支部"),
        ("台账.csv", None, 4, "组织", "二支布", "组织“二支布”不在名册中，最接近的有：二支部"),
        ("台账.csv", None, 5, "组织", None, "组织为空"),
    ]


def test_suspicious_values_are_warnings_and_the_row_still_counts(tmp_path):
    header = ["组织", "日期", "类型", "应到", "实到", "会前说纪", "备注"]
    rows = [["一支部", "2024-01-05", "支委会", "5", "7", "是", "x"],
            ["一支部", "2024-02-05", "支委会", "五", "-1", "也许", ""],
            ["一支部", "2025-01-05", "支委会", "5", "5", "√", ""]]
    write_csv(ledgers(tmp_path) / "台账.csv", header, rows)
    result = intake(tmp_path)
    assert [r[:8] for r in records(result)] == [
        ("一支部", "2024-01-05", "支部委员会", None, None, 5, 7, True),
        ("一支部", "2024-02-05", "支部委员会", None, None, None, None, None),
        ("一支部", "2025-01-05", "支部委员会", None, None, 5, 5, True),
    ]
    assert list(result.gate.counted) == [True, True, False]
    assert result.tables[0].unused == [
        {"column": "备注", "reason": "未识别的列，已忽略（可在格式文件 --layout 中说明它的含义）"}]
    assert warnings(result) == [
        ("台账.csv", None, 2, "实到", "7", "实到人数多于应到人数（应到 5）"),
        ("台账.csv", None, 3, "应到", "五", "人数“五”不是整数，按未填写处理"),
        ("台账.csv", None, 3, "实到", "-1", "人数“-1”为负数，按未填写处理"),
        ("台账.csv", None, 3, "会前说纪", "也许", "无法识别的标记“也许”，应填“是”或“否”，按未填写处理"),
        ("台账.csv", None, 4, "日期", "2025-01-05", "日期晚于检查日 2024-12-31，不计入本次检查"),
    ]
    gate = {(e["expectation"], e["column"]): (e["action"], e["unexpected"]) for e in result.gate.expectations}
    assert gate[("expect_column_pair_values_a_to_be_greater_than_b", "实到")] == ("warn", 1)
    assert gate[("expect_column_values_to_be_between", "应到")] == ("warn", 1)
    assert gate[("expect_column_values_to_be_between", "实到")] == ("warn", 1)
    assert gate[("expect_column_values_to_be_in_set", "会前说纪")] == ("warn", 1)
    assert [e for e in result.gate.expectations if e["column"] == "日期"] == [
        {"expectation": "expect_column_values_to_not_be_null", "column": "日期", "action": "reject", "unexpected": 0},
        {"expectation": "expect_column_values_to_be_between", "column": "日期", "action": "reject", "unexpected": 0},
        {"expectation": "expect_column_values_to_be_between", "column": "日期", "action": "exclude", "unexpected": 1},
    ]


# ---- without a roster ----------------------------------------------------------------------------------------------

def test_self_check_without_a_roster_infers_organisations_from_their_names(tmp_path):
    rows = [["第一中学第一党支部", "2024-01-05", "主题党日"], ["实验小学党总支", "2024-01-06", "主题党日"],
            ["區教育局黨組", "2024-01-07", "中心组学习"], ["区委教育工委", "2024-01-08", "中心组学习"],
            ["第一中学党委", "2024-01-09", "中心组学习"], ["第一中学", "2024-01-10", "主题党日"]]
    write_csv(ledgers(tmp_path) / "台账.csv", ["组织", "日期", "类型"], rows)
    result = intake(tmp_path, with_roster=False)
    assert [(o.name, o.type.value) for o in result.roster.orgs] == [
        ("区委教育工委", "党工委"), ("区教育局党组", "党组"), ("实验小学党总支", "党总支"), ("第一中学党委", "党委"),
        ("第一中学第一党支部", "党支部"),
    ]
    assert result.notes == [NO_ROSTER]
    assert rejected(result) == [
        ("台账.csv", None, 7, "组织", "第一中学",
         "未提供名册，且无法从名称“第一中学”判断组织类型（名称应以党支部、党总支、党委、党组或工委结尾）；请用 --roster 指定名册"),
    ]


# ---- whole files that cannot be read --------------------------------------------------------------------------

def test_files_that_cannot_be_read_name_the_file_and_the_reason(tmp_path):
    folder = ledgers(tmp_path)
    cases = {
        "空文件.csv": (b"", "文件 空文件.csv：文件为空（0 字节）"),
        "只有空行.csv": (b",,\n,,\n", "文件 只有空行.csv：文件为空（没有任何内容）"),
        "不是台账.csv": ("姓名,电话\n张三,123\n".encode(), "文件 不是台账.csv：找不到台账表头：最像表头的是第 1 行（姓名、电话），其中看得懂的列：姓名（主讲人）。表头应至少说明以下两项：组织、日期、类型、主题、主讲人、应到、实到、会前说纪（如“所在党支部”“实际会议时间”“会议类型”）。列名写法特殊时，请用格式文件 --layout 说明各列的含义（compliance layout suggest 可生成一份草稿）"),
        "损坏.xlsx": (b"PK\x03\x04 not really a zip", "文件 损坏.xlsx：无法读取工作簿（文件损坏或并非表格文件）"),
        "加密.xlsx": ((Path(__file__).resolve().parents[1] / "data" / "protected.xlsx").read_bytes(),
                    "文件 加密.xlsx：工作簿受密码保护，无法读取；请在 Excel/WPS 中取消密码后另存，再重新检查"),
    }
    for name, (data, message) in cases.items():
        for old in folder.iterdir():
            old.unlink()
        (folder / name).write_bytes(data)
        with pytest.raises(InputError) as caught:
            intake(tmp_path)
        assert str(caught.value).startswith(message), name


def test_a_roster_workbook_missing_a_sheet(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "组织"
    book.active.append(ORG_HEADER)
    book.active.append(ORGS[0])
    book.save(tmp_path / "名册.xlsx")
    write_csv(ledgers(tmp_path) / "台账.csv", ["组织", "日期", "类型"], [["区委教育工委", "2024-01-05", "党课"]])
    with pytest.raises(InputError) as caught:
        take_in([tmp_path / "ledgers"], tmp_path / "名册.xlsx", load_catalogue(), AS_OF)
    assert str(caught.value) == f"文件 {tmp_path / '名册.xlsx'}：名册缺少工作表“领导干部”（现有工作表：组织）"


# ---- layouts ------------------------------------------------------------------------------------------------------

def test_a_layout_maps_headers_and_fixes_type_and_organisation(tmp_path):
    folder = ledgers(tmp_path)
    write_csv(folder / "甲.csv", ["开展时间", "活动名称", "到会"], [["2024-06-03", "学习", "12"]])
    write_csv(folder / "乙.csv", ["说明"], [["时间", "内容"], ["2024-06-04", "研讨"]])
    layout = tmp_path / "layout.yaml"
    layout.write_text(
        "sources:\n"
        "  - file: 甲.csv\n    columns: {开展时间: 日期, 活动名称: 主题, 到会: 实到}\n    type: 党日活动\n    org: 一中一支部\n"
        "  - file: 乙*\n    header_row: 2\n    type: 党课\n    org: 二支部\n"
        "  - file: 丙.xlsx\n    sheet: 台账\n",
        encoding="utf-8",
    )
    result = intake(tmp_path, layout=layout)
    assert records(result) == [
        ("二支部", "2024-06-04", "党课", "研讨", None, None, None, None, "乙.csv", None, 3),
        ("一支部", "2024-06-03", "主题党日", "学习", None, None, 12, None, "甲.csv", None, 2),
    ]
    assert result.notes == [f"格式文件 {layout}：第 3 项（file: 丙.xlsx，sheet: 台账）没有匹配到任何文件或工作表"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sources:\n  - file: a.csv\n    columns: {开展时间: 时间}\n",
         "格式文件无效。\n第 1 项（file: a.csv）的键“columns”：“开展时间”对应的“时间”不是规范列名，应为 组织、日期、类型、主题、主讲人、应到、实到、会前说纪、缺席、参会人员 之一"),
        ("sources:\n  - file: a.csv\n    header: 2\n", "格式文件无效。\n第 1 项（file: a.csv）的键“header”：未知的键（实际为 2）"),
        ("sources:\n  - file: a.csv\n    header_row: 0\n", "格式文件无效。\n第 1 项（file: a.csv）的键“header_row”：不能小于 1（实际为 0）"),
        ("sources:\n  - file: a.csv\n    type: 联谊活动\n", "格式文件无效。\n第 1 项的键“type”：未知的活动类型“联谊活动”"),
        ("sources: [\n", "YAML 语法错误："),
        ("- a\n", "格式文件的顶层应为映射（sources 列表）"),
    ],
)
def test_a_broken_layout_file_is_named_with_entry_and_key(tmp_path, text, message):
    write_csv(ledgers(tmp_path) / "a.csv", ["组织", "日期", "类型"], [["一支部", "2024-01-05", "党课"]])
    layout = tmp_path / "layout.yaml"
    layout.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        intake(tmp_path, layout=layout)
    assert str(caught.value).startswith(f"文件 {layout}")
    assert caught.value.message.startswith(message)


def test_a_merged_range_below_the_last_value_is_ignored(tmp_path):
    """Found by the fuzz suite: merged cells under the ledger (empty, so the sheet ends above them) broke reading."""
    book = openpyxl.Workbook()
    book.active.append(["组织", "日期", "类型"])
    book.active.append(["一支部", "2024-03-05", "主题党日"])
    book.active.merge_cells("A3:B5")
    book.active.merge_cells("A2:A4")  # starts on the last row with a value, runs past it
    book.save(ledgers(tmp_path) / "台账.xlsx")
    result = intake(tmp_path)
    assert [(s.read, s.accepted, s.rejected, s.blank) for s in result.sources] == [(1, 1, 0, 0)]
    assert [r[:3] for r in records(result)] == [("一支部", "2024-03-05", "主题党日")]


@pytest.mark.parametrize("quoted", [True, False])
def test_a_csv_with_or_without_a_line_break_in_a_cell(tmp_path, quoted):
    """A cell holding a line break is quoted, and the rows after it keep the line they start on; a CSV without any
    quote is parsed without looking for line breaks in cells (issue 20), to the same records."""
    topic = '"学习\n党章"' if quoted else "学习党章"
    text = f"组织,日期,类型,主题\n一支部,2024-03-05,主题党日,{topic}\n一支部,2024-04-05,主题党日,重温誓词\n"
    (ledgers(tmp_path) / "台账.csv").write_text(text, encoding="utf-8")
    result = intake(tmp_path)
    assert [(r[0], r[1], r[3], r[10]) for r in records(result)] == [
        ("一支部", "2024-03-05", "学习 党章" if quoted else "学习党章", 2),
        ("一支部", "2024-04-05", "重温誓词", 4 if quoted else 3),
    ]

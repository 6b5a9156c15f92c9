"""What real ledger folders hold (issue 15): the same file reached twice or copied, WPS files and workbooks under
the wrong name, links, attachments — each read once, or listed, never silently counted twice or skipped."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import pytest

from compliance.engine.kinds import load_catalogue
from compliance.errors import InputError
from compliance.pipeline import take_in
from tests.helpers import activity_records, write_csv
from tests.intake.test_ingest import records
from tests.intake.test_understand import district, workbook

REPO = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2024, 12, 31)


def branch_book(path: Path, day: str = "2024-03-05") -> Path:
    return workbook(path, {"台账": [["支部名称", "活动日期", "活动类型", "活动主题"],
                                   ["一中第一党支部", day, "主题党日", "重温入党誓词"]]})


def run(paths: list[Path], roster: Path):
    return take_in(paths, roster, load_catalogue(), AS_OF)


def test_a_file_reached_twice_is_read_once(tmp_path):
    roster = district(tmp_path)
    base = tmp_path / "ledgers"
    book = branch_book(base / "一支部.xlsx")
    (base / "链接.xlsx").symlink_to(book)
    result = run([base, book, tmp_path / "ledgers" / ".." / "ledgers"], roster)
    assert [(r[0], r[1], r[8]) for r in records(result)] == [("第一中学第一党支部", "2024-03-05", "一支部.xlsx")]
    assert result.notes == ["以下文件或文件夹在给出的路径中出现不止一次（同一位置、链接），只读取了一次：链接.xlsx、一支部.xlsx"]


def test_a_byte_identical_copy_is_read_once_and_both_names_are_said(tmp_path):
    roster = district(tmp_path)
    book = branch_book(tmp_path / "ledgers" / "第一中学台账.xlsx")
    shutil.copy(book, tmp_path / "ledgers" / "第一中学台账(1).xlsx")
    result = run([tmp_path / "ledgers"], roster)
    assert len(records(result)) == 1
    assert [s.source for s in result.sources] == ["第一中学台账.xlsx"]  # the original, not the copy
    assert result.notes == ["以下文件内容完全相同，只读取了“第一中学台账.xlsx”：第一中学台账(1).xlsx、第一中学台账.xlsx"]


def test_workbooks_are_known_by_their_bytes_and_attachments_are_listed(tmp_path):
    roster = district(tmp_path)
    ledgers = tmp_path / "ledgers"
    xls = REPO / "fixtures" / "messy" / "ledgers" / "区教育局党组.xls"  # BIFF, as WPS .et files are too
    shutil.copy(xls, ledgers / "局党组.et")
    branch_book(ledgers / "另存为.xls", "2024-04-09")  # an .xlsx saved under the old extension
    branch_book(ledgers / "没有扩展名", "2024-05-07")
    (ledgers / "子文件夹").mkdir()
    branch_book(ledgers / "子文件夹" / "二.xlsx", "2024-06-04")
    (ledgers / "链接的文件夹").symlink_to(ledgers / "子文件夹", target_is_directory=True)
    (ledgers / "子文件夹" / "回到上层").symlink_to(ledgers, target_is_directory=True)  # a loop
    with zipfile.ZipFile(ledgers / "会议纪要.docx", "w") as docx:
        docx.writestr("word/document.xml", "<w:document/>")
    (ledgers / "合影.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(100))
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500)
    (ledgers / "附件.doc").write_bytes(ole + "WordDocument".encode("utf-16-le") + "Workbook".encode("utf-16-le"))
    (ledgers / "保密.docx").write_bytes(ole + "EncryptedPackage".encode("utf-16-le"))  # any Office file locked
    (ledgers / "说明.pdf").write_bytes(b"%PDF-1.4\n")
    result = run([ledgers], roster)
    assert [(s.source, s.read) for s in result.sources] == [  # 会议纪要.docx: a Word document, damaged
        ("会议纪要.docx", 0), ("另存为.xls", 1), ("子文件夹/二.xlsx", 1), ("局党组.et", 8), ("没有扩展名", 1)]  # 局党组: a title row
    assert [(r[8], r[1]) for r in records(result)] == [
        ("另存为.xls", "2024-04-09"), ("子文件夹/二.xlsx", "2024-06-04"), ("没有扩展名", "2024-05-07")]
    # the linked folder is the folder itself: its files are not read again (nor is the loop followed), and it says so
    assert result.notes[:4] == [
        "以下文件或文件夹在给出的路径中出现不止一次（同一位置、链接），只读取了一次：子文件夹/回到上层/、链接的文件夹/",
        "以下文件不是台账表格，未读取：保密.docx、合影.jpg、说明.pdf",
        "以下是旧版 Word/WPS 文字文档，未读取；如是会议记录，请在 Word/WPS 中另存为 .docx 后重新检查：附件.doc",
        "文件 会议纪要.docx：不是活动记录（无法读取的 Word 文档（文件损坏，或不是 .docx；请在 Word/WPS 中打开后另存为"
        " .docx）），跳过 0 行"]


def test_a_file_named_like_a_workbook_that_cannot_be_read_stops_the_run(tmp_path):
    roster = district(tmp_path)
    (tmp_path / "ledgers" / "台账.et").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    with pytest.raises(InputError, match=r"^文件 台账\.et：无法读取工作簿（文件损坏或并非表格文件）"):
        run([tmp_path / "ledgers"], roster)


def test_a_folder_of_attachments_only_says_what_it_found(tmp_path):
    roster = district(tmp_path)
    (tmp_path / "ledgers" / "说明.pdf").write_bytes(b"%PDF-1.4\n")
    with pytest.raises(InputError) as caught:
        run([tmp_path / "ledgers"], roster)
    assert str(caught.value).endswith("；以下文件不是台账表格，未读取：说明.pdf")


def test_csv_is_still_read(tmp_path):
    roster = district(tmp_path)
    write_csv(tmp_path / "ledgers" / "一支部.csv", ["支部名称", "活动日期", "活动类型"],
              [["一中第一党支部", "2024-03-05", "主题党日"]])
    assert [r[:3] for r in records(run([tmp_path / "ledgers"], roster))] == [
        ("第一中学第一党支部", "2024-03-05", "主题党日")]


def test_a_record_repeated_is_counted_once_and_every_repeat_is_said(tmp_path):
    from compliance.pipeline import run_check
    from compliance.render.common import issue_list
    from tests.helpers import activity_records

    roster = district(tmp_path)
    rows = [["一中第一党支部", "2024-03-05", "支委会", "研究3月工作", "李明"],
            ["一中第一党支部", "2024-03-05", "支委会", "研究3月工作", "李明"],  # pasted twice
            ["一中第一党支部", "2024-03-05", "支委会", "研究发展党员", "李明"],  # another meeting that day
            ["第一中学党委", "2024-04-15", "调研报告", "关于课后服务的调研", "王芳"]]
    header = ["组织", "日期", "类型", "主题", "主讲人"]
    workbook(tmp_path / "ledgers" / "第一中学.xlsx", {
        "第一党支部": [header, *rows[:3]],
        "党委汇总": [header, rows[0], rows[3], rows[3]],  # the unit's summary repeats its branch's rows
    })
    result = run_check([tmp_path / "ledgers"], roster, as_of=AS_OF)
    assert [(r.org, str(r.date), r.topic, r.sheet, r.row) for r in activity_records(result)] == [
        ("第一中学第一党支部", "2024-03-05", "研究3月工作", "第一党支部", 2),
        ("第一中学第一党支部", "2024-03-05", "研究发展党员", "第一党支部", 4),
        ("第一中学党委", "2024-04-15", "关于课后服务的调研", "党委汇总", 3),
    ]
    assert [(w["sheet"], w["row"], w["reason"]) for w in issue_list(result.warnings)] == [
        ("党委汇总", 2, "疑似重复记录：与文件 第一中学.xlsx，工作表“第一党支部”，第 2 行相同（组织、日期、类型、主题、主讲人），只计一次"),
        ("党委汇总", 4, "疑似重复记录：与文件 第一中学.xlsx，工作表“党委汇总”，第 3 行相同（组织、日期、类型、主题、主讲人），只计一次"),
        ("第一党支部", 3, "疑似重复记录：与文件 第一中学.xlsx，工作表“第一党支部”，第 2 行相同（组织、日期、类型、主题、主讲人），只计一次"),
    ]
    assert [(s.read, s.accepted, s.rejected, s.blank) for s in result.sources] == [(6, 6, 0, 0)]
    # one research report, not two: 王芳 still owes the second of the year
    reports = [f for f in result.findings() if f["rule"] == "leader-research-yearly" and f["person"] == "王芳"]
    assert [(f["status"], f["actual"], f["expected"]) for f in reports] == [("violation", 1, 2)]


def test_footer_rows_are_blank_rows_with_the_reason(tmp_path):
    from compliance.render.common import issue_list

    roster = district(tmp_path)
    workbook(tmp_path / "ledgers" / "一支部.xlsx", {"台账": [
        ["支部名称", "活动日期", "活动类型", "应到", "实到"],
        ["一中第一党支部", "2024-03-05", "支委会", 5, 5],
        ["一中第一党支部", "2024-04-09", "支委会", 5, 4],
        ["合 计", None, None, 10, 9],
        [None, "填表人：孙小红", None, "审核人：李明", None],
        ["填报日期：2025年1月6日"],
    ]})
    result = run([tmp_path / "ledgers"], roster)
    assert result.exit_code() == 0  # a clean ledger with its footer passes an upload pipeline
    assert [(s.read, s.accepted, s.rejected, s.blank) for s in result.sources] == [(5, 2, 0, 3)]
    assert [(w["row"], w["value"], w["reason"]) for w in issue_list(result.warnings)] == [
        (4, "合 计", "表尾的合计、签名或日期行，不是活动记录，按空行计"),
        (5, "填表人：孙小红", "表尾的合计、签名或日期行，不是活动记录，按空行计"),
        (6, "填报日期：2025年1月6日", "表尾的合计、签名或日期行，不是活动记录，按空行计"),
    ]


def test_tables_stacked_in_one_sheet_each_have_their_own_header(tmp_path):
    roster = district(tmp_path)
    workbook(tmp_path / "ledgers" / "第一中学.xlsx", {"台账": [
        ["第一党支部"],
        ["支部名称", "活动日期", "活动类型", "主讲人"],
        ["一中第一党支部", "2024-03-05", "党课", "李明"],
        [],
        ["第二党支部"],
        ["主讲人", "活动类型", "活动日期", "支部名称"],  # the same names, in another order
        ["王芳", "党课", "2024-03-12", "第一中学第二党支部"],
    ]})
    result = run([tmp_path / "ledgers"], roster)
    assert [(t.header_row, list(t.mapping.values())) for t in result.tables] == [
        (2, ["组织", "日期", "类型", "主讲人"]), (6, ["主讲人", "类型", "日期", "组织"])]
    assert [(r[0], r[1], r[4], r[10]) for r in records(result)] == [
        ("第一中学第一党支部", "2024-03-05", "李明", 3), ("第一中学第二党支部", "2024-03-12", "王芳", 7)]
    assert result.rejected.empty
    # the title row above each header is its table's, skipped with the reason; the blank row between is no one's
    assert [(s.read, s.accepted, s.blank, s.skipped) for s in result.sources] == [(4, 2, 0, 2)]
    assert [t.skipped for t in result.tables] == [[{"reason": "表头上方的标题行", "rows": 1, "at": "1"}],
                                                  [{"reason": "表头上方的标题行", "rows": 1, "at": "5"}]]


def test_a_lecturer_with_a_post_is_credited_and_a_near_miss_is_said(tmp_path):
    from compliance.render.common import issue_list

    roster = district(tmp_path)
    write_csv(tmp_path / "ledgers" / "党课.csv", ["支部名称", "授课日期", "活动类型", "授课人"],
              [["一中第一党支部", "2024-03-05", "党课", "李明（书记）"],
               ["一中第一党支部", "2024-04-09", "党课", "李明明"],  # one character too many
               ["一中第一党支部", "2024-05-07", "党课", "王方\n张三"],  # two-letter names one apart: two people
               ["一中第一党支部", "2024-06-04", "党课", "刘洋 校长"]])  # not a leader here, nor near one
    result = run([tmp_path / "ledgers"], roster)
    assert [r[4] for r in records(result)] == ["李明", "李明明", "王方、张三", "刘洋"]
    assert [(w["row"], w["value"], w["reason"]) for w in issue_list(result.warnings)] == [
        (3, "李明明", "“李明明”与本单位领导干部“李明”只差一个字，未计为其本人；如是同一人，请更正台账或名册"),
    ]


def test_a_row_naming_two_types_counts_for_each(tmp_path):
    from compliance.render.common import issue_list

    roster = district(tmp_path)
    write_csv(tmp_path / "ledgers" / "一支部.csv", ["支部名称", "活动日期", "活动类型", "活动主题"],
              [["一中第一党支部", "2024-03-05", "主題黨日暨黨課", "学习党章"],
               ["一中第一党支部", "2024-03-12", "支委会、党小组会", "研究3月工作"],
               ["一中第一党支部", "2024-03-19", "主题党日、联谊活动", "参观"]])  # one of them unknown: not split
    result = run([tmp_path / "ledgers"], roster)
    assert [r[:4] for r in records(result)] == [
        ("第一中学第一党支部", "2024-03-05", "主题党日", "学习党章"), ("第一中学第一党支部", "2024-03-05", "党课", "学习党章"),
        ("第一中学第一党支部", "2024-03-12", "支部委员会", "研究3月工作"),
        ("第一中学第一党支部", "2024-03-12", "党小组会", "研究3月工作")]
    assert [(s.read, s.accepted, s.rejected) for s in result.sources] == [(3, 2, 1)]  # rows, not records
    assert [(w["row"], w["reason"]) for w in issue_list(result.warnings)] == [
        (2, "一行写了几种活动（主题党日、党课），每种各计一次"),
        (3, "一行写了几种活动（支部委员会、党小组会），每种各计一次")]
    assert [r["reason"] for r in issue_list(result.rejected)] == ["未知的活动类型“主题党日、联谊活动”"]


def test_a_record_before_the_audited_range_is_said_unless_a_rule_looks_back_to_it(tmp_path):
    from compliance.pipeline import run_check
    from compliance.render.common import issue_list

    roster = district(tmp_path)
    write_csv(tmp_path / "ledgers" / "一支部.csv", ["支部名称", "活动日期", "活动类型"],
              [["一中第一党支部", "2023-12-05", "主题党日"],  # a slip for 2024-12-05, most likely
               ["一中第一党支部", "2022-06-20", "换届选举"],  # the last election: the 3-year rule looks back to it
               ["一中第一党支部", "2024-01-09", "主题党日"]])
    result = run_check([tmp_path / "ledgers"], roster, as_of=AS_OF)
    assert [(w["row"], w["value"], w["reason"]) for w in issue_list(result.warnings)] == [
        (2, "2023-12-05", "日期在检查期间 2024 之前，本次检查不计入")]


def test_hidden_sheets_hidden_rows_and_formulas_without_a_value_are_said(tmp_path):
    import openpyxl

    from compliance.render.common import issue_list

    roster = district(tmp_path)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "台账"
    for row in [["支部名称", "活动日期", "活动类型", "应到", "实到"],
                ["一中第一党支部", "2024-03-05", "支委会", 5, 5],
                ["一中第一党支部", "2024-04-09", "支委会", 5, 4],
                ["一中第一党支部", "2024-05-07", "支委会", 5, "=D4-1"]]:
        sheet.append(row)
    sheet.row_dimensions[3].hidden = True  # hidden by hand, or by a filter: the same flag
    old = book.create_sheet("旧数据")
    old.sheet_state = "hidden"
    old.append(["支部名称", "活动日期", "活动类型"])
    old.append(["一中第一党支部", "2023-06-05", "支委会"])
    book.save(tmp_path / "ledgers" / "一支部.xlsx")  # openpyxl saves no calculated values, as exports often do
    result = run([tmp_path / "ledgers"], roster)
    assert [(r[1], r[5], r[6]) for r in records(result)] == [
        ("2024-03-05", 5, 5), ("2024-04-09", 5, 4), ("2024-05-07", 5, None), ("2023-06-05", None, None)]
    assert [(w["sheet"], w["row"], w["column"], w["reason"]) for w in issue_list(result.warnings)] == [
        ("台账", 3, None, "隐藏的行（手动隐藏或被筛选隐藏），已读取"),
        ("台账", 4, "实到", "公式没有保存的计算结果，请在 Excel 或 WPS 中打开并保存后再检查"),
        ("旧数据", 1, None, "隐藏的工作表，已读取（其中的行同样计入）"),
    ]


def test_tables_side_by_side_are_two_tables(tmp_path):
    roster = district(tmp_path)
    workbook(tmp_path / "ledgers" / "第一中学.xlsx", {"台账": [
        ["第一党支部", None, None, None, "第二党支部"],
        ["支部名称", "活动日期", "活动类型", None, "支部名称", "活动日期", "活动类型"],
        ["一中第一党支部", "2024-03-05", "主题党日", None, "第一中学第二党支部", "2024-03-06", "主题党日"],
        ["一中第一党支部", "2024-04-09", "主题党日"],
    ]})
    result = run([tmp_path / "ledgers"], roster)
    assert [(t.header_row, t.mapping) for t in result.tables] == [
        (2, {"支部名称": "组织", "活动日期": "日期", "活动类型": "类型"})] * 2
    assert sorted((r[0], r[1], r[10]) for r in records(result)) == [
        ("第一中学第一党支部", "2024-03-05", 3), ("第一中学第一党支部", "2024-04-09", 4),
        ("第一中学第二党支部", "2024-03-06", 3)]
    assert result.rejected.empty
    # the right table's 2nd row is blank; the title row over both tables is counted once, as the left one's
    assert [(s.read, s.accepted, s.blank, s.skipped) for s in result.sources] == [(5, 3, 1, 1)]


def test_a_name_two_leaders_above_the_row_share_is_said(tmp_path):
    from compliance.render.common import issue_list
    from tests.helpers import LEADER_HEADER
    from tests.intake.test_understand import LEADERS

    roster = district(tmp_path)
    write_csv(roster / "领导干部.csv", LEADER_HEADER, [*LEADERS, ["李明", "区委教育工委", "副书记", "2020-01-01", ""]])
    write_csv(tmp_path / "ledgers" / "党课.csv", ["支部名称", "授课日期", "活动类型", "授课人"],
              [["一中第一党支部", "2024-03-05", "党课", "李明"], ["一中第一党支部", "2024-04-09", "党课", "王芳"]])
    result = run([tmp_path / "ledgers"], roster)
    assert [(w["row"], w["reason"]) for w in issue_list(result.warnings)] == [
        (2, "“李明”是本单位及上级单位的 2 位同名领导干部（区委教育工委、第一中学党委），已计入每一位；如只是其中一位，请在台账中注明")]


def test_one_character_apart():
    from compliance.intake.gate import _one_apart

    assert _one_apart("李明明", "李明") and _one_apart("赵志钢", "赵志刚") and _one_apart("李明", "李明明")
    assert not _one_apart("王强", "王芳") and not _one_apart("张明", "李明") and not _one_apart("李明", "李明")


def test_a_row_naming_two_types_is_one_meeting_for_attendance(tmp_path):
    from compliance.pipeline import run_check

    roster = district(tmp_path)
    write_csv(tmp_path / "ledgers" / "一支部.csv", ["支部名称", "活动日期", "活动类型", "应到", "实到"],
              [["一中第一党支部", "2024-03-05", "主题党日暨党课", "10", "5"],
               ["一中第一党支部", "2024-04-05", "主题党日", "10", "10"]])
    (attendance,) = run_check([tmp_path / "ledgers"], roster, as_of=AS_OF).stats["attendance"]
    assert (attendance["meetings"], attendance["expected"], attendance["present"], attendance["rate"]) == (
        2, 20, 15, 0.75)


def test_a_row_naming_two_types_repeats_only_the_type_recorded_before(tmp_path):
    from compliance.pipeline import run_check
    from compliance.render.common import issue_list

    roster = district(tmp_path)
    write_csv(tmp_path / "ledgers" / "一支部.csv", ["支部名称", "活动日期", "活动类型", "活动主题"],
              [["一中第一党支部", "2024-03-05", "主题党日", "学习党章"],
               ["一中第一党支部", "2024-03-05", "主题党日暨党课", "学习党章"]])
    result = run_check([tmp_path / "ledgers"], roster, as_of=AS_OF)
    counted = [(r.type, r.row) for r in activity_records(result)]
    assert counted == [("主题党日", 2), ("党课", 3)]  # the theme day once; the lecture it also was, counted
    assert [(w["row"], w["reason"]) for w in issue_list(result.warnings)] == [
        (3, "一行写了几种活动（主题党日、党课），每种各计一次"),
        (3, "疑似重复记录：与文件 一支部.csv，第 2 行相同（组织、日期、类型、主题、主讲人），只计一次")]


def test_a_lower_table_naming_more_columns_does_not_hide_the_upper_one(tmp_path):
    roster = district(tmp_path)
    workbook(tmp_path / "ledgers" / "一支部.xlsx", {"台账": [
        ["组织", "日期", "类型", "主题"],
        ["一中第一党支部", "2024-03-10", "主题党日", "学习"], ["一中第一党支部", "2024-04-10", "主题党日", "参观"],
        [],
        ["支部名称", "会议时间", "会议类型", "会议内容", "应到人数", "实到人数"],  # other words, more columns
        ["一中第一党支部", "2024-03-25", "支部党员大会", "大会", 30, 28],
    ]})
    result = run([tmp_path / "ledgers"], roster)
    assert [(t.header_row, len(t.mapping)) for t in result.tables] == [(1, 4), (5, 6)]
    assert [(r[1], r[2], r[6]) for r in records(result)] == [
        ("2024-03-10", "主题党日", None), ("2024-04-10", "主题党日", None), ("2024-03-25", "支部党员大会", 28)]
    assert [(s.read, s.accepted, s.blank) for s in result.sources] == [(3, 3, 0)]

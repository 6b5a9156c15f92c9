"""``findings.xlsx``: the problem list (问题清单) inspection teams hand out, one row per finding, with empty
整改责任人 / 整改时限 / 整改情况 columns for the unit to fill in; a second sheet lists the rejected rows.

Every cell from a ledger is written as text, never as a formula, and text starting with = + - @ or a control
character is marked quote-prefixed, so Excel shows it and does not evaluate it. The file is byte-identical for the
same findings: the workbook's dates are the as-of date and the zip entries carry a fixed timestamp.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from copy import copy
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from compliance.domain import Severity, Status
from compliance.render.common import issue_list
from compliance.render.printing import print_setup

if TYPE_CHECKING:
    from compliance.findings.result import CheckResult

FILENAME = "findings.xlsx"
HEADER = ("序号", "单位", "上级单位", "领导干部", "规则", "规则编号", "依据", "期间", "问题描述", "严重程度", "状态",
          "整改责任人", "整改时限", "整改情况")
ISSUE_HEADER = ("文件", "工作表", "行", "列", "值", "原因", "组织")
FILL = {
    Status.VIOLATION.value: "F4C7C3",
    Status.DUE.value: "FCE8B2",
    Status.UNVERIFIABLE.value: "E0E0E0",
    Status.WAIVED.value: "D2E3FC",
}
_ACTIVE = ("=", "+", "-", "@", "\t", "\r", "\n")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in an xlsx cell
EPOCH = (1980, 1, 1, 0, 0, 0)


def text_cell(sheet, row: int, column: int, value) -> None:
    """Write ``value`` so that Excel can only ever show it: numbers stay numbers, everything else is text."""
    cell = sheet.cell(row=row, column=column)
    if value is None:
        return
    if isinstance(value, int | float) and not isinstance(value, bool):
        cell.value = value
        return
    value = _CONTROL.sub("\ufffd", str(value))
    cell.value = value
    cell.data_type = "s"
    if value.startswith(_ACTIVE):
        cell.quotePrefix = True


def _width(values) -> float:
    longest = max((sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(v)) for v in values
                   if v is not None), default=4)
    return min(max(longest + 2, 6), MAX_WIDTH)


MAX_WIDTH = 40  # characters: a wider column would shrink the whole printed page
LINE_HEIGHT = 15  # points a wrapped line takes at the default 11 pt (CJK fonts included)
MAX_LINES = 27  # a row is never taller than a page of A4 landscape (LibreOffice cuts it otherwise)
# the problem list on paper: A4 landscape, one page wide at ≥ 8 pt (measured through LibreOffice → PDF): what an
# inspector reads is wide, 严重程度 narrow, and 规则编号 — the stable id, for filters and machines — hidden (0)
PAPER: dict[str, float] = {
    "序号": 4, "单位": 13, "上级单位": 9, "领导干部": 7, "规则": 16, "规则编号": 0, "依据": 14, "期间": 9,
         "问题描述": 26, "严重程度": 5, "状态": 6, "整改责任人": 8, "整改时限": 11, "整改情况": 14}


def _lines(value, width: float) -> int:
    """Lines ``value`` wraps to in a column ``width`` characters wide (a CJK character counts two; estimated from
    the UTF-8 length, which is 3 bytes for CJK and 1 for ASCII, so no loop per character)."""
    if value is None:
        return 1
    usable = max(width - 1.5, 1)
    return sum(max(1, -(-(len(part.encode("utf-8")) + len(part)) // int(2 * usable)))
               for part in str(value).split("\n"))


def _heights(sheet, header: tuple[str, ...], rows: list[list], widths: list[float]) -> None:
    """Row heights for wrapped text: LibreOffice does not grow a row to its text when it opens a file, and a
    wrapped cell then runs over the next row."""
    for r, values in enumerate(rows, start=2):
        lines = max(_lines(value, width) for value, width in zip(values, widths, strict=True) if width)
        if lines > 1:
            sheet.row_dimensions[r].height = min(lines, MAX_LINES) * LINE_HEIGHT
    lines = max(_lines(name, width) for name, width in zip(header, widths, strict=True) if width)
    if lines > 1:
        sheet.row_dimensions[1].height = lines * LINE_HEIGHT


def _sheet(book: Workbook, title: str, header: tuple[str, ...], rows: list[list],
           widths: dict[str, float] | None = None) -> None:
    """A sheet of ``rows`` under ``header``; column widths fitted to the text, or ``widths`` where given."""
    sheet = book.create_sheet(title)
    for column, name in enumerate(header, start=1):
        text_cell(sheet, 1, column, name)
        cell = sheet.cell(row=1, column=column)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEEEEE")
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    wrapped = None  # style once, then copy the style ids: openpyxl's per-cell style lookup dominates big lists
    for r, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=r, column=column)
            if wrapped is None:
                cell.alignment = Alignment(vertical="top", wrap_text=True)
                wrapped = copy(cell._style)
            else:
                cell._style = copy(wrapped)
            text_cell(sheet, r, column, value)
    fitted = [widths[name] if widths else _width([name, *(row[column - 1] for row in rows)])
              for column, name in enumerate(header, start=1)]
    for column, width in enumerate(fitted, start=1):
        dimension = sheet.column_dimensions[get_column_letter(column)]
        if width:
            dimension.width = width
        else:  # hidden on paper and on screen; “取消隐藏” shows it
            dimension.width, dimension.hidden = _width([header[column - 1]]), True
    _heights(sheet, header, rows, fitted)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(len(rows) + 1, 1)}"
    print_setup(sheet, "1:1")


STATS_HEADER = ("组织", "年度", "规则", "规则编号", "检查期数", "按时完成", "完成率", "按时开展月份数")
ATTENDANCE_HEADER = ("组织", "年度", "会议数", "应到合计", "实到合计", "出席率", "出席率最低的会议")


def _deadline_column(sheet, column: int, rows: int, as_of) -> None:
    """整改时限 is typed in by the unit: shown as a date, and Excel and WPS accept only a date on or after the
    check (a Chinese message says so)."""
    letter = get_column_letter(column)
    last = max(rows + 1, 2)
    for (cell,) in sheet.iter_rows(min_row=2, max_row=last, min_col=column, max_col=column):
        cell.number_format = "yyyy-mm-dd"
    rule = DataValidation(type="date", operator="greaterThanOrEqual", formula1=f"DATE({as_of.year},{as_of.month},"
                          f"{as_of.day})", allow_blank=True, showErrorMessage=True, showInputMessage=True,
                          errorTitle="整改时限", error=f"请填写 {as_of} 或以后的日期，如 {as_of.year + 1}-03-31。",
                          promptTitle="整改时限", prompt="填写日期，如 2025-03-31")
    rule.add(f"{letter}2:{letter}{last}")
    sheet.add_data_validation(rule)


def _percent_column(sheet, column: int) -> None:
    """Rates stay numbers (so that Excel sorts and sums them), shown as percentages."""
    for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
        cell.number_format = "0.0%"


def workbook(result: CheckResult) -> Workbook:
    """The problem list as a workbook: sheets 问题清单 (the findings to rectify), 拒收的行, 统计 and 出席率."""
    catalogue = result.catalogue
    rules = {rule.id: rule for rule in catalogue.rules}
    parents = dict(zip(result.roster.names, result.roster.org_table.parents, strict=True))
    book = Workbook()
    book.remove(book.worksheets[0])  # the new workbook's empty sheet
    rows = []
    for number, finding in enumerate(result.findings(), start=1):
        rule = rules[finding["rule"]]
        description = finding["message"]
        if finding["waiver"]:
            waiver = finding["waiver"]
            description += f"（已豁免：{waiver['reason']}，批准：{waiver['approved_by']}）"
        rows.append([
            number, finding["org"], parents.get(finding["org"]), finding["person"], rule.title, rule.id,
            catalogue.source_text(rule), finding["period"], description, Severity(finding["severity"]).chinese,
            Status(finding["status"]).chinese, None, None, None,
        ])
    _sheet(book, "问题清单", HEADER, rows, widths=PAPER)
    sheet = book["问题清单"]
    status_column = HEADER.index("状态") + 1
    for r, finding in enumerate(result.findings(), start=2):
        fill = FILL.get(finding["status"])
        if fill:
            sheet.cell(row=r, column=status_column).fill = PatternFill("solid", fgColor=fill)
    _deadline_column(sheet, HEADER.index("整改时限") + 1, len(rows), result.as_of)
    issues = [[i["source"], i["sheet"], i["row"], i["column"], i["value"], i["reason"], i["org"]]
              for i in issue_list(result.rejected)]
    _sheet(book, "拒收的行", ISSUE_HEADER, issues)
    titles = {rule.id: rule.title for rule in catalogue.rules}
    stats = result.stats
    totals = {(item["org"], item["year"]): item for item in stats["by_org"]}
    rows, last = [], None
    for item in stats["by_rule"]:
        if (item["org"], item["year"]) != last:
            last = (item["org"], item["year"])
            total = totals[last]
            rows.append([item["org"], item["year"], "（全部规则）", None, total["judged"], total["met"],
                         total["rate"], None])
        rows.append([item["org"], item["year"], titles[item["rule"]], item["rule"], item["judged"], item["met"],
                     item["rate"], item.get("months_on_time")])
    _sheet(book, "统计", STATS_HEADER, rows)
    _percent_column(book["统计"], STATS_HEADER.index("完成率") + 1)
    _sheet(book, "出席率", ATTENDANCE_HEADER, [
        [a["org"], a["year"], a["meetings"], a["expected"], a["present"], a["rate"],
         f"{a['lowest']['date']} {a['lowest']['type']}（{a['lowest']['present']}/{a['lowest']['expected']}）"]
        for a in stats["attendance"]])
    _percent_column(book["出席率"], ATTENDANCE_HEADER.index("出席率") + 1)
    moment = datetime(result.as_of.year, result.as_of.month, result.as_of.day)
    book.properties.creator = "compliance"
    book.properties.created = moment
    book.properties.title = f"党建活动台账问题清单 {result.audit.label}"
    return book


def save(book: Workbook, path: Path, moment: datetime) -> None:
    """Save with fixed dates: openpyxl stamps the save time into docProps/core.xml and every zip entry."""
    raw = io.BytesIO()
    book.save(raw)
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data)
            target.writestr(zipfile.ZipInfo(info.filename, date_time=EPOCH), data, zipfile.ZIP_DEFLATED)
    path.write_bytes(out.getvalue())


def render(result: CheckResult, out_dir: Path) -> list[Path]:
    """Write findings.xlsx into ``out_dir``, dated with the as-of date (the same inputs give the same bytes); the
    file written."""
    path = out_dir / FILENAME
    save(workbook(result), path, datetime(result.as_of.year, result.as_of.month, result.as_of.day))
    return [path]

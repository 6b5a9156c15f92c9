"""``compliance template``: a blank ledger in the canonical layout, for a branch to fill in.

The sheet 台账 has the canonical header; the 类型 column offers the catalogue's canonical types as a drop-down
(Excel data validation, the list kept on the 填写说明 sheet so it may be longer than Excel's 255-character
inline limit), 日期 is formatted as a date, 应到/实到 accept whole numbers, 会前说纪 是/否. With ``--org`` the
organisation is written above the header and the sheet is named after it, so the rows need no 组织 column. The
second sheet, 填写说明, explains each column. A ledger filled into it passes ``compliance validate`` as it is.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

from compliance.config.catalogue import Catalogue
from compliance.errors import InputError

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

ROWS = 500  # rows prepared with formats and drop-downs
FIXED_MOMENT = datetime(2024, 1, 1)  # what the template claims as created/modified: its bytes never change
EXPLAIN = {
    "组织": "开展活动的党组织，写名册中的全称或别名（如“第一中学第一党支部”或“一中第一党支部”）。",
    "日期": "活动日期，如 2024-03-05；也可写 2024年3月5日。",
    "类型": "活动类型，从下拉列表中选择（见本页右侧的类型列表）。",
    "主题": "活动主题或内容；主题党日、党课等须填写。",
    "主讲人": "党课的授课人、调研报告的作者、培训的学员；多人用“、”分隔。",
    "应到": "应到人数，整数。",
    "实到": "实到人数，整数，不多于应到人数。",
    "会前说纪": "会前是否说纪，填“是”或“否”。",
}
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")


def write_template(out: Path, catalogue: Catalogue, org: str | None = None) -> Path:
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from compliance.render.printing import print_setup
    from compliance.render.xlsx import save

    if out.suffix.lower() != ".xlsx":
        raise InputError("模板文件名应以 .xlsx 结尾", source=str(out))
    # The sheet's name carries the organisation, when Excel allows it as a sheet name; else the column stays.
    named = org is not None and 0 < len(org) <= 31 and not _SHEET_UNSAFE.search(org)
    columns = [c for c in EXPLAIN if not (named and c == "组织")]
    book = openpyxl.Workbook()
    sheet = cast("Worksheet", book.active)  # a new workbook's one sheet
    sheet.title = org if named and org is not None else "台账"
    sheet.append([f"填报单位：{org}" if org else "党组织活动台账"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(columns)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center")
    sheet.freeze_panes = "A3"
    first, last = 3, 2 + ROWS

    notes = book.create_sheet("填写说明")
    notes.append(["列名", "填写说明", "", "活动类型（下拉列表）"])
    for name in EXPLAIN:
        notes.append([name, EXPLAIN[name]])
    types = list(catalogue.activity_types)
    for i, name in enumerate(types, start=2):
        notes.cell(row=i, column=4, value=name)
    notes.column_dimensions["B"].width = 70
    notes.column_dimensions["D"].width = 24

    def letter(name: str) -> str:
        return get_column_letter(columns.index(name) + 1)

    def validate(name: str, rule: DataValidation) -> None:
        rule.add(f"{letter(name)}{first}:{letter(name)}{last}")
        sheet.add_data_validation(rule)

    validate("类型", DataValidation(type="list", formula1=f"'填写说明'!$D$2:$D${len(types) + 1}", allow_blank=True,
                                  showErrorMessage=True, errorTitle="活动类型", error="请从下拉列表中选择活动类型"))
    validate("会前说纪", DataValidation(type="list", formula1='"是,否"', allow_blank=True))
    for name in ("应到", "实到"):
        validate(name, DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                                      showErrorMessage=True, error="请填写整数人数"))
    validate("日期", DataValidation(type="date", operator="greaterThan", formula1="32874", allow_blank=True,
                                  showErrorMessage=True, errorTitle="日期", error="请填写日期，如 2024-03-05"))
    for row in range(first, last + 1):
        sheet[f"{letter('日期')}{row}"].number_format = "yyyy-mm-dd"
    widths = {"组织": 24, "日期": 12, "类型": 18, "主题": 36, "主讲人": 12}
    for name in columns:
        sheet.column_dimensions[letter(name)].width = widths.get(name, 10)
    print_setup(sheet, "1:2")
    print_setup(notes, "1:1")
    book.properties.creator = "compliance"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        save(book, out, FIXED_MOMENT)  # the same template bytes every time
    except OSError as exc:
        raise InputError(f"无法写入模板：{exc.strerror or exc}", source=str(out)) from None
    return out

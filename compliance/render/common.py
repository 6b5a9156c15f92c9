"""What several formats show alike: rejected rows and warnings as dicts, and the inputs read with their
reconciliation. (Where a finding points in the ledgers is ``locate``.)"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict, cast

import pandas as pd

from compliance.intake.issues import ISSUE_COLUMNS

if TYPE_CHECKING:
    from compliance.intake.normalise import SourceSummary, TableInfo
    from compliance.intake.shapes import IssueRow, SkippedRows, SkippedSheet, UnusedColumn

# C0 controls but tab and line breaks, DEL and C1 controls, as their visible pictures: an escape sequence in a
# ledger's cell must not recolour, erase or rewrite a terminal or a CI log
CONTROLS = {c: 0x2400 + c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)} | {0x7F: 0x2421} | {
    c: 0xFFFD for c in range(0x80, 0xA0)}
LINE_BREAK = re.compile("\r\n|\r|\n")


def one_line(text: str) -> str:
    """Text for one line of a terminal or a log: a line break in a cell shown as ⏎, control characters as their
    pictures, so that every item stays one line whatever the ledger holds."""
    return LINE_BREAK.sub("⏎", text).translate(CONTROLS)


def place_parts(source: str, sheet: str | None, row: int | None) -> list[str]:
    """``文件 a.xlsx``, ``工作表“一支部”``, ``第 5 行`` — or for a meeting's minutes, which have no row, ``文件
    党员大会.docx``, ``表格2`` (the sheet is the record's place in the document: 表格, 表格2, 正文)."""
    from compliance.intake.minutes import SUFFIXES

    parts = [f"文件 {source}"]
    if sheet:
        document = row is None and str(source).lower().endswith(SUFFIXES)
        parts.append(sheet if document else f"工作表“{sheet}”")
    if row is not None:
        parts.append(f"第 {row} 行")
    return parts


def issue_list(frame: pd.DataFrame) -> list[IssueRow]:
    out: list[IssueRow] = []
    for row in frame.itertuples(index=False):
        item: dict[str, Any] = {}
        for column in ISSUE_COLUMNS:
            value = getattr(row, column)
            item[column] = None if value is None or (not isinstance(value, str) and pd.isna(value)) else value
        item["row"] = None if item["row"] is None else int(item["row"])
        out.append(cast("IssueRow", item))  # ISSUE_COLUMNS are IssueRow's keys
    return out


def skipped_text(sources) -> str:
    """The reconciliation's last term, “ + 跳过 N”, when rows were skipped (title rows, tables that are no activity
    record …); nothing otherwise."""
    skipped = sum(s.skipped for s in sources)
    return f" + 跳过 {skipped}" if skipped else ""


class InputTable(TypedDict):
    """One table of a ledger file, as ``inputs`` describes it."""

    sheet: str | None
    header_row: int | None
    columns: dict[str, str]
    unused: list[UnusedColumn]
    from_name: dict[str, str]
    inferred: dict[str, str]
    kind: str
    why: str | None
    skipped: list[SkippedRows]
    activities: NotRequired[int]  # an attendance list's (one row per member)
    accepted: NotRequired[int | None]


class InputFile(TypedDict):
    """One ledger file read, as findings.json's and validate's ``inputs`` list it."""

    source: str
    sha256: str
    read: int
    accepted: int
    rejected: int
    blank: int
    skipped: int
    tables: list[InputTable]
    skipped_sheets: list[SkippedSheet]


def inputs(sources: list[SourceSummary], tables: list[TableInfo]) -> list[InputFile]:
    """Per ledger file: identity, reconciliation (read = accepted + rejected + blank + skipped), every table with
    what it was taken to be (``kind``, and ``why`` when it is no activity ledger), the header row chosen, what each
    header was taken to mean, the headers not used and why, what the sheet's or file's name gave (类型, 组织), the
    rows skipped with the reason, and the sheets skipped."""
    return [
        {
            "source": s.source,
            "sha256": s.sha256,
            "read": s.read,
            "accepted": s.accepted,
            "rejected": s.rejected,
            "blank": s.blank,
            "skipped": s.skipped,
            "tables": [_input_table(tables[t]) for t in s.tables],
            "skipped_sheets": s.skipped_sheets,
        }
        for s in sources
    ]


def _input_table(table: TableInfo) -> InputTable:
    described: InputTable = {
        "sheet": table.sheet, "header_row": table.header_row, "columns": table.mapping, "unused": table.unused,
        "from_name": table.from_name, "inferred": table.inferred, "kind": table.kind.kind.value,
        "why": table.kind.why, "skipped": table.skipped,
    }
    if table.activities is not None:  # an attendance list: the activities it makes, from how many rows
        described["activities"] = table.activities
        described["accepted"] = table.accepted
    return described

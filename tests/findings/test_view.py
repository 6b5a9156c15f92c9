"""The records behind each finding (``compliance.findings.view.evidence_pairs``): in ledger order — file, sheet
(none first), row — whatever order the engine listed them in; the findings' own order kept."""

from __future__ import annotations

import numpy as np
import pandas as pd

from compliance.domain import Severity, Status
from compliance.findings.table import Judgements
from compliance.findings.view import distinct_records, evidence_pairs
from compliance.intake.normalise import TableInfo


def judgements(statuses: list[Status], pairs: list[tuple[int, int]]) -> Judgements:
    n = len(statuses)
    frame = pd.DataFrame({
        "rule": ["theme-day-monthly"] * n, "severity": [Severity.ERROR] * n, "status": statuses,
        "org": ["一支部"] * n, "person": [None] * n, "period": [f"2024-{m:02d}" for m in range(1, n + 1)],
        "start": pd.to_datetime([f"2024-{m:02d}-01" for m in range(1, n + 1)]),
        "end": pd.to_datetime([f"2024-{m:02d}-28" for m in range(1, n + 1)]),
        "expected": pd.array([1] * n, dtype="Int64"), "actual": pd.array([0] * n, dtype="Int64"),
        "message": ["不足"] * n,
    })
    return Judgements.from_frame(frame, pd.DataFrame(pairs, columns=["judgement", "record"]))


def test_evidence_in_ledger_order_across_files_sheets_and_tables_of_one_sheet():
    tables = [
        TableInfo("一支部台账.xlsx", "2024年", 3, frozenset()),  # 0
        TableInfo("支部工作记录.csv", None, 1, frozenset()),  # 1
        TableInfo("一支部台账.xlsx", "2023年", 3, frozenset()),  # 2
        TableInfo("会议记录.docx", "表格2", None, frozenset()),  # 3
        TableInfo("一支部台账.xlsx", "2024年", 40, frozenset()),  # 4: a second table further down the same sheet
    ]
    # records: (table, row)
    records = pd.DataFrame({"table": [0, 1, 2, 3, 4, 0, 1, 4], "row": [9, 5, 30, 1, 41, 45, 2, 44]})
    table = judgements([Status.VIOLATION, Status.MET, Status.VIOLATION],
                       [(0, r) for r in range(8)] + [(1, 0), (2, 6), (2, 2)])
    judgement, record = evidence_pairs(table, table.reported, records, tables)
    # 一支部台账.xlsx before 会议记录.docx before 支部工作记录.csv (code points: 一 < 会 < 支); in the workbook the
    # sheet 2023年 before 2024年, and on 2024年 the rows of its two tables in row order
    assert list(zip(judgement.tolist(), record.tolist(), strict=True)) == [
        (0, 2), (0, 0), (0, 4), (0, 7), (0, 5), (0, 3), (0, 6), (0, 1),
        (2, 2), (2, 6),  # the met judgement's record is no finding's evidence
    ]


def test_a_csv_without_sheet_comes_before_the_sheets_of_its_name():
    tables = [TableInfo("台账", "一月", 1, frozenset()), TableInfo("台账", None, 1, frozenset())]
    records = pd.DataFrame({"table": [0, 1], "row": [2, 7]})
    table = judgements([Status.VIOLATION], [(0, 0), (0, 1)])
    assert evidence_pairs(table, table.reported, records, tables)[1].tolist() == [1, 0]


def test_distinct_records_are_numpy_unique():
    record = np.array([7, 2, 7, 0, 2, 9])
    distinct, back = distinct_records(record, 12)
    expected, inverse = np.unique(record, return_inverse=True)
    assert distinct.tolist() == expected.tolist() == [0, 2, 7, 9]
    assert back.tolist() == inverse.tolist() == [2, 1, 2, 0, 1, 3]

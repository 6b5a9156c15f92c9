"""The findings in their documented shape (README, "findings.json"): one dict per finding, in table order, with
the waiver that covers it, its baseline mark and the records behind it. Every output reads these, or the table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from compliance.findings.stats import day_texts
from compliance.intake.attendance import rows_text

if TYPE_CHECKING:
    from compliance.config.catalogue import Catalogue
    from compliance.findings.table import Judgements
    from compliance.findings.waivers import Waiver
    from compliance.intake.normalise import TableInfo

# The table's columns a finding shows as they are, in the documented order; then waiver, baseline and evidence.
FIELDS = ("rule", "severity", "status", "org", "person", "period", "expected", "actual", "message")
EVIDENCE_FIELDS = ("source", "sheet", "row", "date", "type")
# … and ``rows`` (“3-14”), only for a record standing for several rows: an attendance list's activity


def finding_dicts(judgements: Judgements, records: pd.DataFrame, tables: list[TableInfo], catalogue: Catalogue,
                  waivers: tuple[Waiver, ...] = ()) -> list[dict]:
    """The reported judgements as findings.json's finding dicts, in the table's order, each with its evidence (file,
    sheet, row) and, when waived, its waiver."""
    rows = judgements.reported
    evidence = _evidence_lists(judgements, rows, records, tables, catalogue)
    columns = {name: values_at(judgements[name], rows) for name in FIELDS}
    out = []
    for values, position, number, was, mark in zip(
        zip(*columns.values(), strict=True), rows.tolist(), judgements["waiver"][rows].tolist(),
        judgements["was"][rows].tolist(), judgements["baseline"][rows].tolist(), strict=True,
    ):
        item = dict(zip(FIELDS, values, strict=True))
        item["waiver"] = waiver_dict(waivers[number], was) if number >= 0 else None
        item["baseline"] = mark
        item["evidence"] = evidence.get(position, [])
        out.append(item)
    return out


def waiver_dict(waiver: Waiver, was) -> dict:
    """The waiver a finding shows: which, why, who approved it, until when, and the status it had."""
    return {"number": waiver.number, "reason": waiver.reason, "approved_by": waiver.approved_by,
            "expires": waiver.expires.isoformat() if waiver.expires else None, "was": was}


def values_at(column, rows: np.ndarray) -> list:
    """A column's values at ``rows`` as Python objects; nullable integers as int or None."""
    if isinstance(column, pd.arrays.IntegerArray):
        return column[rows].to_numpy(object, na_value=None).tolist()  # type: ignore[arg-type]  # (pandas-stubs: no None)
    return column[rows].tolist()


def evidence_pairs(judgements: Judgements, rows: np.ndarray, records: pd.DataFrame,
                   tables: list[TableInfo]) -> tuple[np.ndarray, np.ndarray]:
    """The records behind the findings at ``rows``: (judgement, record) pairs sorted by judgement, and within one
    in ledger order — file, sheet (none first), row; ties by record."""
    chosen = np.zeros(len(judgements), dtype=bool)  # a mask, not np.isin: no sort of two million pairs
    chosen[rows] = True
    keep = chosen[judgements.evidence_judgement]
    judgement, record = judgements.evidence_judgement[keep], judgements.evidence_record[keep]
    if not len(record):
        return judgement, record
    distinct, at = distinct_records(record, len(records))  # each record ranked once, however many findings cite it
    # the tables in ledger order (file, then sheet, none first; tables of one file and sheet rank equal), then each
    # record by its table's place and its row: integers sorted, not strings per record
    places = [(t.source, t.sheet is not None, t.sheet or "") for t in tables]
    place_of = {place: i for i, place in enumerate(sorted(set(places)))}
    table_place = np.array([place_of[place] for place in places], dtype=np.int64)
    placed = np.lexsort((records["row"].to_numpy()[distinct], table_place[records["table"].to_numpy()[distinct]]))
    rank = np.empty(len(distinct), dtype=np.int64)
    rank[placed] = np.arange(len(distinct))
    order = np.lexsort((rank[at], judgement))
    return judgement[order], record[order]


def distinct_records(record: np.ndarray, bound: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(record, return_inverse=True)`` for record numbers (below ``bound``, the number of records), by
    marking them in a mask rather than sorting them."""
    seen = np.zeros(bound, dtype=bool)
    seen[record] = True
    distinct = np.flatnonzero(seen)
    position = np.zeros(bound, dtype=np.int64)
    position[distinct] = np.arange(len(distinct))
    return distinct, position[record]


def evidence_columns(records: pd.DataFrame, tables: list[TableInfo], catalogue: Catalogue,
                     at: np.ndarray) -> dict[str, list]:
    """The evidence fields of the records at ``at``, as Python values: file, sheet (None for a CSV), row, date,
    activity type; and ``rows``, the rows of an attendance list's activity (None for a record of one row). A
    meeting's minutes have no row: their sheet is their place in the document (表格2, 正文)."""
    from compliance.intake.kinds import TableKind

    table = records["table"].to_numpy()[at]
    sheets = [t.sheet if isinstance(t.sheet, str) else None for t in tables]
    in_document = np.array([t.kind.kind is TableKind.MINUTES for t in tables], dtype=bool)[table]
    rows = records["row"].to_numpy()[at].astype(object)
    several: list[str | None] = [None] * len(at)
    for k in np.flatnonzero(np.isin(table, [t for t, info in enumerate(tables) if info.members])).tolist():
        if members := tables[table[k]].members.get(int(rows[k])):
            several[k] = rows_text(members)
    rows[in_document] = None
    out = {
        "source": np.array([t.source for t in tables], dtype=object)[table].tolist(),
        "sheet": np.array(sheets, dtype=object)[table].tolist(),
        "row": rows.tolist(),
        "date": day_texts(records["date"].to_numpy()[at]),
        "type": np.array(catalogue.activity_types, dtype=object)[records["type"].to_numpy()[at]].tolist(),
        "rows": several,
    }
    if "count" in records.columns:  # count-table cells among them (compliance.intake.counts): a month, a number
        counts = records["count"].array[at].to_numpy(object, na_value=None).tolist()
        names = records["counted"].to_numpy(object)[at].tolist()
        out["count"], out["text"] = counts, [None] * len(counts)
        for i, (n, name) in enumerate(zip(counts, names, strict=True)):
            if n is not None:
                out["date"][i] = out["date"][i][:7]
                out["text"][i] = count_text(out["date"][i], name, n)
    return out


def count_text(month: str, counted: str, n: int) -> str:
    """A count-table cell as evidence: 2024年3月统计表：支委会 0 次."""
    year, number = month.split("-")
    return f"{year}年{int(number)}月统计表：{counted} {n} 次"


def _evidence_lists(judgements: Judgements, rows: np.ndarray, records: pd.DataFrame, tables: list[TableInfo],
                    catalogue: Catalogue) -> dict[int, list[dict]]:
    """Per finding (its position in the table), its records: file, sheet, row, date and type, in ledger order. Each
    record's dict is made once and shared by the findings it stands behind."""
    judgement, record = evidence_pairs(judgements, rows, records, tables)
    if not len(record):
        return {}
    distinct, back = distinct_records(record, len(records))
    fields = evidence_columns(records, tables, catalogue, distinct)
    items = [dict(zip(EVIDENCE_FIELDS, values, strict=True))
             for values in zip(*(fields[name] for name in EVIDENCE_FIELDS), strict=True)]
    for item, rows in zip(items, fields["rows"], strict=True):
        if rows is not None:
            item["rows"] = rows
    if "count" in fields:  # a month's count says so: {…, "count": 0, "text": "2024年3月统计表：支委会 0 次"}
        for item, n, text in zip(items, fields["count"], fields["text"], strict=True):
            if n is not None:
                item.update(count=n, text=text)
    out: dict[int, list[dict]] = {}
    for position, k in zip(judgement.tolist(), back.tolist(), strict=True):
        out.setdefault(position, []).append(items[k])
    return out

"""The findings in their documented shape (README, "findings.json"): one dict per finding, in table order, with
the waiver that covers it, its baseline mark and the records behind it. Every output reads these, or the table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from compliance.frames import frame as make_frame

if TYPE_CHECKING:
    from compliance.config.catalogue import Catalogue
    from compliance.findings.table import Judgements
    from compliance.findings.waivers import Waiver
    from compliance.intake.normalise import TableInfo

# The table's columns a finding shows as they are, in the documented order; then waiver, baseline and evidence.
FIELDS = ("rule", "severity", "status", "org", "person", "period", "expected", "actual", "message")


def finding_dicts(judgements: Judgements, records: pd.DataFrame, tables: list[TableInfo], catalogue: Catalogue,
                  waivers: tuple[Waiver, ...] = ()) -> list[dict]:
    rows = judgements.reported
    evidence = _evidence_lists(judgements, rows, records, tables, catalogue)
    columns = {name: _values(judgements[name], rows) for name in FIELDS}
    out = []
    for values, position, number, was, mark in zip(
        zip(*columns.values(), strict=True), rows.tolist(), judgements["waiver"][rows].tolist(),
        judgements["was"][rows].tolist(), judgements["baseline"][rows].tolist(), strict=True,
    ):
        item = dict(zip(FIELDS, values, strict=True))
        item["waiver"] = None
        if number >= 0:
            waiver = waivers[number]
            item["waiver"] = {"number": waiver.number, "reason": waiver.reason, "approved_by": waiver.approved_by,
                              "expires": waiver.expires.isoformat() if waiver.expires else None, "was": was}
        item["baseline"] = mark
        item["evidence"] = evidence.get(position, [])
        out.append(item)
    return out


def _values(column, rows: np.ndarray) -> list:
    """A column's values at ``rows`` as Python objects; nullable integers as int or None."""
    if isinstance(column, pd.arrays.IntegerArray):
        return column[rows].to_numpy(object, na_value=None).tolist()
    return column[rows].tolist()


def _evidence_lists(judgements: Judgements, rows: np.ndarray, records: pd.DataFrame, tables: list[TableInfo],
                    catalogue: Catalogue) -> dict[int, list[dict]]:
    """Per finding (its position in the table), its records: file, sheet, row, date and type, in ledger order."""
    keep = np.isin(judgements.evidence_judgement, rows)
    if not keep.any():
        return {}
    rec = judgements.evidence_record[keep]
    table = records["table"].to_numpy()[rec]
    frame = make_frame(
        {
            "judgement": judgements.evidence_judgement[keep],
            "source": np.array([t.source for t in tables], dtype=object)[table],
            "sheet": np.array([t.sheet for t in tables], dtype=object)[table],
            "row": records["row"].to_numpy()[rec],
            "date": records["date"].to_numpy("datetime64[D]")[rec].astype(str).astype(object),
            "type": np.array(catalogue.activity_types, dtype=object)[records["type"].to_numpy()[rec]],
        }
    ).sort_values(["judgement", "source", "sheet", "row"], na_position="first", kind="stable")
    out: dict[int, list[dict]] = {}
    for judgement, source, sheet, row, day, kind in zip(
        *(frame[c].tolist() for c in ("judgement", "source", "sheet", "row", "date", "type")), strict=True
    ):
        out.setdefault(judgement, []).append(
            {"source": source, "sheet": sheet if isinstance(sheet, str) else None, "row": row, "date": day,
             "type": kind}
        )
    return out

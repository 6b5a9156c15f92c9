"""The ledger held against the minutes (issue 31): a meeting both record — the same organisation, day and type —
is one meeting, counted once (the ledger's row) with its minutes named beside it in the evidence; a ledger row of
an organisation that keeps minutes, of a type minutes are expected for (the catalogue's ``minutes_types``: 三会一课),
with no minutes of its day and type, is listed (台账有记载、未见会议记录): what an inspection reading the 会议记录本
looks for. Minutes with no ledger row are records like any other. Each record is marked ``backed`` when it has
minutes (it is minutes, or a ledger row they back): what the ``minutes`` rule kind judges.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from compliance.intake.kinds import TableKind
from compliance.intake.normalise import TableInfo

UNBACKED = "台账有记载、未见会议记录（同一组织、日期、活动类型的会议记录没有找到）"


@dataclass(frozen=True)
class Backing:
    """``twins``: (ledger record, minutes record) per meeting both give, as positions among the gate's records;
    ``unbacked``: the ledger records with no minutes, of the organisations that keep minutes and of the types
    minutes are expected for; ``backed``: per record, does it have minutes (it is minutes, or a ledger record of a
    meeting they record too)."""

    twins: np.ndarray  # shape (n, 2), int64
    unbacked: np.ndarray  # int64
    backed: np.ndarray  # bool per record

    @classmethod
    def none(cls, minutes: np.ndarray) -> Backing:
        return cls(np.empty((0, 2), dtype=np.int64), np.empty(0, dtype=np.int64), minutes)


def minutes_mask(records: pd.DataFrame, tables: list[TableInfo]) -> np.ndarray:
    """Per record: does it come from minutes?"""
    is_minutes = np.array([t.kind.kind is TableKind.MINUTES for t in tables], dtype=bool)
    return is_minutes[records["table"].to_numpy()] if len(tables) else np.zeros(len(records), dtype=bool)


def pair(records: pd.DataFrame, counted: np.ndarray, tables: list[TableInfo], expected: np.ndarray) -> Backing:
    """The meetings both the ledger and the minutes record, and the ledger rows the minutes do not back (records
    that do not count — after the as-of date, repeats — take no part). ``expected``: per position of the activity
    vocabulary, are minutes expected for that type."""
    minutes = minutes_mask(records, tables)
    if not minutes.any() or minutes.all():
        return Backing.none(minutes)
    key = pd.DataFrame({"org": records["org"].to_numpy(np.int64),
                        "day": records["date"].to_numpy("datetime64[D]").astype(np.int64),
                        "type": records["type"].to_numpy(np.int64)})
    code = key.groupby(list(key.columns), sort=False).ngroup().to_numpy()
    ledger_at = np.flatnonzero(~minutes & counted)
    minutes_at = np.flatnonzero(minutes & counted)
    first_ledger = np.full(code.max() + 1, -1, dtype=np.int64)
    first_ledger[code[ledger_at[::-1]]] = ledger_at[::-1]  # the earliest ledger row of each meeting
    twin_of = first_ledger[code[minutes_at]]
    twins = np.column_stack([twin_of, minutes_at])[twin_of >= 0]
    backed = np.zeros(code.max() + 1, dtype=bool)
    backed[code[minutes_at]] = True
    keeps = np.zeros(int(records["org"].max()) + 1, dtype=bool)
    keeps[records["org"].to_numpy(np.int64)[minutes_at]] = True  # organisations whose minutes were read
    org = records["org"].to_numpy(np.int64)
    kind = records["type"].to_numpy(np.int64)
    unbacked = ledger_at[~backed[code[ledger_at]] & keeps[org[ledger_at]] & expected[kind[ledger_at]]]
    has_minutes = minutes | backed[code]
    return Backing(twins.astype(np.int64), unbacked.astype(np.int64), has_minutes)

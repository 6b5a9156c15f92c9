"""What a rule kind returns: ``Cells``, one row per judged unit (an organisation's or a leader's period, or one
record) with the flags the engine turns into a status, and evidence pairs (cell, record); and the helpers kinds
share to build them — counting records per (subject, period) and wording a shortfall.

Kinds never print, raise for bad data, or decide severity or status.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from compliance.frames import frame as make_frame

CELL_COLUMNS = (
    "org",  # roster index of the organisation judged (a leader's unit for per-person cells)
    "leader",  # roster index of the leader judged, -1 for organisation cells
    "period",  # label: 2024-03, 2024-Q1, 2024-H1, 2024, or a date
    "start",  # first day of what was judged
    "end",  # last day of what was judged
    "expected",  # the number required (nullable)
    "actual",  # the number found (nullable)
    "passed",
    "closed",  # the judged interval is over (or the failure can no longer be mended)
    "unverifiable",  # the evidence column is missing from the ledgers
    "message",  # Chinese, for cells that did not pass
)


@dataclass
class Cells:
    frame: pd.DataFrame  # CELL_COLUMNS
    evidence: pd.DataFrame  # columns: cell (row of frame), record (row of ctx.records)

    @classmethod
    def build(cls, evidence: tuple[np.ndarray, np.ndarray] | None = None, **columns) -> Cells:
        """Cells from exactly the CELL_COLUMNS (a missing or an unknown one is a programming error, said at once)."""
        if set(columns) != set(CELL_COLUMNS):
            raise TypeError(f"Cells need exactly {CELL_COLUMNS}: missing {set(CELL_COLUMNS) - set(columns)}, "
                            f"unknown {set(columns) - set(CELL_COLUMNS)}")
        frame = make_frame({name: columns[name] for name in CELL_COLUMNS})
        cell, record = evidence if evidence is not None else (np.array([], np.int64), np.array([], np.int64))
        return cls(frame, pd.DataFrame({"cell": cell.astype(np.int64), "record": record.astype(np.int64)}))

    def keep(self, mask: np.ndarray) -> Cells:
        """Only the cells at ``mask``, their evidence renumbered."""
        if mask.all():
            return self
        renumber = np.cumsum(mask) - 1
        kept = self.evidence[mask[self.evidence["cell"].to_numpy()]]
        evidence = pd.DataFrame({"cell": renumber[kept["cell"].to_numpy()], "record": kept["record"].to_numpy()})
        return Cells(self.frame[mask].reset_index(drop=True), evidence)


def counts_by_key(keys: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(keys, minlength=size)[:size] if size else np.zeros(0, dtype=np.int64)




@dataclass
class Grid:
    """Judged (subject, period) cells of a subjects × periods table, with record counts and evidence."""

    subject: np.ndarray  # position in the subjects array
    period: np.ndarray  # position in the periods array
    actual: np.ndarray
    evidence: tuple[np.ndarray, np.ndarray]  # (cell, record)


def count_grid(judged: np.ndarray, subject_of: np.ndarray, period_of: np.ndarray, records: np.ndarray) -> Grid:
    """Count records per judged cell. ``judged`` is a bool matrix subjects × periods; ``subject_of`` and
    ``period_of`` give each record's cell coordinates (already restricted to valid ones)."""
    n_subjects, n_periods = judged.shape
    flat = np.flatnonzero(judged.ravel())
    cell_of = np.full(n_subjects * n_periods, -1, dtype=np.int64)
    cell_of[flat] = np.arange(len(flat))
    keys = subject_of.astype(np.int64) * n_periods + period_of.astype(np.int64)
    counts = counts_by_key(keys, n_subjects * n_periods)[flat]
    cells = cell_of[keys] if len(keys) else np.zeros(0, dtype=np.int64)
    kept = cells >= 0
    subject, period = np.divmod(flat, n_periods) if n_periods else (flat, flat)
    return Grid(subject, period, counts, (cells[kept], records[kept]))


PERSON_UNVERIFIABLE = "台账中没有“主讲人”（或“姓名”）列，无法核验本人的记录"


def shortfall_messages(
    passed: np.ndarray, closed: np.ndarray, what: Callable[[int], str], actual: np.ndarray, minimum: int,
    ends: np.ndarray,
) -> np.ndarray:
    """“2024-03 主题党日 0 次，应至少 1 次” for violations; due cells add the deadline. ``what(i)`` describes
    cell i (asked only for the cells that did not pass)."""
    out = np.full(len(passed), None, dtype=object)
    for i in np.flatnonzero(~passed):
        text = f"{what(int(i))} {actual[i]} 次，应至少 {minimum} 次"
        out[i] = text if closed[i] else f"尚未完成：{text}，截止 {ends[i]}"
    return out

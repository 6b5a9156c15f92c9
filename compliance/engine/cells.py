"""What a rule kind returns: ``Cells``, one row per judged unit (an organisation's or a leader's period, or one
record) with the flags the engine turns into a status, and evidence pairs (cell, record); and the helpers kinds
share to build them — counting records per (subject, period) and wording a shortfall.

Kinds never print, raise for bad data, or decide severity or status.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from compliance.engine.periods import each_once
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
    """A rule's cells as arrays, one per CELL_COLUMNS (expected and actual int64 or nullable ``IntegerArray``;
    start and end ``datetime64[D]``), and their evidence. The engine reads the arrays; ``frame`` shows them as a
    table for readers that want one (the plan, a kind's terms)."""

    columns: dict[str, Any]  # CELL_COLUMNS
    evidence: pd.DataFrame  # columns: cell (row of the cells), record (row of ctx.records)

    @classmethod
    def build(cls, evidence: tuple[np.ndarray, np.ndarray] | None = None, **columns) -> Cells:
        """Cells from exactly the CELL_COLUMNS (a missing or an unknown one is a programming error, said at once)."""
        if set(columns) != set(CELL_COLUMNS):
            raise TypeError(f"Cells need exactly {CELL_COLUMNS}: missing {set(CELL_COLUMNS) - set(columns)}, "
                            f"unknown {set(columns) - set(CELL_COLUMNS)}")
        cell, record = evidence if evidence is not None else (np.array([], np.int64), np.array([], np.int64))
        return cls({name: _canonical(name, columns[name]) for name in CELL_COLUMNS}, pairs(cell, record))

    def __len__(self) -> int:
        return len(self.columns["org"])

    @cached_property
    def frame(self) -> pd.DataFrame:
        """The cells as a table (CELL_COLUMNS), over the arrays. Built only when asked for: the engine never asks
        (a DataFrame of every rule's cells, its days turned into seconds and back, was a fifth of a province's
        evaluation)."""
        return make_frame(dict(self.columns), copy=False)

    def replace(self, **columns) -> Cells:
        """The same cells and evidence with some columns replaced."""
        return Cells({**self.columns, **{name: _canonical(name, v) for name, v in columns.items()}}, self.evidence)

    def keep(self, mask: np.ndarray) -> Cells:
        """Only the cells at ``mask``, their evidence renumbered."""
        if mask.all():
            return self
        renumber = np.cumsum(mask) - 1
        cell, record = self.evidence["cell"].to_numpy(), self.evidence["record"].to_numpy()
        kept = mask[cell]
        return Cells({name: values[mask] for name, values in self.columns.items()},
                     pairs(renumber[cell[kept]], record[kept]))


_DTYPES: dict[str, Any] = {"org": np.int64, "leader": np.int64, "period": object, "start": "datetime64[D]",
                           "end": "datetime64[D]", "passed": bool, "closed": bool, "unverifiable": bool,
                           "message": object}


def _canonical(name: str, values) -> Any:
    """A cell column as the engine reads it: the dtype of ``_DTYPES`` (no copy when it has it already); expected
    and actual as given (int64, or a nullable IntegerArray where some are missing)."""
    if name in ("expected", "actual"):
        return values if isinstance(values, pd.arrays.IntegerArray) else np.asarray(values)
    return np.asarray(values, dtype=_DTYPES[name])


def nullable(values) -> tuple[np.ndarray, np.ndarray]:
    """A cells' expected or actual column as int64 values (0 where missing) and the mask of the missing ones."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
        return values.astype(np.int64, copy=False), np.zeros(len(values), dtype=bool)
    values = pd.array(values, dtype="Int64")
    return values.to_numpy(np.int64, na_value=0), values.isna()


def pairs(cell: np.ndarray, record: np.ndarray) -> pd.DataFrame:
    """Evidence pairs (cell, record) as a frame over the two arrays, not copied into one block."""
    return pd.DataFrame({"cell": cell.astype(np.int64, copy=False), "record": record.astype(np.int64, copy=False)},
                        copy=False)


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
    passed: np.ndarray, closed: np.ndarray, what: Callable[[np.ndarray], np.ndarray | str], actual: np.ndarray,
    minimum: int, ends: np.ndarray, same: np.ndarray | None = None,
) -> np.ndarray:
    """“2024-03 主题党日 0 次，应至少 1 次” for violations; due cells add the deadline. ``what(cells)`` describes
    the cells at those positions (an object array, or one text for all), asked only for the cells that did not
    pass. The parts are joined as object arrays (elementwise ``str +``), each count and deadline formatted once.

    ``same``: per cell, a code such that cells with equal codes have the same ``what`` and the same deadline (an
    organisation rule's period: its label and last day). Then each distinct (code, count, closed) is worded once
    and the cells share its text — a province's frequency rules have hundreds of thousands of shortfalls and a
    few dozen distinct messages."""
    out = np.full(len(passed), None, dtype=object)
    failed = np.flatnonzero(~passed)
    if not len(failed):
        return out
    closed = np.asarray(closed, dtype=bool)
    if same is not None:
        counts = actual[failed].astype(np.int64)
        low = int(counts.min())
        key = (same[failed].astype(np.int64) * (int(counts.max()) - low + 1) + counts - low) * 2 + closed[failed]
        inverse = _distinct(key)
        one = np.empty(int(inverse.max()) + 1, dtype=np.int64)
        one[inverse] = failed  # a cell of each distinct key (any one: their texts are equal)
        words = shortfall_messages(np.zeros(len(one), dtype=bool), closed[one],
                                   lambda cells: what(one[cells]), actual[one], minimum, ends[one])
        out[failed] = words[inverse]
        return out
    text = what(failed) + each_once(actual[failed], lambda a: f" {a} 次，应至少 {minimum} 次")
    due = ~closed[failed]
    if due.any():
        text[due] = "尚未完成：" + text[due] + each_once(ends[failed][due], lambda d: f"，截止 {d}")
    out[failed] = text
    return out


def _distinct(key: np.ndarray) -> np.ndarray:
    """Per element of ``key`` (non-negative integers), the number of its distinct value: through a table of the
    values' range when that is short (no sort), else ``np.unique``."""
    span = int(key.max()) + 1
    if span > len(key) + 4096:
        return np.unique(key, return_inverse=True)[1].reshape(-1)
    present = np.zeros(span, dtype=bool)
    present[key] = True
    number = np.cumsum(present) - 1
    return number[key]


COUNTS_ONLY = "由统计表只能核验次数，无法核验主题/日期/出席"


def with_counts(grid: Grid, judged: np.ndarray, subject: np.ndarray, period: np.ndarray, excess: np.ndarray,
                rows_of: np.ndarray, evidence: np.ndarray, credit: np.ndarray) -> tuple[Grid, np.ndarray]:
    """A grid with the count tables' months added: each month (``subject``, ``period``: its cell's coordinates, -1
    outside) adds what its count has beyond the dated records (``excess``) to its cell where ``credit`` — a month
    it cannot credit (a rule that needs a topic, a month only partly inside a window) leaves it — and every count
    row in a judged cell is evidence. Also per cell: the excess left uncredited (such a cell cannot be judged)."""
    n_subjects, n_periods = judged.shape
    flat = np.flatnonzero(judged.ravel())
    cell_of = np.full(n_subjects * n_periods, -1, dtype=np.int64)
    cell_of[flat] = np.arange(len(flat))
    valid = (subject >= 0) & (period >= 0)
    cell = np.full(len(subject), -1, dtype=np.int64)
    cell[valid] = cell_of[subject[valid] * n_periods + period[valid]]
    inside = cell >= 0
    size = len(grid.actual)
    credited = np.bincount(cell[inside & credit], weights=excess[inside & credit], minlength=size)[:size]
    unknown = np.bincount(cell[inside & ~credit], weights=excess[inside & ~credit], minlength=size)[:size]
    row_cell = cell[rows_of]
    shown = row_cell >= 0
    pairs = (np.concatenate([grid.evidence[0], row_cell[shown]]), np.concatenate([grid.evidence[1], evidence[shown]]))
    grid = Grid(grid.subject, grid.period, grid.actual + credited.astype(np.int64), pairs)
    return grid, unknown.astype(np.int64)


def counts_unverifiable(rule, ctx, orgs: np.ndarray) -> Cells:
    """One unverifiable cell per organisation whose count tables hold activities of the rule's types that no dated
    record gives (a count beyond the ledger's records, in the audited range): a rule that needs each activity's
    day, topic, attendance or lecturer cannot judge them — it says which months, and the count rows are its
    evidence."""
    months = ctx.month_counts(rule)
    first = np.datetime64(ctx.audit.start, "M").astype(np.int64)
    last = np.datetime64(ctx.audit.end, "M").astype(np.int64)
    applies = np.zeros(len(ctx.roster.names), dtype=bool)
    applies[orgs] = True
    beyond = (months.excess > 0) & (months.month >= first) & (months.month <= last) & applies[months.org] \
        if len(months) else np.zeros(0, dtype=bool)
    subjects = np.unique(months.org[beyond]) if len(months) else np.zeros(0, dtype=np.int64)
    n = len(subjects)
    labels, starts, ends, messages = [], [], [], []
    for org in subjects.tolist():
        held = np.unique(months.month[beyond & (months.org == org)])
        names = [f"{m // 12 + 1970}-{m % 12 + 1:02d}" for m in held.tolist()]
        single = len(held) == 1
        labels.append(names[0] if single else ctx.audit.label)
        starts.append(held[0].astype("datetime64[M]").astype("datetime64[D]") if single
                      else np.datetime64(ctx.audit.start, "D"))
        ends.append((held[0] + 1).astype("datetime64[M]").astype("datetime64[D]") - np.timedelta64(1, "D")
                    if single else np.datetime64(ctx.audit.end, "D"))
        types = "或".join(rule.types)
        messages.append(f"{'、'.join(names)} 的{types}只见于统计表（台账中没有逐条记录），{COUNTS_ONLY}")
    position = np.full(len(ctx.roster.names), -1, dtype=np.int64)
    position[subjects] = np.arange(n)
    shown = beyond[months.rows_of] if len(months) else np.zeros(0, dtype=bool)
    evidence = (position[months.org[months.rows_of][shown]], months.evidence[shown]) if len(months) else None
    nothing = pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool))
    return Cells.build(
        evidence, org=subjects, leader=np.full(n, -1), period=np.array(labels, dtype=object),
        start=np.array(starts, dtype="datetime64[D]"), end=np.array(ends, dtype="datetime64[D]"),
        expected=nothing, actual=nothing.copy(), passed=np.zeros(n, dtype=bool), closed=np.ones(n, dtype=bool),
        unverifiable=np.ones(n, dtype=bool), message=np.array(messages, dtype=object),
    )


def joined(first: Cells, second: Cells) -> Cells:
    """Two kinds of cells of one rule, as one: the second's evidence renumbered after the first's cells."""
    if not len(second):
        return first
    columns: dict[str, Any] = {}
    for name, values in first.columns.items():
        other = second.columns[name]
        if name in ("expected", "actual") and not (isinstance(values, np.ndarray) and isinstance(other, np.ndarray)):
            (a, a_missing), (b, b_missing) = nullable(values), nullable(other)  # one side nullable: both so
            columns[name] = pd.arrays.IntegerArray(np.concatenate([a, b]), np.concatenate([a_missing, b_missing]))
        else:
            columns[name] = np.concatenate([values, other])
    evidence = pairs(np.concatenate([first.evidence["cell"].to_numpy(), second.evidence["cell"].to_numpy()
                                     + len(first)]),
                     np.concatenate([first.evidence["record"].to_numpy(), second.evidence["record"].to_numpy()]))
    return Cells(columns, evidence)

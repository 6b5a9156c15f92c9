"""Evaluate: run every rule of the catalogue through its kind and turn cells into judgements and findings.

The engine decides status (unverifiable, met, violation once closed, else due), adds rule id and severity,
collapses a subject's unverifiable cells into one, and sorts. Kinds only count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from compliance.config.catalogue import Catalogue
from compliance.config.rule import RuleBase
from compliance.domain import Severity, Status
from compliance.engine.cells import Cells, nullable, pairs
from compliance.engine.context import Context
from compliance.engine.kinds import kind_of
from compliance.frames import frame as make_frame

JUDGEMENT_COLUMNS = (
    "rule",  # rule id
    "severity",  # Severity
    "status",  # Status
    "org",  # the organisation's full roster name (a leader's unit for per-person judgements)
    "person",  # the leader's name, None for organisation judgements
    "period",  # label: 2024-03, 2024-Q1, 2024-H1, 2024, a day, or the audited range
    "start",  # first day of what was judged
    "end",  # last day of what was judged
    "expected",  # nullable integers: the number required
    "actual",  # nullable integers: the number found
    "message",  # Chinese, None where met
)


@dataclass(frozen=True, eq=False)
class Taken:
    """A column given as the values it takes and where it takes each: ``values[at]``, made whole only when a reader
    asks for it whole. ``order`` sorts a province's two million judgements, yet findings.json reads most columns
    only at its findings' rows and the statistics read organisation, rule and status as integers: gathering two
    million objects per column for them is most of the sorting's cost.

    With ``distinct`` values (rule ids, statuses, organisations of a roster, period labels — each once) ``at`` is a
    column of integer codes: equal codes, equal values. Else the values may repeat (a rule's severity, leaders who
    share a name) or be the unsorted column itself (messages, days, counts; ``at`` the sorted order), and
    ``distinct_codes`` finds codes when a reader needs them."""

    values: Any  # a numpy array, or pandas' nullable integers
    at: np.ndarray  # positions into values (numpy's: -1 is the last)
    distinct: bool

    def __len__(self) -> int:
        return len(self.at)

    def whole(self):
        """The column as an array (nullable integers as nullable integers)."""
        return self.values[self.at]

    def take(self, rows: np.ndarray):
        """The column's values at ``rows`` only."""
        return self.values[self.at[rows]]


@dataclass(frozen=True, eq=False)
class Evaluation:
    """The sorted judgements (JUDGEMENT_COLUMNS, every judged cell including met ones), most columns ``Taken``, and
    the evidence: judgement (row of the judgements), record (row of ctx.records)."""

    columns: dict[str, Taken]
    evidence: pd.DataFrame

    @cached_property
    def judgements(self) -> pd.DataFrame:
        """The judgements as a DataFrame of whole columns (Python objects for labels, names and messages)."""
        return make_frame({name: self.columns[name].whole() for name in JUDGEMENT_COLUMNS}, copy=False)


_STATUSES = np.array([Status.UNVERIFIABLE, Status.MET, Status.VIOLATION, Status.DUE], dtype=object)


def _status_codes(columns: dict) -> np.ndarray:
    """Each cell's status as its position in ``_STATUSES``."""
    code = np.where(columns["closed"], 2, 3).astype(np.int64, copy=False)
    code[columns["passed"]] = 1
    code[columns["unverifiable"]] = 0  # the first that holds of unverifiable, met, closed
    return code


def _collapse_unverifiable(cells: Cells, ctx: Context) -> Cells:
    """One unverifiable cell per subject (organisation or leader), at the subject's first such cell, in the order
    the subjects first appear. A subject with cells in several periods gets one spanning the audited range; one
    with a single cell (rolling, precedence) keeps its own label. Integer codes throughout, one take of the rows."""
    columns = cells.columns
    lost = columns["unverifiable"]
    if not lost.any():
        return cells
    kept, gone = np.flatnonzero(~lost), np.flatnonzero(lost)
    leaders = len(ctx.roster.leader_org) + 1  # leader -1 (an organisation's cell) is 0 here
    subject_key = columns["org"][gone] * leaders + columns["leader"][gone] + 1
    subject, _ = pd.factorize(subject_key)  # numbered in order of first appearance
    subjects = int(subject.max()) + 1
    first = np.unique(subject, return_index=True)[1]  # each subject's first cell, ascending
    period, periods = pd.factorize(columns["period"][gone])
    distinct = np.unique(subject * max(len(periods), 1) + period) // max(len(periods), 1)
    several = np.bincount(distinct, minlength=subjects) > 1
    rows = np.concatenate([kept, gone[first]])
    merged = {name: values[rows] for name, values in columns.items() if name not in ("expected", "actual")}
    spanning = len(kept) + np.flatnonzero(several)
    merged["period"][spanning] = ctx.audit.label  # (a take: the kind's arrays are not written to)
    merged["start"][spanning] = np.datetime64(ctx.audit.start, "D")
    merged["end"][spanning] = np.datetime64(ctx.audit.end, "D")
    missing = np.arange(len(rows)) >= len(kept)
    for name in ("expected", "actual"):
        values, absent = nullable(columns[name])
        merged[name] = pd.arrays.IntegerArray(values[rows], absent[rows] | missing)
    new_index = np.empty(len(lost), dtype=np.int64)
    new_index[kept] = np.arange(len(kept))
    new_index[gone] = len(kept) + subject
    evidence = pairs(new_index[cells.evidence["cell"].to_numpy()], cells.evidence["record"].to_numpy())
    return Cells({name: merged[name] for name in columns}, evidence)


def rule_cells(catalogue: Catalogue, rule: RuleBase, ctx: Context) -> Cells:
    """A rule's cells from its kind, within the rule's time in force (``effective``): a period is judged only when
    it lies wholly inside; a kind judged at the as-of date (rolling), only when that day does. A rule that counts
    only some records (``match``) says which in every message."""
    cells = kind_of(rule).check(rule, ctx)
    if rule.effective is not None and len(cells):
        if kind_of(rule).at_as_of:
            today = ctx.as_of.astype(object)
            inside = np.full(len(cells), rule.effective.covers(today, today))
        else:
            first = np.datetime64(rule.effective.start or "0001-01-01", "D")
            last = np.datetime64(rule.effective.end or "9999-12-31", "D")
            inside = (cells.columns["start"] >= first) & (cells.columns["end"] <= last)
        cells = cells.keep(inside)
    if rule.match is not None and len(cells):
        suffix = f"（{rule.match.describe()}）"
        cells = cells.replace(message=np.array([m + suffix if m else m for m in cells.columns["message"]],
                                               dtype=object))
    return cells


def evaluate(catalogue: Catalogue, ctx: Context, tick: Callable[[int], None] | None = None) -> Evaluation:
    """Judge every rule of ``catalogue`` over ``ctx`` (``tick`` once per rule) and order the judgements and their
    evidence."""
    return order(*judge(catalogue, ctx, tick), ctx, catalogue)


def judge(
    catalogue: Catalogue, ctx: Context, tick: Callable[[int], None] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every rule's judgements, rule by rule, and the evidence pairs (cell: row of the judgements, record: row of
    ctx.records). What is one of a few (the rule, its severity, the status, the organisation, the leader) is kept
    as integer codes — ``rule_index`` (catalogue position), ``status_code`` (of ``_STATUSES``), ``org_index`` and
    ``leader_index`` (roster positions) — until ``order`` has sorted them; then the period, start, end, expected,
    actual and message columns of JUDGEMENT_COLUMNS."""
    parts: dict[str, list] = {}
    cells_of, records_of, offset = [], [], 0
    for number, rule in enumerate(catalogue.rules):
        cells = _collapse_unverifiable(rule_cells(catalogue, rule, ctx), ctx)
        cell_columns = cells.columns
        n = len(cells)
        columns = {
            "rule_index": np.full(n, number, dtype=np.int64),
            "status_code": _status_codes(cell_columns),
            "org_index": cell_columns["org"],
            "leader_index": cell_columns["leader"],
            "period": cell_columns["period"],
            "start": cell_columns["start"],
            "end": cell_columns["end"],
            "expected": nullable(cell_columns["expected"]),
            "actual": nullable(cell_columns["actual"]),
            "message": cell_columns["message"],
        }
        for name, values in columns.items():
            parts.setdefault(name, []).append(values)
        cells_of.append(cells.evidence["cell"].to_numpy(np.int64) + offset)
        records_of.append(cells.evidence["record"].to_numpy(np.int64))
        offset += n
        if tick is not None:
            tick(1)
    joined: dict[str, object] = {}
    for name in list(parts) or CODED:  # each column's parts let go once joined: a province's judgements are large
        values = parts.pop(name, [_EMPTY[name]])
        if name in ("expected", "actual"):
            joined[name] = _integers(values)
        elif name in ("start", "end"):  # in the seconds pandas keeps days in: one pass, not a join then a copy
            joined[name] = np.concatenate(values, dtype="datetime64[s]")
        else:
            joined[name] = np.concatenate(values)
    evidence = pairs(np.concatenate(cells_of or [np.zeros(0, np.int64)]),
                     np.concatenate(records_of or [np.zeros(0, np.int64)]))
    return make_frame(joined, copy=False), evidence  # only sorted and read


CODED = ("rule_index", "status_code", "org_index", "leader_index", "period", "start", "end", "expected", "actual",
         "message")
_NOTHING = np.zeros(0, np.int64)
_EMPTY = {"rule_index": _NOTHING, "status_code": _NOTHING, "org_index": _NOTHING, "leader_index": _NOTHING,
          "period": np.zeros(0, object), "start": np.zeros(0, "datetime64[D]"), "end": np.zeros(0, "datetime64[D]"),
          "expected": (_NOTHING, np.zeros(0, bool)), "actual": (_NOTHING, np.zeros(0, bool)),
          "message": np.zeros(0, object)}


def _integers(parts: list[tuple[np.ndarray, np.ndarray]]) -> pd.arrays.IntegerArray:
    """Nullable integer columns (values, missing) joined, missing values kept missing."""
    return pd.arrays.IntegerArray(np.concatenate([values for values, _ in parts]),
                                  np.concatenate([missing for _, missing in parts]))


def _ranks(values: np.ndarray) -> np.ndarray:
    """Each value's rank in sorted order, equal values equal ranks."""
    return np.unique(values, return_inverse=True)[1].reshape(-1) if len(values) else np.zeros(0, dtype=np.int64)


def order(judgements: pd.DataFrame, evidence: pd.DataFrame, ctx: Context, catalogue: Catalogue) -> Evaluation:
    """Sort by organisation name, rule id, period label, person (organisation cells first), start — comparing
    integer ranks computed once per name, id and label rather than strings per judgement — and renumber the
    evidence to match. The judgements stay codes: each column ``Taken`` from its values by code (rule, severity,
    status, organisation, person, period) or from the unsorted column (start, end, expected, actual, message), so
    that a reader who wants a whole column of objects pays for it and one who reads codes or a few rows does not."""
    rules = catalogue.rules
    org_names = np.array(ctx.roster.names, dtype=object)
    leader_names = np.array([*ctx.roster.leader_table.names, None], dtype=object)
    org_rank = _ranks(org_names)
    leader_rank = np.append(_ranks(leader_names[:-1]), -1) + 1
    rule_rank = _ranks(np.array([rule.id for rule in rules], dtype=object))
    period_codes, periods = pd.factorize(judgements["period"].to_numpy(object))
    periods = np.asarray(periods, dtype=object)
    org_index = judgements["org_index"].to_numpy()
    leader_index = judgements["leader_index"].to_numpy()
    rule_index = judgements["rule_index"].to_numpy()
    start = judgements["start"].to_numpy("datetime64[D]")
    # two keys of packed ranks instead of five: (organisation, rule) and (period, person), then the start day
    major = org_rank[org_index] * (len(rules) + 1) + rule_rank[rule_index]
    minor = _ranks(periods)[period_codes] * (len(leader_rank) + 1) + leader_rank[leader_index]
    position = _sort((major, minor, start.view(np.int64)))
    del major, minor
    rank = np.empty(len(position), dtype=np.int64)
    rank[position] = np.arange(len(position))
    rule_at = rule_index[position]
    severities: list[Severity | None] = [rule.severity for rule in rules]
    columns = {
        "rule": Taken(np.array([rule.id for rule in rules] or [""], dtype=object), rule_at, True),
        "severity": Taken(np.array(severities or [None], dtype=object), rule_at, False),
        "status": Taken(_STATUSES, judgements["status_code"].to_numpy()[position], True),
        "org": Taken(org_names, org_index[position], len(set(ctx.roster.names)) == len(org_names)),
        "person": Taken(leader_names, leader_index[position], False),  # leader -1 (an organisation's): None
        "period": Taken(periods if len(periods) else np.zeros(1, dtype=object), period_codes[position], True),
        "start": Taken(start, position, False),
        "end": Taken(judgements["end"].to_numpy("datetime64[D]"), position, False),
        "expected": Taken(judgements["expected"].array, position, False),
        "actual": Taken(judgements["actual"].array, position, False),
        "message": Taken(judgements["message"].to_numpy(object), position, False),
    }
    cell, record = _sort_pairs(rank[evidence["cell"].to_numpy()], evidence["record"].to_numpy())
    return Evaluation({name: columns[name] for name in JUDGEMENT_COLUMNS},
                      pd.DataFrame({"judgement": cell, "record": record}, copy=False))


def distinct_codes(values) -> tuple[np.ndarray, np.ndarray]:
    """Each value's code and the distinct values in order of first appearance, then None (the code of a missing
    value): a roster's leaders share names, and codes must be equal exactly where values are."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object))  # None: -1, here the last value
    distinct = np.empty(len(uniques) + 1, dtype=object)
    distinct[:-1] = uniques
    codes = codes.astype(np.int64, copy=True)
    codes[codes < 0] = len(uniques)
    return codes, distinct


def _sort(keys: tuple[np.ndarray, ...]) -> np.ndarray:
    """The stable order of rows by ``keys`` (non-negative integers, most significant first). When the keys fit in
    62 bits packed into one integer (a province's two million judgements do): numpy's vectorised quicksort of the
    packed keys, then the rows of equal keys put back in their first order — sorting (run of equal keys, row) as one
    integer — which is the stable order at half the cost of a stable sort. Else lexsort."""
    n = len(keys[0])
    if not n:
        return np.zeros(0, dtype=np.int64)
    lows = [int(k.min()) for k in keys]
    spans = [int(k.max()) - low + 1 for k, low in zip(keys, lows, strict=True)]
    if sum(span.bit_length() for span in spans) > 62 or n.bit_length() > 31:
        return np.lexsort(keys[::-1])
    packed = np.zeros(n, dtype=np.int64)
    for key, low, span in zip(keys, lows, spans, strict=True):
        packed = packed * span + (key - low)
    first = np.argsort(packed)  # equal keys in no particular order
    ordered = packed[first]
    del packed
    run = np.zeros(n, dtype=np.int64)
    np.cumsum(ordered[1:] != ordered[:-1], out=run[1:])
    del ordered
    run *= n  # in place, (run, row) as one integer: a province's temporaries are 16 MB each
    run += first
    run.sort()
    run %= n
    return run


def _sort_pairs(cell: np.ndarray, record: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Evidence pairs sorted by cell, then record: one sort of both packed into one integer when they fit (cells
    and records well below 2³¹), else lexsort."""
    if not len(cell):
        return cell.astype(np.int64), record.astype(np.int64)
    records = int(record.max()) + 1
    if records.bit_length() + int(cell.max()).bit_length() > 62:
        by = np.lexsort((record, cell))
        return cell[by], record[by]
    packed = cell * records + record
    packed.sort()  # in place
    return np.divmod(packed, records)

"""What every rule kind shares: the evaluation context and the shape of what a kind returns.

A kind's ``check(rule, ctx)`` returns ``Cells``: one row per judged unit (an organisation's or a leader's period, or
one record), with the flags the engine turns into a status, and ``evidence`` pairs (cell, record). Kinds never
print, raise for bad data, or decide severity.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from compliance.config.catalogue import AppliesTo
from compliance.engine.periods import AuditRange, Granularity, period_codes
from compliance.frames import frame as make_frame
from compliance.intake.normalise import TableInfo
from compliance.intake.roster import Roster
from compliance.spelling import split_list

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
        frame = make_frame({name: columns[name] for name in CELL_COLUMNS})
        cell, record = evidence if evidence is not None else (np.array([], np.int64), np.array([], np.int64))
        return cls(frame, pd.DataFrame({"cell": cell.astype(np.int64), "record": record.astype(np.int64)}))


@dataclass
class Context:
    records: pd.DataFrame  # accepted records dated on or before the as-of date
    tables: list[TableInfo]
    roster: Roster
    as_of: np.datetime64  # datetime64[D]
    audit: AuditRange
    type_names: tuple[str, ...]
    # bool per roster organisation: who is judged here (a partition of the dask engine); None: everyone. The
    # records must then hold every record of the subtree of each organisation in scope.
    scope: np.ndarray | None = None

    @cached_property
    def days(self) -> np.ndarray:
        return self.records["date"].to_numpy(dtype="datetime64[D]")

    def of_types(self, types: tuple[str, ...]) -> np.ndarray:
        """Positions of the records whose type is one of ``types``."""
        codes = [self.type_names.index(t) for t in types]
        return np.flatnonzero(np.isin(self.records["type"].to_numpy(), codes))

    def orgs_for(self, applies_to: AppliesTo) -> np.ndarray:
        """Roster indices of the organisations a rule applies to, in roster order."""
        mask = np.isin(self.roster.org_types, [t.value for t in applies_to.org_types])
        for column, wanted in applies_to.where.items():
            mask &= self.roster.attribute(column) == wanted
        if self.scope is not None:
            mask &= self.scope
        return np.flatnonzero(mask)

    def leaders_for(self, applies_to: AppliesTo) -> np.ndarray:
        """Roster indices of the leaders a rule applies to (by post, or all)."""
        if applies_to.leaders == "all":
            chosen = np.arange(len(self.roster.leaders))
        else:
            wanted = set(applies_to.leaders)
            chosen = np.array(
                [i for i, p in enumerate(self.roster.leaders) if wanted.intersection(p.posts)], dtype=np.int64
            )
        if self.scope is not None:
            chosen = chosen[self.scope[self.roster.leader_org[chosen]]]
        return chosen

    def org_positions(self, orgs: np.ndarray, records: np.ndarray) -> np.ndarray:
        """Per record: the position of its organisation in ``orgs``, -1 when it is not one of them."""
        position = np.full(len(self.roster.orgs), -1, dtype=np.int64)
        position[orgs] = np.arange(len(orgs))
        return position[self.records["org"].to_numpy()[records]]

    def org_judged(self, orgs: np.ndarray, start: np.ndarray) -> np.ndarray:
        """orgs × periods: the period has begun and the organisation existed on its first day."""
        return (start[None, :] <= self.as_of) & (self.roster.founded[orgs][:, None] <= start[None, :])

    def period_positions(self, records: np.ndarray, codes: np.ndarray, granularity: Granularity) -> np.ndarray:
        """Per record: the position of its period in ``codes`` (a contiguous run), -1 when outside them."""
        if not len(codes):
            return np.full(len(records), -1, dtype=np.int64)
        period = period_codes(self.days[records], granularity) - codes[0]
        return np.where((period >= 0) & (period < len(codes)), period, -1)

    def person_unverifiable(self, units: np.ndarray) -> np.ndarray:
        """Per leader's unit: no ledger there names people, so per-person rules cannot be checked."""
        return ~self.verifiable("主讲人", units)

    def table_has(self, column: str) -> np.ndarray:
        """Per table: does its header hold the canonical ``column``?"""
        return np.array([column in t.columns for t in self.tables], dtype=bool)

    def record_has(self, column: str) -> np.ndarray:
        """Per record: was ``column`` present in the table it came from?"""
        has = self.table_has(column)
        return has[self.records["table"].to_numpy()] if len(has) else np.zeros(len(self.records), dtype=bool)

    def verifiable(self, column: str, units: np.ndarray) -> np.ndarray:
        """Per unit: can ``column`` be checked for it? Yes when a ledger of the unit's subtree has the column;
        for a subtree with no records at all, when any ledger has it."""
        roster = self.roster
        orgs = self.records["org"].to_numpy()
        with_records = np.zeros(len(roster.orgs), dtype=bool)
        with_records[orgs] = True
        with_column = np.zeros(len(roster.orgs), dtype=bool)
        with_column[orgs[self.record_has(column)]] = True
        anywhere = bool(self.table_has(column).any())
        return np.where(
            self._subtree_any(with_records, units), self._subtree_any(with_column, units), anywhere
        )

    def _subtree_any(self, flags: np.ndarray, units: np.ndarray) -> np.ndarray:
        by_clock = np.zeros(len(flags) + 1, dtype=np.int64)
        by_clock[1:] = np.cumsum(flags[np.argsort(self.roster.tin)])
        tin, tout = self.roster.tin[units], self.roster.tout[units]
        return (by_clock[tout] - by_clock[tin]) > 0

    @cached_property
    def _person_table(self) -> pd.DataFrame:
        """(record, name) for every person named in a record, "张三、李四" giving two rows."""
        codes, spellings = pd.factorize(self.records["person"].to_numpy(dtype=object))  # names repeat: split once
        lists = [split_list(p) for p in spellings]
        counts = np.array([len(n) for n in lists] + [0], dtype=np.int64)[codes]  # code -1 (blank): no one
        firsts = np.cumsum([0] + [len(n) for n in lists])
        flat = np.array([n for group in lists for n in group], dtype=object)
        named = np.flatnonzero(counts)
        # each record's names: the run of ``flat`` from its spelling's first name, as many as it has
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts[named]) - counts[named], counts[named])
        return make_frame(
            {
                "record": np.repeat(named, counts[named]),
                "name": flat[np.repeat(firsts[codes[named]], counts[named]) + offsets] if len(flat) else flat,
            }
        )

    def person_matches(self, records: np.ndarray, leaders: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (record, position in ``leaders``) where the record names the leader as its person and the
        record's organisation lies in the leader's unit's subtree (so two 王芳 in two schools stay apart)."""
        people = self._person_table
        people = people[np.isin(people["record"].to_numpy(), records)]
        frame = make_frame({"leader_pos": np.arange(len(leaders)), "name": self.roster.leader_names[leaders]})
        pairs = people.merge(frame, on="name", how="inner")
        rec = pairs["record"].to_numpy(dtype=np.int64)
        pos = pairs["leader_pos"].to_numpy(dtype=np.int64)
        unit = self.roster.leader_org[leaders][pos]
        inside = self.roster.within(unit, self.records["org"].to_numpy()[rec])
        return rec[inside], pos[inside]


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
        text = f"{what(i)} {actual[i]} 次，应至少 {minimum} 次"
        out[i] = text if closed[i] else f"尚未完成：{text}，截止 {ends[i]}"
    return out

"""The evaluation context: the records the rules see, the roster, the as-of date and the audited range, with the
vectorised questions every kind asks of them (which organisations or leaders a rule applies to, which records are
of given types, in which period each falls, who a record names, whether a column can be verified).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from compliance.config.rule import AppliesTo, RuleBase
from compliance.domain import COLUMNS
from compliance.engine.periods import AuditRange, Granularity, period_codes
from compliance.spelling import normalise_name, split_list

if TYPE_CHECKING:
    from compliance.intake.normalise import TableInfo
    from compliance.intake.roster import Roster


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
    # count tables (统计表): per row org (roster index), type (position), month (months since 1970-01), n — evidence
    # with month precision, kept apart from the dated records; count row i is evidence number len(records) + i
    counts: pd.DataFrame | None = None

    @cached_property
    def days(self) -> np.ndarray:
        return self.records["date"].to_numpy(dtype="datetime64[D]")

    @cached_property
    def _by_type(self) -> tuple[np.ndarray, np.ndarray]:
        """The records' positions grouped by type code (ascending within each) and where each code's run begins:
        one sort shared by every rule, instead of a scan of all records per rule."""
        types = self.records["type"].to_numpy(np.int64)
        # a stable sort of 16-bit integers is numpy's radix sort: a tenth of the time of the int64 one
        small = len(self.type_names) < 2**15 and (not len(types) or int(types.min()) >= 0)
        grouped = np.argsort(types.astype(np.int16) if small else types, kind="stable")
        starts = np.searchsorted(types[grouped], np.arange(len(self.type_names) + 1))
        return grouped, starts

    def of_types(self, types: tuple[str, ...]) -> np.ndarray:
        """Positions of the records whose type is one of ``types``, ascending."""
        grouped, starts = self._by_type
        runs = [grouped[starts[c]:starts[c + 1]] for c in sorted({self.type_names.index(t) for t in types})]
        if len(runs) == 1:
            return runs[0].copy()
        return np.sort(np.concatenate(runs)) if runs else np.zeros(0, dtype=np.int64)

    def records_of(self, rule: RuleBase) -> np.ndarray:
        """Positions of the records a rule counts: of its types and, with ``match``, meeting that condition (one
        test per distinct value of the field)."""
        found = self.of_types(rule.types)
        if rule.match is None or not len(found):
            return found
        values = self.records[COLUMNS[rule.match.field]].to_numpy(dtype=object)[found]
        codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
        if rule.match.nonempty:
            holds = np.array([str(u).strip() != "" for u in uniques] + [False], dtype=bool)
        else:
            words = [normalise_name(w) for w in rule.match.contains or ()]
            holds = np.array([any(w in normalise_name(str(u)) for w in words) for u in uniques] + [False], dtype=bool)
        return found[holds[codes]]

    def orgs_for(self, applies_to: AppliesTo) -> np.ndarray:
        """Roster indices of the organisations a rule applies to, in roster order (worked out once per
        ``applies_to``: a dozen rules apply to 党支部; read-only)."""
        key = ("orgs", applies_to.org_types, tuple(applies_to.where.items()))
        if key not in self._subjects:
            mask = np.isin(self.roster.org_types, [t.value for t in applies_to.org_types or ()])
            for column, wanted in applies_to.where.items():
                mask &= self.roster.attribute(column) == wanted
            if self.scope is not None:
                mask &= self.scope
            self._subjects[key] = _read_only(np.flatnonzero(mask))
        return self._subjects[key]

    def leaders_for(self, applies_to: AppliesTo) -> np.ndarray:
        """Roster indices of the leaders a rule applies to (by post, or all; worked out once per ``applies_to``,
        read-only)."""
        key = ("leaders", applies_to.leaders)
        if key not in self._subjects:
            if applies_to.leaders == "all":
                chosen = np.arange(len(self.roster.leader_org))
            else:
                wanted = set(applies_to.leaders or ())
                posts = self.roster.leader_table.posts
                chosen = np.array([i for i, held in enumerate(posts) if wanted.intersection(held)], dtype=np.int64)
            if self.scope is not None:
                chosen = chosen[self.scope[self.roster.leader_org[chosen]]]
            self._subjects[key] = _read_only(chosen)
        return self._subjects[key]

    @cached_property
    def _subjects(self) -> dict[tuple, np.ndarray]:
        """What is worked out once per context and shared by the rules (by what was asked)."""
        return {}

    def org_positions(self, orgs: np.ndarray, records: np.ndarray) -> np.ndarray:
        """Per record: the position of its organisation in ``orgs``, -1 when it is not one of them."""
        position = np.full(len(self.roster.names), -1, dtype=np.int64)
        position[orgs] = np.arange(len(orgs))
        return position[self.records["org"].to_numpy()[records]]

    def org_judged(self, orgs: np.ndarray, start: np.ndarray) -> np.ndarray:
        """orgs × periods: the period has begun and the organisation existed on its first day."""
        return (start[None, :] <= self.as_of) & (self.roster.founded[orgs][:, None] <= start[None, :])

    @cached_property
    def _months(self) -> np.ndarray:
        """Each record's month as months since 1970-01: turning days into months is calendar arithmetic, done once
        for every rule's periods."""
        return self.days.astype("datetime64[M]").astype(np.int64)

    def period_positions(self, records: np.ndarray, codes: np.ndarray, granularity: Granularity) -> np.ndarray:
        """Per record: the position of its period in ``codes`` (a contiguous run), -1 when outside them."""
        if not len(codes):
            return np.full(len(records), -1, dtype=np.int64)
        period = self._months[records] // granularity.months - codes[0]
        return np.where((period >= 0) & (period < len(codes)), period, -1)

    def period_positions_of_days(self, days: np.ndarray, codes: np.ndarray, granularity: Granularity) -> np.ndarray:
        """Per day: the position of its period in ``codes`` (a contiguous run), -1 when outside them."""
        if not len(codes):
            return np.full(len(days), -1, dtype=np.int64)
        period = period_codes(days, granularity) - codes[0]
        return np.where((period >= 0) & (period < len(codes)), period, -1)

    def person_unverifiable(self, units: np.ndarray) -> np.ndarray:
        """Per leader's unit: no ledger there names people, so per-person rules cannot be checked."""
        return ~self.verifiable("主讲人", units)

    def table_has(self, column: str) -> np.ndarray:
        """Per table: does its header hold the canonical ``column``? (Once per column: a province has tens of
        thousands of tables and several rules ask; read-only.)"""
        key = ("table_has", column)
        if key not in self._subjects:
            self._subjects[key] = _read_only(np.array([column in t.columns for t in self.tables], dtype=bool))
        return self._subjects[key]

    def record_has(self, column: str, records: np.ndarray | None = None) -> np.ndarray:
        """Per record (of ``records``, or all): was ``column`` present in the table it came from?"""
        has = self.table_has(column)
        n = len(self.records) if records is None else len(records)
        if not len(has):
            return np.zeros(n, dtype=bool)
        tables = self.records["table"].to_numpy()
        return has[tables] if records is None else has[tables[records]]

    def verifiable(self, column: str, units: np.ndarray) -> np.ndarray:
        """Per unit: can ``column`` be checked for it? Yes when a ledger of the unit's subtree has the column;
        for a subtree with no records at all, when any ledger has it."""
        with_records, with_column, anywhere = self._column_kept(column)
        return np.where(
            self._subtree_any(with_records, units), self._subtree_any(with_column, units), anywhere
        )

    @cached_property
    def _kept_columns(self) -> dict[str, tuple[np.ndarray, np.ndarray, bool]]:
        return {}

    def _column_kept(self, column: str) -> tuple[np.ndarray, np.ndarray, bool]:
        """Per organisation: has it records, has it records from a table with ``column``; and does any table have
        it — worked out once per column (several rules ask of 主讲人)."""
        if column not in self._kept_columns:
            orgs = self.records["org"].to_numpy()
            with_records = np.zeros(len(self.roster.names), dtype=bool)
            with_records[orgs] = True
            with_column = np.zeros(len(self.roster.names), dtype=bool)
            with_column[orgs[self.record_has(column)]] = True
            self._kept_columns[column] = (with_records, with_column, bool(self.table_has(column).any()))
        return self._kept_columns[column]

    def _subtree_any(self, flags: np.ndarray, units: np.ndarray) -> np.ndarray:
        by_clock = np.zeros(len(flags) + 1, dtype=np.int64)
        by_clock[1:] = np.cumsum(flags[np.argsort(self.roster.subtree_start)])
        start, end = self.roster.subtree_start[units], self.roster.subtree_end[units]
        return (by_clock[end] - by_clock[start]) > 0

    @cached_property
    def _person_table(self) -> tuple[np.ndarray, np.ndarray, pd.Index]:
        """(record, name) for every person named in a record, "张三、李四" giving two rows: the record's position and
        its name as a number in the distinct names (the third), so that finding a leader's records compares
        integers — once per check, not a join of strings per rule."""
        codes, spellings = pd.factorize(self.records["person"].to_numpy(dtype=object))  # names repeat: split once
        lists = [split_list(p) for p in spellings]
        counts = np.array([len(n) for n in lists] + [0], dtype=np.int64)[codes]  # code -1 (blank): no one
        firsts = np.cumsum([0] + [len(n) for n in lists])
        flat = np.array([n for group in lists for n in group], dtype=object)
        flat_code, names = pd.factorize(flat) if len(flat) else (np.zeros(0, np.int64), np.zeros(0, object))
        named = np.flatnonzero(counts)
        # each record's names: the run of ``flat`` from its spelling's first name, as many as it has
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts[named]) - counts[named], counts[named])
        name = flat_code[np.repeat(firsts[codes[named]], counts[named]) + offsets] if len(flat) else flat_code
        return np.repeat(named, counts[named]), name.astype(np.int64), pd.Index(names, dtype=object)

    @cached_property
    def _leader_name_codes(self) -> np.ndarray:
        """Per roster leader, the number of the leader's name among the names records give (-1: none gives it)."""
        return self._person_table[2].get_indexer(pd.Index(self.roster.leader_names, dtype=object)).astype(np.int64)

    def person_matches(self, records: np.ndarray, leaders: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (record, position in ``leaders``) where the record names the leader as its person and the
        record's organisation lies in the leader's unit's subtree (so two 王芳 in two schools stay apart). In the
        records' order, a record's leaders in the order of ``leaders`` (as an inner join on the name would)."""
        named, name, _ = self._person_table
        chosen = np.zeros(len(self.records), dtype=bool)
        chosen[records] = True
        kept = chosen[named]
        record, name = named[kept], name[kept]
        wanted = self._leader_name_codes[leaders]  # per position in ``leaders``
        by_name = np.argsort(wanted, kind="stable")
        first = np.searchsorted(wanted[by_name], name, "left")
        many = np.searchsorted(wanted[by_name], name, "right") - first  # the leaders of that name, 0 or more
        rec = np.repeat(record, many)
        run = np.arange(len(rec)) - np.repeat(np.cumsum(many) - many, many)
        pos = by_name[np.repeat(first, many) + run].astype(np.int64)
        unit = self.roster.leader_org[leaders][pos]
        inside = self.roster.within(unit, self.records["org"].to_numpy()[rec])
        return rec[inside], pos[inside]

    def month_counts(self, rule: RuleBase) -> MonthCounts:
        """The count tables' months of a rule's types: per organisation, type and month, the count (the largest a
        table gives), the dated records the rule counts there, and what the count adds beyond them (the larger
        stands: a month's count and its dated records are never added together)."""
        counts = self.counts
        if counts is None or not len(counts):
            return MonthCounts.empty()
        codes = [self.type_names.index(t) for t in rule.types]
        rows = np.flatnonzero(np.isin(counts["type"].to_numpy(), codes))
        if self.scope is not None and len(rows):
            rows = rows[self.scope[counts["org"].to_numpy()[rows]]]
        if not len(rows):
            return MonthCounts.empty()
        org = counts["org"].to_numpy(np.int64)[rows]
        kind = counts["type"].to_numpy(np.int64)[rows]
        month = counts["month"].to_numpy(np.int64)[rows]
        n = counts["n"].to_numpy(np.int64)[rows]
        keys = pd.MultiIndex.from_arrays([org, kind, month])
        group, uniques = pd.factorize(keys)
        largest = np.zeros(len(uniques), dtype=np.int64)
        np.maximum.at(largest, group, n)
        records = self.records_of(rule)
        dated = pd.Series(1, index=pd.MultiIndex.from_arrays([
            self.records["org"].to_numpy(np.int64)[records], self.records["type"].to_numpy(np.int64)[records],
            self.days[records].astype("datetime64[M]").astype(np.int64)])).groupby(level=[0, 1, 2]).size() \
            if len(records) else pd.Series(dtype=np.int64)
        held = dated.reindex(uniques, fill_value=0).to_numpy(np.int64) if len(dated) else np.zeros(len(uniques),
                                                                                                     np.int64)
        return MonthCounts(
            org=uniques.get_level_values(0).to_numpy(np.int64), type=uniques.get_level_values(1).to_numpy(np.int64),
            month=uniques.get_level_values(2).to_numpy(np.int64), n=largest, dated=held,
            rows_of=group, evidence=len(self.records) + rows,
        )


def _read_only(values: np.ndarray) -> np.ndarray:
    """An array shared between rules, made read-only so that no kind writes to another's."""
    values.flags.writeable = False
    return values


@dataclass
class MonthCounts:
    """A rule's count-table months (one per organisation × type × month) and the count rows behind each."""

    org: np.ndarray
    type: np.ndarray
    month: np.ndarray  # months since 1970-01
    n: np.ndarray  # the count the tables give (the largest, when two do)
    dated: np.ndarray  # the dated records the rule counts in that month
    rows_of: np.ndarray  # per count row: which month it gives
    evidence: np.ndarray  # per count row: its evidence number (len(records) + its position in ctx.counts)

    @classmethod
    def empty(cls) -> MonthCounts:
        nothing = np.zeros(0, dtype=np.int64)
        return cls(nothing, nothing, nothing, nothing, nothing, nothing, nothing)

    @property
    def excess(self) -> np.ndarray:
        """What each month's count adds beyond its dated records."""
        return np.maximum(self.n - self.dated, 0)

    def __len__(self) -> int:
        return len(self.org)

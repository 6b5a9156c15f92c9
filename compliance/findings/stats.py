"""How well each unit keeps up (completion statistics), per year of the audited range, from the judgements and the
records alone — what the party-building platforms publish as 按时开展月份数, 完成率 and 出席率.

- Per organisation, rule and year: the periods (or records, for record rules) judged — met or violated; a period
  still open (due), one that cannot be verified and one waived are not counted — how many were met, and 完成率 =
  met ÷ judged; for monthly rules 按时开展月份数 = the months met. A leader's rules count under the leader's unit.
- Per organisation and year, over all its rules: judged, met, 完成率.
- Per organisation and year, 出席率 = Σ实到 ÷ Σ应到 over its meetings that record both, and its lowest meeting.

Rates are rounded to four decimals, so the same inputs give the same bytes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NotRequired, TypedDict, cast

import numpy as np
import pandas as pd

from compliance.domain import Status
from compliance.engine.periods import Granularity

if TYPE_CHECKING:
    from compliance.findings.result import CheckResult


class RuleYear(TypedDict):
    """An organisation's periods of one rule in one year: judged, met, 完成率, and for a monthly rule 按时开展月份数."""

    org: str
    rule: str
    year: int
    judged: int
    met: int
    rate: float
    months_on_time: NotRequired[int]


class OrgYear(TypedDict):
    """One organisation's periods of all its rules in one year."""

    org: str
    year: int
    judged: int
    met: int
    rate: float


class LowestMeeting(TypedDict):
    date: str
    type: str
    expected: int
    present: int
    rate: float


class Attendance(TypedDict):
    """One organisation's meetings of one year that record both 应到 and 实到: 出席率 and its lowest meeting."""

    org: str
    year: int
    meetings: int
    expected: int
    present: int
    rate: float | None
    lowest: LowestMeeting


class Statistics(TypedDict):
    """findings.json's ``stats``, the pages' and the problem list's statistics."""

    by_org: list[OrgYear]
    by_rule: list[RuleYear]
    attendance: list[Attendance]


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def statistics(result: CheckResult) -> Statistics:
    """The statistics as lists of dicts (``by_org``, ``by_rule``, ``attendance``), from ``statistic_columns``."""
    columns = result.stat_columns
    return cast(Statistics,
                {name: rows(value) if isinstance(value, dict) else value for name, value in columns.items()})


def rows(columns: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """Columns of equal length as one dict per row of Python values, keys in column order; a negative number in an
    ``OPTIONAL`` column leaves its key out (months_on_time: only monthly rules have it)."""
    names = list(columns)
    out = [dict(zip(names, values, strict=True))
           for values in zip(*(np.asarray(c).tolist() for c in columns.values()), strict=True)]
    for name in OPTIONAL.intersection(names):
        for item in out:
            if item[name] < 0:
                del item[name]
    return out


OPTIONAL = frozenset({"months_on_time"})  # numbers, negative where the item has none


def statistic_columns(result: CheckResult) -> dict:
    """``by_org`` and ``by_rule`` as numpy columns (findings.json writes them without a dict per row; ``rows``
    makes the dicts); ``attendance`` (one item per organisation and year) as dicts."""
    judgements = result.judgements
    status = judgements["status"]
    met = status == Status.MET
    counted = met | (status == Status.VIOLATION)
    names, rules = result.roster.names, result.catalogue.rules
    # integer codes, in the order the reports list them: roster order, year, catalogue order
    org = _codes(judgements["org"], {name: i for i, name in enumerate(names)})
    rule = _codes(judgements["rule"], {rule.id: i for i, rule in enumerate(rules)})
    year = years(judgements["end"])  # a term: the year it ends
    first, n_years, n_rules = (int(year.min()), int(year.max()) - int(year.min()) + 1, len(rules)) if len(year) \
        else (0, 1, len(rules))
    key = ((org * n_years + (year - first)) * n_rules + rule)[counted]
    cells, size, hits = _cell_counts(key, met[counted], len(names) * n_years * n_rules)
    monthly = np.array([getattr(r, "period", None) == Granularity.MONTH for r in rules] or [False], dtype=bool)
    o_of, rest = np.divmod(cells, n_years * n_rules)
    y_of, r_of = np.divmod(rest, n_rules)
    org_names = np.array(names, dtype=object)
    ids = np.array([rule.id for rule in rules] or [""], dtype=object)
    by_rule = {
        "org": org_names[o_of], "rule": ids[r_of], "year": y_of + first, "judged": size, "met": hits,
        "rate": np.round(hits / np.maximum(size, 1), 4), "months_on_time": np.where(monthly[r_of], hits, -1),
    }
    # (organisation, year): the cells are sorted, so each group's cells are a run
    group = cells // n_rules
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]]) if len(group) else np.zeros(0, dtype=np.int64)
    totals = np.add.reduceat(size, starts) if len(starts) else np.zeros(0, dtype=np.int64)
    totals_met = np.add.reduceat(hits, starts) if len(starts) else np.zeros(0, dtype=np.int64)
    group_org, group_year = np.divmod(group[starts], n_years)
    by_org = {
        "org": org_names[group_org], "year": group_year + first, "judged": totals, "met": totals_met,
        "rate": np.round(totals_met / np.maximum(totals, 1), 4),
    }
    return {"by_org": by_org, "by_rule": by_rule, "attendance": _attendance(result)}


def years(days: np.ndarray) -> np.ndarray:
    """The calendar year of each day (``datetime64[D]``), looked up in a table of the days they span: a
    conversion per distinct day rather than per judgement."""
    if not len(days):
        return np.zeros(0, dtype=np.int64)
    number = days.astype("datetime64[D]").astype(np.int64)
    low = int(number.min())
    span = np.arange(low, int(number.max()) + 1).astype("datetime64[D]")
    return (span.astype("datetime64[Y]").astype(np.int64) + 1970)[number - low]


DENSE = 2  # count cells over the whole key space when it is at most this many times the keys


def _cell_counts(key: np.ndarray, met: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct keys (non-negative, below ``space``) in order, how many times each occurs and how many of
    those are ``met``. A province's key space (organisations × years × rules) is about as large as its judgements:
    then one count over the space; a sparse one (many years, few judgements each) hashes the keys and sorts only
    the distinct ones. Both give the same."""
    if space <= DENSE * len(key):
        occurs = np.bincount(key, minlength=space)
        cells = np.flatnonzero(occurs)
        return cells, occurs[cells], np.bincount(key[met], minlength=space)[cells]
    inverse, cells = pd.factorize(key, sort=True)
    return cells, np.bincount(inverse, minlength=len(cells)), np.bincount(inverse[met], minlength=len(cells))


def _codes(values: np.ndarray, code_of: dict) -> np.ndarray:
    """Each value's code in ``code_of``, looked up once per run of equal values: the judgements are sorted by
    organisation and rule, so a province's two million of them hold some tens of thousands of runs of one
    organisation (and a few hundred thousand of one rule). Any order gives the same codes, only more slowly."""
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    run_codes, uniques = pd.factorize(values[starts])
    codes = np.array([code_of[value] for value in uniques], dtype=np.int64)[run_codes]
    return np.repeat(codes, np.diff(np.r_[starts, len(values)]))


def repeated(table: np.ndarray, row: np.ndarray) -> np.ndarray:
    """Whether each (table, row) occurred before: the second record of a ledger row that names two activities.
    Records come in ledger order, so equal pairs are neighbours and one pass over them finds the repeats; in any
    other order the pairs are hashed. Both give the same."""
    if not len(row):
        return np.zeros(0, dtype=bool)
    key = table * (int(row.max()) - int(row.min()) + 1) + (row - row.min())  # (table, row) as one number
    steps = np.diff(key)
    if (steps >= 0).all():
        return np.r_[False, steps == 0]
    return pd.Series(key).duplicated().to_numpy()


def _attendance(result: CheckResult) -> list[Attendance]:
    records = result.counted_records  # each meeting once: not again through its minutes
    expected = records["expected"].to_numpy(dtype="float64", na_value=np.nan)
    present = records["present"].to_numpy(dtype="float64", na_value=np.nan)
    days = records["date"].to_numpy("datetime64[D]")
    inside = (days >= np.datetime64(result.audit.start, "D")) & (days <= np.datetime64(result.audit.end, "D"))
    both = ~np.isnan(expected) & ~np.isnan(present) & (expected > 0) & (present <= expected) & inside
    # one meeting per ledger row: a row naming two types (主题党日暨党课) is two records but one meeting
    both &= ~repeated(records["table"].to_numpy(), records["row"].to_numpy())
    if not both.any():
        return []
    names = np.array(result.roster.names, dtype=object)
    types = np.array(result.catalogue.activity_types, dtype=object)
    at = np.flatnonzero(both)
    org = records["org"].to_numpy().astype(np.int64)[at]
    year = years(days[at])
    expected, present = expected[at].astype(np.int64), present[at].astype(np.int64)
    # the lowest meeting of each (organisation, year): the first once sorted by ratio (a stable sort: ties in ledger
    # order); the groups in (organisation, year) order, as one number
    order = np.lexsort((present / expected, org * (int(year.max()) - int(year.min()) + 1) + (year - year.min())))
    org, year, expected, present, at = org[order], year[order], expected[order], present[order], at[order]
    starts = np.flatnonzero(np.r_[True, (org[1:] != org[:-1]) | (year[1:] != year[:-1])])
    meetings = np.diff(np.r_[starts, len(org)])
    totals, attended = np.add.reduceat(expected, starts), np.add.reduceat(present, starts)
    lowest = at[starts]  # each group's lowest meeting: its date and type as text, a column at a time
    dates = days[lowest].astype(str).tolist()
    kinds = types[records["type"].to_numpy()[lowest]].tolist()
    out: list[Attendance] = []
    for name, group_year, n, total, came, low, low_present, date, kind in zip(
        names[org[starts]].tolist(), year[starts].tolist(), meetings.tolist(), totals.tolist(), attended.tolist(),
        expected[starts].tolist(), present[starts].tolist(), dates, kinds, strict=True,
    ):
        out.append({
            "org": name, "year": group_year, "meetings": n, "expected": total, "present": came,
            "rate": _rate(came, total),
            "lowest": {"date": date, "type": kind, "expected": low, "present": low_present,
                       "rate": round(low_present / low, 4)},
        })
    return out

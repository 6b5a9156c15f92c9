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


def rows(columns: dict[str, Any]) -> list[dict[str, Any]]:
    """Columns of equal length as one dict per row of Python values, keys in column order (a column given as a dict
    of columns: a dict in each row); a negative number in an ``OPTIONAL`` column leaves its key out
    (months_on_time: only monthly rules have it)."""
    names = list(columns)
    out = [dict(zip(names, values, strict=True))
           for values in zip(*(_listed(c) for c in columns.values()), strict=True)]
    for name in OPTIONAL.intersection(names):
        for item in out:
            if item[name] < 0:
                del item[name]
    return out


def _listed(column) -> list:
    """A column as a list of Python values (a dict of columns: as dicts)."""
    if isinstance(column, dict):
        return rows(column)
    return column if isinstance(column, list) else np.asarray(column).tolist()


OPTIONAL = frozenset({"months_on_time"})  # numbers, negative where the item has none


def statistic_columns(result: CheckResult) -> dict:
    """``by_org``, ``by_rule`` and ``attendance`` as columns (findings.json writes them without a dict per row;
    ``rows`` makes the dicts), attendance's ``lowest`` as columns within."""
    judgements = result.judgements
    # organisation and rule as the table's integer codes (equal codes, equal values), status too
    orgs, org_values = judgements.codes("org")
    ids, rule_values = judgements.codes("rule")
    year = years(judgements["end"])  # a term: the year it ends
    # The table is sorted by organisation and rule: it is counted a run of one organisation, rule and year at a
    # time (a province's two million judgements make a few hundred thousand runs)
    new_org = _changed(orgs)
    starts = np.flatnonzero(new_org | _changed(ids) | _changed(year))
    # met: every judgement that is no finding; judged: those met or violated
    reported = judgements.reported
    statuses, status_values = judgements.codes("status")
    violated = (status_values == Status.VIOLATION)[statuses[reported]]
    run_of = np.searchsorted(starts, reported, side="right") - 1  # each finding's run
    hits = np.diff(np.r_[starts, len(orgs)]) - np.bincount(run_of, minlength=len(starts))
    judged = hits + np.bincount(run_of[violated], minlength=len(starts))
    starts, judged, hits = starts[judged > 0], judged[judged > 0], hits[judged > 0]
    # integer codes, in the order the reports list them: roster order, year, catalogue order — each distinct value
    # looked up once
    names, rules = result.roster.names, result.catalogue.rules
    org = _positions(org_values, {name: i for i, name in enumerate(names)}, orgs[starts])
    rule = _positions(rule_values, {rule.id: i for i, rule in enumerate(rules)}, ids[starts])
    year = year[starts]
    first, n_years, n_rules = (int(year.min()), int(year.max()) - int(year.min()) + 1, len(rules)) if len(year) \
        else (0, 1, len(rules))
    key = (org * n_years + (year - first)) * n_rules + rule
    cells, size, hits = _cell_sums(key, judged, hits, len(names) * n_years * n_rules)
    monthly = np.array([getattr(r, "period", None) == Granularity.MONTH for r in rules] or [False], dtype=bool)
    o_of, rest = np.divmod(cells, n_years * n_rules)
    y_of, r_of = np.divmod(rest, n_rules)
    org_names = np.array(names, dtype=object)
    rule_ids = np.array([rule.id for rule in rules] or [""], dtype=object)
    by_rule = {
        "org": org_names[o_of], "rule": rule_ids[r_of], "year": y_of + first, "judged": size, "met": hits,
        "rate": np.round(hits / np.maximum(size, 1), 4), "months_on_time": np.where(monthly[r_of], hits, -1),
    }
    # (organisation, year): the cells are sorted, so each group's cells are a run
    group = cells // n_rules
    starts = np.flatnonzero(_changed(group))
    totals, totals_met = _sums(size, starts), _sums(hits, starts)
    group_org, group_year = np.divmod(group[starts], n_years)
    by_org = {
        "org": org_names[group_org], "year": group_year + first, "judged": totals, "met": totals_met,
        "rate": np.round(totals_met / np.maximum(totals, 1), 4),
    }
    return {"by_org": by_org, "by_rule": by_rule, "attendance": _attendance(result)}


def _changed(column: np.ndarray) -> np.ndarray:
    """Whether each row differs from the one before it (the first row does)."""
    new = np.empty(len(column), dtype=bool)
    new[:1] = True
    new[1:] = column[1:] != column[:-1]
    return new


def _sums(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The sum of each run of ``values`` (runs starting at ``starts``)."""
    if not len(starts):
        return np.zeros(0, dtype=np.int64)
    return np.add.reduceat(values, starts)


def _positions(values: np.ndarray, position_of: dict, codes: np.ndarray) -> np.ndarray:
    """The position in ``position_of`` of each code's value (``values[codes]``), each distinct value looked up once;
    KeyError for a value it lacks."""
    table = np.array([position_of.get(value, -1) for value in values.tolist()], dtype=np.int64)
    out = table[codes]
    if len(out) and out.min() < 0:
        raise KeyError(values[codes[np.argmax(out < 0)]])
    return out


def years(days: np.ndarray) -> np.ndarray:
    """The calendar year of each day (``datetime64[D]``), looked up in a table of the days they span: a
    conversion per distinct day rather than per judgement."""
    if not len(days):
        return np.zeros(0, dtype=np.int64)
    number = days.astype("datetime64[D]", copy=False).view(np.int64)
    low = int(number.min())
    span = np.arange(low, int(number.max()) + 1).astype("datetime64[D]")
    return (span.astype("datetime64[Y]").astype(np.int64) + 1970)[number - low]


def day_texts(days: np.ndarray) -> list[str]:
    """Each day (``datetime64``) as ISO text, ``2024-03-05``, converted once per day of the span they cover: numpy
    converts a date to text at about the cost of everything else a finding's evidence needs. Days missing (NaT) or
    spread thinly over a long span are converted one by one. Both give the same."""
    days = days.astype("datetime64[D]", copy=False)
    number = days.view(np.int64)
    if not len(days) or np.isnat(days).any() or int(number.max()) - int(number.min()) > 4 * len(days):
        return days.astype(str).tolist()
    low = int(number.min())
    texts = np.arange(low, int(number.max()) + 1).astype("datetime64[D]").astype(str).astype(object)
    return texts[number - low].tolist()


DENSE = 8  # sum over the whole key space when it is at most this many times the keys: a count over an array that
# size costs less than hashing and sorting the keys


def _cell_sums(key: np.ndarray, judged: np.ndarray, met: np.ndarray,
               space: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct keys (non-negative, below ``space``) in order, and the sums of ``judged`` (positive) and
    ``met`` over each. A province's key space (organisations × years × rules) is a few times its keys: then one
    count over the space; a sparse one (many years, few organisations judged in each) hashes the keys and sorts
    only the distinct ones. Both give the same."""
    if space <= DENSE * len(key):
        size = np.bincount(key, weights=judged, minlength=space)
        cells = np.flatnonzero(size)
        return (cells, size[cells].astype(np.int64),
                np.bincount(key, weights=met, minlength=space)[cells].astype(np.int64))
    inverse, cells = pd.factorize(key, sort=True)
    return (cells, np.bincount(inverse, weights=judged, minlength=len(cells)).astype(np.int64),
            np.bincount(inverse, weights=met, minlength=len(cells)).astype(np.int64))


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


def _attendance(result: CheckResult) -> dict[str, Any] | list:
    records = result.counted_records  # each meeting once: not again through its minutes
    expected = records["expected"].to_numpy(dtype="float64", na_value=np.nan)
    present = records["present"].to_numpy(dtype="float64", na_value=np.nan)
    stamps = records["date"].to_numpy()  # as stored; a day only for the meetings counted
    inside = (stamps >= np.datetime64(result.audit.start, "D")) & (stamps < np.datetime64(result.audit.end, "D") + 1)
    both = ~np.isnan(expected) & ~np.isnan(present) & (expected > 0) & (present <= expected) & inside
    # one meeting per ledger row: a row naming two types (主题党日暨党课) is two records but one meeting
    both &= ~repeated(records["table"].to_numpy(), records["row"].to_numpy())
    if not both.any():
        return []
    at = np.flatnonzero(both)
    year = years(stamps[at])
    first, n_years = int(year.min()), int(year.max()) - int(year.min()) + 1
    group = records["org"].to_numpy().astype(np.int64)[at] * n_years + (year - first)  # (organisation, year)
    expected, present = expected[at], present[at]
    ratio = present / expected
    # per (organisation, year), in that order: its meetings, their sums, and its lowest meeting — of those with
    # the lowest ratio the first in ledger order — each a pass over the meetings (no sort)
    space = int(group.max()) + 1
    meetings = np.bincount(group, minlength=space)
    groups = np.flatnonzero(meetings)
    lowest_ratio = np.full(space, np.inf)
    np.minimum.at(lowest_ratio, group, ratio)
    candidates = np.flatnonzero(ratio == lowest_ratio[group])
    lowest = np.full(space, len(at))
    np.minimum.at(lowest, group[candidates], candidates)
    lowest = lowest[groups]
    totals = np.bincount(group, weights=expected, minlength=space)[groups].astype(np.int64)
    attended = np.bincount(group, weights=present, minlength=space)[groups].astype(np.int64)
    group_org, group_year = np.divmod(groups, n_years)
    record = at[lowest]  # each group's lowest meeting: its date and type as text, a column at a time
    dates = day_texts(stamps[record])
    kinds = np.array(result.catalogue.activity_types, dtype=object)[records["type"].to_numpy()[record]].tolist()
    names = np.array(result.roster.names, dtype=object)
    low, low_present = expected[lowest].astype(np.int64), present[lowest].astype(np.int64)
    return {
        "org": names[group_org], "year": group_year + first, "meetings": meetings[groups], "expected": totals,
        "present": attended, "rate": [_rate(came, total) for came, total in zip(attended.tolist(), totals.tolist(),
                                                                              strict=True)],
        "lowest": {"date": dates, "type": kinds, "expected": low, "present": low_present,
                   "rate": [round(came / total, 4) for came, total in zip(low_present.tolist(), low.tolist(),
                                                                           strict=True)]},
    }

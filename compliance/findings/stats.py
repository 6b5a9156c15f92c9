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
    counted = (status == Status.MET) | (status == Status.VIOLATION)
    names, rules = result.roster.names, result.catalogue.rules
    org_of = {name: i for i, name in enumerate(names)}
    rule_of = {rule.id: i for i, rule in enumerate(rules)}
    # integer codes, in the order the reports list them: roster order, year, catalogue order
    org_codes, org_uniques = pd.factorize(judgements["org"][counted])
    org = np.array([org_of[o] for o in org_uniques], dtype=np.int64)[org_codes]
    rule_codes, rule_uniques = pd.factorize(judgements["rule"][counted])
    rule = np.array([rule_of[r] for r in rule_uniques], dtype=np.int64)[rule_codes]
    year = judgements["end"][counted].astype("datetime64[Y]").astype(np.int64) + 1970  # a term: the year it ends
    met = (status[counted] == Status.MET).astype(np.int64)
    first, n_years, n_rules = (int(year.min()), int(year.max()) - int(year.min()) + 1, len(rules)) if len(year) \
        else (0, 1, len(rules))
    key = (org * n_years + (year - first)) * n_rules + rule
    cells, inverse = np.unique(key, return_inverse=True)  # only the (organisation, year, rule) that occur
    size = np.bincount(inverse, minlength=len(cells))
    hits = np.bincount(inverse, weights=met, minlength=len(cells)).astype(np.int64)
    monthly = np.array([getattr(r, "period", None) == Granularity.MONTH for r in rules] or [False], dtype=bool)
    o_of, rest = np.divmod(cells, n_years * n_rules)
    y_of, r_of = np.divmod(rest, n_rules)
    org_names = np.array(names, dtype=object)
    ids = np.array([rule.id for rule in rules] or [""], dtype=object)
    by_rule = {
        "org": org_names[o_of], "rule": ids[r_of], "year": y_of + first, "judged": size, "met": hits,
        "rate": np.round(hits / np.maximum(size, 1), 4), "months_on_time": np.where(monthly[r_of], hits, -1),
    }
    groups, back = np.unique(cells // n_rules, return_inverse=True)  # (organisation, year), in order
    totals = np.bincount(back, weights=size).astype(np.int64)
    totals_met = np.bincount(back, weights=hits).astype(np.int64)
    group_org, group_year = np.divmod(groups, n_years)
    by_org = {
        "org": org_names[group_org], "year": group_year + first, "judged": totals, "met": totals_met,
        "rate": np.round(totals_met / np.maximum(totals, 1), 4),
    }
    return {"by_org": by_org, "by_rule": by_rule, "attendance": _attendance(result)}


def _attendance(result: CheckResult) -> list[Attendance]:
    records = result.counted_records  # each meeting once: not again through its minutes
    expected = records["expected"].to_numpy(dtype="float64", na_value=np.nan)
    present = records["present"].to_numpy(dtype="float64", na_value=np.nan)
    days = records["date"].to_numpy("datetime64[D]")
    inside = (days >= np.datetime64(result.audit.start, "D")) & (days <= np.datetime64(result.audit.end, "D"))
    both = ~np.isnan(expected) & ~np.isnan(present) & (expected > 0) & (present <= expected) & inside
    # one meeting per ledger row: a row naming two types (主题党日暨党课) is two records but one meeting
    both &= ~pd.DataFrame({"t": records["table"].to_numpy(), "r": records["row"].to_numpy()}).duplicated().to_numpy()
    if not both.any():
        return []
    names = np.array(result.roster.names, dtype=object)
    types = np.array(result.catalogue.activity_types, dtype=object)
    at = np.flatnonzero(both)
    org = records["org"].to_numpy().astype(np.int64)[at]
    year = days[at].astype("datetime64[Y]").astype(np.int64) + 1970
    expected, present = expected[at].astype(np.int64), present[at].astype(np.int64)
    # the lowest meeting of each (organisation, year): the first once sorted by ratio (a stable sort: ties in ledger
    # order); the groups in (organisation, year) order
    order = np.lexsort((present / expected, year, org))
    org, year, expected, present, at = org[order], year[order], expected[order], present[order], at[order]
    starts = np.flatnonzero(np.r_[True, (org[1:] != org[:-1]) | (year[1:] != year[:-1])])
    meetings = np.diff(np.r_[starts, len(org)])
    totals, attended = np.add.reduceat(expected, starts), np.add.reduceat(present, starts)
    kinds = records["type"].to_numpy()
    out: list[Attendance] = []
    for group_org, group_year, n, total, came, low, low_present, record in zip(
        org[starts].tolist(), year[starts].tolist(), meetings.tolist(), totals.tolist(), attended.tolist(),
        expected[starts].tolist(), present[starts].tolist(), at[starts].tolist(), strict=True,
    ):
        out.append({
            "org": names[group_org], "year": group_year, "meetings": n, "expected": total, "present": came,
            "rate": _rate(came, total),
            "lowest": {"date": str(days[record]), "type": types[int(kinds[record])],
                       "expected": low, "present": low_present, "rate": round(low_present / low, 4)},
        })
    return out

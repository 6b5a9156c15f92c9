"""regularity: records of the given types fall on a relatively fixed day of the month — within each year, the
days of the month they fall on spread over at most ``max_spread_days``.

Judged per organisation and year like a frequency rule; a spread already too wide is a violation even while the
year is open, since no later record can narrow it. Fewer than two records cannot spread.

Pass: theme days on the 10th, 12th and 15th: spread 5 ≤ 7.
Fail: theme days on the 3rd and the 20th: spread 17 > 7, a warning for the year.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from compliance.config.rule import RuleBase
from compliance.engine.cells import Cells, count_grid, counts_unverifiable, joined
from compliance.engine.context import Context
from compliance.engine.kinds.base import Kind
from compliance.engine.periods import Granularity, period_bounds, period_labels


class RegularityRule(RuleBase):
    """Records of ``types`` fall on a relatively fixed day of the month: the spread of days in a year is bounded."""

    kind: Literal["regularity"]
    max_spread_days: int = Field(7, ge=0)

    def period_text(self) -> str:
        return "每年"

    @property
    def period(self) -> Granularity:
        """Judged per calendar year (the spread of a year's days)."""
        return Granularity.YEAR


def _all_years(rule: RegularityRule, ctx: Context) -> Cells:
    year = rule.period
    orgs = ctx.orgs_for(rule.applies_to)
    codes = ctx.audit.codes(year)
    start, end = period_bounds(codes, year)
    judged = ctx.org_judged(orgs, start)

    records = ctx.records_of(rule)
    subject = ctx.org_positions(orgs, records)
    period = ctx.period_positions(records, codes, year)
    valid = (subject >= 0) & (period >= 0)
    grid = count_grid(judged, subject[valid], period[valid], records[valid])

    cell, record = grid.evidence
    day_of_month = (ctx.days[record] - ctx.days[record].astype("datetime64[M]")).astype(np.int64) + 1
    low = np.full(len(grid.actual), 32, dtype=np.int64)
    high = np.zeros(len(grid.actual), dtype=np.int64)
    np.minimum.at(low, cell, day_of_month)
    np.maximum.at(high, cell, day_of_month)
    spread = np.where(grid.actual >= 2, high - low, 0)
    passed = spread <= rule.max_spread_days
    closed = (ctx.as_of >= end[grid.period]) | ~passed
    labels = period_labels(codes[grid.period], year)
    types = "或".join(rule.types)
    message = np.full(len(passed), None, dtype=object)
    for i in np.flatnonzero(~passed):
        message[i] = (
            f"{labels[i]} 年{types}分别在每月 {low[i]} 日至 {high[i]} 日之间开展，相差 {spread[i]} 天，"
            f"超过 {rule.max_spread_days} 天，未相对固定"
        )
    n = len(passed)
    return Cells.build(
        grid.evidence,
        org=orgs[grid.subject],
        leader=np.full(n, -1),
        period=labels,
        start=start[grid.period],
        end=end[grid.period],
        expected=np.full(n, rule.max_spread_days),
        actual=spread,
        passed=passed,
        closed=closed,
        unverifiable=np.zeros(n, dtype=bool),
        message=message,
    )


def check(rule: RegularityRule, ctx: Context) -> Cells:
    """Every year with at least one record of the types: a year without any is not judged here (it says nothing
    about a fixed day; the frequency rule reports the missing records)."""
    cells = _all_years(rule, ctx)
    held = np.zeros(len(cells), dtype=bool)
    held[cells.evidence["cell"].to_numpy()] = True
    # days the count tables do not give: those months cannot be judged for a fixed day
    return joined(cells.keep(held), counts_unverifiable(rule, ctx, ctx.orgs_for(rule.applies_to)))


KIND = Kind("regularity", RegularityRule, check)

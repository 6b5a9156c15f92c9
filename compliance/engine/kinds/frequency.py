"""frequency: at least ``min`` records of the given types per organisation per month / quarter / half / year.

An optional yearly ``window`` (``{from: 06-01, to: 07-10}``) counts only records inside it, and the window is
what is judged: not before it begins, due while it is open, a violation once it has closed.

Pass: a 党支部 with one 主题党日 on 2024-03-12 meets theme-day-monthly for 2024-03.
Fail: the same branch with no 主题党日 in April has a violation for 2024-04 once April has ended
(``due`` while the as-of date is still in April).
"""

from __future__ import annotations

import numpy as np

from compliance.config.catalogue import FrequencyRule
from compliance.engine.kinds.base import Cells, Context, count_grid, shortfall_messages
from compliance.engine.periods import period_bounds, period_labels

KIND = "frequency"
CONFIG = FrequencyRule


def check(rule: FrequencyRule, ctx: Context) -> Cells:
    orgs = ctx.orgs_for(rule.applies_to)
    codes = ctx.audit.codes(rule.period)
    start, end = period_bounds(codes, rule.period)
    if rule.window is not None:
        years = (codes + 1970).tolist()
        bounds = [rule.window.bounds(y) for y in years]
        start = np.array([b[0] for b in bounds], dtype="datetime64[D]")
        end = np.array([b[1] for b in bounds], dtype="datetime64[D]")
    judged = ctx.org_judged(orgs, start)

    records = ctx.of_types(rule.types)
    days = ctx.days[records]
    period = ctx.period_positions(records, codes, rule.period)
    subject = ctx.org_positions(orgs, records)
    valid = (subject >= 0) & (period >= 0)
    if rule.window is not None:
        inside = np.zeros(len(valid), dtype=bool)
        inside[valid] = (days[valid] >= start[period[valid]]) & (days[valid] <= end[period[valid]])
        valid &= inside
    grid = count_grid(judged, subject[valid], period[valid], records[valid])

    cell_start, cell_end = start[grid.period], end[grid.period]
    passed = grid.actual >= rule.min
    closed = ctx.as_of >= cell_end
    labels = period_labels(codes[grid.period], rule.period)
    types = "或".join(rule.types)

    def what(i: int) -> str:
        if rule.window is not None:
            return f"{labels[i]} 年 {rule.window.start} 至 {rule.window.end} 期间{types}"
        return f"{labels[i]} {types}"

    return Cells.build(
        grid.evidence,
        org=orgs[grid.subject],
        leader=np.full(len(passed), -1),
        period=labels,
        start=cell_start,
        end=cell_end,
        expected=np.full(len(passed), rule.min),
        actual=grid.actual,
        passed=passed,
        closed=closed,
        unverifiable=np.zeros(len(passed), dtype=bool),
        message=shortfall_messages(passed, closed, what, grid.actual, rule.min, cell_end),
    )

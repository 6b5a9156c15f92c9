"""frequency: at least ``min`` records of the given types per organisation per month / quarter / half / year.

An optional yearly ``window`` (``{from: 06-01, to: 07-10}``) counts only records inside it, and the window is
what is judged: not before it begins, due while it is open, a violation once it has closed.

Pass: a 党支部 with one 主题党日 on 2024-03-12 meets theme-day-monthly for 2024-03.
Fail: the same branch with no 主题党日 in April has a violation for 2024-04 once April has ended
(``due`` while the as-of date is still in April).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

import numpy as np
from pydantic import ConfigDict, Field, field_validator, model_validator

from compliance.config.rule import RuleBase, Strict
from compliance.engine.cells import COUNTS_ONLY, Cells, count_grid, shortfall_messages, with_counts
from compliance.engine.context import Context
from compliance.engine.kinds.base import Kind
from compliance.engine.periods import Granularity, period_bounds, period_labels


class Window(Strict):
    """A month-day window inside each year, both ends inclusive: ``{from: 06-01, to: 07-10}``."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    start: str = Field(alias="from")
    end: str = Field(alias="to")

    @field_validator("start", "end")
    @classmethod
    def _month_day(cls, value: str) -> str:
        match = re.fullmatch(r"(\d{2})-(\d{2})", value)
        try:
            if match is None:
                raise ValueError(value)
            date(2024, int(match[1]), int(match[2]))  # a leap year, so 02-29 is a valid window end
        except (TypeError, ValueError):
            raise ValueError(f"应为“月-日”格式（如 06-01），而不是“{value}”") from None
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end < self.start:
            raise ValueError(f"窗口结束 {self.end} 早于开始 {self.start}")
        return self

    def bounds(self, year: int) -> tuple[date, date]:
        start_month, start_day = map(int, self.start.split("-"))
        end_month, end_day = map(int, self.end.split("-"))
        if end_month == 2 and end_day == 29 and not _is_leap(year):
            end_day = 28
        return date(year, start_month, start_day), date(year, end_month, end_day)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


class FrequencyRule(RuleBase):
    """At least ``min`` records of ``types`` per organisation per period, optionally inside a yearly window."""

    kind: Literal["frequency"]
    period: Granularity
    min: int = Field(1, ge=1)
    window: Window | None = None

    @model_validator(mode="after")
    def _window_is_yearly(self) -> FrequencyRule:
        if self.window is not None and self.period is not Granularity.YEAR:
            raise ValueError("window 只能用于 period: year")
        return self

    def period_text(self) -> str:
        if self.window:
            return f"每年 {self.window.start} 至 {self.window.end}"
        return self.period.chinese


def check(rule: FrequencyRule, ctx: Context) -> Cells:
    """One cell per organisation and period of the audited range (month, quarter, half or year; with a
    ``window``, that window of each year) that has begun by the as-of date, the organisation existing on its first
    day: at least ``min`` records of the types inside it. Open periods are due, closed ones met or a violation.
    Evidence: the records counted."""
    orgs = ctx.orgs_for(rule.applies_to)
    codes = ctx.audit.codes(rule.period)
    start, end = period_bounds(codes, rule.period)
    if rule.window is not None:
        years = (codes + 1970).tolist()
        bounds = [rule.window.bounds(y) for y in years]
        start = np.array([b[0] for b in bounds], dtype="datetime64[D]")
        end = np.array([b[1] for b in bounds], dtype="datetime64[D]")
    judged = ctx.org_judged(orgs, start)

    records = ctx.records_of(rule)
    days = ctx.days[records]
    period = ctx.period_positions(records, codes, rule.period)
    subject = ctx.org_positions(orgs, records)
    valid = (subject >= 0) & (period >= 0)
    if rule.window is not None:
        inside = np.zeros(len(valid), dtype=bool)
        inside[valid] = (days[valid] >= start[period[valid]]) & (days[valid] <= end[period[valid]])
        valid &= inside
    grid = count_grid(judged, subject[valid], period[valid], records[valid])
    grid, unknown = _counts(rule, ctx, orgs, codes, start, end, judged, grid)

    cell_start, cell_end = start[grid.period], end[grid.period]
    passed = grid.actual >= rule.min
    unverifiable = ~passed & (unknown > 0)
    closed = ctx.as_of >= cell_end
    labels = period_labels(codes[grid.period], rule.period)
    types = "或".join(rule.types)

    def what(cells: np.ndarray) -> np.ndarray:
        if rule.window is not None:
            return labels[cells] + f" 年 {rule.window.start} 至 {rule.window.end} 期间{types}"
        return labels[cells] + f" {types}"

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
        unverifiable=unverifiable,
        message=np.where(unverifiable, f"统计表中的{types}次数不能按本规则的条件（{_condition(rule)}）计入，"
                                       f"{COUNTS_ONLY}",
                         shortfall_messages(passed, closed, what, grid.actual, rule.min, cell_end,
                                            same=grid.period)),
    )


def _condition(rule: FrequencyRule) -> str:
    if rule.match is not None:
        return rule.match.describe()
    return f"每年 {rule.window.start} 至 {rule.window.end}" if rule.window is not None else ""


def _counts(rule: FrequencyRule, ctx: Context, orgs: np.ndarray, codes: np.ndarray, start: np.ndarray,
            end: np.ndarray, judged: np.ndarray, grid):
    """The grid with the count tables' months of the rule's types (the larger of count and dated records
    stands), and per cell the count left uncredited: a rule that counts only some records (``match``: a topic) or a
    month only partly inside a ``window`` cannot take a bare count."""
    months = ctx.month_counts(rule)
    if not len(months) or not len(codes):
        return grid, np.zeros(len(grid.actual), dtype=np.int64)
    first_day = months.month.astype("datetime64[M]").astype("datetime64[D]")
    last_day = (months.month + 1).astype("datetime64[M]").astype("datetime64[D]") - np.timedelta64(1, "D")
    period = ctx.period_positions_of_days(first_day, codes, rule.period)
    subject = np.full(len(ctx.roster.names), -1, dtype=np.int64)
    subject[orgs] = np.arange(len(orgs))
    credit = np.full(len(months), rule.match is None)
    if rule.window is not None:
        inside = np.zeros(len(months), dtype=bool)
        ok = period >= 0
        inside[ok] = (first_day[ok] >= start[period[ok]]) & (last_day[ok] <= end[period[ok]])
        touches = np.zeros(len(months), dtype=bool)
        touches[ok] = (last_day[ok] >= start[period[ok]]) & (first_day[ok] <= end[period[ok]])
        period = np.where(touches, period, -1)
        credit &= inside
    return with_counts(grid, judged, subject[months.org], period, months.excess, months.rows_of, months.evidence,
                       credit)


KIND = Kind("frequency", FrequencyRule, check, plannable=True)

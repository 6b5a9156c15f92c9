"""per-person: at least ``min`` records of the given types per leader per period, the leader named as the
record's person (主讲人 / 姓名) in a ledger of the leader's unit or below it.

A leader is judged for a period only when in post for at least half of it. Without a person column in the
ledgers of the leader's unit, the rule is ``unverifiable`` for that leader.

Pass: 李明, 书记 of 第一中学党委, is 主讲人 of a 党课 on 2024-05-10 in 第一中学第一党支部: leader-lecture-yearly met.
Fail: 王芳 wrote one 调研报告 in 2024 where leader-research-yearly asks for two: a violation for 2024.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from compliance.config.rule import RuleBase
from compliance.engine.cells import COUNTS_ONLY, PERSON_UNVERIFIABLE, Cells, count_grid, shortfall_messages
from compliance.engine.context import Context
from compliance.engine.kinds.base import Kind
from compliance.engine.periods import DAY, Granularity, period_bounds, period_labels


class PerPersonRule(RuleBase):
    """At least ``min`` records of ``types`` per leader per period, the leader named in the person column."""

    kind: Literal["per-person"]
    SUBJECTS: ClassVar[tuple[str, ...]] = ("leader",)
    period: Granularity
    min: int = Field(1, ge=1)

    def period_text(self) -> str:
        return self.period.chinese


def in_post_half(ctx: Context, leaders: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """leaders × periods: in post for at least half of the period (the day of leaving not counted)."""
    appointed = ctx.roster.leader_start[leaders][:, None]
    left = ctx.roster.leader_end[leaders][:, None] - DAY
    overlap = (np.minimum(end[None, :], left) - np.maximum(start[None, :], appointed)) / DAY + 1
    length = (end - start) / DAY + 1
    return overlap * 2 >= length[None, :]


def check(rule: PerPersonRule, ctx: Context) -> Cells:
    """One cell per leader and period begun by the as-of date in which the leader held a post the rule names for
    at least half of it: at least ``min`` records of the types that name the leader (主讲人). Due while the period
    is open; unverifiable when no ledger of the leader's unit names people. Evidence: the records counted."""
    leaders = ctx.leaders_for(rule.applies_to)
    codes = ctx.audit.codes(rule.period)
    start, end = period_bounds(codes, rule.period)
    judged = (start[None, :] <= ctx.as_of) & in_post_half(ctx, leaders, start, end)

    record, subject = ctx.person_matches(ctx.records_of(rule), leaders)
    period = ctx.period_positions(record, codes, rule.period)
    valid = period >= 0
    grid = count_grid(judged, subject[valid], period[valid], record[valid])

    leader = leaders[grid.subject]
    unverifiable = ctx.person_unverifiable(ctx.roster.leader_org[leader])
    cell_end = end[grid.period]
    passed = grid.actual >= rule.min
    closed = ctx.as_of >= cell_end
    labels = period_labels(codes[grid.period], rule.period)
    names = _names(ctx)[leader]
    types = "或".join(rule.types)

    def what(cells: np.ndarray) -> np.ndarray:
        return names[cells] + " " + labels[cells] + f" {types}"

    message = shortfall_messages(passed, closed, what, grid.actual, rule.min, cell_end)
    message[unverifiable] = PERSON_UNVERIFIABLE
    hidden = _behind_counts(rule, ctx, leader, start[grid.period], cell_end) & ~passed & ~unverifiable
    message[hidden] = [f"{names[i]} {labels[i]} 所在单位的统计表中有{types}（台账中没有逐条记录），{COUNTS_ONLY}"
                       for i in np.flatnonzero(hidden)]
    unverifiable = unverifiable | hidden
    return Cells.build(
        grid.evidence,
        org=ctx.roster.leader_org[leader],
        leader=leader,
        period=labels,
        start=start[grid.period],
        end=cell_end,
        expected=np.full(len(passed), rule.min),
        actual=grid.actual,
        passed=passed,
        closed=closed,
        unverifiable=unverifiable,
        message=message,
    )


def _names(ctx: Context) -> np.ndarray:
    """Each roster leader's name as the roster writes it, an object array."""
    return np.array(ctx.roster.leader_table.names or [""], dtype=object)


def _behind_counts(rule: PerPersonRule, ctx: Context, leader: np.ndarray, start: np.ndarray,
                   end: np.ndarray) -> np.ndarray:
    """Per cell: do the count tables of the leader's unit or below hold activities of the rule's types in its period
    that no dated record gives? A count names no lecturer: such a cell cannot be judged."""
    months = ctx.month_counts(rule)
    out = np.zeros(len(leader), dtype=bool)
    if not len(months) or not len(leader):
        return out
    beyond = months.excess > 0
    org, first = months.org[beyond], months.month[beyond].astype("datetime64[M]").astype("datetime64[D]")
    units = ctx.roster.leader_org[leader]
    for i in range(len(leader)):
        inside = (first >= start[i]) & (first <= end[i])
        if inside.any():
            out[i] = bool(ctx.roster.within(np.full(int(inside.sum()), units[i]), org[inside]).any())
    return out


KIND = Kind("per-person", PerPersonRule, check, plannable=True)

"""deadline: at least ``min`` records of the given types dated from ``from`` up to ``by``, once per organisation.

A one-off obligation (each 基层党组织 sets up its 创先争优 leading group and reports its 实施方案 by a date), not
a recurring one: judged once, labelled with the date ``by``. Not judged before ``from`` (nor for an organisation
founded after ``by``); due while open; a violation from the day ``by`` on, as every period is on its last day.
The audited range does not matter to it: the dates are the rule's own.

Pass: a 党委 that reported its 创先争优实施方案 on 2010-07-20 meets a deadline from 2010-06-10 by 2010-07-31.
Fail: one that reported it on 2010-08-05 (or not at all) has a violation labelled 2010-07-31 once that day comes;
on 2010-07-15 it is due.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import numpy as np
from pydantic import ConfigDict, Field, model_validator

from compliance.config.rule import RuleBase
from compliance.engine.cells import Cells, count_grid, shortfall_messages
from compliance.engine.context import Context
from compliance.engine.kinds.base import Kind
from compliance.engine.periods import day


class DeadlineRule(RuleBase):
    """At least ``min`` records of ``types`` dated ``from`` .. ``by`` (both inclusive), once per organisation."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    kind: Literal["deadline"]
    start: date = Field(alias="from")
    by: date
    min: int = Field(1, ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> DeadlineRule:
        if self.by < self.start:
            raise ValueError(f"截止日期 by（{self.by}）早于开始日期 from（{self.start}）")
        return self

    def period_text(self) -> str:
        return f"{self.start} 至 {self.by}（一次性）"


def check(rule: DeadlineRule, ctx: Context) -> Cells:
    """One cell per organisation the rule applies to (founded by ``by``), judged once the as-of date reaches
    ``start``: at least ``min`` records of the types dated from ``start`` to ``by``; due until ``by`` has passed,
    then met or a violation. Evidence: the records counted."""
    orgs = ctx.orgs_for(rule.applies_to)
    first, last = day(rule.start), day(rule.by)
    judged = ((ctx.as_of >= first) & (ctx.roster.founded[orgs] <= last))[:, None]
    records = ctx.records_of(rule)
    days = ctx.days[records]
    subject = ctx.org_positions(orgs, records)
    valid = (subject >= 0) & (days >= first) & (days <= last)
    grid = count_grid(judged, subject[valid], np.zeros(int(valid.sum()), dtype=np.int64), records[valid])
    n = len(grid.subject)
    passed = grid.actual >= rule.min
    closed = np.full(n, ctx.as_of >= last)
    types = "或".join(rule.types)
    return Cells.build(
        grid.evidence,
        org=orgs[grid.subject],
        leader=np.full(n, -1),
        period=np.full(n, rule.by.isoformat(), dtype=object),
        start=np.full(n, first),
        end=np.full(n, last),
        expected=np.full(n, rule.min),
        actual=grid.actual,
        passed=passed,
        closed=closed,
        unverifiable=np.zeros(n, dtype=bool),
        message=shortfall_messages(passed, closed, lambda cells: f"{rule.start} 至 {rule.by} {types}", grid.actual,
                                   rule.min, np.full(n, last)),
    )


KIND = Kind("deadline", DeadlineRule, check, plannable=True)

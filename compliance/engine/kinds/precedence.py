"""precedence: a leader whose 任职日期 falls in the audited range (and not after the as-of date) has a record of
the given types, naming them as person, dated before that day.

Pass: 王芳 becomes 校长 on 2024-03-01 and her 任职培训 is dated 2024-01-15: new-principal-trained-before-post met.
Fail: 刘洋 becomes 校长 on 2024-08-15 with no 任职培训 before it: a violation labelled 2024-08-15.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np

from compliance.config.rule import RuleBase
from compliance.engine.cells import PERSON_UNVERIFIABLE, Cells, count_grid
from compliance.engine.context import Context
from compliance.engine.kinds.base import Kind
from compliance.engine.periods import day


class PrecedenceRule(RuleBase):
    """A leader whose 任职日期 falls in the audited range has a record of ``types`` dated before it."""

    kind: Literal["precedence"]
    SUBJECTS: ClassVar[tuple[str, ...]] = ("leader",)

    def period_text(self) -> str:
        return "任职日期前"


def check(rule: PrecedenceRule, ctx: Context) -> Cells:
    """One cell per leader appointed (任职日期) inside the audited range, up to the as-of date: a record of the
    types naming the leader dated before the appointment. Unverifiable when no ledger of the leader's
    unit names people. Evidence: the records found."""
    roster = ctx.roster
    leaders = ctx.leaders_for(rule.applies_to)
    appointed = roster.leader_start[leaders]
    last = min(day(ctx.audit.end), ctx.as_of)
    judged = (appointed >= day(ctx.audit.start)) & (appointed <= last)

    record, subject = ctx.person_matches(ctx.records_of(rule), leaders)
    before = ctx.days[record] < appointed[subject]
    grid = count_grid(judged[:, None], subject[before], np.zeros(int(before.sum()), dtype=np.int64), record[before])

    leader = leaders[grid.subject]
    labels = [str(d) for d in appointed[grid.subject]]
    passed = grid.actual >= 1
    posts = ("或".join(rule.applies_to.leaders or ()) if rule.applies_to.leaders != "all" else "领导职务")
    types = "或".join(rule.types)
    message = np.full(len(passed), None, dtype=object)
    for i in np.flatnonzero(~passed):
        message[i] = f"{roster.leader_table.names[leader[i]]}于 {labels[i]} 任{posts}，此前没有{types}记录"
    unverifiable = ctx.person_unverifiable(roster.leader_org[leader])
    message[unverifiable] = PERSON_UNVERIFIABLE
    n = len(passed)
    return Cells.build(
        grid.evidence,
        org=roster.leader_org[leader],
        leader=leader,
        period=np.array(labels, dtype=object),
        start=appointed[grid.subject],
        end=appointed[grid.subject],
        expected=np.ones(n, dtype=np.int64),
        actual=grid.actual,
        passed=passed,
        closed=np.ones(n, dtype=bool),
        unverifiable=unverifiable,
        message=message,
    )


KIND = Kind("precedence", PrecedenceRule, check)

"""rolling: at least ``min`` records of the given types in the ``years`` up to the as-of date.

For organisations (``applies_to.org_types``) the records are the organisation's own, and an organisation founded
inside the window is not judged (a branch set up last year owes no election yet). For leaders
(``applies_to.leaders``) the records name the leader as person, and only leaders in post on the as-of date are
judged. The finding's period is the as-of date.

Pass: a 党支部 with a 换届选举 on 2022-06-01 meets branch-election-term at 2024-12-31 (within 3 years).
Fail: its last election on 2021-06-01 is more than 3 years back: a violation labelled 2024-12-31.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from compliance.config.rule import RuleBase
from compliance.engine.cells import PERSON_UNVERIFIABLE, Cells, count_grid
from compliance.engine.context import Context
from compliance.engine.kinds.base import Kind
from compliance.engine.periods import day, each_once


class RollingRule(RuleBase):
    """At least ``min`` records of ``types`` in the ``years`` up to the as-of date, per organisation or leader."""

    kind: Literal["rolling"]
    SUBJECTS: ClassVar[tuple[str, ...]] = ("org", "leader")
    years: int = Field(ge=1)
    min: int = Field(1, ge=1)

    def period_text(self) -> str:
        return f"截至检查日的 {self.years} 年内"


def window_start(as_of: date, years: int) -> date:
    """The first day of the ``years`` ending on ``as_of``: 2024-12-31, 3 → 2022-01-01."""
    try:
        back = as_of.replace(year=as_of.year - years)
    except ValueError:  # 29 February
        back = as_of.replace(year=as_of.year - years, day=28)
    return date.fromordinal(back.toordinal() + 1)


def check(rule: RollingRule, ctx: Context) -> Cells:
    """One cell per subject at the as-of date — an organisation founded before the window, or a leader in post
    on that day: at least ``min`` records of the types in the ``years`` up to the as-of date. Unverifiable for a
    leader when no ledger of the leader's unit names people. Evidence: the records counted."""
    as_of = ctx.as_of.astype(object)
    first = day(window_start(as_of, rule.years))
    records = ctx.records_of(rule)
    records = records[ctx.days[records] >= first]
    roster = ctx.roster

    if rule.applies_to.subject == "org":
        subjects = ctx.orgs_for(rule.applies_to)
        judged = roster.founded[subjects] < first
        subject = ctx.org_positions(subjects, records)
        keep = subject >= 0
        record, subject = records[keep], subject[keep]
        orgs, leaders = subjects, np.full(len(subjects), -1)
        names = np.array(roster.names, dtype=object)[subjects]
        unverifiable = np.zeros(len(subjects), dtype=bool)
    else:
        subjects = ctx.leaders_for(rule.applies_to)
        judged = (roster.leader_start[subjects] <= ctx.as_of) & (roster.leader_end[subjects] > ctx.as_of)
        record, subject = ctx.person_matches(records, subjects)
        orgs, leaders = roster.leader_org[subjects], subjects
        names = np.array(roster.leader_table.names, dtype=object)[subjects]
        unverifiable = ctx.person_unverifiable(orgs)

    grid = count_grid(judged[:, None], subject, np.zeros(len(subject), dtype=np.int64), record)
    passed = grid.actual >= rule.min
    types = "或".join(rule.types)
    label = str(ctx.as_of)
    message = np.full(len(passed), None, dtype=object)
    failed = np.flatnonzero(~passed)
    message[failed] = names[grid.subject[failed]] + f"自 {first} 至 {label} 的 {rule.years} 年内{types}" + each_once(
        grid.actual[failed], lambda a: f" {a} 次，应至少 {rule.min} 次")
    unverifiable = unverifiable[grid.subject]
    message[unverifiable] = PERSON_UNVERIFIABLE
    n = len(passed)
    return Cells.build(
        grid.evidence,
        org=orgs[grid.subject],
        leader=leaders[grid.subject],
        period=np.full(n, label, dtype=object),
        start=np.full(n, first),
        end=np.full(n, ctx.as_of),
        expected=np.full(n, rule.min),
        actual=grid.actual,
        passed=passed,
        closed=np.ones(n, dtype=bool),
        unverifiable=unverifiable,
        message=message,
    )


def terms(rule: RollingRule, ctx: Context) -> list[tuple[int, int, date, int]]:
    """(org, leader, deadline, done) for each subject that meets the rule at the as-of date: the day its ``min``-th
    latest record leaves the window (an election on 2021-12-10 holds a 3-year term until 2024-12-10)."""
    cells = check(rule, ctx)
    frame = cells.frame
    met = np.flatnonzero(frame["passed"].to_numpy(bool) & ~frame["unverifiable"].to_numpy(bool))
    days = ctx.days
    latest: dict[int, list] = {}
    for cell, record in zip(cells.evidence["cell"].to_numpy(), cells.evidence["record"].to_numpy(), strict=True):
        latest.setdefault(int(cell), []).append(days[record])
    org, leader, actual = (frame[name].to_numpy() for name in ("org", "leader", "actual"))  # once, not per cell
    out = []
    for cell in met:
        dates = sorted(latest.get(int(cell), []), reverse=True)
        if len(dates) < rule.min:
            continue
        held = dates[rule.min - 1].astype(object)
        try:
            deadline = held.replace(year=held.year + rule.years)
        except ValueError:  # 29 February
            deadline = held.replace(year=held.year + rule.years, day=28)
        out.append((int(org[cell]), int(leader[cell]), deadline, int(actual[cell])))
    return out


KIND = Kind("rolling", RollingRule, check, at_as_of=True, terms=terms)

"""What falls due next (``compliance plan``, and each organisation's "接下来要做"): every obligation still open on the
as-of date or opening within ``days``, with its deadline, days left, done so far and required.

Computed from the ledgers alone, by the same kinds that judge: the rules with a deadline per period (frequency,
per-person, deadline: ``Kind.plannable``) are judged once more as if it were the horizon's last day, over the
months from the as-of date's to the horizon's, counting the records up to the as-of date. A cell that has begun by
the as-of date and is not met is ``due``; one that begins after it, inside the horizon, is ``upcoming``. Rules judged
at the as-of date (rolling terms: 换届选举 every 3 years, a leader's post training every 5) give, for each subject
meeting them now, the day its term runs out (``Kind.terms``): ``upcoming`` when that day is inside the horizon, with
notices 6 months and 1 month before, as the platforms send. Nothing met appears; nothing overdue either (that is a
finding already).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np

from compliance.engine.context import Context
from compliance.engine.evaluate import rule_cells
from compliance.engine.periods import AuditRange

if TYPE_CHECKING:
    from compliance.pipeline import CheckResult

TERM_NOTICES = (183, 30)  # days before a term runs out: "6 months" and "1 month"


@dataclass(frozen=True)
class PlanItem:
    rule: str
    title: str
    org: str
    person: str | None
    period: str
    deadline: date
    days_left: int
    done: int
    required: int
    status: str  # "due" (open now, not yet met) or "upcoming" (opens within the horizon)
    notices: tuple[int, ...] = ()  # days before the deadline a calendar should remind, besides its own

    @property
    def uid(self) -> str:
        """Stable across runs (the same obligation, the same id), so that re-importing a calendar updates it."""
        key = "\x1f".join((self.rule, self.org, self.person or "", self.period))
        return f"{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}@compliance"

    @property
    def event_uid(self) -> str:
        """The calendar event's id: as stable, and not the to-do's (one calendar may hold both, and a UID names one
        component)."""
        return self.uid.replace("@", "-event@", 1)

    def as_dict(self) -> dict:
        return {"rule": self.rule, "title": self.title, "org": self.org, "person": self.person,
                "period": self.period, "deadline": self.deadline.isoformat(), "days_left": self.days_left,
                "done": self.done, "required": self.required, "status": self.status}


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def plan(result: CheckResult, days: int = 45) -> list[PlanItem]:
    """The plan on ``result``'s as-of date for the next ``days`` days, sorted by deadline."""
    as_of, horizon = result.as_of, result.as_of + timedelta(days=days)
    catalogue, roster = result.catalogue, result.roster
    # every period holding the as-of date or opening by the horizon lies wholly inside these whole years
    future = Context(result.records, result.tables, roster, np.datetime64(horizon, "D"),
                     AuditRange(date(as_of.year, 1, 1), date(horizon.year, 12, 31)), catalogue.activity_types)
    today = Context(result.records, result.tables, roster, np.datetime64(as_of, "D"),
                    AuditRange(_month_start(as_of), _month_end(as_of)), catalogue.activity_types)
    orgs = roster.names
    leaders = [p.name for p in roster.leaders]
    items: list[PlanItem] = []
    for rule in catalogue.rules:
        kind = catalogue.kind(rule)
        if kind.plannable:
            frame = rule_cells(catalogue, rule, future).frame
            open_ = (~frame["passed"].to_numpy(bool) & ~frame["unverifiable"].to_numpy(bool)
                     & (frame["end"].to_numpy("datetime64[D]") > np.datetime64(as_of, "D")))  # closed on its last day
            for i in np.flatnonzero(open_):
                start, end = _day(frame["start"].iat[i]), _day(frame["end"].iat[i])
                leader = int(frame["leader"].iat[i])
                items.append(PlanItem(
                    rule.id, rule.title, orgs[int(frame["org"].iat[i])], leaders[leader] if leader >= 0 else None,
                    str(frame["period"].iat[i]), end, (end - as_of).days, int(frame["actual"].iat[i]),
                    int(frame["expected"].iat[i]), "due" if start <= as_of else "upcoming"))
        elif kind.terms is not None and (rule.effective is None or rule.effective.covers(as_of, as_of)):
            for org, leader, deadline, _ in kind.terms(rule, today):
                if as_of < deadline <= horizon:
                    items.append(PlanItem(
                        rule.id, rule.title, orgs[org], leaders[leader] if leader >= 0 else None,
                        deadline.isoformat(), deadline, (deadline - as_of).days, 0, getattr(rule, "min", 1),
                        "upcoming", TERM_NOTICES))
    return sorted(items, key=lambda item: (item.deadline, item.org, item.rule, item.person or ""))


def _day(value) -> date:
    """A day from a cell: numpy's datetime64, pandas' Timestamp or a date."""
    return np.datetime64(value, "D").astype(object)

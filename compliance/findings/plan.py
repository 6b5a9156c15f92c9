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

Given an earlier plan (its ``plan.json``), ``met_since`` says which of its items have been met since: judged again
on this as-of date, a period's cell now passes, or a term has been renewed (it runs out later than it did). Those
are what a calendar closes; an earlier item that has run out unmet, or that is no longer listed for another reason
(a shorter horizon, a rule or organisation gone), is not met and is left as it was.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from compliance.engine.context import Context
from compliance.engine.evaluate import rule_cells
from compliance.engine.kinds import kind_of
from compliance.engine.periods import AuditRange
from compliance.errors import InputError

if TYPE_CHECKING:
    from compliance.findings.result import CheckResult

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
    status: str  # "due" (open now, not yet met), "upcoming" (opens within the horizon), "met" (met since a plan)
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


class PreviousPlanError(InputError):
    """The earlier plan (``--previous``) is unreadable or not a plan.json."""


@dataclass(frozen=True)
class PreviousPlan:
    path: str
    as_of: date
    items: list[PlanItem]


def load_previous(path: str | Path, today: date) -> PreviousPlan:
    """An earlier ``plan.json`` (for a plan on ``today``): its as-of date and its items (the open ones it listed)."""
    from compliance.config.yamlfile import read_file

    shown = str(path)
    raw = read_file(path, PreviousPlanError, "以前的计划文件")
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PreviousPlanError("以前的计划文件不是有效的 JSON（应为以前一次 compliance plan 写出的 plan.json）",
                                source=shown, row=getattr(exc, "lineno", None)) from None
    try:
        as_of = date.fromisoformat(document["as_of"])
        items = []
        for entry in document["items"]:
            deadline = date.fromisoformat(entry["deadline"])
            items.append(PlanItem(
                str(entry["rule"]), str(entry["title"]), str(entry["org"]),
                None if entry["person"] is None else str(entry["person"]), str(entry["period"]), deadline,
                (deadline - as_of).days, int(entry["done"]), int(entry["required"]), str(entry["status"])))
    except (KeyError, TypeError, ValueError, AttributeError):
        raise PreviousPlanError("以前的计划文件不是 compliance plan 写出的 plan.json（缺少或无法读取 as_of、items "
                                "或事项的 rule、org、person、period、deadline）", source=shown) from None
    if as_of > today:
        raise PreviousPlanError(f"以前的计划的检查日 {as_of} 在本次检查日 {today} 之后", source=shown)
    return PreviousPlan(shown, as_of, items)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def _context(result: CheckResult, as_of: np.datetime64, audit: AuditRange, type_names: tuple[str, ...]) -> Context:
    """The rules' context on ``result``'s records and count tables, judged at ``as_of`` over ``audit``."""
    return Context(result.dated_records, result.tables, result.roster, as_of, audit, type_names,
                   counts=result.counts if len(result.counts) else None)


def plan_items(result: CheckResult, days: int = 45) -> list[PlanItem]:
    """The plan on ``result``'s as-of date for the next ``days`` days, sorted by deadline."""
    as_of, horizon = result.as_of, result.as_of + timedelta(days=days)
    catalogue, roster = result.catalogue, result.roster
    # every period holding the as-of date or opening by the horizon lies wholly inside these whole years
    future = _context(result, np.datetime64(horizon, "D"),
                     AuditRange(date(as_of.year, 1, 1), date(horizon.year, 12, 31)), catalogue.activity_types)
    today = _context(result, np.datetime64(as_of, "D"),
                    AuditRange(_month_start(as_of), _month_end(as_of)), catalogue.activity_types)
    orgs = roster.names
    leaders = list(roster.leader_table.names)
    items: list[PlanItem] = []
    for rule in catalogue.rules:
        kind = kind_of(rule)
        if kind.plannable:
            frame = rule_cells(catalogue, rule, future).frame
            open_ = (~frame["passed"].to_numpy(bool) & ~frame["unverifiable"].to_numpy(bool)
                     & (frame["end"].to_numpy("datetime64[D]") > np.datetime64(as_of, "D")))  # closed on its last day
            cell = {name: frame[name].to_numpy() for name in _CELL_COLUMNS}
            for i in np.flatnonzero(open_):
                start, end = _day(cell["start"][i]), _day(cell["end"][i])
                leader = int(cell["leader"][i])
                items.append(PlanItem(
                    rule.id, rule.title, orgs[int(cell["org"][i])], leaders[leader] if leader >= 0 else None,
                    str(cell["period"][i]), end, (end - as_of).days, int(cell["actual"][i]),
                    int(cell["expected"][i]), "due" if start <= as_of else "upcoming"))
        elif kind.terms is not None and (rule.effective is None or rule.effective.covers(as_of, as_of)):
            for org, leader, deadline, _ in kind.terms(rule, today):
                if as_of < deadline <= horizon:
                    items.append(PlanItem(
                        rule.id, rule.title, orgs[org], leaders[leader] if leader >= 0 else None,
                        deadline.isoformat(), deadline, (deadline - as_of).days, 0, getattr(rule, "min", 1),
                        "upcoming", TERM_NOTICES))
    return sorted(items, key=lambda item: (item.deadline, item.org, item.rule, item.person or ""))


_CELL_COLUMNS = ("start", "end", "leader", "org", "period", "actual", "expected")


def _day(value) -> date:
    """A day from a cell: numpy's datetime64, pandas' Timestamp or a date."""
    return np.datetime64(value, "D").astype(object)


def met_since(result: CheckResult, previous: PreviousPlan, now: list[PlanItem]) -> list[PlanItem]:
    """The earlier plan's items met by ``result``'s as-of date (those not still open in ``now``), with what is done
    now and status "met", in the earlier plan's order."""
    open_now = {item.uid for item in now}
    candidates = [item for item in previous.items if item.uid not in open_now]
    catalogue, roster = result.catalogue, result.roster
    rules = {rule.id: rule for rule in catalogue.rules}
    leaders = list(roster.leader_table.names)
    orgs = roster.names
    done: dict[str, int] = {}  # uid → records counted now, for those met
    wanted: dict[str, list[PlanItem]] = {}
    for item in candidates:
        if item.rule in rules:
            wanted.setdefault(item.rule, []).append(item)
    for rule_id, items in wanted.items():
        rule = rules[rule_id]
        kind = kind_of(rule)
        if kind.plannable:
            first = min(item.deadline for item in items)
            last = max(item.deadline for item in items)
            ctx = _context(result, np.datetime64(max(last, result.as_of), "D"),
                          AuditRange(date(first.year, 1, 1), date(last.year, 12, 31)), catalogue.activity_types)
            frame = rule_cells(catalogue, rule, ctx).frame
            met = (frame["passed"].to_numpy(bool) & ~frame["unverifiable"].to_numpy(bool)
                   & np.isin(frame["period"].to_numpy(object), list({item.period for item in items})))
            passed = {}
            cell = {name: frame[name].to_numpy() for name in _CELL_COLUMNS}
            for i in np.flatnonzero(met):
                leader = int(cell["leader"][i])
                key = (orgs[int(cell["org"][i])], leaders[leader] if leader >= 0 else None, str(cell["period"][i]))
                passed[key] = int(cell["actual"][i])
            for item in items:
                if (item.org, item.person, item.period) in passed:
                    done[item.uid] = passed[(item.org, item.person, item.period)]
        elif kind.terms is not None:
            today = _context(result, np.datetime64(result.as_of, "D"),
                            AuditRange(_month_start(result.as_of), _month_end(result.as_of)),
                            catalogue.activity_types)
            runs_out = {(orgs[org], leaders[leader] if leader >= 0 else None): (deadline, count)
                        for org, leader, deadline, count in kind.terms(rule, today)}
            for item in items:
                deadline, count = runs_out.get((item.org, item.person), (None, 0))
                if deadline is not None and deadline > item.deadline:  # renewed: the term now runs out later
                    done[item.uid] = count
    return [replace(item, days_left=(item.deadline - result.as_of).days, done=done[item.uid], status="met")
            for item in candidates if item.uid in done]

"""minutes: every meeting of the given types that the ledger records has its minutes (会议记录) — a Word document
of the same organisation, day and activity type was read (``compliance.intake.backing``). What an inspection
reading the 会议记录本 looks for; off by default in the catalogue (``enabled: false``), since a check of the ledgers
alone has no minutes to hold them against.

Judged per record, labelled with its date: a meeting the minutes record (with or without a ledger row) is met; a
ledger row with no minutes of its day and type is a violation. An organisation none of whose minutes were read
(only spreadsheets were given for it) is one ``unverifiable`` finding, not a violation per row: the minutes may
exist and not have been handed in.

The rule's ``types`` are the meetings minutes are expected for (三会一课: 支部党员大会, 支部委员会, 党小组会, 党课);
the intake's list of ledger rows without minutes (台账有记载、未见会议记录) is limited to them as well, enabled or
not — a 主题党日 many branches keep only in the ledger, with its photos, is not asked for unless a district adds it.

Pass: 一支部's ledger row 2024-03-08 支部委员会 and its minutes 3月支委会.docx of that day: met, both in evidence.
Fail: its ledger row 2024-04-10 支部委员会 with no minutes of that day: a violation labelled 2024-04-10.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
import pandas as pd

from compliance.config.rule import RuleBase
from compliance.engine.cells import Cells
from compliance.engine.context import Context
from compliance.engine.kinds.base import Kind
from compliance.engine.periods import date_labels, day

UNBACKED = "台账有记载，未见会议记录（同一组织、日期、活动类型）"
NO_MINUTES = "没有读取到本组织的会议记录（Word .docx），无法核验台账记载的会议是否有会议记录"


class MinutesRule(RuleBase):
    """Each meeting of ``types`` the ledger records has minutes of the same organisation, day and type."""

    kind: Literal["minutes"]
    EXPECTS_MINUTES: ClassVar[bool] = True

    def period_text(self) -> str:
        return "每条记录"


def check(rule: MinutesRule, ctx: Context) -> Cells:
    """One cell per counted ledger record of the rule's types: met when minutes of the same organisation, day and
    type were read (``backed``), a violation on its day when not; an organisation none of whose minutes were read
    is one unverifiable cell instead of one violation per row."""
    orgs = ctx.orgs_for(rule.applies_to)
    org_of = ctx.records["org"].to_numpy()
    backed = ctx.records["backed"].to_numpy(dtype=bool)
    keeps = np.zeros(len(ctx.roster.names), dtype=bool)  # organisations some of whose minutes were read
    keeps[org_of[backed]] = True
    records = ctx.records_of(rule)
    days = ctx.days[records]
    in_range = (days >= day(ctx.audit.start)) & (days <= day(ctx.audit.end))
    records = records[in_range & np.isin(org_of[records], orgs)]
    days = ctx.days[records]
    org = org_of[records]
    verifiable = keeps[org]
    passed = backed[records] & verifiable
    labels = date_labels(days)
    type_names = np.array(ctx.type_names, dtype=object)[ctx.records["type"].to_numpy()[records]]
    message = np.full(len(records), None, dtype=object)
    failed = np.flatnonzero(~passed & verifiable)
    message[failed] = labels[failed] + " 的" + type_names[failed] + UNBACKED
    message[~verifiable] = NO_MINUTES
    labels[~verifiable] = ctx.audit.label  # folded per organisation by the engine, like a missing column
    n = len(records)
    missing = pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool))
    return Cells.build(
        (np.arange(n), records),
        org=org,
        leader=np.full(n, -1),
        period=labels,
        start=np.where(verifiable, days, np.datetime64(ctx.audit.start, "D")),
        end=np.where(verifiable, days, np.datetime64(ctx.audit.end, "D")),
        expected=missing,
        actual=missing.copy(),
        passed=passed,
        closed=np.ones(n, dtype=bool),
        unverifiable=~verifiable,
        message=message,
    )


KIND = Kind("minutes", MinutesRule, check, per_record=True)

"""record: a condition every record of the given types in the audited range must meet.

Conditions (``condition.test``):
- ``nonempty``: the field is filled in (every 主题党日 names its 主题);
- ``affirmative``: the field is marked yes (是/√) — 会前说纪;
- ``ratio``: ``field`` compared with a fraction of ``of`` in integer arithmetic: ``{field: 实到, of: 应到, op: ">",
  value: 1/2}`` means 实到 × 2 > 应到.

Records from a ledger without the field's column cannot be judged: one ``unverifiable`` finding per organisation
says so. A blank cell in a column that exists fails the condition.

Pass: a 支部党员大会 with 应到 30, 实到 16 meets member-meeting-quorum (16 × 2 > 30).
Fail: 应到 30, 实到 15 does not (15 × 2 = 30): a violation labelled with the record's date.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from compliance.config.rule import RuleBase, Strict
from compliance.domain import COLUMNS
from compliance.engine.cells import Cells, counts_unverifiable, joined
from compliance.engine.context import Context
from compliance.engine.kinds.base import Kind
from compliance.engine.periods import date_labels, day, each_once


class _Test(Strict):
    field: str

    @field_validator("field", "of", check_fields=False)
    @classmethod
    def _canonical(cls, column: str) -> str:
        if column not in COLUMNS:
            raise ValueError(f"未知的列“{column}”，应为 {'、'.join(COLUMNS)} 之一")
        return column


class NonEmptyTest(_Test):
    test: Literal["nonempty"]


class AffirmativeTest(_Test):
    test: Literal["affirmative"]


class RatioTest(_Test):
    """``field`` compared to a fraction of ``of``: ``{field: 实到, of: 应到, op: ">", value: 1/2}``."""

    test: Literal["ratio"]
    of: str
    op: Literal[">", ">="]
    value: str = Field(pattern=r"^\d+/[1-9]\d*$")

    @property
    def fraction(self) -> Fraction:
        return Fraction(self.value)


Condition = Annotated[NonEmptyTest | AffirmativeTest | RatioTest, Field(discriminator="test")]


class RecordRule(RuleBase):
    """A condition on every record of ``types`` in the audited range."""

    kind: Literal["record"]
    condition: Condition

    def period_text(self) -> str:
        return "每条记录"


def check(rule: RecordRule, ctx: Context) -> Cells:
    """Every record judged (``_records``); an organisation whose count tables hold such activities beyond its
    records is unverifiable for those months (``counts_unverifiable``)."""
    return joined(_records(rule, ctx), counts_unverifiable(rule, ctx, ctx.orgs_for(rule.applies_to)))


def _records(rule: RecordRule, ctx: Context) -> Cells:
    """One cell per record of the types inside the audited range, of an organisation the rule applies to: the
    record passes its ``condition`` (a field filled in, marked yes, or a ratio of two head counts). A record whose
    table lacks a column the condition reads is unverifiable (the engine folds those per organisation). Evidence:
    the record itself."""
    orgs = ctx.orgs_for(rule.applies_to)
    records = ctx.records_of(rule)
    days = ctx.days[records]
    in_range = (days >= day(ctx.audit.start)) & (days <= day(ctx.audit.end))
    records = records[in_range & (ctx.org_positions(orgs, records) >= 0)]
    days = ctx.days[records]
    condition = rule.condition
    columns = [condition.field] + ([condition.of] if isinstance(condition, RatioTest) else [])
    verifiable = np.ones(len(records), dtype=bool)
    for column in columns:
        verifiable &= ctx.record_has(column, records)

    n = len(records)
    expected = pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool))  # all missing
    actual = expected.copy()
    labels = date_labels(days)
    type_codes = ctx.records["type"].to_numpy()[records]

    def what(i: int) -> str:
        return f"{labels[i]} 的{ctx.type_names[type_codes[i]]}"

    message = np.full(n, None, dtype=object)

    if isinstance(condition, NonEmptyTest | AffirmativeTest):
        values = ctx.records[COLUMNS[condition.field]].to_numpy(dtype=object)[records]
        if isinstance(condition, NonEmptyTest):
            passed = pd.notna(values) & (values != "")
            failure = f"未填写“{condition.field}”"
        else:
            passed = values == True  # noqa: E712 - None and False both fail
            failure = f"未记录“{condition.field}”"
        failed = np.flatnonzero(~passed)  # a province has a few hundred thousand of these: one text per day and type
        kinds = len(ctx.type_names)
        day_and_type = days[failed].astype(np.int64) * kinds + ctx.records["type"].to_numpy(np.int64)[records[failed]]
        message[failed] = each_once(day_and_type, lambda key: f"{np.datetime64(int(key) // kinds, 'D')} 的"
                                                              f"{ctx.type_names[int(key) % kinds]}{failure}")
    else:
        passed, expected, actual = _ratio(condition, ctx, records, what, message)

    missing = "、".join(f"“{c}”" for c in columns)
    message[~verifiable] = f"台账中没有{missing}列，无法核验"
    # what cannot be verified is the audited range's records, not one day: the engine folds these per organisation
    labels[~verifiable] = ctx.audit.label
    starts = np.where(verifiable, days, np.datetime64(ctx.audit.start, "D"))
    ends = np.where(verifiable, days, np.datetime64(ctx.audit.end, "D"))
    return Cells.build(
        (np.arange(n), records),
        org=ctx.records["org"].to_numpy()[records],
        leader=np.full(n, -1),
        period=labels,
        start=starts,
        end=ends,
        expected=expected,
        actual=actual,
        passed=np.asarray(passed, dtype=bool) & verifiable,
        closed=np.ones(n, dtype=bool),
        unverifiable=~verifiable,
        message=message,
    )


def _ratio(condition: RatioTest, ctx: Context, records, what, message):
    """Smallest acceptable ``field`` for each record's ``of``: the integer p with p op of × fraction."""
    fraction = condition.fraction
    # the counted records' head counts only (not the whole column's million) as floats, NaN where blank
    of = ctx.records[COLUMNS[condition.of]].array[records].to_numpy(dtype="float64", na_value=np.nan)
    field = ctx.records[COLUMNS[condition.field]].array[records].to_numpy(dtype="float64", na_value=np.nan)
    filled = ~np.isnan(of) & ~np.isnan(field)
    of_int = np.where(filled, of, 0).astype(np.int64)
    scaled = of_int * fraction.numerator
    if condition.op == ">":
        required = scaled // fraction.denominator + 1
    else:
        required = -((-scaled) // fraction.denominator)
    passed = filled & (np.where(filled, field, -1) >= required)
    wording = "超过" if condition.op == ">" else "不少于"
    for i in np.flatnonzero(~passed):
        if not filled[i]:
            message[i] = f"{what(i)}未填写{condition.of}或{condition.field}人数，无法确认到会人数"
        else:
            message[i] = (
                f"{what(i)}{condition.of} {of_int[i]} 人、{condition.field} {int(field[i])} 人，"
                f"{condition.field}须{wording}{condition.of}的 {condition.value}（至少 {required[i]} 人）"
            )
    expected = pd.array(np.where(filled, required, 0), dtype="Int64")
    expected[~filled] = pd.NA
    actual = pd.array(np.where(filled, field, 0).astype(np.int64), dtype="Int64")
    actual[~filled] = pd.NA
    return passed, expected, actual


KIND = Kind("record", RecordRule, check, per_record=True)

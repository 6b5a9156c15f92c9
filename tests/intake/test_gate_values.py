"""The gate validates distinct values (issue 32): great-expectations sees each column's distinct values (the
distinct 应到/实到 pairs for the cross-column expectation), and the failures mapped back to rows are exactly the
rows validating every row gives."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from compliance.intake.expectations import columns_of, run
from compliance.intake.gate import GATE, Distinct, GateContext, _day, _submit

NAN = np.nan
AS_OF = date(2024, 12, 31)


def _validate(gx_frame: pd.DataFrame, ctx: GateContext, by_value: bool = True) -> list[tuple[str, np.ndarray]]:
    """Per expectation of GATE, in order: its great-expectations type and the positions of the rows of ``gx_frame``
    (the suite's columns in full) failing it: by distinct values (``Distinct``, as the gate does), or with
    ``by_value=False`` row by row (the same answer, slower)."""
    specs = [check.expectation(ctx) for check in GATE]
    if not by_value and not gx_frame.empty:
        return [(kind, np.asarray(rows, dtype=np.int64))
                for kind, rows in run(gx_frame.reset_index(drop=True), specs)]
    return _submit(Distinct.of_frame(gx_frame, [columns_of(spec) for spec in specs]), specs)()


def _ctx() -> GateContext:
    return GateContext(frame=pd.DataFrame(), roster=None, catalogue=None, as_of=AS_OF, tables=[])


def _frame(rows: list[tuple]) -> pd.DataFrame:
    """The gate's numeric frame (see ``compliance.intake.gate.gate``) from rows of (组织, 日期 as a date or None,
    类型, 应到, 实到, 会前说纪); the pair columns are the head counts where they parsed."""
    columns = list(zip(*rows, strict=True))
    days = [_day(d) if d is not None else NAN for d in columns[1]]
    expected, present = (np.array(c, dtype=np.float64) for c in columns[3:5])
    return pd.DataFrame({
        "组织": np.array(columns[0], dtype=np.float64), "日期": np.array(days, dtype=np.float64),
        "类型": np.array(columns[2], dtype=np.float64), "应到": expected, "实到": present,
        "应到人数": np.where(expected < 0, NAN, expected), "实到人数": np.where(present < 0, NAN, present),
        "会前说纪": np.array(columns[5], dtype=np.float64),
    })


def test_failing_rows_of_each_expectation():
    frame = _frame([
        (0, date(2024, 3, 5), 1, 30, 20, 1),  # sound
        (NAN, date(2024, 3, 5), 1, 30, 20, 1),  # no organisation
        (-1, date(2024, 3, 5), 1, NAN, NAN, NAN),  # not in the roster
        (0, None, 1, 30, 20, 0),  # no date
        (0, date(1800, 1, 1), 1, 30, 20, 1),  # implausible date
        (0, date(2025, 1, 2), NAN, 30, 20, 1),  # after the as-of date, no type
        (0, date(2024, 3, 5), -1, -1, 20, -1),  # unknown type, 应到 unreadable, 会前说纪 unreadable
        (0, date(2024, 3, 5), 1, 10, 12, 1),  # more present than expected
        (0, date(2024, 3, 5), 1, 30, -1, 1),  # 实到 unreadable
        (0, date(2024, 3, 5), 1, 10, 12, 1),  # the same pair again
        (NAN, date(2024, 3, 5), 1, 30, 20, 1),  # no organisation again
    ])
    failed = {(GATE[k].column, GATE[k].action, kind): rows.tolist()
              for k, (kind, rows) in enumerate(_validate(frame, _ctx()))}
    assert failed == {
        ("组织", "reject", "expect_column_values_to_not_be_null"): [1, 10],
        ("组织", "reject", "expect_column_values_to_be_between"): [2],
        ("日期", "reject", "expect_column_values_to_not_be_null"): [3],
        ("日期", "reject", "expect_column_values_to_be_between"): [4],
        ("类型", "reject", "expect_column_values_to_not_be_null"): [5],
        ("类型", "reject", "expect_column_values_to_be_between"): [6],
        ("日期", "exclude", "expect_column_values_to_be_between"): [5],
        ("应到", "warn", "expect_column_values_to_be_between"): [6],
        ("实到", "warn", "expect_column_values_to_be_between"): [8],
        ("实到", "warn", "expect_column_pair_values_a_to_be_greater_than_b"): [7, 9],
        ("会前说纪", "warn", "expect_column_values_to_be_in_set"): [6],
    }


@pytest.mark.parametrize("seed", [0, 1])
def test_the_same_rows_as_validating_every_row(seed):
    """A few thousand rows drawn from what ledgers hold (blanks, unknowns, dates on either side of the as-of date,
    counts that did not parse): by value and row by row, every expectation fails the same rows."""
    rng = np.random.default_rng(seed)
    n = 3000

    def pick(choices, p=None):
        return rng.choice(np.array(choices, dtype=object), n, p=p).tolist()

    days = [date(2024, 1, 1) + pd.Timedelta(days=int(d)) for d in rng.integers(-30, 400, n)]
    days = [None if rng.random() < 0.02 else (date(1899, 5, 4) if rng.random() < 0.01 else d) for d in days]
    frame = _frame(list(zip(pick([0, 1, 2, 3, -1, NAN], [0.3, 0.3, 0.2, 0.1, 0.05, 0.05]), days,
                            pick([0, 1, 2, -1, NAN], [0.4, 0.3, 0.2, 0.05, 0.05]),
                            pick([5, 8, 30, -1, NAN]), pick([4, 5, 8, 12, 31, -1, NAN]),
                            pick([0, 1, -1, NAN]), strict=True)))
    by_value = _validate(frame, _ctx())
    by_row = _validate(frame, _ctx(), by_value=False)
    assert [kind for kind, _ in by_value] == [kind for kind, _ in by_row]
    for (_, values), (_, rows) in zip(by_value, by_row, strict=True):
        assert values.tolist() == rows.tolist()
    assert all(len(rows) for _, rows in by_row)  # every expectation fails somewhere: the comparison says something


def test_groups_are_repeated_to_the_longest_and_mapped_back():
    frame = pd.DataFrame({"a": [1.0, 1.0, NAN, 2.0, 1.0], "x": [1.0, 2.0, 1.0, 2.0, 1.0],
                          "y": [5.0, 5.0, 5.0, 6.0, 5.0]})
    distinct = Distinct.of_frame(frame, [("a",), ("x", "y"), ("a",)])
    assert distinct.count == {("a",): 3, ("x", "y"): 3}
    a = distinct.frame["a"].to_numpy()
    assert a[0] == 1.0 and np.isnan(a[1]) and a[2] == 2.0  # in order of first appearance, blank included
    pairs = list(zip(distinct.frame["x"], distinct.frame["y"], strict=True))
    assert sorted(pairs) == [(1.0, 5.0), (2.0, 5.0), (2.0, 6.0)]
    assert distinct.rows(("x", "y"), [pairs.index((1.0, 5.0))]).tolist() == [0, 2, 4]
    assert distinct.rows(("a",), [0, 3]).tolist() == [0, 1, 4]  # position 3 is position 0 repeated
    assert distinct.rows(("a",), []).tolist() == []

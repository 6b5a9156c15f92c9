"""The helpers kinds share to build cells: a shortfall's wording, once per distinct message and once per cell."""

from __future__ import annotations

import numpy as np

from compliance.engine.cells import _distinct, shortfall_messages
from compliance.engine.periods import Granularity, period_bounds, period_labels


def test_shortfalls_worded_once_per_distinct_period_and_count_read_as_worded_per_cell():
    # a monthly rule over 2024 judged on 2024-10-15: 40 branches × 10 months begun, some months met, some short
    # by one or two, the open month (2024-10) due
    codes = np.arange(648, 660)  # 2024-01 .. 2024-12
    start, end = period_bounds(codes, Granularity.MONTH)
    as_of = np.datetime64("2024-10-15")
    begun = np.flatnonzero(start <= as_of)
    period = np.tile(begun, 40)
    actual = np.random.default_rng(32).choice([0, 0, 1, 2, 3], size=len(period))
    passed = actual >= 2
    closed = as_of >= end[period]
    labels = period_labels(codes[period], Granularity.MONTH)

    def what(cells):
        return labels[cells] + " 主题党日"

    per_cell = shortfall_messages(passed, closed, what, actual, 2, end[period])
    shared = shortfall_messages(passed, closed, what, actual, 2, end[period], same=period)
    assert shared.tolist() == per_cell.tolist()
    short = np.flatnonzero(~passed & closed)
    assert (labels[short[0]], actual[short[0]]) == ("2024-02", 0)  # the seed's first shortfall
    assert shared[short[0]] == "2024-02 主题党日 0 次，应至少 2 次"
    assert len(set(shared[short].tolist())) == 9 * 2  # the closed months Jan..Sep, 0 or 1 held
    due = np.flatnonzero(~passed & ~closed)
    assert set(shared[due].tolist()) == {"尚未完成：2024-10 主题党日 0 次，应至少 2 次，截止 2024-10-31",
                                         "尚未完成：2024-10 主题党日 1 次，应至少 2 次，截止 2024-10-31"}
    assert shared[passed].tolist() == [None] * int(passed.sum())


def test_distinct_numbers_values_in_order_by_a_table_or_by_sorting():
    short = np.array([7, 3, 3, 9, 7, 0])  # a short range: looked up in a table of it
    wide = short * 10**9  # a wide one: np.unique
    assert _distinct(short).tolist() == [2, 1, 1, 3, 2, 0]
    assert _distinct(wide).tolist() == [2, 1, 1, 3, 2, 0]

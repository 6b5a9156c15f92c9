"""great-expectations' context and suite kept between validations (``compliance.intake.expectations._kept``, for
the served worker's checks): each validation answers what a fresh context answers, whatever was validated before
it, and a new as-of date replaces the kept suite rather than adding one."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from compliance.intake import expectations
from compliance.intake.gate import GATE, GateContext

NAN = np.nan


def _specs(as_of: date):
    ctx = GateContext(frame=pd.DataFrame(), roster=None, catalogue=None, as_of=as_of, tables=[])
    return [check.expectation(ctx) for check in GATE]


def _day(text: str) -> float:
    return float(np.datetime64(text, "D").astype(np.int64))


def _frame(rows: list[tuple]) -> pd.DataFrame:
    """The gate's numeric frame: organisation, date, type codes and the counts (-1: not in the roster, unparsed)."""
    columns = ["组织", "日期", "类型", "应到", "实到", "应到人数", "实到人数", "会前说纪"]
    return pd.DataFrame(rows, columns=columns, dtype=np.float64)


# two districts' distinct values: the first fails on organisations and dates, the second on counts and 会前说纪
FIRST = _frame([(0, _day("2024-03-05"), 1, 30, 20, 30, 20, 1), (NAN, _day("2024-03-05"), 2, NAN, NAN, NAN, NAN, 0),
                (-1, NAN, 0, 8, 8, 8, 8, 1), (2, _day("1800-01-01"), 1, 5, 5, 5, 5, 2),
                (1, _day("2025-02-01"), -1, 10, 9, 10, 9, 1)])
SECOND = _frame([(3, _day("2024-06-30"), 0, 12, 14, 12, 14, 1), (4, _day("2024-07-01"), NAN, -1, 5, NAN, 5, -1),
                 (5, _day("2024-12-31"), 1, 9, -1, 9, NAN, 0)])


def _fresh(frame: pd.DataFrame, specs) -> list:
    expectations.forget()
    return expectations.validate(frame, specs)


@pytest.fixture(autouse=True)
def _forgotten():
    expectations.forget()
    yield
    expectations.forget()


def test_a_kept_suite_answers_what_a_fresh_context_answers():
    end, november = _specs(date(2024, 12, 31)), _specs(date(2024, 11, 15))
    kept = [expectations.validate(frame, specs)
            for frame, specs in ((FIRST, end), (SECOND, end), (FIRST, november), (SECOND, end), (FIRST, end))]
    fresh = [_fresh(frame, specs)
             for frame, specs in ((FIRST, end), (SECOND, end), (FIRST, november), (SECOND, end), (FIRST, end))]
    assert kept == fresh
    assert kept[0] == [
        ("expect_column_values_to_not_be_null", [1]), ("expect_column_values_to_be_between", [2]),
        ("expect_column_values_to_not_be_null", [2]), ("expect_column_values_to_be_between", [3]),
        ("expect_column_values_to_not_be_null", []), ("expect_column_values_to_be_between", [4]),
        ("expect_column_values_to_be_between", [4]), ("expect_column_values_to_be_between", []),
        ("expect_column_values_to_be_between", []), ("expect_column_pair_values_a_to_be_greater_than_b", []),
        ("expect_column_values_to_be_in_set", [3]),
    ]
    assert kept[1] == [
        ("expect_column_values_to_not_be_null", []), ("expect_column_values_to_be_between", []),
        ("expect_column_values_to_not_be_null", []), ("expect_column_values_to_be_between", []),
        ("expect_column_values_to_not_be_null", [1]), ("expect_column_values_to_be_between", []),
        ("expect_column_values_to_be_between", []), ("expect_column_values_to_be_between", [1]),
        ("expect_column_values_to_be_between", [2]), ("expect_column_pair_values_a_to_be_greater_than_b", [0]),
        ("expect_column_values_to_be_in_set", [1]),
    ]
    # 2025-02-01 is after either as-of date; at 2024-11-15 so is nothing else of the first district's
    assert kept[2][6] == ("expect_column_values_to_be_between", [4])


def test_a_new_as_of_date_replaces_the_kept_suite():
    for as_of in (date(2024, 12, 31), date(2024, 11, 15), date(2025, 1, 6)):
        expectations.validate(SECOND, _specs(as_of))
    assert len(expectations._kept["context"].suites.all()) == 1
    kept = expectations._kept["suite"][1]
    assert [e.expectation_type for e in kept.expectations] == [
        expectations.expectation_type(spec) for spec in _specs(date(2025, 1, 6))]

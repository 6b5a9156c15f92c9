"""Calendar periods: month / quarter / half / year codes, their bounds and labels, and the audited range.

Dates are numpy ``datetime64[D]``; a period is an integer code (months since 1970-01 divided by the period's
length in months), so bucketing a whole column of dates is one integer division.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

import numpy as np

from compliance.errors import InputError

DAY = np.timedelta64(1, "D")


class Granularity(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    HALF = "half"
    YEAR = "year"

    @property
    def months(self) -> int:
        return {"month": 1, "quarter": 3, "half": 6, "year": 12}[self.value]

    @property
    def chinese(self) -> str:
        return {"month": "每月", "quarter": "每季度", "half": "每半年", "year": "每年"}[self.value]


def to_days(values) -> np.ndarray:
    """Any date-like array (datetime64 of any unit, pandas Series) as ``datetime64[D]``."""
    return np.asarray(values, dtype="datetime64[D]")


def day(d: date) -> np.datetime64:
    return np.datetime64(d, "D")


def period_codes(days: np.ndarray, granularity: Granularity) -> np.ndarray:
    months = days.astype("datetime64[M]").astype(np.int64)
    return months // granularity.months


def period_bounds(codes: np.ndarray, granularity: Granularity) -> tuple[np.ndarray, np.ndarray]:
    """First and last day of each period code."""
    first_month = np.asarray(codes, dtype=np.int64) * granularity.months
    start = first_month.astype("datetime64[M]").astype("datetime64[D]")
    end = (first_month + granularity.months).astype("datetime64[M]").astype("datetime64[D]") - DAY
    return start, end


def period_label(code: int, granularity: Granularity) -> str:
    first_month = int(code) * granularity.months
    year, month0 = divmod(first_month, 12)
    year += 1970
    if granularity is Granularity.MONTH:
        return f"{year}-{month0 + 1:02d}"
    if granularity is Granularity.QUARTER:
        return f"{year}-Q{month0 // 3 + 1}"
    if granularity is Granularity.HALF:
        return f"{year}-H{month0 // 6 + 1}"
    return f"{year}"


def period_labels(codes: np.ndarray, granularity: Granularity) -> np.ndarray:
    """Labels for an array of codes, formatting each distinct code once."""
    return each_once(np.asarray(codes, dtype=np.int64), lambda c: period_label(c, granularity))


def date_labels(days: np.ndarray) -> np.ndarray:
    """ISO labels (2024-05-17) for an array of datetime64[D], formatting each distinct day once."""
    return each_once(days, str)


def each_once(values: np.ndarray, text: Callable[[Any], str]) -> np.ndarray:
    """``text(v)`` for each element of ``values`` (an object array), called once per distinct value: days, counts
    and period codes repeat across a province's hundreds of thousands of cells, so formatting each one is the cost.
    Integers and dates within a short range are looked up in a table of that range (no sort); others are
    deduplicated by ``np.unique``."""
    values = np.asarray(values)
    if not len(values):
        return np.zeros(0, dtype=object)
    if values.dtype.kind in "iM":
        numbers = values.astype(np.int64)  # a date as its count of days (NaT: the smallest int64, a wide range)
        low, high = int(numbers.min()), int(numbers.max())
        if high - low <= len(values) + 4096:
            table = np.array([text(v) for v in np.arange(low, high + 1).astype(values.dtype)], dtype=object)
            return table[numbers - low]
    distinct, inverse = np.unique(values, return_inverse=True)
    return np.array([text(v) for v in distinct], dtype=object)[inverse.reshape(-1)]


@dataclass(frozen=True)
class AuditRange:
    """Whole calendar months from ``start`` (a first day) to ``end`` (a last day), inclusive."""

    start: date
    end: date

    @property
    def label(self) -> str:
        first = f"{self.start.year}-{self.start.month:02d}"
        last = f"{self.end.year}-{self.end.month:02d}"
        if self.start.month == 1 and self.end.month == 12:
            if self.start.year == self.end.year:
                return str(self.start.year)
            return f"{self.start.year}..{self.end.year}"
        return first if first == last else f"{first}..{last}"

    def codes(self, granularity: Granularity) -> np.ndarray:
        """Codes of every period of this granularity that lies wholly inside the range (auditing 2024-01..2024-06
        judges months, quarters and the first half, not the year)."""
        first, last = period_codes(to_days([self.start, self.end]), granularity)
        starts, ends = period_bounds(np.array([first, last]), granularity)
        first += int(starts[0] < day(self.start))
        last -= int(ends[1] > day(self.end))
        return np.arange(first, last + 1, dtype=np.int64)

    @classmethod
    def year_of(cls, as_of: date) -> AuditRange:
        return cls(date(as_of.year, 1, 1), date(as_of.year, 12, 31))


_YEAR = r"(\d{4})"
_MONTH = r"(\d{4})-(\d{1,2})"


def _month_start(year: int, month: int, text: str) -> date:
    if not 1 <= month <= 12:
        raise InputError(f"期间“{text}”中的月份 {month} 不存在", column="--period")
    return date(year, month, 1)


def _month_end(year: int, month: int, text: str) -> date:
    _month_start(year, month, text)
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def parse_as_of(text: str) -> date:
    """The day a check is made, as ``--as-of`` and the page's as_of field write it."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"“{text}”不是有效日期，应写作 YYYY-MM-DD（如 2024-12-31）") from None


def parse_period(text: str) -> AuditRange:
    """``2024``, ``2023..2024``, ``2024-03`` or ``2024-01..2024-06`` as an audited range of whole months."""
    raw = text.strip()
    parts = [p.strip() for p in raw.split("..")]
    if len(parts) > 2 or not all(parts):
        raise InputError(f"无法识别期间“{text}”，应写作 2024 或 2024-01..2024-06", column="--period")
    bounds: list[tuple[date, date]] = []
    for part in parts:
        if m := re.fullmatch(_YEAR, part):
            year = int(m[1])
            bounds.append((date(year, 1, 1), date(year, 12, 31)))
        elif m := re.fullmatch(_MONTH, part):
            year, month = int(m[1]), int(m[2])
            bounds.append((_month_start(year, month, text), _month_end(year, month, text)))
        else:
            raise InputError(f"无法识别期间“{text}”，应写作 2024 或 2024-01..2024-06", column="--period")
    start, end = bounds[0][0], bounds[-1][1]
    if end < start:
        raise InputError(f"期间“{text}”的结束早于开始", column="--period")
    return AuditRange(start, end)

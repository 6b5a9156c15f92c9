"""Parsing cell values: dates, counts and yes/no marks, as they appear in Excel, WPS and CSV exports.

Each parser works on one value and reports why it failed; callers apply it to each distinct value once.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, timedelta

EXCEL_EPOCH = date(1899, 12, 30)
_DAY = r"(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*[日号]?"
_CLOCK = r"\d{1,2}\s*[:时]\s*\d{2}(?:\s*[:分]\s*(?:\d{2}(?:\.\d+)?\s*秒?)?)?"
# What exports write after the day: a weekday, 上午/下午, a time or a span of time ("2024-04-12 14:00~16:30").
_TAIL = (r"(?:\s*\(?(?:周|星期)[一二三四五六日天]\)?)?(?:[ T]*(?:上午|下午|中午|晚上|早上)?\s*"
         r"(?:" + _CLOCK + r"(?:\s*(?:-{1,2}|—{1,2}|–|~|至|到)\s*" + _CLOCK + r")?)?)?")
_YMD = re.compile(_DAY + _TAIL)
_YEAR_MONTH = re.compile(r"(\d{4})\s*(?:年\s*(\d{1,2})\s*月?|[./\-]\s*(\d{1,2}))(?:份)?")
_CHINESE_DIGITS = dict(zip("〇零一二三四五六七八九", "00123456789", strict=True))
_CHINESE_NUMBER = re.compile(r"[〇零一二三四五六七八九十]+(?=[年月日号])")
# A range ("2024.01.08-2024.01.12", "2024年1月8日至12日", "2024/1/8~1/12"): the record's date is its first day.
_RANGE = re.compile(
    r"(?P<start>.+?)\s*(?:-{1,2}|—{1,2}|–|~|至|到)\s*"
    r"(?P<end>(?:(?P<y>\d{4})\s*[年./\-]\s*)?(?:(?P<m>\d{1,2})\s*[月./\-]\s*)?(?P<d>\d{1,2})\s*[日号]?)"
)
_EIGHT = re.compile(r"(\d{4})(\d{2})(\d{2})(?:\.0+)?")
_NUMBER = re.compile(r"\d{1,5}(?:\.\d+)?")  # a serial, or a number too short to be one
# An Excel serial (days since 1899-12-30, a fraction for the time of day) has three to five digits, in a number cell
# or written as text: 100 is 1900-04-09, 99999 is 2173-10-13 — every plausible date (32874 to 73050) and more. A number
# of one or two digits in a date column is a day of the month, a sequence number or a count in the wrong column, not
# a day early in 1900 (where Excel's own serials are off by one anyway: it counts a 1900-02-29 that never was).
SERIALS = (100, 100_000)  # the first serial read, and the first past the last

PLAUSIBLE = (date(1990, 1, 1), date(2099, 12, 31))  # dates outside are refused as slips (1900-04-09 from a 100)
MAX_COUNT = 100_000  # head counts above this are refused: no school meeting has more people
YES = frozenset({"是", "有", "已", "√", "✓", "✔", "y", "yes", "true", "1", "已说纪", "已开展"})
NO = frozenset({"否", "无", "未", "没有", "×", "✗", "n", "no", "false", "0", "未说纪"})


class ValueProblem(ValueError):
    """Why a cell's value cannot be used; the message is Chinese and shown to users."""


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _make_date(year: int, month: int, day_: int, shown: object) -> date:
    try:
        return date(year, month, day_)
    except ValueError:
        raise ValueProblem(f"日期“{shown}”不存在") from None


def _arabic(match: re.Match) -> str:
    """二〇二四 → 2024, 十二 → 12, 二十六 → 26, 十 → 10."""
    text = match[0]
    if "十" not in text:
        return "".join(_CHINESE_DIGITS[c] for c in text)
    tens, _, units = text.partition("十")
    if len(tens) > 1 or len(units) > 1 or "十" in units:  # (十一二, 二十十: no number is written so) left as it is,
        return text  # and the date is then not recognised
    return str(int(_CHINESE_DIGITS.get(tens, "1") if tens else 1) * 10 + int(_CHINESE_DIGITS[units] if units else 0))


def parse_date(value: object) -> date:
    """A date from an Excel date, an Excel serial, 20240305, "2024年3月5日", "2024.3.5", "2024/03/05", text with a
    time ("2024/3/5  14:30", "2024-03-05 14:30:00"), or a range, whose first day it is ("2024.01.08-2024.01.12",
    "2024年1月8日至12日")."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if is_blank(value):
        raise ValueProblem("日期为空")
    if isinstance(value, bool):  # a TRUE/FALSE cell is filled in, just not with a date
        raise ValueProblem(f"无法识别的日期“{value}”")
    if isinstance(value, int | float):
        if float(value).is_integer() and 10_000_101 <= value <= 99_991_231:
            text = str(int(value))
            return _make_date(int(text[:4]), int(text[4:6]), int(text[6:]), text)
        return _serial(value, value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if "年" in text and _CHINESE_NUMBER.search(text):  # 二〇二四年十二月二十六日
        text = _CHINESE_NUMBER.sub(_arabic, text)
    if match := _YMD.fullmatch(text):
        return _make_date(int(match[1]), int(match[2]), int(match[3]), value)
    if (match := _RANGE.fullmatch(text)) and (start := _YMD.fullmatch(match["start"].strip())):
        first = _make_date(int(start[1]), int(start[2]), int(start[3]), value)
        try:
            last = date(int(match["y"] or first.year), int(match["m"] or first.month), int(match["d"]))
        except ValueError:
            raise ValueProblem(f"日期范围“{value}”的结束日期不存在") from None
        if last < first:
            raise ValueProblem(f"日期范围“{value}”的结束日期早于开始日期")
        return first
    if match := _EIGHT.fullmatch(text):
        return _make_date(int(match[1]), int(match[2]), int(match[3]), value)
    if _NUMBER.fullmatch(text):
        return _serial(float(text), value)
    if (match := _YEAR_MONTH.fullmatch(text)) and 1 <= int(match[2] or match[3]) <= 12:
        raise ValueProblem(f"日期“{value}”只有年月，缺少日")
    raise ValueProblem(f"无法识别的日期“{value}”，应写作 2024-03-05、2024年3月5日 或 20240305")


def _serial(number: int | float, shown: object) -> date:
    """The day of an Excel serial (see ``SERIALS``), or why ``number`` is none."""
    if 1990 <= number < 2100 and not float(number).is_integer():  # 2024.12: a year and a month
        raise ValueProblem(f"日期“{shown}”只有年月，缺少日")
    if SERIALS[0] <= number < SERIALS[1]:
        return EXCEL_EPOCH + timedelta(days=int(number))
    if 0 <= number < SERIALS[0]:
        raise ValueProblem(f"无法识别的日期“{shown}”：一两位的数字不是日期，应写作 2024-03-05、2024年3月5日 或 "
                           "20240305")
    raise ValueProblem(f"无法识别的日期“{shown}”")


def parse_count(value: object) -> int | None:
    """A head count (应到, 实到): a non-negative integer, or None when blank."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueProblem(f"人数“{value}”不是整数")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip().removesuffix("人").strip()
        try:
            number = float(text)
        except ValueError:
            raise ValueProblem(f"人数“{value}”不是整数") from None
    if not number.is_integer():
        raise ValueProblem(f"人数“{value}”不是整数")
    if number < 0:
        raise ValueProblem(f"人数“{value}”为负数")
    if number > MAX_COUNT:  # a slip of the keyboard, not a meeting (and beyond what a count column can hold)
        raise ValueProblem(f"人数“{value}”过大（超过 {MAX_COUNT:,}），请核对")
    return int(number)


def parse_mark(value: object) -> bool | None:
    """A yes/no mark (会前说纪): True, False, or None when blank."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        text = str(int(value)) if float(value).is_integer() else str(value)
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueProblem(f"无法识别的标记“{value}”，应填“是”或“否”")

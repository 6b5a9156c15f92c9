"""Cell values as real ledgers write them (DOMAIN.md, "What real ledgers look like")."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from compliance.intake.values import ValueProblem, parse_count, parse_date, parse_mark

MARCH_5 = date(2024, 3, 5)


@pytest.mark.parametrize(
    "value",
    [
        datetime(2024, 3, 5),  # a real Excel date, read as a datetime
        datetime(2024, 3, 5, 14, 30),
        date(2024, 3, 5),
        "2024年3月5日",
        "2024年03月05日",
        "2024年3月5号",
        "2024 年 3 月 5 日",
        "2024.3.5",
        "2024.03.05",
        "2024/03/05",
        "2024/3/5",
        "2024-3-5",
        "2024-03-05",
        "2024-03-05 00:00:00",
        "2024-03-05T09:30",
        "2024/3/5  14:30",  # platform exports: a time after two spaces
        "2024-03-05 14:30:00",
        "2024年3月5日 14:30",
        "2024年3月5日14时30分",
        "2024.03.05-2024.03.08",  # a range is dated its first day
        "2024年3月5日至8日",
        "2024年3月5日至4月2日",
        "2024/3/5~3/8",
        "2024-03-05 至 2024-03-08",
        "2024-03-05—2024-03-08",
        "2024-03-05 14:00~16:30",  # a span of time on the day
        "2024/3/5 8:30—11:30",
        "2024年3月5日 下午",
        "2024/03/05 下午2:30",
        "2024年3月5日（周二）",
        "2024.3.5(星期二)",
        "二〇二四年三月五日",  # in Chinese numerals
        "2024年三月五日",
        "2024-03-05-2024-03-08",
        "  2024-03-05  ",
        20240305,  # an 8-digit number
        20240305.0,  # the same number as a float cell
        "20240305",
        "20240305.0",
        "２０２４年３月５日",  # full-width digits
        "２０２４－０３－０５",
        "２０２４０３０５",
        45356,  # an Excel serial day number
        45356.0,
        45356.75,  # a serial with a time of day
        "45356",
    ],
    ids=repr,
)
def test_every_date_format_of_real_ledgers_is_read(value):
    assert parse_date(value) == MARCH_5


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (45292, date(2024, 1, 1)),
        (100, date(1900, 4, 9)),  # the first Excel serial read (three digits)
        ("100", date(1900, 4, 9)),
        (99999.5, date(2173, 10, 13)),  # the last (five digits)
        ("99999", date(2173, 10, 13)),
        ("2024年12月31日", date(2024, 12, 31)),
        ("2024-02-29", date(2024, 2, 29)),
        (20241231, date(2024, 12, 31)),
    ],
)
def test_dates_near_the_edges(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2024年13月5日", "日期“2024年13月5日”不存在"),
        ("2024-02-30", "日期“2024-02-30”不存在"),
        ("2023-02-29", "日期“2023-02-29”不存在"),
        ("2024.4.31", "日期“2024.4.31”不存在"),
        (20240230, "日期“20240230”不存在"),
        ("20241301", "日期“20241301”不存在"),
        ("２０２４年１３月５日", "日期“２０２４年１３月５日”不存在"),
        (None, "日期为空"),
        ("", "日期为空"),
        ("   ", "日期为空"),
        (float("nan"), "日期为空"),
        ("下周三", "无法识别的日期“下周三”，应写作 2024-03-05、2024年3月5日 或 20240305"),
        ("3月5日", "无法识别的日期“3月5日”，应写作 2024-03-05、2024年3月5日 或 20240305"),
        ("2024-03", "日期“2024-03”只有年月，缺少日"),  # a year and a month: never read as an Excel serial
        ("2024年3月", "日期“2024年3月”只有年月，缺少日"),
        ("2024.12", "日期“2024.12”只有年月，缺少日"),
        (2024.12, "日期“2024.12”只有年月，缺少日"),
        ("2024.03.08-2024.03.05", "日期范围“2024.03.08-2024.03.05”的结束日期早于开始日期"),
        ("2024年1月30日至2月30日", "日期范围“2024年1月30日至2月30日”的结束日期不存在"),
        ("2024年13月5日至8日", "日期“2024年13月5日至8日”不存在"),
        (100_000, "无法识别的日期“100000”"),  # six digits: no serial, no 20240305
        ("100000", "无法识别的日期“100000”，应写作 2024-03-05、2024年3月5日 或 20240305"),
        (-5, "无法识别的日期“-5”"),
        (True, "无法识别的日期“True”"),
        # Chinese numerals no number is written as (a KeyError, and a traceback, before)
        ("二十十年三月一日", "无法识别的日期“二十十年三月一日”，应写作 2024-03-05、2024年3月5日 或 20240305"),
        ("十一二年", "无法识别的日期“十一二年”，应写作 2024-03-05、2024年3月5日 或 20240305"),
        ("二〇二四年三月十二十日", "无法识别的日期“二〇二四年三月十二十日”，应写作 2024-03-05、2024年3月5日 或 20240305"),
    ],
    ids=repr,
)
def test_impossible_and_unreadable_dates_say_why(value, message):
    with pytest.raises(ValueProblem, match=f"^{re.escape(message)}$"):
        parse_date(value)


@pytest.mark.parametrize("shown", [*map(str, range(100)), "00", "05", "61", "12.5", "６１"])
def test_a_number_of_one_or_two_digits_is_no_date(shown):
    """Issue 36: "61" in a date column is not 1900-03-01 (an Excel serial has three to five digits), as text or as a
    number cell alike."""
    message = f"无法识别的日期“{shown}”：一两位的数字不是日期，应写作 2024-03-05、2024年3月5日 或 20240305"
    with pytest.raises(ValueProblem, match=f"^{re.escape(message)}$"):
        parse_date(shown)
    number = float(shown.replace("６１", "61"))
    for cell in ([int(number), number] if number.is_integer() else [number]):
        message = f"无法识别的日期“{cell}”：一两位的数字不是日期，应写作 2024-03-05、2024年3月5日 或 20240305"
        with pytest.raises(ValueProblem, match=f"^{re.escape(message)}$"):
            parse_date(cell)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (30, 30),
        (30.0, 30),
        ("30", 30),
        (" 30 ", 30),
        ("30人", 30),
        ("30 人", 30),
        ("３０", 30),
        ("30.0", 30),
        (0, 0),
        (None, None),
        ("", None),
        ("  ", None),
        (float("nan"), None),
    ],
    ids=repr,
)
def test_head_counts(value, expected):
    assert parse_count(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("三十", "人数“三十”不是整数"),
        ("30.5", "人数“30.5”不是整数"),
        (30.5, "人数“30.5”不是整数"),
        ("约30", "人数“约30”不是整数"),
        (-1, "人数“-1”为负数"),
        ("-3", "人数“-3”为负数"),
        (True, "人数“True”不是整数"),
        ("1e9", "人数“1e9”过大（超过 100,000），请核对"),
        (1.429349821887255e225, "人数“1.429349821887255e+225”过大（超过 100,000），请核对"),  # found by fuzzing
        (2**70, f"人数“{2**70}”过大（超过 100,000），请核对"),
    ],
    ids=repr,
)
def test_head_counts_that_are_not_counts(value, message):
    with pytest.raises(ValueProblem, match=f"^{re.escape(message)}$"):
        parse_count(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("是", True),
        ("有", True),
        ("已", True),
        ("√", True),
        ("✓", True),
        ("✔", True),
        ("已说纪", True),
        ("已开展", True),
        ("Y", True),
        ("yes", True),
        ("ＹＥＳ", True),
        ("True", True),
        (1, True),
        (1.0, True),
        (True, True),
        (" 是 ", True),
        ("否", False),
        ("无", False),
        ("未", False),
        ("没有", False),
        ("×", False),
        ("✗", False),
        ("未说纪", False),
        ("N", False),
        ("no", False),
        (0, False),
        (False, False),
        (None, None),
        ("", None),
        (float("nan"), None),
    ],
    ids=repr,
)
def test_marks(value, expected):
    assert parse_mark(value) is expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("好像有", "无法识别的标记“好像有”，应填“是”或“否”"),
        (2, "无法识别的标记“2”，应填“是”或“否”"),
        (0.5, "无法识别的标记“0.5”，应填“是”或“否”"),
    ],
    ids=repr,
)
def test_marks_that_cannot_be_read(value, message):
    with pytest.raises(ValueProblem, match=f"^{re.escape(message)}$"):
        parse_mark(value)

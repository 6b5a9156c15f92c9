"""Completion statistics (issue 18): 完成率, 按时开展月份数 and 出席率 with exact figures, on a small ledger and over two
years."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
import yaml

from compliance.engine.periods import parse_period
from compliance.pipeline import run_check
from tests.helpers import DEFAULT_RULES, LEADER_HEADER, ORG_HEADER, ORGS, rules_file, write_csv

LEDGER = ["组织", "日期", "类型", "应到", "实到"]


def packaged(*ids: str) -> list[dict]:
    rules = yaml.safe_load(DEFAULT_RULES.read_text(encoding="utf-8"))["rules"]
    return [rule for rule in rules if rule["id"] in ids]


def check(tmp_path, rows, as_of, period):
    (tmp_path / "roster").mkdir()
    write_csv(tmp_path / "roster" / "组织.csv", ORG_HEADER, ORGS)
    write_csv(tmp_path / "roster" / "领导干部.csv", LEADER_HEADER, [])
    (tmp_path / "ledgers").mkdir()
    write_csv(tmp_path / "ledgers" / "台账.csv", LEDGER, rows)
    rules = rules_file(tmp_path, *packaged("theme-day-monthly", "member-meeting-quorum"))
    return run_check([tmp_path / "ledgers"], tmp_path / "roster", rules=rules, as_of=as_of, audit=parse_period(period))


def test_completion_rates_months_on_time_and_attendance(tmp_path):
    rows = [["一支部", "2024-01-10", "主题党日", "", ""], ["一支部", "2024-03-10", "主题党日", "", ""],
            ["二支部", "2024-01-11", "主题党日", "", ""], ["二支部", "2024-02-11", "主题党日", "", ""],
            ["二支部", "2024-03-11", "主题党日", "", ""],
            ["一支部", "2024-01-20", "支部党员大会", "30", "20"], ["一支部", "2024-03-20", "支部党员大会", "30", "12"],
            ["二支部", "2024-02-20", "支部党员大会", "40", "35"]]
    stats = check(tmp_path, rows, date(2024, 3, 31), "2024-01..2024-03").stats
    assert stats["by_rule"] == [
        {"org": "一支部", "rule": "theme-day-monthly", "year": 2024, "judged": 3, "met": 2, "rate": 0.6667,
         "months_on_time": 2},
        {"org": "一支部", "rule": "member-meeting-quorum", "year": 2024, "judged": 2, "met": 1, "rate": 0.5},
        {"org": "二支部", "rule": "theme-day-monthly", "year": 2024, "judged": 3, "met": 3, "rate": 1.0,
         "months_on_time": 3},
        {"org": "二支部", "rule": "member-meeting-quorum", "year": 2024, "judged": 1, "met": 1, "rate": 1.0},
    ]
    assert stats["by_org"] == [{"org": "一支部", "year": 2024, "judged": 5, "met": 3, "rate": 0.6},
                               {"org": "二支部", "year": 2024, "judged": 4, "met": 4, "rate": 1.0}]
    assert stats["attendance"] == [
        {"org": "一支部", "year": 2024, "meetings": 2, "expected": 60, "present": 32, "rate": 0.5333,
         "lowest": {"date": "2024-03-20", "type": "支部党员大会", "expected": 30, "present": 12, "rate": 0.4}},
        {"org": "二支部", "year": 2024, "meetings": 1, "expected": 40, "present": 35, "rate": 0.875,
         "lowest": {"date": "2024-02-20", "type": "支部党员大会", "expected": 40, "present": 35, "rate": 0.875}},
    ]


def test_two_years_are_counted_each_on_its_own(tmp_path):
    rows = [["一支部", f"2023-{m:02d}-10", "主题党日", "", ""] for m in range(1, 13)]
    rows += [["一支部", f"2024-{m:02d}-10", "主题党日", "", ""] for m in (1, 2, 3, 7, 8, 9)]
    rows += [["二支部", f"{y}-{m:02d}-12", "主题党日", "", ""] for y in (2023, 2024) for m in range(1, 13)]
    stats = check(tmp_path, rows, date(2024, 12, 31), "2023-01..2024-12").stats
    theme = [(s["org"], s["year"], s["judged"], s["met"], s["rate"], s["months_on_time"]) for s in stats["by_rule"]]
    assert theme == [("一支部", 2023, 12, 12, 1.0, 12), ("一支部", 2024, 12, 6, 0.5, 6),
                     ("二支部", 2023, 12, 12, 1.0, 12), ("二支部", 2024, 12, 12, 1.0, 12)]
    assert stats["attendance"] == []  # no meeting recorded both counts


def test_the_reports_show_the_statistics_and_a_trend_over_years(tmp_path):
    from click.testing import CliRunner

    from compliance.cli import main

    rows = [["一支部", f"2023-{m:02d}-10", "主题党日", "", ""] for m in range(1, 13)]
    rows += [["一支部", f"2024-{m:02d}-10", "主题党日", "", ""] for m in (1, 2, 3, 7, 8, 9)]
    check(tmp_path, rows, date(2024, 12, 31), "2023-01..2024-12")
    rules = tmp_path / "rules.yaml"

    def run(period: str, out: str) -> str:
        result = CliRunner().invoke(main, ["check", str(tmp_path / "ledgers"), "--roster", str(tmp_path / "roster"),
                                           "--rules", str(rules), "--as-of", "2024-12-31", "--period", period,
                                           "--out", str(tmp_path / out), "--format", "html,json,xlsx",
                                           "--fail-on", "none", "--quiet"])
        assert result.exit_code == 0, result.output
        return (tmp_path / out / "orgs" / "一支部.html").read_text(encoding="utf-8")

    page = run("2023-01..2024-12", "two")
    index = (tmp_path / "two" / "index.html").read_text(encoding="utf-8")
    # 二支部 held none: the district met 12 of 24 months in 2023, 6 of 24 in 2024
    assert "<figcaption>各年度完成率（全区）</figcaption>" in index and "<title>2024 年：25 %</title>" in index
    assert "<figcaption>各年度完成率</figcaption>" in page and "<title>2024 年：50 %</title>" in page
    assert "<td>每月至少开展1次主题党日活动</td><td>2024</td><td class=\"num\">12</td><td class=\"num\">6</td>" \
           "<td class=\"num\">50.0%</td><td class=\"num\">6</td>" in page.replace(' title="theme-day-monthly"', "")
    assert "<h2>接下来要做</h2>" in page  # the as-of date lies inside the range
    assert "<h2>接下来要做</h2>" not in run("2023", "past")  # a past year: nothing to do next in it
    import openpyxl

    book = openpyxl.load_workbook(tmp_path / "two" / "findings.xlsx")
    assert [list(row) for row in book["统计"].iter_rows(min_row=1, max_row=3, values_only=True)] == [
        ["组织", "年度", "规则", "规则编号", "检查期数", "按时完成", "完成率", "按时开展月份数"],
        ["一支部", 2023, "（全部规则）", None, 12, 12, 1, None],
        ["一支部", 2023, "每月至少开展1次主题党日活动", "theme-day-monthly", 12, 12, 1, 12],
    ]
    rate = book["统计"].cell(row=2, column=7)
    assert (rate.data_type, rate.number_format) == ("n", "0.0%")  # a number Excel sorts, shown as 100.0%


def test_a_meeting_with_more_present_than_expected_is_left_out_of_attendance(tmp_path):
    rows = [["一支部", "2024-01-20", "支部党员大会", "30", "20"], ["一支部", "2024-02-20", "支部党员大会", "20", "22"]]
    (attendance,) = check(tmp_path, rows, date(2024, 3, 31), "2024-01..2024-03").stats["attendance"]
    assert (attendance["meetings"], attendance["expected"], attendance["present"]) == (1, 30, 20)  # 22 of 20: a slip


def test_a_row_naming_two_meetings_counts_its_attendance_once(tmp_path):
    rows = [["一支部", "2024-01-20", "支部党员大会暨党课", "30", "20"], ["一支部", "2024-02-20", "支部党员大会", "30", "27"]]
    (attendance,) = check(tmp_path, rows, date(2024, 3, 31), "2024-01..2024-03").stats["attendance"]
    assert (attendance["meetings"], attendance["expected"], attendance["present"]) == (2, 60, 47)
    assert attendance["lowest"] == {"date": "2024-01-20", "type": "支部党员大会", "expected": 30, "present": 20,
                                    "rate": 0.6667}


def test_repeated_rows_in_ledger_order_and_in_any_other():
    from compliance.findings.stats import repeated

    # ledger order (a row naming two types is two records, the copy right after it): neighbours compared
    assert repeated(np.array([0, 0, 0, 0, 1, 1]), np.array([2, 3, 3, 4, 2, 5])).tolist() == [
        False, False, True, False, False, False]
    # another order (tables interleaved): hashed, the same answer — a pair seen before is repeated
    assert repeated(np.array([1, 0, 0, 1, 0, 1]), np.array([2, 3, 2, 2, 3, 5])).tolist() == [
        False, False, False, True, True, False]
    assert repeated(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)).tolist() == []


def test_codes_and_years_whatever_the_order():
    from compliance.findings.stats import _positions, years

    position_of = {"二支部": 0, "一支部": 1, "机关支部": 2}
    # a column as the table's codes into its distinct values (None last, unused): the roster's positions
    values = np.array(["一支部", "二支部", "机关支部", None], dtype=object)
    codes = np.array([0, 0, 1, 2, 0, 1, 1])
    assert _positions(values, position_of, codes).tolist() == [1, 1, 0, 2, 1, 0, 0]
    assert _positions(values, position_of, np.zeros(0, dtype=np.int64)).tolist() == []
    with pytest.raises(KeyError, match="三支部"):  # a name the roster lacks is named, not an index error
        _positions(np.array(["一支部", "三支部"], dtype=object), position_of, np.array([0, 1]))
    ends = np.array(["2024-12-31", "2023-01-01", "2024-03-31", "2022-12-31"], dtype="datetime64[D]")
    assert years(ends).tolist() == [2024, 2023, 2024, 2022]


def test_the_counts_over_the_key_space_and_the_hashed_ones_agree(monkeypatch):
    from compliance.findings import stats
    from tests.helpers import DEMO

    result = run_check([DEMO / "ledgers"], DEMO / "roster", as_of=date(2024, 12, 31), audit=parse_period("2023..2024"))
    monkeypatch.setattr(stats, "DENSE", 10**9)  # always summed over the whole key space
    dense = stats.statistic_columns(result)
    monkeypatch.setattr(stats, "DENSE", 0)  # always hashed
    hashed = stats.statistic_columns(result)
    for name in ("by_org", "by_rule"):
        assert list(dense[name]) == list(hashed[name])
        for column in dense[name]:
            assert dense[name][column].tolist() == hashed[name][column].tolist(), (name, column)
    assert len(dense["by_rule"]["org"]) > 50 and sorted(set(dense["by_org"]["year"].tolist())) == [2023, 2024]
    assert stats.rows(dense["by_org"]) == result.stats["by_org"]  # and the run's own path gives the same


def test_the_lowest_meeting_of_two_as_low_is_the_first_in_the_ledger(tmp_path):
    rows = [["一支部", "2024-03-05", "支部党员大会", "20", "10"], ["一支部", "2024-01-20", "支部党员大会", "30", "15"],
            ["一支部", "2024-02-20", "支部党员大会", "30", "27"], ["二支部", "2023-12-20", "支部党员大会", "30", "3"],
            ["二支部", "2024-02-21", "支部党员大会", "40", "36"]]
    stats = check(tmp_path, rows, date(2024, 3, 31), "2024-01..2024-03").stats["attendance"]
    assert [(a["org"], a["meetings"], a["expected"], a["present"], a["rate"], a["lowest"]["date"],
             a["lowest"]["rate"]) for a in stats] == [
        ("一支部", 3, 80, 52, 0.65, "2024-03-05", 0.5),  # 10 of 20 and 15 of 30: the row written first
        ("二支部", 1, 40, 36, 0.9, "2024-02-21", 0.9),  # December 2023 lies outside the period
    ]


def test_day_texts_are_numpys_text_on_every_path():
    from compliance.findings.stats import day_texts

    rng = np.random.default_rng(5)
    # a year of meetings (a table of the span's days), stored as pandas stores them (seconds)
    days = (np.datetime64("2024-01-01") + rng.integers(0, 366, 5_000)).astype("datetime64[s]")
    assert day_texts(days) == days.astype("datetime64[D]").astype(str).tolist()
    assert day_texts(days)[:1] == [str(days[0])[:10]]
    sparse = np.array(["1999-12-31", "2024-02-29"], dtype="datetime64[D]")  # a long span, few days: one by one
    assert day_texts(sparse) == ["1999-12-31", "2024-02-29"]
    missing = np.array(["2024-03-05", "NaT"], dtype="datetime64[D]")
    assert day_texts(missing) == ["2024-03-05", "NaT"]
    assert day_texts(np.zeros(0, dtype="datetime64[D]")) == []

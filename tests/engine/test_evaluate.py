"""The engine on records built in memory — no files, no data-quality gate: statuses, the collapse of unverifiable
periods into one finding, the sort order and the evidence."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from compliance.config.catalogue import parse_catalogue
from compliance.domain import Status
from compliance.engine.context import Context
from compliance.engine.evaluate import _sort, _sort_pairs, evaluate
from compliance.engine.kinds import RulesFile
from compliance.engine.periods import parse_period
from compliance.intake.normalise import TableInfo
from compliance.intake.roster import roster_from_rows
from tests.helpers import LEADER_HEADER, ORG_HEADER, ORGS, rules_text

MONTHLY = {"id": "theme-day-monthly", "title": "每月开展主题党日", "kind": "frequency",
           "applies_to": {"org_types": ["党支部"]}, "types": ["主题党日"], "period": "month", "min": 1,
           "source": [{"doc": "2020武进", "clause": "一.3"}]}
LECTURES = {"id": "leader-lecture-yearly", "title": "每年至少讲1次党课", "kind": "per-person",
            "applies_to": {"leaders": "all"}, "types": ["党课"], "period": "year", "min": 1,
            "source": [{"doc": "2013南通", "clause": "一.1"}]}
ROSTER = roster_from_rows(([ORG_HEADER, *ORGS], "名册", "组织"),
                          ([LEADER_HEADER, ["王芳", "一中党委", "书记", "2020-01-01", ""]], "名册", "领导干部"))
CANONICAL = frozenset({"组织", "日期", "类型", "主题"})  # no 主讲人 column: per-person rules cannot be verified


def records(*rows: tuple[int, str, int]) -> pd.DataFrame:
    """Records from (roster position of the organisation, date, type position) triples, all from table 0."""
    n = len(rows)
    return pd.DataFrame({
        "org": np.array([r[0] for r in rows], dtype=np.int64),
        "date": np.array([r[1] for r in rows], dtype="datetime64[D]"),
        "type": np.array([r[2] for r in rows], dtype=np.int64),
        "topic": np.full(n, None, dtype=object), "person": np.full(n, None, dtype=object),
        "expected": pd.array([None] * n, dtype="Int64"), "present": pd.array([None] * n, dtype="Int64"),
        "discipline": np.full(n, None, dtype=object), "table": np.zeros(n, dtype=np.int64),
        "row": np.arange(2, n + 2, dtype=np.int64),
    })


def run(rule: dict, frame: pd.DataFrame, as_of: str, period: str = "2024-01..2024-03"):
    catalogue = parse_catalogue(rules_text(rule).encode(), "rules.yaml", RulesFile)
    tables = [TableInfo("台账.xlsx", "台账", 1, CANONICAL)]
    ctx = Context(frame, tables, ROSTER, np.datetime64(as_of, "D"), parse_period(period), catalogue.activity_types)
    return evaluate(catalogue, ctx)


def test_met_violation_and_due_per_branch_and_month_sorted_by_name():
    theme_day = 0  # the first activity type of the packaged catalogue
    evaluation = run(MONTHLY, records((2, "2024-01-10", theme_day), (2, "2024-01-20", theme_day),
                                      (3, "2024-03-05", theme_day)), as_of="2024-02-15")
    judged = evaluation.judgements
    assert list(zip(judged["org"], judged["period"], judged["status"], judged["actual"], strict=True)) == [
        ("一支部", "2024-01", Status.MET, 2),
        ("一支部", "2024-02", Status.DUE, 0),
        ("二支部", "2024-01", Status.VIOLATION, 0),
        ("二支部", "2024-02", Status.DUE, 0),
    ]  # March has not begun on the as-of date; the record in it does not count anywhere
    assert judged["message"].tolist()[1] == "尚未完成：2024-02 主题党日 0 次，应至少 1 次，截止 2024-02-29"
    # both January records are the evidence of the first judgement, in ledger order
    assert evaluation.evidence.values.tolist() == [[0, 0], [0, 1]]


def test_a_rule_without_its_column_is_one_unverifiable_finding_over_the_range():
    evaluation = run(LECTURES, records(), as_of="2024-12-31", period="2023..2024")
    judged = evaluation.judgements
    assert list(zip(judged["person"], judged["period"], judged["status"], strict=True)) == [
        ("王芳", "2023..2024", Status.UNVERIFIABLE)]  # two years judged, one finding that says why
    assert judged["start"].astype(str).tolist() == ["2023-01-01"]
    assert judged["message"].tolist() == ["台账中没有“主讲人”（或“姓名”）列，无法核验本人的记录"]


def test_a_period_that_leaves_rules_unjudged_says_so():
    from compliance.engine.kinds import load_catalogue
    from compliance.engine.periods import parse_period
    from compliance.pipeline import period_notes

    catalogue = load_catalogue()
    school_year = period_notes(catalogue, parse_period("2023-09..2024-08"), date(2024, 9, 1))
    assert school_year == [
        "检查期间 2023-09..2024-08 不含完整的年度，以下按年度判断的规则本次未评判：theme-day-fixed-day、"
        "org-life-meeting-yearly、member-review-yearly、democratic-life-meeting-yearly、leader-lecture-yearly、"
        "leader-research-yearly、july-first-yearly、summer-ethics-yearly、responsibility-letter-yearly"]
    assert period_notes(catalogue, parse_period("2024"), date(2024, 12, 31)) == []
    assert period_notes(catalogue, parse_period("2022"), date(2024, 1, 2)) == [
        "检查日 2024-01-02 比检查期间 2022 的结束晚一年以上；检查近期情况请用 --period 指定期间"]


def test_the_packed_sort_keeps_the_stable_order_of_lexsort_with_many_ties():
    # judgements' keys as ``order`` makes them: (organisation, rule), (period, person), start — most of them tied
    # somewhere (two records of one day), so the unstable sort's ties must come back in their first order
    rng = np.random.default_rng(32)
    n = 50_000
    keys = (rng.integers(0, 300, n) * 28 + rng.integers(0, 27, n), rng.integers(0, 40, n) * 9 + rng.integers(0, 8, n),
            rng.integers(19_700, 19_730, n))
    expected = np.lexsort(keys[::-1])
    assert np.array_equal(_sort(keys), expected)
    wide = (keys[0] << 40, keys[1] << 20, keys[2])  # more than 62 bits packed: the lexsort fallback, same order
    assert np.array_equal(_sort(wide), expected)
    assert len(_sort((np.zeros(0, np.int64),))) == 0


def test_evidence_pairs_sort_by_cell_then_record_on_both_paths():
    rng = np.random.default_rng(7)
    cell, record = rng.integers(0, 1_000, 20_000), rng.integers(0, 5_000, 20_000)
    by = np.lexsort((record, cell))
    for scale in (1, 1 << 40):  # the packed sort, and pairs too wide to pack
        sorted_cell, sorted_record = _sort_pairs(cell * scale, record)
        assert np.array_equal(sorted_cell, cell[by] * scale)
        assert np.array_equal(sorted_record, record[by])


def test_records_of_types_are_those_an_isin_scan_finds_in_ascending_order():
    types = np.array([3, 0, 1, 0, 3, 2, 0, 1, 3], dtype=np.int64)
    frame = records(*[(2, f"2024-01-{i + 1:02d}", t) for i, t in enumerate(types)])
    ctx = Context(frame, [TableInfo("台账.xlsx", "台账", 1, CANONICAL)], ROSTER, np.datetime64("2024-03-31", "D"),
                  parse_period("2024"), ("主题党日", "支部委员会", "党课", "党小组会", "换届选举"))
    for wanted in (("主题党日",), ("党小组会", "主题党日"), ("党课", "支部委员会", "党小组会"), ("换届选举",)):
        codes = [ctx.type_names.index(t) for t in wanted]
        assert ctx.of_types(wanted).tolist() == np.flatnonzero(np.isin(types, codes)).tolist()


def test_distinct_values_give_equal_codes_exactly_where_the_values_are_equal():
    from compliance.engine.evaluate import distinct_codes as _distinct

    # two leaders of different units share a name: one value, one code; None (an organisation's judgement) last
    codes, values = _distinct(["王芳", "李强", "王芳", None])
    assert codes.tolist() == [0, 1, 0, 2] and values.tolist() == ["王芳", "李强", None]
    codes, values = _distinct(["一支部", "二支部"])
    assert codes.tolist() == [0, 1] and values.tolist() == ["一支部", "二支部", None]  # None unused, still last
    codes, values = _distinct([])
    assert codes.tolist() == [] and values.tolist() == [None]

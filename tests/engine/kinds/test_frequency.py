from tests.helpers import check, findings, judged, row, warnings

THEME_DAY = {
    "id": "theme-day-monthly", "title": "每月至少开展1次主题党日活动", "kind": "frequency",
    "applies_to": {"org_types": ["党支部"]}, "types": ["主题党日"], "period": "month", "min": 1,
    "source": [{"doc": "2020武进", "clause": "一.3"}],
}
LECTURES = {
    "id": "lecture-twice-a-quarter", "title": "每季度至少上2次党课", "kind": "frequency",
    "applies_to": {"org_types": ["党支部"]}, "types": ["党课"], "period": "quarter", "min": 2,
    "source": [{"doc": "2020武进", "clause": "一.3"}],
}
JULY_FIRST = {
    "id": "july-first-yearly", "title": "每年6月1日至7月10日开展七一纪念活动", "kind": "frequency",
    "applies_to": {"org_types": ["党委", "党总支"]}, "types": ["七一纪念活动"], "period": "year",
    "window": {"from": "06-01", "to": "07-10"}, "min": 1, "severity": "warning",
    "source": [{"doc": "2009四署", "clause": "三(三)"}],
}


def test_missing_month_is_a_violation_once_closed_and_due_while_open(tmp_path):
    ledger = [["一支部", "2024-01-10", "主题党日活动", "学习", "", "", "", ""],
              ["二支部", "2024-01-12", "党日活动", "学习", "", "", "", ""],
              ["二支部", "2024-02-12", "主题党日", "学习", "", "", "", ""]]
    result = check(tmp_path, THEME_DAY, ledger, as_of="2024-02-20", period="2024-01..2024-03")
    assert findings(result) == [("due", "一支部", None, "2024-02", 1, 0)]
    assert judged(result) == [
        ("met", "一支部", None, "2024-01"), ("due", "一支部", None, "2024-02"),
        ("met", "二支部", None, "2024-01"), ("met", "二支部", None, "2024-02"),
    ]


def test_a_record_after_the_as_of_date_does_not_count_and_is_reported(tmp_path):
    ledger = [row("一支部", "2024-03-20", "主题党日"), row("二支部", "2024-03-05", "主题党日")]
    result = check(tmp_path, THEME_DAY, ledger, as_of="2024-03-15", period="2024-03")
    assert findings(result) == [("due", "一支部", None, "2024-03", 1, 0)]
    assert warnings(result) == [
        ("台账.csv", None, 2, "日期", "2024-03-20", "日期晚于检查日 2024-03-15，不计入本次检查"),
    ]
    assert len(result.records) == 1


def test_a_shortfall_names_rule_severity_message_and_the_records_found(tmp_path):
    ledger = [row("一支部", "2024-01-10", "党课"), row("一支部", "2024-04-10", "专题党课"),
              row("二支部", "2024-02-10", "党课"), row("二支部", "2024-03-10", "党课")]
    result = check(tmp_path, LECTURES, ledger, as_of="2024-05-15", period="2024-01..2024-06")
    assert result.findings() == [
        {"rule": "lecture-twice-a-quarter", "severity": "error", "status": "violation", "org": "一支部",
         "person": None, "period": "2024-Q1", "expected": 2, "actual": 1,
         "message": "2024-Q1 党课 1 次，应至少 2 次",
         "waiver": None, "baseline": None, "evidence": [{"source": "台账.csv", "sheet": None, "row": 2, "date": "2024-01-10", "type": "党课"}]},
        {"rule": "lecture-twice-a-quarter", "severity": "error", "status": "due", "org": "一支部",
         "person": None, "period": "2024-Q2", "expected": 2, "actual": 1,
         "message": "尚未完成：2024-Q2 党课 1 次，应至少 2 次，截止 2024-06-30",
         "waiver": None, "baseline": None, "evidence": [{"source": "台账.csv", "sheet": None, "row": 3, "date": "2024-04-10", "type": "党课"}]},
        {"rule": "lecture-twice-a-quarter", "severity": "error", "status": "due", "org": "二支部",
         "person": None, "period": "2024-Q2", "expected": 2, "actual": 0,
         "message": "尚未完成：2024-Q2 党课 0 次，应至少 2 次，截止 2024-06-30",
         "waiver": None, "baseline": None, "evidence": []},
    ]


def test_a_window_finding_names_the_window_and_counts_only_records_inside_it(tmp_path):
    ledger = [row("一中党委", "2024-05-31", "七一纪念活动"), row("一中党委", "2024-07-11", "七一纪念活动")]
    result = check(tmp_path, JULY_FIRST, ledger, as_of="2024-12-31")
    assert result.findings() == [
        {"rule": "july-first-yearly", "severity": "warning", "status": "violation", "org": "一中党委",
         "person": None, "period": "2024", "expected": 1, "actual": 0,
         "message": "2024 年 06-01 至 07-10 期间七一纪念活动 0 次，应至少 1 次", "waiver": None, "baseline": None, "evidence": []},
    ]


def test_an_open_window_is_due_until_its_last_day(tmp_path):
    ledger = [row("一中党委", "2024-06-05", "七一纪念活动")]
    result = check(tmp_path, JULY_FIRST, ledger, as_of="2024-06-01")
    assert result.findings() == [
        {"rule": "july-first-yearly", "severity": "warning", "status": "due", "org": "一中党委",
         "person": None, "period": "2024", "expected": 1, "actual": 0,
         "message": "尚未完成：2024 年 06-01 至 07-10 期间七一纪念活动 0 次，应至少 1 次，截止 2024-07-10",
         "waiver": None, "baseline": None, "evidence": []},
    ]
    assert warnings(result) == [
        ("台账.csv", None, 2, "日期", "2024-06-05", "日期晚于检查日 2024-06-01，不计入本次检查"),
    ]


def test_a_window_in_february_ends_on_the_28th_in_a_common_year(tmp_path):
    rule = {**JULY_FIRST, "id": "february-yearly", "title": "每年2月开展七一纪念活动",
            "window": {"from": "02-01", "to": "02-29"}}
    result = check(tmp_path, rule, [], as_of="2023-02-28", period="2023")
    assert findings(result) == [("violation", "一中党委", None, "2023", 1, 0)]
    assert result.judgements["end"].astype(str).tolist() == ["2023-02-28"]

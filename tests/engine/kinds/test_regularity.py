from tests.helpers import check, findings, row

FIXED_DAY = {
    "id": "theme-day-fixed-day", "title": "主题党日应每月相对固定一天开展", "kind": "regularity",
    "applies_to": {"org_types": ["党支部"]}, "types": ["主题党日"], "max_spread_days": 7, "severity": "warning",
    "source": [{"doc": "2020武进", "clause": "一.3"}],
}


def test_a_spread_above_the_limit_names_the_days_and_the_records(tmp_path):
    ledger = [row("一支部", "2024-01-03", "主题党日"), row("一支部", "2024-02-11", "主题党日活动"),
              row("一支部", "2024-03-07", "主题党日"), row("二支部", "2024-01-10", "主题党日")]
    result = check(tmp_path, FIXED_DAY, ledger, as_of="2024-03-31")
    assert result.findings() == [
        {"rule": "theme-day-fixed-day", "severity": "warning", "status": "violation", "org": "一支部",
         "person": None, "period": "2024", "expected": 7, "actual": 8,
         "message": "2024 年主题党日分别在每月 3 日至 11 日之间开展，相差 8 天，超过 7 天，未相对固定",
         "waiver": None, "baseline": None, "evidence": [
             {"source": "台账.csv", "sheet": None, "row": 2, "date": "2024-01-03", "type": "主题党日"},
             {"source": "台账.csv", "sheet": None, "row": 3, "date": "2024-02-11", "type": "主题党日"},
             {"source": "台账.csv", "sheet": None, "row": 4, "date": "2024-03-07", "type": "主题党日"},
         ]},
    ]


def test_a_limit_of_zero_asks_for_the_same_day_every_month(tmp_path):
    rule = {**FIXED_DAY, "id": "theme-day-same-day", "max_spread_days": 0}
    ledger = [row("一支部", "2024-01-15", "主题党日"), row("一支部", "2024-02-15", "主题党日"),
              row("二支部", "2024-01-15", "主题党日"), row("二支部", "2024-02-16", "主题党日")]
    result = check(tmp_path, rule, ledger, as_of="2024-12-31")
    assert findings(result) == [("violation", "二支部", None, "2024", 0, 1)]

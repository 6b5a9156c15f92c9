from tests.helpers import check, findings, judged, row

TRAINED_FIRST = {
    "id": "new-principal-trained-before-post", "title": "新任校长须先培训后上岗", "kind": "precedence",
    "applies_to": {"leaders": ["校长"]}, "types": ["任职培训"], "source": [{"doc": "2013南通", "clause": "二.5"}],
}


def test_an_untrained_appointment_is_named_with_its_date(tmp_path):
    leaders = [["刘洋", "一中党委", "校长", "2024-08-15", ""]]
    ledger = [row("一中党委", "2024-09-01", "任职培训", {"主讲人": "刘洋"})]
    result = check(tmp_path, TRAINED_FIRST, ledger, as_of="2024-12-31", leaders=leaders)
    assert result.findings() == [
        {"rule": "new-principal-trained-before-post", "severity": "error", "status": "violation", "org": "一中党委",
         "person": "刘洋", "period": "2024-08-15", "expected": 1, "actual": 0,
         "message": "刘洋于 2024-08-15 任校长，此前没有任职培训记录", "waiver": None, "baseline": None, "evidence": []},
    ]


def test_only_the_audited_range_counts_for_the_appointment_not_for_the_training(tmp_path):
    leaders = [["王芳", "一中党委", "校长", "2024-02-01", ""], ["李明", "一中党委", "校长", "2023-06-01", ""]]
    ledger = [row("一中党委", "2022-12-20", "岗前培训", {"主讲人": "王 芳"})]
    result = check(tmp_path, TRAINED_FIRST, ledger, as_of="2024-12-31", leaders=leaders)
    assert findings(result) == []
    assert judged(result) == [("met", "一中党委", "王芳", "2024-02-01")]


def test_an_audited_range_over_two_years_judges_appointments_in_both(tmp_path):
    leaders = [["王芳", "一中党委", "校长", "2024-02-01", ""], ["李明", "一中党委", "校长", "2023-06-01", ""]]
    result = check(tmp_path, TRAINED_FIRST, [], as_of="2024-12-31", period="2023..2024", leaders=leaders)
    assert findings(result) == [
        ("violation", "一中党委", "李明", "2023-06-01", 1, 0), ("violation", "一中党委", "王芳", "2024-02-01", 1, 0),
    ]

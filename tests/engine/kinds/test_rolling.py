from tests.helpers import check, findings, judged, row, warnings

ELECTION = {
    "id": "branch-election-term", "title": "党支部每三年至少换届选举1次", "kind": "rolling",
    "applies_to": {"org_types": ["党支部"]}, "types": ["换届选举"], "years": 3,
    "source": [{"doc": "支部工作条例", "clause": "第二十一条"}],
}
TRAINING = {
    "id": "leader-training-five-yearly", "title": "校级领导每五年至少参加1次岗位培训", "kind": "rolling",
    "applies_to": {"leaders": ["书记", "副书记", "校长", "副校长"]}, "types": ["岗位培训", "任职培训"], "years": 5,
    "source": [{"doc": "2013南通", "clause": "二.5"}],
}


def test_an_overdue_election_names_the_window_and_is_labelled_with_the_as_of_date(tmp_path):
    ledger = [row("一支部", "2021-06-01", "换届选举"), row("二支部", "2022-06-01", "换届选举"),
              row("二支部", "2024-07-01", "换届选举")]
    result = check(tmp_path, ELECTION, ledger, as_of="2024-06-30")
    assert result.findings() == [
        {"rule": "branch-election-term", "severity": "error", "status": "violation", "org": "一支部",
         "person": None, "period": "2024-06-30", "expected": 1, "actual": 0,
         "message": "一支部自 2021-07-01 至 2024-06-30 的 3 年内换届选举 0 次，应至少 1 次", "waiver": None, "baseline": None, "evidence": []},
    ]
    assert warnings(result) == [
        ("台账.csv", None, 4, "日期", "2024-07-01", "日期晚于检查日 2024-06-30，不计入本次检查"),
    ]


def test_a_window_ending_on_29_february_starts_on_1_march(tmp_path):
    # Three years back from 2024-02-29 is 2021-02-28 (no 29th): the window is 2021-03-01..2024-02-29.
    ledger = [row("一支部", "2021-03-01", "换届选举"), row("二支部", "2021-02-28", "换届选举")]
    result = check(tmp_path, ELECTION, ledger, as_of="2024-02-29")
    assert findings(result) == [("violation", "二支部", None, "2024-02-29", 1, 0)]


def test_rolling_is_not_bound_to_the_audited_range(tmp_path):
    ledger = [row("一支部", "2022-06-01", "换届选举"), row("二支部", "2022-06-01", "换届选举")]
    result = check(tmp_path, ELECTION, ledger, as_of="2024-12-31", period="2024-10..2024-12")
    assert findings(result) == []
    assert judged(result) == [("met", "一支部", None, "2024-12-31"), ("met", "二支部", None, "2024-12-31")]


def test_a_leader_is_matched_by_a_padded_name_and_in_a_list_of_trainees(tmp_path):
    leaders = [["李明", "一中党委", "书记", "2015-09-01", ""], ["王 芳", "一中党委", "校长", "2015-09-01", ""],
               ["赵强", "一中党委", "副校长", "2015-09-01", ""]]
    ledger = [row("一中党委", "2023-07-01", "岗位培训", {"主讲人": "李 明、王芳"})]
    result = check(tmp_path, TRAINING, ledger, as_of="2024-12-31", leaders=leaders)
    assert result.findings() == [
        {"rule": "leader-training-five-yearly", "severity": "error", "status": "violation", "org": "一中党委",
         "person": "赵强", "period": "2024-12-31", "expected": 1, "actual": 0,
         "message": "赵强自 2020-01-01 至 2024-12-31 的 5 年内岗位培训或任职培训 0 次，应至少 1 次", "waiver": None, "baseline": None, "evidence": []},
    ]
    assert judged(result) == [
        ("met", "一中党委", "李明", "2024-12-31"), ("met", "一中党委", "王芳", "2024-12-31"),
        ("violation", "一中党委", "赵强", "2024-12-31"),
    ]


def test_a_leader_leaving_on_the_as_of_date_is_no_longer_in_post(tmp_path):
    leaders = [["李明", "一中党委", "书记", "2015-09-01", "2024-12-31"],
               ["王芳", "一中党委", "校长", "2015-09-01", "2025-01-01"]]
    result = check(tmp_path, TRAINING, [], as_of="2024-12-31", leaders=leaders)
    assert findings(result) == [("violation", "一中党委", "王芳", "2024-12-31", 1, 0)]


def test_without_a_person_column_each_leader_in_post_is_unverifiable_once(tmp_path):
    leaders = [["李明", "一中党委", "书记", "2015-09-01", ""], ["王芳", "一中党委", "校长", "2015-09-01", "2024-03-01"]]
    header = ["组织", "日期", "类型"]
    result = check(tmp_path, TRAINING, [["一中党委", "2023-07-01", "岗位培训"]], as_of="2024-12-31",
                   leaders=leaders, header=header)
    # A rolling rule's finding, unverifiable or not, is labelled with the as-of date.
    assert findings(result) == [("unverifiable", "一中党委", "李明", "2024-12-31", None, None)]
    assert result.findings()[0]["message"] == "台账中没有“主讲人”（或“姓名”）列，无法核验本人的记录"

from tests.helpers import check, findings, judged, row, write_csv

RESEARCH = {
    "id": "leader-research-yearly", "title": "党员领导干部每年至少形成2篇调研报告", "kind": "per-person",
    "applies_to": {"leaders": "all"}, "types": ["调研报告"], "period": "year", "min": 2,
    "source": [{"doc": "2013南通", "clause": "一.1"}],
}
LECTURE = {
    "id": "leader-lecture-yearly", "title": "党员领导干部每年至少上1次党课", "kind": "per-person",
    "applies_to": {"leaders": "all"}, "types": ["党课"], "period": "year", "min": 1,
    "source": [{"doc": "2013南通", "clause": "一.1"}],
}
TWO_SCHOOLS = [
    ["区委教育工委", "党工委", "", "2000-01-01", "", ""],
    ["一中党委", "党委", "区委教育工委", "2000-01-01", "", ""],
    ["一支部", "党支部", "一中党委", "2000-01-01", "", ""],
    ["二中党委", "党委", "区委教育工委", "2000-01-01", "", ""],
    ["二中支部", "党支部", "二中党委", "2000-01-01", "", ""],
]


def test_a_shortfall_names_the_leader_and_the_records_found(tmp_path):
    leaders = [["王 芳", "一中党委", "校长", "2020-09-01", ""]]
    ledger = [row("一支部", "2024-04-10", "调研报告", {"主讲人": "王芳"}),
              row("一支部", "2024-05-10", "调研报告", {"主讲人": "李明"})]
    result = check(tmp_path, RESEARCH, ledger, as_of="2024-12-31", leaders=leaders)
    assert result.findings() == [
        {"rule": "leader-research-yearly", "severity": "error", "status": "violation", "org": "一中党委",
         "person": "王芳", "period": "2024", "expected": 2, "actual": 1,
         "message": "王芳 2024 调研报告 1 次，应至少 2 次",
         "waiver": None, "baseline": None, "evidence": [{"source": "台账.csv", "sheet": None, "row": 2, "date": "2024-04-10", "type": "调研报告"}]},
    ]


def test_the_person_column_may_be_headed_姓名(tmp_path):
    leaders = [["李明", "一中党委", "书记", "2020-09-01", ""]]
    header = ["单位", "完成时间", "类别", "姓名"]
    ledger = [["一中党委", "2024-05-10", "调研报告", "李明"], ["一中党委", "2024-09-10", "调研报告", "李 明"]]
    result = check(tmp_path, RESEARCH, ledger, as_of="2024-12-31", leaders=leaders, header=header)
    assert findings(result) == []
    assert judged(result) == [("met", "一中党委", "李明", "2024")]


def test_unverifiable_is_decided_per_unit_from_the_ledgers_of_its_subtree(tmp_path):
    # 一中 keeps a ledger with a 主讲人 column, 二中 one without; 三中 has no records at all, so any ledger with the
    # column makes its leader verifiable.
    orgs = [*TWO_SCHOOLS, ["三中党委", "党委", "区委教育工委", "2000-01-01", "", ""]]
    leaders = [["李明", "一中党委", "书记", "2020-09-01", ""], ["赵强", "二中党委", "书记", "2020-09-01", ""],
               ["刘洋", "三中党委", "书记", "2020-09-01", ""]]
    (tmp_path / "ledgers").mkdir()
    write_csv(tmp_path / "ledgers" / "二中台账.csv", ["组织", "日期", "类型", "主题"],
              [["二中支部", "2024-05-10", "党课", "党史"], ["二中支部", "2024-06-10", "党课", "党章"]])
    ledger = [row("一支部", "2024-05-10", "党课", {"主讲人": "李明"})]
    result = check(tmp_path, LECTURE, ledger, as_of="2024-12-31", orgs=orgs, leaders=leaders)
    assert findings(result) == [
        ("violation", "三中党委", "刘洋", "2024", 1, 0),
        ("unverifiable", "二中党委", "赵强", "2024", None, None),
    ]
    assert judged(result) == [
        ("met", "一中党委", "李明", "2024"),
        ("violation", "三中党委", "刘洋", "2024"),
        ("unverifiable", "二中党委", "赵强", "2024"),
    ]
    unverifiable = result.findings()[1]
    assert unverifiable["message"] == "台账中没有“主讲人”（或“姓名”）列，无法核验本人的记录"
    assert unverifiable["evidence"] == []


def test_unverifiable_over_several_periods_is_one_finding_for_the_audited_range(tmp_path):
    rule = {**LECTURE, "id": "leader-lecture-quarterly", "title": "党员领导干部每季度至少上1次党课",
            "period": "quarter"}
    leaders = [["李明", "一中党委", "书记", "2020-09-01", ""]]
    header = ["组织", "日期", "类型"]
    ledger = [["一支部", "2024-02-10", "党课"], ["一支部", "2024-05-10", "党课"]]
    result = check(tmp_path, rule, ledger, as_of="2024-12-31", leaders=leaders, header=header)
    assert findings(result) == [("unverifiable", "一中党委", "李明", "2024", None, None)]
    assert judged(result) == [("unverifiable", "一中党委", "李明", "2024")]


def test_a_leader_leaving_mid_year_is_judged_when_in_post_for_half_of_it(tmp_path):
    # 2024 has 366 days. In post 2024-01-01 to 2024-07-01 inclusive is 183 days (the day of leaving is not counted).
    leaders = [["李明", "一中党委", "书记", "2015-01-01", "2024-07-02"],
               ["王芳", "一中党委", "校长", "2015-01-01", "2024-07-01"]]
    result = check(tmp_path, LECTURE, [], as_of="2024-12-31", leaders=leaders)
    assert findings(result) == [("violation", "一中党委", "李明", "2024", 1, 0)]


def test_no_leaders_and_no_named_people_give_no_findings(tmp_path):
    ledger = [row("一支部", "2024-05-10", "党课")]
    result = check(tmp_path, LECTURE, ledger, as_of="2024-12-31", leaders=[])
    assert findings(result) == []
    assert judged(result) == []


def test_namesakes_in_two_schools_and_a_record_naming_two_leaders(tmp_path):
    # two 王芳 (一中's 校长, 二中's 书记) and 一中's 李明: a report in 一支部 written by "王芳、李明" counts for 一中's
    # 王芳 and for 李明, not for 二中's; the one in 二中支部 by "王 芳" counts for 二中's only
    leaders = [["王芳", "一中党委", "校长", "2020-09-01", ""], ["李明", "一中党委", "书记", "2020-09-01", ""],
               ["王芳", "二中党委", "书记", "2020-09-01", ""]]
    ledger = [row("一支部", "2024-03-12", "调研报告", {"主讲人": "王芳、李明"}),
              row("二中支部", "2024-06-18", "调研报告", {"主讲人": "王 芳"}),
              row("一支部", "2024-09-05", "调研报告", {"主讲人": "李明"}),
              row("二中支部", "2024-10-09", "党课", {"主讲人": "王芳"})]
    result = check(tmp_path, RESEARCH, ledger, as_of="2024-12-31", orgs=TWO_SCHOOLS, leaders=leaders)
    assert [(f["org"], f["person"], f["actual"], [e["row"] for e in f["evidence"]]) for f in result.findings()] == [
        ("一中党委", "王芳", 1, [2]),
        ("二中党委", "王芳", 1, [3]),
    ]
    assert judged(result) == [
        ("met", "一中党委", "李明", "2024"),
        ("violation", "一中党委", "王芳", "2024"),
        ("violation", "二中党委", "王芳", "2024"),
    ]

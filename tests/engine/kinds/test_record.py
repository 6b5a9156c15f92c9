from tests.helpers import check, findings, row, warnings

QUORUM = {
    "id": "member-meeting-quorum", "title": "支部党员大会实到人数须超过应到人数的一半", "kind": "record",
    "applies_to": {"org_types": ["党支部"]}, "types": ["支部党员大会"],
    "condition": {"test": "ratio", "field": "实到", "of": "应到", "op": ">", "value": "1/2"},
    "source": [{"doc": "支部工作条例", "clause": "第十一条"}],
}
DISCIPLINE = {
    "id": "discipline-talk-before-meeting", "title": "支部会议须落实“会前说纪”", "kind": "record",
    "applies_to": {"org_types": ["党支部"]}, "types": ["支部党员大会", "支部委员会", "党小组会"],
    "condition": {"test": "affirmative", "field": "会前说纪"}, "severity": "warning",
    "source": [{"doc": "2020武进", "clause": "五.13"}],
}
TOPIC = {
    "id": "theme-day-topic", "title": "每次主题党日须确定一个主题", "kind": "record",
    "applies_to": {"org_types": ["党支部"]}, "types": ["主题党日"],
    "condition": {"test": "nonempty", "field": "主题"}, "source": [{"doc": "2020武进", "clause": "一.3"}],
}


def evidence(row_number: int, day: str, kind: str) -> list[dict]:
    return [{"source": "台账.csv", "sheet": None, "row": row_number, "date": day, "type": kind}]


def test_a_failed_quorum_names_the_counts_and_the_record(tmp_path):
    ledger = [row("一支部", "2024-05-17", "支部党员大会", {"应到": 30, "实到": 15}),
              row("一支部", "2024-08-17", "支部党员大会", {"应到": 30, "实到": 16})]
    result = check(tmp_path, QUORUM, ledger, as_of="2024-12-31")
    assert result.findings() == [
        {"rule": "member-meeting-quorum", "severity": "error", "status": "violation", "org": "一支部",
         "person": None, "period": "2024-05-17", "expected": 16, "actual": 15,
         "message": "2024-05-17 的支部党员大会应到 30 人、实到 15 人，实到须超过应到的 1/2（至少 16 人）",
         "waiver": None, "baseline": None, "evidence": evidence(2, "2024-05-17", "支部党员大会")},
    ]


def test_a_count_that_is_not_a_number_is_reported_and_fails_as_blank(tmp_path):
    ledger = [row("一支部", "2024-05-17", "支部党员大会", {"应到": "三十", "实到": "16"}),
              row("二支部", "2024-05-18", "支部大会", {"应到": "30人", "实到": "１６"})]
    result = check(tmp_path, QUORUM, ledger, as_of="2024-12-31")
    assert result.findings() == [
        {"rule": "member-meeting-quorum", "severity": "error", "status": "violation", "org": "一支部",
         "person": None, "period": "2024-05-17", "expected": None, "actual": None,
         "message": "2024-05-17 的支部党员大会未填写应到或实到人数，无法确认到会人数",
         "waiver": None, "baseline": None, "evidence": evidence(2, "2024-05-17", "支部党员大会")},
    ]
    assert warnings(result) == [("台账.csv", None, 2, "应到", "三十", "人数“三十”不是整数，按未填写处理")]


def test_a_mark_other_than_yes_fails_with_the_field_named(tmp_path):
    ledger = [row("一支部", "2024-02-05", "支委会", {"会前说纪": "否"}),
              row("一支部", "2024-03-05", "支委会", {"会前说纪": "已说纪"}),
              row("二支部", "2024-02-06", "党小组会议", {"会前说纪": "无"})]
    result = check(tmp_path, DISCIPLINE, ledger, as_of="2024-12-31")
    assert result.findings() == [
        {"rule": "discipline-talk-before-meeting", "severity": "warning", "status": "violation", "org": "一支部",
         "person": None, "period": "2024-02-05", "expected": None, "actual": None,
         "message": "2024-02-05 的支部委员会未记录“会前说纪”", "waiver": None, "baseline": None, "evidence": evidence(2, "2024-02-05", "支部委员会")},
        {"rule": "discipline-talk-before-meeting", "severity": "warning", "status": "violation", "org": "二支部",
         "person": None, "period": "2024-02-06", "expected": None, "actual": None,
         "message": "2024-02-06 的党小组会未记录“会前说纪”", "waiver": None, "baseline": None, "evidence": evidence(4, "2024-02-06", "党小组会")},
    ]


def test_a_mark_that_cannot_be_read_is_reported_and_fails(tmp_path):
    ledger = [row("一支部", "2024-02-05", "支部委员会", {"会前说纪": "好像有"})]
    result = check(tmp_path, DISCIPLINE, ledger, as_of="2024-12-31")
    assert findings(result) == [("violation", "一支部", None, "2024-02-05", None, None)]
    assert warnings(result) == [
        ("台账.csv", None, 2, "会前说纪", "好像有", "无法识别的标记“好像有”，应填“是”或“否”，按未填写处理"),
    ]


def test_a_missing_topic_is_named(tmp_path):
    ledger = [row("二支部", "2024-06-14", "主题党日")]
    result = check(tmp_path, TOPIC, ledger, as_of="2024-12-31")
    assert [f["message"] for f in result.findings()] == ["2024-06-14 的主题党日未填写“主题”"]


def test_a_missing_column_gives_one_unverifiable_finding_per_organisation_with_all_its_records(tmp_path):
    header = ["组织", "日期", "类型"]
    ledger = [["一支部", "2024-01-05", "支部委员会"], ["一支部", "2024-02-05", "党小组会"],
              ["一支部", "2024-03-05", "主题党日"], ["二支部", "2024-01-06", "支部党员大会"]]
    result = check(tmp_path, DISCIPLINE, ledger, as_of="2024-12-31", header=header)
    assert result.findings() == [
        {"rule": "discipline-talk-before-meeting", "severity": "warning", "status": "unverifiable", "org": "一支部",
         "person": None, "period": "2024", "expected": None, "actual": None,
         "message": "台账中没有“会前说纪”列，无法核验",
         "waiver": None, "baseline": None, "evidence": [*evidence(2, "2024-01-05", "支部委员会"), *evidence(3, "2024-02-05", "党小组会")]},
        {"rule": "discipline-talk-before-meeting", "severity": "warning", "status": "unverifiable", "org": "二支部",
         "person": None, "period": "2024", "expected": None, "actual": None,
         "message": "台账中没有“会前说纪”列，无法核验", "waiver": None, "baseline": None, "evidence": evidence(5, "2024-01-06", "支部党员大会")},
    ]


def test_a_ratio_without_either_count_column_names_both(tmp_path):
    header = ["组织", "日期", "类型"]
    result = check(tmp_path, QUORUM, [["一支部", "2024-05-17", "支部党员大会"]], as_of="2024-12-31", header=header)
    assert [(f["status"], f["org"], f["period"], f["message"]) for f in result.findings()] == [
        ("unverifiable", "一支部", "2024", "台账中没有“实到”、“应到”列，无法核验"),
    ]

"""The demo district through the real command: exact findings at year end and mid-November."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli import main
from tests.helpers import activity_records

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "fixtures" / "demo"
ARGS = [str(DEMO / "ledgers"), "--roster", str(DEMO / "roster")]

YEAR_END = {
    ("thought-survey-half-yearly", "violation", "区委教育工委", None, "2024-H2"),
    ("democratic-life-quorum", "violation", "区教育局党组", None, "2024-01-26"),
    ("theory-group-quarterly", "violation", "区教育局党组", None, "2024-Q2"),
    ("july-first-yearly", "violation", "实验小学党总支", None, "2024"),
    ("responsibility-letter-yearly", "violation", "实验小学党总支", None, "2024"),
    ("leader-research-yearly", "violation", "实验小学党总支", "陈静", "2024"),
    ("new-principal-trained-before-post", "violation", "实验小学党总支", "刘洋", "2024-08-15"),
    ("discipline-talk-before-meeting", "unverifiable", "实验小学教工党支部", None, "2024"),
    ("election-quorum", "violation", "实验小学教工党支部", None, "2024-05-20"),
    ("theme-day-monthly", "violation", "实验小学教工党支部", None, "2024-12"),
    ("leader-lecture-yearly", "violation", "第一中学党委", "赵强", "2024"),
    ("leader-training-five-yearly", "violation", "第一中学党委", "赵强", "2024-12-31"),
    ("party-group-monthly", "violation", "第一中学第一党支部", None, "2024-07"),
    ("theme-day-monthly", "violation", "第一中学第一党支部", None, "2024-08"),
    ("theme-day-topic", "violation", "第一中学第一党支部", None, "2024-05-08"),
    ("branch-committee-monthly", "violation", "第一中学第二党支部", None, "2024-02"),
    ("branch-election-term", "violation", "第一中学第二党支部", None, "2024-12-31"),
    ("discipline-talk-before-meeting", "violation", "第一中学第二党支部", None, "2024-10-05"),
    ("member-meeting-quorum", "violation", "第一中学第二党支部", None, "2024-07-25"),
    ("theme-day-fixed-day", "violation", "第一中学第二党支部", None, "2024"),
    ("party-lecture-quarterly", "violation", "第一中学退休党支部", None, "2024-Q3"),
}

NOVEMBER = {
    # open periods with nothing yet, or with their record dated after 2024-11-15: due
    ("ideology-lecture-half-yearly", "due", "区委教育工委", None, "2024-H2"),
    ("thought-survey-half-yearly", "due", "区委教育工委", None, "2024-H2"),
    ("leader-research-yearly", "due", "实验小学党总支", "陈静", "2024"),
    ("org-life-meeting-yearly", "due", "实验小学教工党支部", None, "2024"),
    ("theme-day-monthly", "due", "实验小学教工党支部", None, "2024-11"),
    ("democratic-life-meeting-yearly", "due", "第一中学党委", None, "2024"),
    ("leader-lecture-yearly", "due", "第一中学党委", "赵强", "2024"),
    ("party-group-monthly", "due", "第一中学第一党支部", None, "2024-11"),
    ("party-lecture-quarterly", "due", "第一中学退休党支部", None, "2024-Q4"),
    # closed periods and records: violations; rolling rules are labelled with the as-of date
    ("democratic-life-quorum", "violation", "区教育局党组", None, "2024-01-26"),
    ("theory-group-quarterly", "violation", "区教育局党组", None, "2024-Q2"),
    ("july-first-yearly", "violation", "实验小学党总支", None, "2024"),
    ("responsibility-letter-yearly", "violation", "实验小学党总支", None, "2024"),
    ("new-principal-trained-before-post", "violation", "实验小学党总支", "刘洋", "2024-08-15"),
    ("discipline-talk-before-meeting", "unverifiable", "实验小学教工党支部", None, "2024"),
    ("election-quorum", "violation", "实验小学教工党支部", None, "2024-05-20"),
    ("leader-training-five-yearly", "violation", "第一中学党委", "赵强", "2024-11-15"),
    ("party-group-monthly", "violation", "第一中学第一党支部", None, "2024-07"),
    ("theme-day-monthly", "violation", "第一中学第一党支部", None, "2024-08"),
    ("theme-day-topic", "violation", "第一中学第一党支部", None, "2024-05-08"),
    ("branch-committee-monthly", "violation", "第一中学第二党支部", None, "2024-02"),
    ("branch-election-term", "violation", "第一中学第二党支部", None, "2024-11-15"),
    ("discipline-talk-before-meeting", "violation", "第一中学第二党支部", None, "2024-10-05"),
    ("member-meeting-quorum", "violation", "第一中学第二党支部", None, "2024-07-25"),
    ("theme-day-fixed-day", "violation", "第一中学第二党支部", None, "2024"),
    ("party-lecture-quarterly", "violation", "第一中学退休党支部", None, "2024-Q3"),
}


def run(tmp_path, *extra):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["check", *ARGS, "--out", str(out), *extra])
    return result, out


def load(out):
    return json.loads((out / "findings.json").read_text(encoding="utf-8"))


def keys(document):
    return [(f["rule"], f["status"], f["org"], f["person"], f["period"]) for f in document["findings"]]


@pytest.mark.parametrize(("as_of", "expected"), [("2024-12-31", YEAR_END), ("2024-11-15", NOVEMBER)])
def test_demo_findings(tmp_path, as_of, expected):
    result, out = run(tmp_path, "--as-of", as_of)
    assert result.exit_code == 1, result.output
    found = keys(load(out))
    assert len(found) == len(set(found))
    assert set(found) == expected


def test_findings_are_sorted_by_org_rule_period(tmp_path):
    _, out = run(tmp_path, "--as-of", "2024-12-31")
    found = keys(load(out))
    assert found == sorted(found, key=lambda k: (k[2], k[0], k[4], k[3] or ""))


def test_findings_json_shape_and_evidence(tmp_path):
    _, out = run(tmp_path, "--as-of", "2024-12-31")
    document = load(out)
    assert document["as_of"] == "2024-12-31"
    assert document["period"] == {"start": "2024-01-01", "end": "2024-12-31", "label": "2024"}
    quorum = next(f for f in document["findings"] if f["rule"] == "member-meeting-quorum")
    assert quorum == {
        "rule": "member-meeting-quorum",
        "severity": "error",
        "status": "violation",
        "org": "第一中学第二党支部",
        "person": None,
        "period": "2024-07-25",
        "expected": 21,
        "actual": 20,
        "message": "2024-07-25 的支部党员大会应到 40 人、实到 20 人，实到须超过应到的 1/2（至少 21 人）",
        "waiver": None,
        "baseline": None,
        "evidence": [
            {"source": "第一中学.xlsx", "sheet": "第二党支部", "row": 20, "date": "2024-07-25", "type": "支部党员大会"}
        ],
    }
    research = next(f for f in document["findings"] if f["rule"] == "leader-research-yearly")
    assert (research["expected"], research["actual"]) == (2, 1)
    assert research["evidence"] == [
        {"source": "领导干部调研报告登记表.csv", "sheet": None, "row": 12, "date": "2024-06-06", "type": "调研报告"}
    ]


def test_rejected_rows_and_reconciliation(tmp_path):
    _, out = run(tmp_path, "--as-of", "2024-12-31")
    document = load(out)
    assert document["rejected"] == [
        {"source": "第一中学.xlsx", "sheet": "第二党支部", "row": 37, "column": "日期", "value": "2024年13月5日",
         "reason": "日期“2024年13月5日”不存在", "org": "第一中学第二党支部"},
        {"source": "第一中学.xlsx", "sheet": "第二党支部", "row": 38, "column": "类型", "value": "联谊活动",
         "reason": "未知的活动类型“联谊活动”", "org": "第一中学第二党支部"},
    ]
    assert document["warnings"] == [
        {"source": "实验小学.csv", "sheet": None, "row": 12, "column": "实到", "value": "22",
         "reason": "实到人数多于应到人数（应到 20）", "org": "实验小学教工党支部"},
    ]
    for item in document["inputs"]:
        assert item["read"] == item["accepted"] + item["rejected"] + item["blank"], item
    workbook = next(i for i in document["inputs"] if i["source"] == "第一中学.xlsx")
    assert (workbook["read"], workbook["accepted"], workbook["rejected"], workbook["blank"]) == (113, 110, 2, 1)


def test_records_after_as_of_are_warnings_not_evidence(tmp_path):
    _, out = run(tmp_path, "--as-of", "2024-11-15")
    document = load(out)
    late = [w for w in document["warnings"] if w["column"] == "日期"]
    assert all(w["reason"] == "日期晚于检查日 2024-11-15，不计入本次检查" for w in late)
    assert {w["value"] for w in late} >= {"2024-11-20", "2024-12-20", "2024-12-28"}
    dates = [e["date"] for f in document["findings"] for e in f["evidence"]]
    assert max(dates) <= "2024-11-15"


def test_output_is_byte_identical_across_runs(tmp_path):
    _, first = run(tmp_path / "a", "--as-of", "2024-11-15")
    _, second = run(tmp_path / "b", "--as-of", "2024-11-15")
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert len(files) == 12  # findings.json, findings.xlsx, index.html, 8 organisation pages, .compliance-manifest
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_fail_on_levels(tmp_path):
    assert run(tmp_path, "--as-of", "2024-12-31", "--fail-on", "none")[0].exit_code == 0
    assert run(tmp_path, "--as-of", "2024-12-31", "--fail-on", "warning")[0].exit_code == 1


def test_only_warnings_fail_only_with_fail_on_warning(tmp_path):
    rules = tmp_path / "rules.yaml"
    text = (REPO / "rules.yaml").read_text(encoding="utf-8")
    head, _, _ = text.partition("\nrules:\n")
    fixed_day = text[text.index("  - id: theme-day-fixed-day"):text.index("  - id: branch-committee-monthly")]
    rules.write_text(f"{head}\nrules:\n{fixed_day}", encoding="utf-8")
    result, out = run(tmp_path, "--as-of", "2024-12-31", "--rules", str(rules))
    assert result.exit_code == 0, result.output
    assert keys(load(out)) == [("theme-day-fixed-day", "violation", "第一中学第二党支部", None, "2024")]
    assert run(tmp_path, "--as-of", "2024-12-31", "--rules", str(rules), "--fail-on", "warning")[0].exit_code == 1


def test_summary_line_reconciles(tmp_path):
    result, _ = run(tmp_path, "--as-of", "2024-12-31")
    assert "读取 186 行 = 接受 183 + 拒收 2 + 空行 1" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "nope", "--roster", str(DEMO / "roster")], "错误：文件 nope：文件或文件夹不存在"),
        (["check", *ARGS[:1], "--roster", str(DEMO / "ledgers")], "名册文件夹中缺少 组织.csv"),
        (["check", *ARGS, "--period", "2024-14"], "期间“2024-14”中的月份 14 不存在"),
        (["check", *ARGS, "--as-of", "2024-02-30"], "“2024-02-30”不是有效日期"),
        (["check", *ARGS, "--format", "pdf"], "未知的格式 pdf"),
    ],
)
def test_bad_input_exits_2_with_chinese_message(tmp_path, args, message):
    result = CliRunner().invoke(main, [*args, "--out", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_broken_rules_file_fails_before_ledgers_are_read(tmp_path):
    rules = tmp_path / "bad.yaml"
    rules.write_text((REPO / "rules.yaml").read_text(encoding="utf-8").replace("period: quarter", "period: 季度", 1),
                     encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "missing-ledgers", "--roster", "missing-roster", "--rules", str(rules)])
    assert result.exit_code == 2, result.output
    assert "规则“member-meeting-quarterly”的键“period”" in result.output


def test_rules_command_lists_the_catalogue():
    result = CliRunner().invoke(main, ["rules"])
    assert result.exit_code == 0, result.output
    assert "theme-day-monthly  每月至少开展1次主题党日活动" in result.output
    assert "依据：《2013年教育党建人事工作意见》一.1" in result.output
    assert result.output.count("\n    适用：") == 28  # the 27 judged, and the opt-in one, marked
    assert "meeting-minutes-kept  台账记载的三会一课须有会议记录（未启用：规则文件中 enabled: false）\n" in result.output


def _commands(group, prefix=()):
    for name in sorted(group.commands):
        yield [*prefix, name]
        if hasattr(group.commands[name], "commands"):
            yield from _commands(group.commands[name], (*prefix, name))


@pytest.mark.parametrize("command", [[], *_commands(main)], ids=" ".join)
def test_every_command_has_help_with_an_example(command):
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "例：" in result.output


def test_normalised_records_resolve_aliases_variants_and_padded_names():
    from datetime import date

    from compliance.pipeline import run_check

    result = run_check([DEMO / "ledgers"], DEMO / "roster", as_of=date(2024, 12, 31))
    records = activity_records(result)
    assert len(records) == 183
    school = [r for r in records if r.source == "实验小学.csv"]
    assert school[0].model_dump() == {
        "org": "实验小学教工党支部", "date": date(2024, 1, 16), "type": "主题党日", "topic": "重温入党誓词",
        "person": None, "expected": None, "present": None, "discipline": None, "absent": None,
        "source": "实验小学.csv", "sheet": None, "row": 2,
    }
    assert school[1].type == "支部委员会"  # written 支委会
    reports = [r for r in records if r.source == "领导干部调研报告登记表.csv"]
    # written 一中党委 / "王 芳" / 2024年10月18日, with the type taken from the file name
    assert [(r.org, r.person, r.date, r.type) for r in reports[7:8]] == [
        ("第一中学党委", "王芳", date(2024, 10, 18), "调研报告")
    ]


def test_partial_period_judges_only_whole_periods(tmp_path):
    _, out = run(tmp_path, "--as-of", "2024-12-31", "--period", "2024-07..2024-09")
    document = load(out)
    assert document["period"] == {"start": "2024-07-01", "end": "2024-09-30", "label": "2024-07..2024-09"}
    assert set(keys(document)) == {
        # 2024-H2 and the year are not wholly inside the range: not judged
        ("new-principal-trained-before-post", "violation", "实验小学党总支", "刘洋", "2024-08-15"),
        ("party-group-monthly", "violation", "第一中学第一党支部", None, "2024-07"),
        ("theme-day-monthly", "violation", "第一中学第一党支部", None, "2024-08"),
        ("member-meeting-quorum", "violation", "第一中学第二党支部", None, "2024-07-25"),
        ("party-lecture-quarterly", "violation", "第一中学退休党支部", None, "2024-Q3"),
        ("discipline-talk-before-meeting", "unverifiable", "实验小学教工党支部", None, "2024-07..2024-09"),
        # rolling rules are judged at the as-of date whatever the range
        ("branch-election-term", "violation", "第一中学第二党支部", None, "2024-12-31"),
        ("leader-training-five-yearly", "violation", "第一中学党委", "赵强", "2024-12-31"),
    }


def test_validate_exit_codes_and_messages(tmp_path):
    runner = CliRunner()
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "区教育局党组.csv").write_text(
        (DEMO / "ledgers" / "区教育局党组.csv").read_text(encoding="utf-8"), encoding="utf-8"
    )
    ok = runner.invoke(main, ["validate", str(clean), "--roster", str(DEMO / "roster"), "--as-of", "2024-12-31"])
    assert ok.exit_code == 0, ok.output
    assert ok.output.splitlines() == [
        "区教育局党组.csv：读取 5 行 = 接受 5 + 拒收 0 + 空行 0",
        "  活动台账，表头在第 1 行（组织、日期、类型、主题、主讲人、应到、实到）",
        "合计 1 个文件：读取 5 行 = 接受 5 + 拒收 0 + 空行 0；提醒 0 条。",
    ]

    rejected = runner.invoke(main, ["validate", *ARGS, "--as-of", "2024-12-31"])
    assert rejected.exit_code == 1, rejected.output
    assert (
        "拒收 2 行：\n"
        "  文件 第一中学.xlsx，工作表“第二党支部”，第 37 行，列“日期”：日期“2024年13月5日”不存在（值：2024年13月5日）\n"
        "  文件 第一中学.xlsx，工作表“第二党支部”，第 38 行，列“类型”：未知的活动类型“联谊活动”（值：联谊活动）\n"
    ) in rejected.output

    (clean / "坏.xlsx").write_bytes(b"not a workbook")
    broken = runner.invoke(main, ["validate", str(clean)])
    assert broken.exit_code == 2
    assert broken.output.startswith("错误：文件 坏.xlsx：无法读取工作簿（文件损坏或并非表格文件）")


def test_check_without_a_roster_says_what_it_cannot_see(tmp_path):
    result = CliRunner().invoke(main, ["check", str(DEMO / "ledgers" / "第一中学.xlsx"), "--as-of", "2024-12-31",
                                       "--out", str(tmp_path), "--fail-on", "none"])
    assert result.exit_code == 0, result.output
    assert "注意：未提供名册（--roster）：组织取自台账本身" in result.output
    document = load(tmp_path)
    assert document["notes"] == [
        "未提供名册（--roster）：组织取自台账本身，组织类型按名称判断；没有任何记录的组织无法被发现，"
        "成立日期和上下级关系不详，领导干部相关规则未检查。请在正式检查时提供名册。"
    ]
    assert document["summary"]["organisations"] == 4
    assert "注意：未提供名册" in (tmp_path / "index.html").read_text(encoding="utf-8")

"""Waivers (applied, expired, unused, malformed), the baseline (new, known, resolved, --fail-on-new, refused
baselines) and --fail-on-due, on the demo district through the real command."""

import json
import textwrap
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from junitparser import JUnitXml

from compliance.cli import main
from compliance.manual import FOLDER
from tests.helpers import AUGUST_WAIVER as AUGUST
from tests.helpers import rules_file

FAQ_PAGE = FOLDER / "faq.md"
REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "fixtures" / "demo"
ARGS = [str(DEMO / "ledgers"), "--roster", str(DEMO / "roster")]



def run(out: Path, *extra: str, ledgers: list[str] = ARGS):
    result = CliRunner().invoke(main, ["check", *ledgers, "--out", str(out), *extra])
    document = None
    if (out / "findings.json").exists():
        document = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    return result, document


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def find(document, rule, org, period):
    (finding,) = [f for f in document["findings"] if (f["rule"], f["org"], f["period"]) == (rule, org, period)]
    return finding


# --- waivers ---------------------------------------------------------------------------------------------------


def test_an_applied_waiver_keeps_the_finding_with_status_waived_and_the_reason(tmp_path):
    waivers = write(tmp_path / "waivers.yaml", AUGUST)
    result, document = run(tmp_path / "out", "--as-of", "2024-12-31", "--waivers", str(waivers),
                           "--format", "json,junit,sarif")
    assert result.exit_code == 1, result.output  # other violations remain
    waived = find(document, "theme-day-monthly", "第一中学第一党支部", "2024-08")
    assert waived["status"] == "waived"
    assert waived["waiver"] == {"number": 1, "reason": "暑期教师集中培训，经党委批准顺延", "approved_by": "第一中学党委",
                                "expires": "2025-06-30", "was": "violation"}
    assert waived["message"] == "2024-08 主题党日 0 次，应至少 1 次"
    assert (document["summary"]["violation"], document["summary"]["waived"]) == (19, 1)
    assert [f["status"] for f in document["findings"]].count("waived") == 1
    assert document["waivers"]["items"] == [{
        "number": 1, "rules": ["theme-day-monthly"], "orgs": ["第一中学*"], "months": "2024-08",
        "reason": "暑期教师集中培训，经党委批准顺延", "approved_by": "第一中学党委", "expires": "2025-06-30",
        "state": "applied", "findings": 1,
    }]
    assert document["notes"] == []
    assert "已豁免 1 项" in result.output
    xml = JUnitXml.fromfile(str(tmp_path / "out" / "findings.xml"))
    suite = next(s for s in xml if s.name == "第一中学第一党支部")
    case = next(c for c in suite if c.name == "theme-day-monthly 2024-08")
    assert case.is_passed
    assert case.system_out.splitlines()[0] == (
        "已豁免（原状态：违规）：豁免第 1 项，暑期教师集中培训，经党委批准顺延（批准：第一中学党委，有效期至 2025-06-30）"
    )
    assert xml.failures == 19
    sarif = json.loads((tmp_path / "out" / "findings.sarif").read_text(encoding="utf-8"))
    (result_,) = [r for r in sarif["runs"][0]["results"] if r["properties"]["status"] == "waived"]
    assert result_["suppressions"] == [{
        "kind": "external", "status": "accepted", "justification": "暑期教师集中培训，经党委批准顺延",
        "properties": {"waiver": 1, "approved_by": "第一中学党委", "expires": "2025-06-30", "was": "violation"},
    }]


def test_waived_findings_never_fail_the_run_and_aliases_and_lists_match(tmp_path):
    ids = [rule["id"] for rule in yaml.safe_load((REPO / "rules.yaml").read_text(encoding="utf-8"))["rules"]]
    waivers = tmp_path / "all.yaml"
    waivers.write_text(yaml.safe_dump({"waivers": [
        {"rule": ids, "orgs": ["区*", "实小党总支", "实小教工党支部", "一中*"], "from": "2024-01", "to": "2024-12",
         "reason": "试点单位，本年度整体豁免", "approved_by": "区委教育工委"},
    ]}, allow_unicode=True), encoding="utf-8")
    result, document = run(tmp_path / "out", "--as-of", "2024-12-31", "--waivers", str(waivers))
    assert result.exit_code == 0, result.output
    assert {f["status"] for f in document["findings"]} == {"waived"}
    assert len(document["findings"]) == 21
    assert {f["waiver"]["was"] for f in document["findings"]} == {"violation", "unverifiable"}


def test_expiry_is_judged_against_the_as_of_date(tmp_path):
    waivers = write(tmp_path / "waivers.yaml", AUGUST.replace("2025-06-30", "2024-10-31"))
    # a rerun of the audit made on the expiry day still applies it …
    _, document = run(tmp_path / "a", "--as-of", "2024-10-31", "--waivers", str(waivers))
    assert find(document, "theme-day-monthly", "第一中学第一党支部", "2024-08")["status"] == "waived"
    # … a later audit does not, and says so
    result, document = run(tmp_path / "b", "--as-of", "2024-12-31", "--waivers", str(waivers))
    finding = find(document, "theme-day-monthly", "第一中学第一党支部", "2024-08")
    assert (finding["status"], finding["waiver"]) == ("violation", None)
    note = ("豁免第 1 项（规则 theme-day-monthly，组织 第一中学*，2024-08）已于 2024-10-31 到期，不再适用"
            "（涉及 1 项问题，按原状态报告）")
    assert document["notes"] == [note]
    assert f"注意：{note}" in result.output
    assert document["waivers"]["items"][0]["state"] == "expired"
    assert document["summary"]["waived"] == 0


def test_a_waiver_that_covers_nothing_is_reported(tmp_path):
    waivers = write(tmp_path / "waivers.yaml", """\
        waivers:
          - rule: theme-day-monthly
            orgs: [第一中学第二党支部]
            from: 2024-08
            to: 2024-09
            reason: 已按时开展，无需豁免
            approved_by: 第一中学党委
        """)
    _, document = run(tmp_path / "out", "--as-of", "2024-12-31", "--waivers", str(waivers))
    assert document["notes"] == [
        "豁免第 1 项（规则 theme-day-monthly，组织 第一中学第二党支部，2024-08..2024-09）没有对应任何问题"
        "（规则、组织名称或月份是否写错？）"
    ]
    assert document["waivers"]["items"][0]["state"] == "unused"
    assert document["summary"]["waived"] == 0


ENTRY = {"rule": "theme-day-monthly", "orgs": ["第一中学第一党支部"], "from": "2024-08", "to": "2024-08",
         "reason": "暑期", "approved_by": "第一中学党委"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"reason": None}, "第 1 项的键“reason”：缺少必填项"),
        ({"approved_by": "  "}, "第 1 项的键“approved_by”：不能为空"),
        ({"from": "2024-13"}, "第 1 项的键“from”：应写作年-月，如 2024-08（实际为 '2024-13'）"),
        ({"to": "八月"}, "第 1 项的键“to”：应写作年-月，如 2024-08（实际为 '八月'）"),
        ({"orgs": []}, "第 1 项的键“orgs”：不能为空"),
        ({"orgs": ["*"]}, "第 1 项的键“orgs”：不能有空项（“*”也不行：豁免须写明组织）"),
        ({"expires": "明年"}, "第 1 项的键“expires”：应为日期，写作 YYYY-MM-DD（实际为 '明年'）"),
        ({"approved": "x"}, "第 1 项的键“approved”：未知的键"),
        ({"rule": "theme-day-montly"}, "第 1 项的键“rule”：规则目录中没有“theme-day-montly”，是否为“theme-day-monthly”？"),
        ({"from": "2024-09"}, "第 1 项：from 2024-09 晚于 to 2024-08"),
    ],
)
def test_a_malformed_waivers_file_fails_before_the_check(tmp_path, change, message):
    entry = {k: v for k, v in {**ENTRY, **change}.items() if v is not None}
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(yaml.safe_dump({"waivers": [entry]}, allow_unicode=True), encoding="utf-8")
    # the ledger path does not exist: the waivers file is refused before any ledger is looked at
    result, _ = run(tmp_path / "out", "--waivers", str(waivers), ledgers=["没有这个台账"])
    assert result.exit_code == 2
    assert result.output.startswith(f"错误：文件 {waivers}：豁免文件无效。\n{message}"), result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("waivers: [\n", "YAML 语法错误"),
        ("- rule: x\n", "豁免文件的顶层应为映射（waivers 列表）"),
        ("waivers: []\n", "豁免文件无效。\n键“waivers”：不能为空"),
        ("waivers:\n  - rule: theme-day-monthly\n    rule: x\n", "键“rule”重复出现"),
        ("waivers:\n  - {rule: theme-day-monthly, orgs: [a], from: 2024-08-01, to: 2024-08, reason: r, approved_by: b}\n",
         "第 1 项的键“from”：应写作年-月，如 2024-08（实际为 datetime.date(2024, 8, 1)）"),
    ],
)
def test_a_waivers_file_that_is_not_a_list_of_waivers(tmp_path, text, message):
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(text, encoding="utf-8")
    result, _ = run(tmp_path / "out", "--waivers", str(waivers), ledgers=["没有这个台账"])
    assert result.exit_code == 2
    assert message in result.output
    assert result.output.startswith(f"错误：文件 {waivers}")


# --- baseline --------------------------------------------------------------------------------------------------

NEW_SINCE_NOVEMBER = {
    ("thought-survey-half-yearly", "区委教育工委", None, "2024-H2"),  # due then, violation now
    ("leader-research-yearly", "实验小学党总支", "陈静", "2024"),  # likewise
    ("leader-lecture-yearly", "第一中学党委", "赵强", "2024"),  # likewise
    ("theme-day-monthly", "实验小学教工党支部", None, "2024-12"),  # not judged in November
}
RESOLVED_SINCE_NOVEMBER = [  # due on 15 November, met by 31 December
    ("ideology-lecture-half-yearly", "区委教育工委", None, "2024-H2", "due"),
    ("org-life-meeting-yearly", "实验小学教工党支部", None, "2024", "due"),
    ("theme-day-monthly", "实验小学教工党支部", None, "2024-11", "due"),
    ("democratic-life-meeting-yearly", "第一中学党委", None, "2024", "due"),
    ("party-group-monthly", "第一中学第一党支部", None, "2024-11", "due"),
    ("party-lecture-quarterly", "第一中学退休党支部", None, "2024-Q4", "due"),
]


@pytest.fixture(scope="module")
def november_baseline(tmp_path_factory):
    out = tmp_path_factory.mktemp("baseline")
    result, _ = run(out, "--as-of", "2024-11-15", "--format", "json")
    assert result.exit_code == 1
    return out / "findings.json"


def test_findings_are_marked_new_or_known_and_the_gone_are_resolved(tmp_path, november_baseline):
    result, document = run(tmp_path / "out", "--as-of", "2024-12-31", "--baseline", str(november_baseline),
                           "--format", "json,sarif,text")
    marks = {(f["rule"], f["org"], f["person"], f["period"]): f["baseline"] for f in document["findings"]}
    assert {k for k, mark in marks.items() if mark == "new"} == NEW_SINCE_NOVEMBER
    assert sum(mark == "known" for mark in marks.values()) == 21 - 4
    # rolling rules are labelled with the as-of date, yet the same overdue election is the same finding
    assert marks[("branch-election-term", "第一中学第二党支部", None, "2024-12-31")] == "known"
    baseline = document["baseline"]
    assert (baseline["source"], baseline["as_of"], baseline["new"], baseline["known"]) == (
        str(november_baseline), "2024-11-15", 4, 17)
    assert [(f["rule"], f["org"], f["person"], f["period"], f["status"]) for f in baseline["resolved"]] == \
        RESOLVED_SINCE_NOVEMBER
    assert "与基线" in result.output and "新增 4 项，已知 17 项，已整改 6 项。" in result.output
    assert "  【新增】违规  theme-day-monthly  2024-12：2024-12 主题党日 0 次，应至少 1 次" in result.output
    assert "已整改（基线中有、本次没有）：区委教育工委 ideology-lecture-half-yearly 2024-H2" in result.output
    sarif = json.loads((tmp_path / "out" / "findings.sarif").read_text(encoding="utf-8"))
    states = [r["baselineState"] for r in sarif["runs"][0]["results"]]
    assert (states.count("new"), states.count("unchanged")) == (4, 17)


def test_fail_on_new_fails_only_on_new_violations(tmp_path, november_baseline):
    result, _ = run(tmp_path / "a", "--as-of", "2024-12-31", "--baseline", str(november_baseline), "--fail-on-new")
    assert result.exit_code == 1  # four violations are new since November
    same, _ = run(tmp_path / "b", "--as-of", "2024-11-15", "--format", "json")
    assert same.exit_code == 1
    rerun, document = run(tmp_path / "c", "--as-of", "2024-11-15", "--baseline", str(tmp_path / "b" / "findings.json"),
                          "--fail-on-new")
    assert rerun.exit_code == 0, rerun.output  # 16 violations, all known
    assert document["summary"]["violation"] == 16
    assert {f["baseline"] for f in document["findings"]} == {"known"}
    without, _ = run(tmp_path / "d", "--as-of", "2024-12-31", "--fail-on-new")
    assert without.exit_code == 2
    assert "--fail-on-new 需要同时给出 --baseline" in without.output


def test_a_baseline_from_another_catalogue_or_range_is_refused(tmp_path, november_baseline):
    catalogue = yaml.safe_load((REPO / "rules.yaml").read_text(encoding="utf-8"))
    other_rules = rules_file(tmp_path, *catalogue["rules"][:3])
    other = tmp_path / "other"
    run(other, "--as-of", "2024-11-15", "--rules", str(other_rules), "--format", "json")
    result, _ = run(tmp_path / "x", "--as-of", "2024-12-31", "--baseline", str(other / "findings.json"),
                    ledgers=["没有这个台账"])
    assert result.exit_code == 2
    assert result.output.startswith(f"错误：文件 {other / 'findings.json'}：基线使用的规则目录与本次不同（基线 sha256 ")
    assert "无法比较；请用同一份规则文件重新生成基线" in result.output

    result, _ = run(tmp_path / "y", "--as-of", "2024-12-31", "--period", "2024-01..2024-06",
                    "--baseline", str(november_baseline), ledgers=["没有这个台账"])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"错误：文件 {november_baseline}：基线的检查期间 2024 与本次 2024-01..2024-06 不同，无法比较；"
        "请用同一检查期间（--period）重新生成基线",
        f"说明：见使用说明“常见问题”第 19 条“规则、豁免、格式或基线文件有误”（compliance serve 网页上的“帮助”，或 {FAQ_PAGE}）"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("不是 JSON", "基线文件不是有效的 JSON（应为以前一次检查写出的 findings.json）"),
        ('{"findings": []}', "基线文件不是 compliance 写出的 findings.json（缺少 tool、rules、period 或 findings）"),
        ("[1, 2]", "基线文件不是 compliance 写出的 findings.json"),
    ],
)
def test_a_baseline_that_is_not_a_findings_json_is_refused(tmp_path, text, message):
    baseline = tmp_path / "old.json"
    baseline.write_text(text, encoding="utf-8")
    result, _ = run(tmp_path / "out", "--baseline", str(baseline), ledgers=["没有这个台账"])
    assert result.exit_code == 2
    assert result.output.startswith(f"错误：文件 {baseline}"), result.output
    assert message in result.output


# --- gating ----------------------------------------------------------------------------------------------------


def test_fail_on_due_also_fails_on_due_items(tmp_path):
    catalogue = yaml.safe_load((REPO / "rules.yaml").read_text(encoding="utf-8"))
    only = rules_file(tmp_path, *[r for r in catalogue["rules"] if r["id"] == "org-life-meeting-yearly"])
    args = ["--as-of", "2024-11-15", "--rules", str(only), "--format", "json"]
    result, document = run(tmp_path / "a", *args)
    assert [(f["status"], f["org"]) for f in document["findings"]] == [("due", "实验小学教工党支部")]
    assert result.exit_code == 0
    assert run(tmp_path / "b", *args, "--fail-on-due")[0].exit_code == 1
    assert run(tmp_path / "c", *args, "--fail-on-due", "--fail-on", "none")[0].exit_code == 0

"""Machine formats for CI on the demo district: JUnit read back by junitparser, SARIF checked against the vendored
SARIF 2.1.0 schema, GitHub workflow commands and the text listing, all agreeing with findings.json."""

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from junitparser import Failure, JUnitXml, Skipped

from compliance.cli import main
from compliance.render.github import command
from compliance.render.locate import Place

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "fixtures" / "demo"
SCHEMA = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def november(tmp_path_factory):
    """The demo at 2024-11-15 (violations, due items, one unverifiable) in every format, run from the repository
    root with relative paths, as a CI job would."""
    out = tmp_path_factory.mktemp("ci") / "out"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(REPO)
        result = CliRunner().invoke(main, ["check", "fixtures/demo/ledgers", "--roster", "fixtures/demo/roster",
                                           "--as-of", "2024-11-15", "--out", str(out),
                                           "--format", "json,junit,sarif,github,text"])
    assert result.exit_code == 1, result.output
    document = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    return out, document, result.stdout


def by_status(findings, *statuses):
    return [f for f in findings if f["status"] in statuses]


def test_junit_parses_and_its_counts_match_findings_json(november):
    out, document, _ = november
    xml = JUnitXml.fromfile(str(out / "findings.xml"))
    suites = {suite.name: suite for suite in xml}
    assert sorted(suites) == sorted(["区委教育工委", "区教育局党组", "实验小学党总支", "实验小学教工党支部", "第一中学党委",
                                     "第一中学第一党支部", "第一中学第二党支部", "第一中学退休党支部"])
    failures, skipped, cases = {}, {}, 0
    for name, suite in suites.items():
        for case in suite:
            cases += 1
            kinds = {type(r) for r in case.result}
            failures[name] = failures.get(name, 0) + (Failure in kinds)
            skipped[name] = skipped.get(name, 0) + (Skipped in kinds)
        assert (suite.tests, suite.failures, suite.skipped) == (len(list(suite)), failures[name], skipped[name])
    findings = document["findings"]
    for name in suites:
        mine = [f for f in findings if f["org"] == name]
        assert failures[name] == len(by_status(mine, "violation")), name
        assert skipped[name] == len(by_status(mine, "due", "unverifiable")), name
    assert sum(failures.values()) == document["summary"]["violation"] == 16
    assert sum(skipped.values()) == document["summary"]["due"] + document["summary"]["unverifiable"] == 10
    assert (xml.tests, xml.failures, xml.skipped, xml.errors) == (cases, 16, 10, 0)


def test_junit_case_for_a_quorum_failure_names_rule_source_and_row(november):
    out, _, _ = november
    xml = JUnitXml.fromfile(str(out / "findings.xml"))
    suite = next(s for s in xml if s.name == "第一中学第二党支部")
    case = next(c for c in suite if c.name == "member-meeting-quorum 2024-07-25")
    (failure,) = case.result
    assert failure.message == "2024-07-25 的支部党员大会应到 40 人、实到 20 人，实到须超过应到的 1/2（至少 21 人）"
    assert failure.type == "error"
    assert failure.text.splitlines() == [
        "支部党员大会实到人数须超过应到人数的一半（member-meeting-quorum）",
        "依据：《中国共产党支部工作条例（试行）》第十一条",
        "2024-07-25 的支部党员大会应到 40 人、实到 20 人，实到须超过应到的 1/2（至少 21 人）",
        "应为 21，实际 20",
        "记录：文件 第一中学.xlsx，工作表“第二党支部”，第 20 行（2024-07-25 支部党员大会）",
    ]
    due = next(c for c in xml if c.name == "区委教育工委")
    case = next(c for c in due if c.name == "ideology-lecture-half-yearly 2024-H2")
    assert case.result[0].message.startswith("待完成：尚未完成：2024-H2 意识形态专题报告 0 次")


def test_sarif_validates_against_the_2_1_0_schema(november):
    out, document, _ = november
    sarif = json.loads((out / "findings.sarif").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(SCHEMA).validate(sarif)
    (run,) = sarif["runs"]
    assert sarif["version"] == "2.1.0"
    assert len(run["results"]) == len(document["findings"]) == 26
    statuses = [r["properties"]["status"] for r in run["results"]]
    assert statuses == [f["status"] for f in document["findings"]]
    kinds = {(r["properties"]["status"], r["kind"], r["level"]) for r in run["results"]}
    assert kinds == {("violation", "fail", "error"), ("violation", "fail", "warning"), ("due", "open", "none"),
                     ("unverifiable", "review", "none")}


def test_sarif_locations_rules_and_notifications(november):
    out, _, _ = november
    (run,) = json.loads((out / "findings.sarif").read_text(encoding="utf-8"))["runs"]
    results = {(r["ruleId"], r["properties"]["org"], r["properties"]["period"]): r for r in run["results"]}
    csv = results[("democratic-life-quorum", "区教育局党组", "2024-01-26")]
    assert csv["locations"] == [{"physicalLocation": {
        "artifactLocation": {"uri": "fixtures/demo/ledgers/%E5%8C%BA%E6%95%99%E8%82%B2%E5%B1%80%E5%85%9A%E7%BB%84.csv",
                             "index": 1},
        "region": {"startLine": 5}}}]
    workbook = results[("member-meeting-quorum", "第一中学第二党支部", "2024-07-25")]
    assert workbook["locations"][0]["logicalLocations"] == [
        {"name": "第二党支部!20", "fullyQualifiedName": "第一中学.xlsx/第二党支部!20"}
    ]
    assert "region" not in workbook["locations"][0]["physicalLocation"]  # a workbook has no lines: its row is above
    # something missing (no 主题党日 in August) points at the organisation's ledger: its table's header row
    missing = results[("theme-day-monthly", "第一中学第一党支部", "2024-08")]
    assert missing["locations"][0]["logicalLocations"] == [
        {"name": "第一党支部!1", "fullyQualifiedName": "第一中学.xlsx/第一党支部!1"}
    ]
    # every result has a place: a line in a CSV file, a sheet and row in a workbook
    for r in run["results"]:
        (location,) = r["locations"]
        if location["physicalLocation"]["artifactLocation"]["uri"].endswith(".csv"):
            assert location["physicalLocation"]["region"]["startLine"] >= 1 and "logicalLocations" not in location
        else:
            assert "region" not in location["physicalLocation"] and re.fullmatch(
                r".+!\d+", location["logicalLocations"][0]["name"])
    # … and one with counted records points at the last of them, listing them all as related locations
    with_evidence = [r for r in run["results"] if r.get("relatedLocations")]
    assert with_evidence and all(
        r["locations"][0]["physicalLocation"] == r["relatedLocations"][-1]["physicalLocation"] for r in with_evidence)
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert len(rules) == 27
    # no link to the machine that ran the check: no informationUri, no helpUri, no file: URI anywhere
    assert "informationUri" not in run["tool"]["driver"]
    assert not any("helpUri" in rule for rule in rules.values())
    assert "file:" not in (out / "findings.sarif").read_text(encoding="utf-8")
    assert rules["theme-day-monthly"]["name"] == "ThemeDayMonthly"
    quorum = rules["member-meeting-quorum"]
    assert quorum["shortDescription"] == {"text": "支部党员大会实到人数须超过应到人数的一半"}
    assert quorum["properties"]["source"] == "《中国共产党支部工作条例（试行）》第十一条"
    assert quorum["properties"]["severity"] == "error"
    assert quorum["defaultConfiguration"] == {"level": "error"}
    assert workbook["ruleIndex"] == list(rules).index("member-meeting-quorum")
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["message"]["text"] for n in notes if n["level"] == "warning"] == [
        "拒收：列“日期”：日期“2024年13月5日”不存在（值：2024年13月5日）",
        "拒收：列“类型”：未知的活动类型“联谊活动”（值：联谊活动）",
    ]
    assert len([n for n in notes if n["level"] == "note"]) == 15


def test_github_annotations_in_order_of_importance_within_githubs_limits(november):
    _, document, output = november
    lines = [line for line in output.splitlines() if line.startswith("::")]
    levels = [line.split(" ", 1)[0].split("::")[1] for line in lines]
    # errors first, then warnings, then notices; at most 10 of each, the 10th saying how many more
    assert levels == ["error"] * 10 + ["warning"] * 5 + ["notice"] * 10
    assert lines[9] == ("::error title=更多::另有 4 条错误未作为注释显示（GitHub 每级最多显示 10 条）："
                        "见本步骤日志的后半部分和作业摘要，或报告中的 findings.json")
    assert lines[24] == ("::notice title=更多::另有 16 条提示未作为注释显示（GitHub 每级最多显示 10 条）："
                         "见本步骤日志的后半部分和作业摘要，或报告中的 findings.json")
    assert lines[0] == (
        "::error file=fixtures/demo/ledgers/区教育局党组.csv,line=5,title=民主生活会实到人数不得少于应到人数的三分之二"
        "（democratic-life-quorum）::违规：区教育局党组 2024-01-26：2024-01-26 的民主生活会应到 7 人、实到 4 人，"
        "实到须不少于应到的 2/3（至少 5 人）")
    assert (
        "::warning file=fixtures/demo/ledgers/第一中学.xlsx,title=拒收的行::工作表“第二党支部”第 37 行：列“日期”："
        "日期“2024年13月5日”不存在（值：2024年13月5日）"
    ) in lines
    # due findings come before the other notices (unverifiable ones, data-quality warnings)
    notices = [line for line in lines if line.startswith("::notice file=")]
    assert len(notices) == 9 and all("待完成：" in line.split("::")[2] for line in notices)
    # nothing is lost: what is not annotated is printed below, one line each
    rest = output.splitlines()[len(lines):]
    assert rest[0] == "未作为注释显示的 20 条："
    assert all(line.startswith("  [") for line in rest[1:21]) and rest[21].startswith("问题清单")  # then --format text
    assert rest[3] == ("  [错误] 文件 第一中学.xlsx，工作表“第二党支部”，第 20 行：违规：第一中学第二党支部 2024-07-25："
                       "2024-07-25 的支部党员大会应到 40 人、实到 20 人，实到须超过应到的 1/2（至少 21 人）")
    violations = sum(f["status"] == "violation" and f["severity"] == "error" for f in document["findings"])
    assert violations == 9 + 4


def test_the_job_summary_is_written_where_github_asks(tmp_path, monkeypatch):
    summary = tmp_path / "summary"
    summary.write_text("前一步骤的摘要\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(main, ["check", "fixtures/demo/ledgers", "--roster", "fixtures/demo/roster",
                                       "--as-of", "2024-12-31", "--out", str(tmp_path / "out"),
                                       "--format", "github,markdown", "--fail-on", "none", "--quiet"])
    assert result.exit_code == 0, result.output
    written = (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")
    assert summary.read_text(encoding="utf-8") == "前一步骤的摘要\n" + written  # appended, as GitHub expects
    assert written.splitlines()[:12] == [
        "## 党建活动台账检查 2024（检查日 2024-12-31）",
        "",
        "6 个台账文件：读取 186 行 = 接受 183 + 拒收 2 + 空行 1；数据质量提醒 1 条。8 个组织、8 名领导干部。",
        "",
        "| 状态 | 数量 |",
        "|---|---:|",
        "| 违规 | 20 |",
        "| 待完成 | 0 |",
        "| 无法核验 | 1 |",
        "| 已豁免 | 0 |",
        "",
        "### 问题清单（21 项）",
    ]
    # cells are text, never markup: every ASCII punctuation character escaped (tests/render/test_markdown.py)
    assert r"| 第一中学第二党支部 |  | member\-meeting\-quorum | 2024\-07\-25 | 违规 | 2024\-07\-25 的支部党员大会应到 40 人、" \
           r"实到 20 人，实到须超过应到的 1\/2（至少 21 人） |" in written
    assert written.endswith(
        "### 拒收的行（2 行）\n\n| 文件 | 工作表 | 行 | 列 | 值 | 原因 |\n|---|---|---|---|---|---|\n"
        "| 第一中学\\.xlsx | 第二党支部 | 37 | 日期 | 2024年13月5日 | 日期“2024年13月5日”不存在 |\n"
        "| 第一中学\\.xlsx | 第二党支部 | 38 | 类型 | 联谊活动 | 未知的活动类型“联谊活动” |\n")


def test_github_commands_escape_what_would_end_them():
    place = Place("台账/a,b:c.csv", "a,b:c.csv", None, 3)
    assert command("error", "第一行\n第二行 100%", place, "标题:一,二") == (
        "::error file=台账/a%2Cb%3Ac.csv,line=3,title=标题%3A一%2C二::第一行%0A第二行 100%25"
    )
    assert command("notice", "没有位置") == "::notice::没有位置"


def test_text_listing_groups_findings_by_organisation(november):
    _, _, output = november
    lines = output.splitlines()
    start = lines.index("问题清单（检查期间 2024，检查日 2024-11-15）：")
    block = lines[start:lines.index("拒收 2 行：")]
    assert block[1:3] == [
        "区委教育工委：待完成 2",
        "  待完成  ideology-lecture-half-yearly  2024-H2：尚未完成：2024-H2 意识形态专题报告 0 次，应至少 1 次，截止 2024-12-31",
    ]
    assert ("  违规  member-meeting-quorum  2024-07-25：2024-07-25 的支部党员大会应到 40 人、实到 20 人，实到须超过应到的 1/2"
            "（至少 21 人）（文件 第一中学.xlsx，工作表“第二党支部”，第 20 行）") in block
    assert "第一中学第二党支部：违规 5" in block
    assert lines[-3:] == [
        "检查期间 2024，检查日 2024-11-15：6 个台账文件，读取 186 行 = 接受 183 + 拒收 2 + 空行 1；数据质量提醒 15 条。",
        "8 个组织、8 名领导干部：违规 16 项，待完成 9 项，无法核验 1 项。",
        lines[-1],
    ]
    assert lines[-1].startswith("报告（json、junit、sarif）已写入 ")


def test_machine_formats_are_byte_identical_across_runs(tmp_path):
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name
        result = CliRunner().invoke(main, ["check", str(DEMO / "ledgers"), "--roster", str(DEMO / "roster"),
                                           "--as-of", "2024-11-15", "--out", str(out), "--format", "junit,sarif"])
        assert result.exit_code == 1, result.output
        outs.append(out)
    assert (outs[0] / "findings.sarif").read_bytes() == (outs[1] / "findings.sarif").read_bytes()
    # JUnit's times are measured: the only bytes that differ
    xml = [re.sub(rb' time="\d+\.\d{6}"', b' time=""', (out / "findings.xml").read_bytes()) for out in outs]
    assert xml[0] == xml[1] and xml[0].count(b' time=""') == 1 + 8 + 292


def test_junit_times_are_measured_and_add_up(november, tmp_path):
    out, _, _ = november
    root = ET.parse(out / "findings.xml").getroot()
    suites = root.findall("testsuite")
    cases = [float(case.get("time")) for suite in suites for case in suite.iter("testcase")]
    assert len(cases) == 292 and all(t > 0 for t in cases)  # every rule took some time; none is a made-up 0
    for suite in suites:
        assert float(suite.get("time")) == pytest.approx(sum(float(c.get("time")) for c in suite.iter("testcase")),
                                                         abs=2e-6)
    assert float(root.get("time")) == pytest.approx(sum(float(s.get("time")) for s in suites), abs=2e-6)
    # junit2html's matrix divides by the total time: it crashed on all-zero times
    done = subprocess.run([sys.executable, "-m", "junit2htmlreport", "--report-matrix", str(tmp_path / "m.html"),
                           str(out / "findings.xml")], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "区委教育工委" in (tmp_path / "m.html").read_text(encoding="utf-8")


def test_sarif_fingerprints_are_unique_and_do_not_move_with_the_as_of_date():
    from datetime import date

    from compliance.pipeline import run_check
    from compliance.render import sarif

    def prints(as_of):
        result = run_check([REPO / "fixtures" / "demo" / "ledgers"], REPO / "fixtures" / "demo" / "roster",
                           as_of=as_of)
        (run,) = sarif.document(result)["runs"]
        return {(r["ruleId"], r["properties"]["org"], r["properties"]["period"]):
                r["partialFingerprints"]["complianceFinding/v1"] for r in run["results"]}

    november, december = prints(date(2024, 11, 15)), prints(date(2024, 12, 31))
    assert len(set(november.values())) == len(november)  # two findings never share one
    term = ("branch-election-term", "第一中学第二党支部")
    assert november[(*term, "2024-11-15")] == december[(*term, "2024-12-31")]  # the same open term, the same alert

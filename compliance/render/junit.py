"""``--format junit``: ``findings.xml`` for CI test reports (GitLab's merge-request widget, Jenkins, Azure).

A testsuite per organisation, a testcase per rule and period (and person) that was judged, met ones included:
violation = failure, due and unverifiable = skipped with the reason, waived = passed with the waiver in
system-out. So failures equal the violations of findings.json, skipped its due + unverifiable.

Times are measured: each rule's evaluation (all organisations at once, vectorised) spread evenly over the cases
it judged — on dask, where rules run per partition, the whole evaluation over all cases; a suite's time is the sum
of its cases'. They are the only bytes of any output that differ between two runs of the same check.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compliance.domain import Status
from compliance.render.common import place_parts

if TYPE_CHECKING:
    from compliance.findings.result import CheckResult

FILENAME = "findings.xml"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # no XML 1.0 document may hold these


def clean(value: object) -> str:
    """``value`` as text XML 1.0 can hold: characters it forbids become U+FFFD."""
    return _NOT_XML.sub("\ufffd", str(value))


def _name(rule: str, period: str, person: object) -> str:
    return f"{rule} {period}" + (f" {person}" if isinstance(person, str) else "")


def _details(finding: dict, title: str, basis: str) -> str:
    lines = [f"{title}（{finding['rule']}）", f"依据：{basis}", finding["message"]]
    if finding["expected"] is not None:
        lines.append(f"应为 {finding['expected']}，实际 {finding['actual']}")
    for e in finding["evidence"]:
        lines.append(f"记录：{'，'.join(place_parts(e['source'], e['sheet'], e['row']))}（{e['date']} {e['type']}）")
    return "\n".join(lines)


def document(result: CheckResult) -> ET.Element:
    """findings.xml as an element tree: a test suite per organisation, a test case per rule and period (and person)
    judged (see the module docstring)."""
    rules = {rule.id: rule for rule in result.catalogue.rules}
    judgements = result.judgements.frame()
    findings = iter(result.findings())
    root = ET.Element("testsuites", name="compliance")
    suites: dict[str, ET.Element] = {}
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    per_case = _case_seconds(result, judgements["rule"])
    suite_seconds: dict[str, float] = {}
    row: Any  # a named tuple of the columns below
    for row in judgements[["rule", "status", "org", "person", "period"]].itertuples(index=False):
        suite = suites.get(row.org)
        if suite is None:
            suite = suites[row.org] = ET.SubElement(root, "testsuite", name=clean(row.org))
            suite.attrib.update(tests="0", failures="0", errors="0", skipped="0")
        seconds = round(per_case[row.rule], 6)  # as written, so that a suite's time is its cases' sum
        suite_seconds[row.org] = suite_seconds.get(row.org, 0.0) + seconds
        case = ET.SubElement(suite, "testcase", name=clean(_name(row.rule, row.period, row.person)),
                             classname=clean(row.org), time=_time(seconds))
        counted = ["tests"]
        if row.status != Status.MET.value:
            finding = next(findings)
            rule = rules[row.rule]
            details = clean(_details(finding, rule.title, result.catalogue.source_text(rule)))
            if row.status == Status.VIOLATION.value:
                failure = ET.SubElement(case, "failure", message=clean(finding["message"]), type=finding["severity"])
                failure.text = details
                counted.append("failures")
            elif row.status == Status.WAIVED.value:
                waiver = finding["waiver"]
                out = ET.SubElement(case, "system-out")
                expires = f"，有效期至 {waiver['expires']}" if waiver["expires"] else ""
                out.text = clean(f"已豁免（原状态：{Status(waiver['was']).chinese}）：豁免第 {waiver['number']} 项，"
                                 f"{waiver['reason']}（批准：{waiver['approved_by']}{expires}）\n{details}")
            else:
                skipped = ET.SubElement(case, "skipped",
                                        message=clean(f"{Status(row.status).chinese}：{finding['message']}"))
                skipped.text = details
                counted.append("skipped")
        for key in counted:
            suite.set(key, str(int(suite.get(key, "0")) + 1))
            totals[key] += 1
    for org, suite in suites.items():
        suite.set("time", _time(suite_seconds[org]))
    root.attrib.update({key: str(value) for key, value in totals.items()}, errors="0",
                       time=_time(sum(suite_seconds.values())))
    return root


def _case_seconds(result: CheckResult, rules) -> dict[str, float]:
    """Seconds per case of each rule: the rule's measured time over its cases (or the whole evaluation's over all
    cases, when rules were not timed one by one)."""
    counts = rules.value_counts().to_dict()
    if not result.rule_seconds:
        share = result.evaluate_seconds / max(len(rules), 1)
        return dict.fromkeys(counts, share)
    return {rule: result.rule_seconds.get(rule, 0.0) / n for rule, n in counts.items()}


def _time(seconds: float) -> str:
    return f"{seconds:.6f}"


def render(result: CheckResult, out_dir: Path) -> list[Path]:
    """Write findings.xml into ``out_dir``; the file written."""
    root = document(result)
    ET.indent(root)
    path = out_dir / FILENAME
    path.write_bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n")
    return [path]

"""``--format junit``: ``findings.xml`` for CI test reports (GitLab's merge-request widget, Jenkins, Azure).

A testsuite per organisation, a testcase per rule and period (and person) that was judged, met ones included:
violation = failure, due and unverifiable = skipped with the reason, waived = passed with the waiver in
system-out. So failures equal the violations of findings.json, skipped its due + unverifiable.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

from compliance.domain import Status

if TYPE_CHECKING:
    from compliance.pipeline import CheckResult

FILENAME = "findings.xml"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # no XML 1.0 document may hold these


def clean(value: object) -> str:
    return _NOT_XML.sub("\ufffd", str(value))


def _name(rule: str, period: str, person: object) -> str:
    return f"{rule} {period}" + (f" {person}" if isinstance(person, str) else "")


def _details(finding: dict, title: str, basis: str) -> str:
    lines = [f"{title}（{finding['rule']}）", f"依据：{basis}", finding["message"]]
    if finding["expected"] is not None:
        lines.append(f"应为 {finding['expected']}，实际 {finding['actual']}")
    for e in finding["evidence"]:
        sheet = f"，工作表“{e['sheet']}”" if e["sheet"] else ""
        lines.append(f"记录：文件 {e['source']}{sheet}，第 {e['row']} 行（{e['date']} {e['type']}）")
    return "\n".join(lines)


def document(result: CheckResult) -> ET.Element:
    rules = {rule.id: rule for rule in result.catalogue.rules}
    judgements = result.judgements.frame()
    findings = iter(result.findings())
    root = ET.Element("testsuites", name="compliance")
    suites: dict[str, ET.Element] = {}
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for row in judgements[["rule", "status", "org", "person", "period"]].itertuples(index=False):
        suite = suites.get(row.org)
        if suite is None:
            suite = suites[row.org] = ET.SubElement(root, "testsuite", name=clean(row.org))
            suite.attrib.update(tests="0", failures="0", errors="0", skipped="0", time="0")
        case = ET.SubElement(suite, "testcase", name=clean(_name(row.rule, row.period, row.person)),
                             classname=clean(row.org), time="0")
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
            suite.set(key, str(int(suite.get(key)) + 1))
            totals[key] += 1
    root.attrib.update({key: str(value) for key, value in totals.items()}, errors="0", time="0")
    return root


def render(result: CheckResult, out_dir: Path) -> list[Path]:
    root = document(result)
    ET.indent(root)
    path = out_dir / FILENAME
    path.write_bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n")
    return [path]

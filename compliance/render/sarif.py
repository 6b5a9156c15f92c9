"""``--format sarif``: ``findings.sarif``, SARIF 2.1.0 for code-scanning views (GitHub, GitLab, Azure DevOps).

One result per finding. The ledger file is the artifact; a CSV row is the region's line; a workbook row is the
logical location ``sheet!row``. A violation is ``kind: fail`` at its rule's level; due is ``kind: open`` and
unverifiable ``kind: review`` (level ``none``, as SARIF requires for anything but a failure); a waived finding is
a failure with an accepted external suppression carrying the reason. With ``--baseline`` each result has its
``baselineState`` (new / unchanged). Rejected rows and data-quality warnings are tool notifications of the run.

No URI leaves the reader's checkout: the tool has no ``informationUri`` and the rules no ``helpUri`` (the project
publishes no pages; a ``file:///`` path of the machine that ran the check is a dead link that tells the install
path) — each rule's ``help`` carries its whole text instead. A region has a ``startLine`` only in a text file.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import quote

from compliance import __version__
from compliance.domain import Severity, Status
from compliance.engine.kinds import kind_of
from compliance.render.common import issue_list
from compliance.render.locate import Locator, Place, issue_message

if TYPE_CHECKING:
    from compliance.findings.result import CheckResult

FILENAME = "findings.sarif"
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
KIND = {
    Status.VIOLATION.value: "fail",
    Status.WAIVED.value: "fail",
    Status.DUE.value: "open",
    Status.UNVERIFIABLE.value: "review",
}
LEVEL = {Severity.ERROR.value: "error", Severity.WARNING.value: "warning"}


def uri(path: str) -> str:
    """A URI reference for a file as found: relative paths stay relative (to the repository checked out)."""
    if PurePosixPath(path).is_absolute() or Path(path).is_absolute():
        return Path(path).resolve().as_uri()
    return quote(path, safe="/")


class _Artifacts:
    def __init__(self, result: CheckResult) -> None:
        self.items = [
            {"location": {"uri": uri(s.path or s.source)}, "hashes": {"sha-256": s.sha256},
             "description": {"text": s.source}}
            for s in result.sources
        ]
        self.index = {s.path or s.source: i for i, s in enumerate(result.sources)}

    def location(self, place: Place) -> dict:
        physical: dict = {"artifactLocation": {"uri": uri(place.path)}}
        if place.path in self.index:
            physical["artifactLocation"]["index"] = self.index[place.path]
        location: dict = {"physicalLocation": physical}
        if place.row is not None and place.is_csv:  # a line only where the file has lines (a workbook's row is in
            physical["region"] = {"startLine": place.row}  # its logical location, as the github format decides)
        if place.sheet:
            name = place.sheet if place.row is None else f"{place.sheet}!{place.row}"
            location["logicalLocations"] = [{"name": name, "fullyQualifiedName": f"{place.source}/{name}"}]
        return location


def _rule(rule, catalogue) -> dict:
    basis = catalogue.source_text(rule)
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),  # theme-day-monthly → ThemeDayMonthly
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": f"{rule.title}。依据：{basis}"},
        "help": {"text": f"{rule.title}（适用：{rule.applies_to.describe()}；周期：{rule.period_text()}）。"
                         f"依据：{basis}"},
        "defaultConfiguration": {"level": LEVEL[rule.severity.value]},
        "properties": {"title": rule.title, "source": basis, "severity": rule.severity.value, "kind": rule.kind,
                       "tags": ["compliance", rule.kind]},
    }


def _fingerprint(finding: dict, kind) -> str:
    """The same finding, the same fingerprint: a rule judged at the as-of date without its period (which moves with
    the date, as the baseline compares it); a record rule with the record's place and type (two on one day)."""
    keys = [str(finding[k] or "") for k in ("rule", "org", "person")]
    if not kind.at_as_of:
        keys.append(finding["period"])
    if kind.per_record:
        keys.extend(f"{e['source']}|{e['sheet']}|{e['row']}|{e['type']}" for e in finding["evidence"])
    return hashlib.sha256("\x1f".join(keys).encode("utf-8")).hexdigest()


def document(result: CheckResult) -> dict:
    """findings.sarif as a dict: one SARIF 2.1.0 run, a reporting rule per catalogue rule and a result per finding
    (see the module docstring)."""
    catalogue = result.catalogue
    rule_index = {rule.id: i for i, rule in enumerate(catalogue.rules)}
    locator = Locator(result)
    artifacts = _Artifacts(result)
    results = []
    for finding in result.findings():
        place, related = locator.finding(finding)
        who = f"（{finding['person']}）" if finding["person"] else ""
        item: dict = {
            "ruleId": finding["rule"],
            "ruleIndex": rule_index[finding["rule"]],
            "kind": KIND[finding["status"]],
            "level": LEVEL[finding["severity"]] if KIND[finding["status"]] == "fail" else "none",
            "message": {"text": f"{Status(finding['status']).chinese}：{finding['org']}{who} {finding['period']}："
                                f"{finding['message']}"},
            "locations": [artifacts.location(place)] if place is not None else [],
            "partialFingerprints": {"complianceFinding/v1": _fingerprint(
                finding, kind_of(catalogue.rule(finding["rule"])))},
            "properties": {k: finding[k] for k in ("status", "org", "person", "period", "expected", "actual")},
        }
        if related:
            item["relatedLocations"] = [
                {"id": n, **artifacts.location(p), "message": {"text": f"计入的记录：{p.label()}"}}
                for n, p in enumerate(related, start=1)
            ]
        if finding["waiver"]:
            waiver = finding["waiver"]
            item["suppressions"] = [{
                "kind": "external", "status": "accepted", "justification": waiver["reason"],
                "properties": {"waiver": waiver["number"], "approved_by": waiver["approved_by"],
                               "expires": waiver["expires"], "was": waiver["was"]},
            }]
        if finding["baseline"]:
            item["baselineState"] = "unchanged" if finding["baseline"] == "known" else "new"
        results.append(item)
    notifications = []
    for level, title, frame in (("warning", "拒收", result.rejected), ("note", "数据质量提醒", result.warnings)):
        for issue in issue_list(frame):
            notifications.append({"level": level, "message": {"text": f"{title}：{issue_message(issue)}"},
                                  "locations": [artifacts.location(locator.issue(issue))]})
    run = {
        "tool": {"driver": {"name": "compliance", "version": __version__, "semanticVersion": __version__,
                            "rules": [_rule(rule, catalogue) for rule in catalogue.rules]}},
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
        "artifacts": artifacts.items,
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {"as_of": result.as_of.isoformat(), "period": result.audit.label,
                       "rules": {"source": catalogue.path, "sha256": catalogue.sha256}},
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render(result: CheckResult, out_dir: Path) -> list[Path]:
    """Write findings.sarif into ``out_dir``; the file written."""
    path = out_dir / FILENAME
    path.write_text(json.dumps(document(result), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return [path]

"""``--format text``: the findings as plain lines for a terminal or a CI log, grouped by organisation; and the
summary lines every ``compliance check`` ends with."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import groupby
from typing import TYPE_CHECKING, Any

import numpy as np

from compliance.domain import Status, status_counts
from compliance.render.common import issue_list, one_line, place_parts, skipped_text
from compliance.render.locate import Locator

if TYPE_CHECKING:
    from compliance.findings.result import CheckResult

MARKS = {"new": "【新增】", "known": "【已知】", None: ""}


def place_text(item: Mapping[str, Any]) -> str:
    """``文件 a.xlsx，工作表“一支部”，第 5 行，列“日期”`` for a rejected row or a warning."""
    parts = place_parts(item["source"], item["sheet"], item["row"])
    if item["column"]:
        parts.append(f"列“{item['column']}”")
    return "，".join(parts)


def text(result: CheckResult) -> str:
    """The problem list as plain text for a terminal, one finding a line with where it points in the ledgers."""
    findings = result.findings()
    locator = Locator(result)
    lines = [f"问题清单（检查期间 {result.audit.label}，检查日 {result.as_of}）："]
    for org, group in groupby(findings, key=lambda f: f["org"]):
        items = list(group)
        counts = "，".join(
            f"{status.chinese} {n}" for status in Status if (n := sum(1 for f in items if f["status"] == status))
        )
        lines.append(f"{org}：{counts}")
        for finding in items:
            status = Status(finding["status"]).chinese
            who = f" {finding['person']}" if finding["person"] else ""
            place, _ = locator.finding(finding)
            where = f"（{place.label()}）" if place is not None and place.row is not None and not place.anchor else ""
            lines.append(f"  {MARKS[finding['baseline']]}{status}  {finding['rule']}  {finding['period']}{who}："
                         f"{finding['message']}{where}")
            if finding["waiver"]:
                waiver = finding["waiver"]
                lines.append(f"      豁免第 {waiver['number']} 项：{waiver['reason']}（批准：{waiver['approved_by']}）")
    if not findings:
        lines.append("  没有问题。")
    clean = len(result.roster.names) - len({f["org"] for f in findings})
    if findings and clean:
        lines.append(f"其余 {clean} 个组织全部符合。")
    for finding in result.resolved:
        who = f" {finding['person']}" if finding["person"] else ""
        lines.append(f"已整改（基线中有、本次没有）：{finding['org']} {finding['rule']} {finding['period']}{who}")
    for title, frame in (("拒收", result.rejected), ("数据质量提醒", result.warnings)):
        issues = issue_list(frame)
        if issues:
            lines.append(f"{title} {len(issues)} {'行' if title == '拒收' else '条'}：")
            for item in issues:
                value = f"（值：{item['value']}）" if item["value"] is not None else ""
                lines.append(f"  {place_text(item)}：{item['reason']}{value}")
    return "".join(one_line(line) + "\n" for line in lines)  # a line break in a cell must not split an item


def summary_lines(result: CheckResult) -> list[str]:
    """The lines every check ends with: reconciliation, counts, baseline comparison, notes."""
    table = result.judgements  # counted from the table: a check writing only findings.json makes no finding dicts
    count = status_counts(table["status"][table.reported].tolist())
    marks = table["baseline"][table.reported]
    sources = result.sources
    lines = [
        f"检查期间 {result.audit.label}，检查日 {result.as_of}：{len(sources)} 个台账文件，"
        f"读取 {sum(s.read for s in sources)} 行 = 接受 {sum(s.accepted for s in sources)} + "
        f"拒收 {sum(s.rejected for s in sources)} + 空行 {sum(s.blank for s in sources)}{skipped_text(sources)}；"
        f"数据质量提醒 {len(result.warnings)} 条。",
        f"{len(result.roster.names)} 个组织、{len(result.roster.leader_org)} 名领导干部：违规 {count['violation']} 项，"
        f"待完成 {count['due']} 项，无法核验 {count['unverifiable']} 项"
        + (f"，已豁免 {count['waived']} 项" if count["waived"] else "") + "。",
    ]
    if result.scope:
        lines.insert(0, one_line(f"检查范围：{'、'.join(result.scope)}及其下级组织"))
    if result.baseline is not None:
        new = int(np.count_nonzero(marks == "new"))
        lines.append(
            f"与基线 {result.baseline.path}（检查日 {result.baseline.as_of}）相比：新增 {new} 项，"
            f"已知 {len(marks) - new} 项，已整改 {len(result.resolved)} 项。"
        )
    lines.extend(one_line(f"注意：{note}") for note in result.notes)
    return lines

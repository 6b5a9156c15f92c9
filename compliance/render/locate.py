"""Where a finding points in the ledgers, for the formats a CI system shows beside files (SARIF, annotations).

A record rule's finding about one row (a quorum not met) has that row as its place. Any other finding is about
something missing (no 主题党日 in August), so its place is a line of the organisation's ledger: the last record
that did count (the gap comes after it), else the header row of the first table its records came from; the
records that did count are related places. An organisation with no records at all is placed at its row in the
roster. Every finding so has a line a code-scanning view can show.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from compliance.engine.kinds import kind_of
from compliance.findings.result import CheckResult
from compliance.intake.discover import TEXT_SUFFIXES
from compliance.render.common import place_parts


@dataclass(frozen=True)
class Place:
    path: str  # the file as found, relative to the working folder when given so
    source: str  # the file as shown in findings.json
    sheet: str | None  # workbooks only
    row: int | None  # as Excel shows it (CSV: the line); None for a whole ledger or sheet
    anchor: bool = False  # only where to show something missing (not the row the finding is about)

    @property
    def is_csv(self) -> bool:
        return self.path.lower().endswith(TEXT_SUFFIXES)

    def label(self) -> str:
        """``文件 第一中学.xlsx，工作表“第二党支部”，第 20 行`` — for messages."""
        return "，".join(place_parts(self.source, self.sheet, None if self.anchor else self.row))


def issue_message(item: Mapping[str, Any]) -> str:
    """``列“日期”：日期“2024年13月5日”不存在（值：2024年13月5日）`` — a rejected row or warning, its place aside."""
    column = f"列“{item['column']}”：" if item["column"] else ""
    value = f"（值：{item['value']}）" if item["value"] is not None else ""
    return f"{column}{item['reason']}{value}"


def org_tables(result: CheckResult) -> dict[str, list[int]]:
    """Per organisation, the tables its accepted records came from (for locating findings with no record)."""
    pairs = result.records[["org", "table"]].drop_duplicates().sort_values(["org", "table"])
    names = result.roster.names
    out: dict[str, list[int]] = {}
    for org, table in zip(pairs["org"].to_numpy(), pairs["table"].to_numpy(), strict=True):
        out.setdefault(names[org], []).append(int(table))
    return out


class Locator:
    def __init__(self, result: CheckResult) -> None:
        self.paths = {s.source: s.path or s.source for s in result.sources}
        self.per_record = {rule.id for rule in result.catalogue.rules if kind_of(rule).per_record}
        self.tables = result.tables
        self.org_tables = org_tables(result)
        self.roster = result.roster.places

    def place(self, source: str, sheet: str | None, row: int | None) -> Place:
        return Place(self.paths.get(source, source), source, sheet, row)

    def finding(self, finding: dict) -> tuple[Place | None, list[Place]]:
        """The finding's place and its related places (the evidence)."""
        evidence = [self.place(e["source"], e["sheet"], e["row"]) for e in finding["evidence"]]
        if finding["rule"] in self.per_record and len(evidence) == 1:
            return evidence[0], []
        if evidence:
            return replace(evidence[-1], anchor=True), evidence
        tables = self.org_tables.get(finding["org"])
        if tables:
            table = self.tables[tables[0]]
            return replace(self.place(table.source, table.sheet, table.header_row), anchor=True), evidence
        where = self.roster.get(finding["org"])
        if where is None:
            return None, evidence
        return Place(where["source"], where["source"], where["sheet"], where["row"], anchor=True), evidence

    def issue(self, item: Mapping[str, Any]) -> Place:
        """The place of a rejected row or a warning."""
        return self.place(item["source"], item["sheet"], item["row"])

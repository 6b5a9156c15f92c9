"""HTML for people: ``index.html`` for inspection teams and one page per organisation under ``orgs/``.

Pages are self-contained (inline CSS, SVG and a few lines of JavaScript that only sort and filter; no CDN, no web
font), print on A4 and work from a USB stick. Isolation: a branch's page holds only its own findings, records and
rows; a unit's page (党委, 党总支, 工委, 党组) only its own subtree. Everything that comes from a ledger is escaped by
jinja2's autoescape. No timestamps: the same inputs give the same bytes.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from compliance import __version__
from compliance.models import OrgType, Severity, Status, status_counts
from compliance.pipeline import CheckResult
from compliance.render.json import issue_list

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
# worst first: the colour of a cell holding several judgements, and of a light
RANK = {Status.VIOLATION.value: 4, Status.DUE.value: 3, Status.UNVERIFIABLE.value: 2, Status.WAIVED.value: 1,
        Status.MET.value: 0}
LIGHTS = {"red": "红", "yellow": "黄", "green": "绿"}


def safe_filename(name: str, taken: set[str]) -> str:
    """A file name (no extension) for an organisation's page that stays inside its folder and is unique."""
    stem = _UNSAFE.sub("_", unicodedata.normalize("NFKC", name)).strip(" .") or "组织"
    stem = stem[:60]
    if stem.casefold() in taken:
        stem = f"{stem}-{hashlib.sha1(name.encode()).hexdigest()[:8]}"
    taken.add(stem.casefold())
    return stem


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("compliance", "templates"),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["status_cn"] = lambda s: Status(s).chinese
    env.filters["severity_cn"] = lambda s: Severity(s).chinese
    return env


def light(counts: dict[str, int]) -> str:
    """三色预警: red with a violation, yellow with something due, else green."""
    return "red" if counts.get("violation") else ("yellow" if counts.get("due") else "green")


@dataclass
class Cell:
    span: int
    status: str  # a Status value, or "none" (not judged)
    text: str = ""
    tip: str = ""


@dataclass
class GridRow:
    rule: str
    title: str
    person: str | None
    cells: list[Cell] = field(default_factory=list)


class Calendar:
    """The audited range as month columns; a judgement covers the months from its start to its end (clipped), so a
    quarterly rule's cell spans three columns, the year's twelve, a record's its month."""

    def __init__(self, result: CheckResult) -> None:
        self.first = np.datetime64(result.audit.start, "M")
        self.n = int(np.datetime64(result.audit.end, "M") - self.first) + 1
        months = self.first + np.arange(self.n)
        self.labels = [f"{int(str(m)[5:7])}月" for m in months]
        self.groups = []  # (label, span): quarters, with the year where the range spans several
        several = str(months[0])[:4] != str(months[-1])[:4]
        for m in months:
            year, month = str(m)[:4], int(str(m)[5:7])
            label = (f"{year} " if several else "") + f"第{'一二三四'[(month - 1) // 3]}季度"
            if self.groups and self.groups[-1][0] == label:
                self.groups[-1][1] += 1
            else:
                self.groups.append([label, 1])

    def rows(self, frame: pd.DataFrame, titles: dict[str, str], order: dict[str, int], counted: set[str]
             ) -> list[GridRow]:
        """One row per rule (and leader); ``counted`` rules judge records, so their cells show how many."""
        if frame.empty:
            return []
        start = np.clip((frame["start"].to_numpy("datetime64[M]") - self.first).astype(np.int64), 0, self.n - 1)
        end = np.clip((frame["end"].to_numpy("datetime64[M]") - self.first).astype(np.int64), 0, self.n - 1)
        items = list(frame[["rule", "person", "status", "period", "expected", "actual", "message"]]
                     .itertuples(index=False))
        groups: dict[tuple, list[int]] = defaultdict(list)
        for i, item in enumerate(items):
            groups[(item.rule, item.person if isinstance(item.person, str) else None)].append(i)
        rows = []
        for (rule, person), members in sorted(groups.items(), key=lambda kv: (order[kv[0][0]], kv[0][1] or "")):
            slots: list[tuple[int, ...]] = [() for _ in range(self.n)]
            for i in members:
                for m in range(start[i], end[i] + 1):
                    slots[m] = (*slots[m], i)
            row = GridRow(rule, titles[rule], person)
            for m, slot in enumerate(slots):
                if m and row.cells and slot == slots[m - 1]:
                    row.cells[-1].span += 1
                    continue
                row.cells.append(self._cell([items[i] for i in slot], rule in counted))
            rows.append(row)
        return rows

    @staticmethod
    def _cell(items, records: bool) -> Cell:
        if not items:
            return Cell(1, "none", "", "未检查（不在检查期间或尚未开始）")
        status = max((item.status for item in items), key=RANK.__getitem__)
        if len(items) == 1 and not (records and status != Status.UNVERIFIABLE.value):
            item = items[0]
            text = "?" if status == Status.UNVERIFIABLE.value else ("" if pd.isna(item.actual) else str(item.actual))
            detail = item.message if isinstance(item.message, str) else (
                f"实际 {item.actual}，要求 {item.expected}" if not pd.isna(item.expected) else "")
            return Cell(1, status, text, f"{item.period} {Status(status).chinese}：{detail}".rstrip("："))
        failing = sum(1 for item in items if item.status != Status.MET.value)
        tip = f"{len(items)} 条记录" + (f"，其中 {failing} 条不符合" if failing else "，全部符合")
        return Cell(1, status, str(len(items)), tip)


def _depths(parent: np.ndarray) -> list[int]:
    depth = []
    for i in range(len(parent)):
        d, node = 0, parent[i]
        while node >= 0:
            d, node = d + 1, parent[node]
        depth.append(d)
    return depth


def _topics(result: CheckResult) -> dict[tuple, str]:
    """(source, sheet, row) → 主题 of the records that are evidence of a finding, for the evidence lists."""
    evidence = result.evaluation.evidence
    shown = np.isin(evidence["judgement"].to_numpy(), result.evaluation.findings.index.to_numpy())
    records = result.records.iloc[np.unique(evidence["record"].to_numpy()[shown])]
    tables = result.tables
    return {
        (tables[t].source, tables[t].sheet, int(r)): text
        for t, r, text in zip(records["table"].to_numpy(), records["row"].to_numpy(), records["topic"].to_numpy(object),
                              strict=True)
        if isinstance(text, str) and text
    }


def _bar_chart(items: list[tuple[str, int]], unit: str) -> dict | None:
    """Geometry of a horizontal bar chart (drawn as inline SVG by the template), largest first."""
    items = [(label, n) for label, n in items if n > 0]
    if not items:
        return None
    items.sort(key=lambda kv: (-kv[1], kv[0]))
    top = max(n for _, n in items)
    label_width, bar_width, height = 300, 360, 22
    bars = [
        {"label": label, "value": n, "y": i * height, "width": max(2, round(bar_width * n / top)),
         "text_y": i * height + 15}
        for i, (label, n) in enumerate(items)
    ]
    return {"bars": bars, "label_width": label_width, "width": label_width + bar_width + 40,
            "height": len(items) * height, "unit": unit}


def render(result: CheckResult, out_dir: Path) -> list[Path]:
    env = _environment()
    roster = result.roster
    catalogue = result.catalogue
    rules = {rule.id: rule for rule in catalogue.rules}
    titles = {rule.id: rule.title for rule in catalogue.rules}
    order = {rule.id: i for i, rule in enumerate(catalogue.rules)}
    topics = _topics(result)
    findings = []
    for finding in result.findings():
        rule = rules[finding["rule"]]
        evidence = [{**e, "topic": topics.get((e["source"], e["sheet"], e["row"]))} for e in finding["evidence"]]
        findings.append({**finding, "title": rule.title, "basis": catalogue.source_text(rule), "evidence": evidence})
    by_org: dict[str, list[dict]] = defaultdict(list)
    for finding in findings:
        by_org[finding["org"]].append(finding)
    rejected, warnings = defaultdict(list), defaultdict(list)
    for item in issue_list(result.rejected):
        rejected[item["org"]].append(item)
    for item in issue_list(result.warnings):
        warnings[item["org"]].append(item)

    judgements = result.judgements
    j_org = judgements["org"].to_numpy(object)
    j_rule = judgements["rule"].to_numpy(object)
    j_status = judgements["status"].to_numpy(object)
    org_rows = defaultdict(list)
    for i, name in enumerate(j_org):
        org_rows[name].append(i)

    taken: set[str] = set()
    pages = {org.name: safe_filename(org.name, taken) for org in roster.orgs}
    tree = np.argsort(roster.tin, kind="stable")
    depth = _depths(roster.parent)
    names = roster.names
    own = {org.name: status_counts(f["status"] for f in by_org.get(org.name, [])) for org in roster.orgs}
    # subtree totals from prefix sums over the preorder: the subtree of i is tree[tin[i]:tout[i]]
    statuses = list(status_counts([]))
    table = np.array([[own[names[k]][s] for s in statuses] for k in tree], dtype=np.int64).reshape(-1, len(statuses))
    prefix = np.vstack([np.zeros((1, len(statuses)), dtype=np.int64), np.cumsum(table, axis=0)])
    subtree_counts = {
        org.name: dict(zip(statuses, (prefix[roster.tout[i]] - prefix[roster.tin[i]]).tolist(), strict=True))
        for i, org in enumerate(roster.orgs)
    }

    calendar = Calendar(result)
    record_rules = {rule.id for rule in catalogue.rules if rule.kind == "record"}
    context = {
        "version": __version__,
        "as_of": result.as_of.isoformat(),
        "period": result.audit.label,
        "rules_source": result.catalogue.path,
        "lights": LIGHTS,
    }

    # the index: organisation × rule matrix, totals, charts
    matrix_rules = [rule for rule in catalogue.rules if rule.id in set(j_rule)]
    rows = []
    for i in tree:
        org = roster.orgs[i]
        cells = {}
        for k in org_rows.get(org.name, []):
            rule, status = j_rule[k], j_status[k]
            cell = cells.setdefault(rule, {"status": status, "failing": 0, "judged": 0})
            cell["judged"] += 1
            if RANK[status] > RANK[cell["status"]]:
                cell["status"] = status
            if status in (Status.VIOLATION.value, Status.DUE.value):
                cell["failing"] += 1
        total = subtree_counts[org.name]
        rows.append({
            "org": org, "depth": depth[i], "page": pages[org.name], "counts": own[org.name],
            "light": light(own[org.name]), "rejected": len(rejected.get(org.name, [])),
            "cells": [cells.get(rule.id) for rule in matrix_rules],
            "unit": org.type is not OrgType.BRANCH, "subtree": total, "subtree_light": light(total),
        })
    tally = judgements.groupby(["rule", "status"], sort=False).size()
    rule_totals = [
        {status: int(tally.get((rule.id, status), 0)) for status in statuses} for rule in matrix_rules
    ]
    units = [row for row in rows if row["unit"]]
    charts = {
        "rules": _bar_chart([(rule.title, t["violation"]) for rule, t in zip(matrix_rules, rule_totals, strict=True)],
                            "项违规"),
        "units": _bar_chart([(row["org"].name, row["subtree"]["violation"]) for row in units], "项违规（含下级）"),
    }
    lights = {colour: sum(1 for row in rows if row["light"] == colour) for colour in LIGHTS}
    written = []
    (out_dir / "orgs").mkdir(parents=True, exist_ok=True)
    index = env.get_template("index.html.j2").render(
        rows=rows, rules=matrix_rules, rule_totals=rule_totals, units=units, charts=charts, light_counts=lights,
        sources=result.sources, tables=result.tables, notes=result.notes,
        summary=status_counts(f["status"] for f in findings),
        unassigned=rejected.get(None, []) + warnings.get(None, []), **context
    )
    (out_dir / "index.html").write_text(index, encoding="utf-8")
    written.append(out_dir / "index.html")

    template = env.get_template("org.html.j2")
    for row in rows:
        org = row["org"]
        mine = judgements.iloc[org_rows.get(org.name, [])]
        person = mine["person"].notna().to_numpy()
        i = roster.index[org.name]
        below = rows[roster.tin[i] + 1:roster.tout[i]]  # rows are in preorder: the subtree follows the unit
        page = template.render(
            row=row,
            org=org,
            months=calendar.labels,
            groups=calendar.groups,
            grid=calendar.rows(mine[~person], titles, order, record_rules),
            leader_grid=calendar.rows(mine[person], titles, order, record_rules),
            below=below,
            base_depth=row["depth"],
            subtree=row["subtree"],
            findings=by_org.get(org.name, []),
            rejected=rejected.get(org.name, []),
            warnings=warnings.get(org.name, []),
            **context,
        )
        path = out_dir / "orgs" / f"{row['page']}.html"
        path.write_text(page, encoding="utf-8")
        written.append(path)
    return written

"""Plain HTML: ``index.html`` over every organisation and one page per organisation under ``orgs/``.

A page holds only its own organisation's findings, evidence and rows. Everything from a ledger is escaped
(jinja2 autoescape). No timestamps: the same inputs give the same bytes.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape

from compliance import __version__
from compliance.models import Severity, Status
from compliance.pipeline import CheckResult
from compliance.render.json import issue_list

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


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


def _depths(result: CheckResult) -> list[int]:
    parent = result.roster.parent
    depth = []
    for i in range(len(parent)):
        d, node = 0, parent[i]
        while node >= 0:
            d, node = d + 1, parent[node]
        depth.append(d)
    return depth


def render(result: CheckResult, out_dir: Path) -> list[Path]:
    env = _environment()
    roster = result.roster
    rules = {rule.id: rule for rule in result.catalogue.rules}
    findings = [
        {**finding, "title": rules[finding["rule"]].title,
         "basis": result.catalogue.source_text(rules[finding["rule"]])}
        for finding in result.findings()
    ]
    by_org: dict[str, list[dict]] = defaultdict(list)
    for finding in findings:
        by_org[finding["org"]].append(finding)
    rejected = defaultdict(list)
    for item in issue_list(result.rejected):
        rejected[item["org"]].append(item)
    warnings = defaultdict(list)
    for item in issue_list(result.warnings):
        warnings[item["org"]].append(item)

    taken: set[str] = set()
    pages = {org.name: safe_filename(org.name, taken) for org in roster.orgs}
    order = np.argsort(roster.tin, kind="stable")
    depth = _depths(result)
    context = {
        "version": __version__,
        "as_of": result.as_of.isoformat(),
        "period": result.audit.label,
        "rules_source": result.catalogue.path,
    }
    rows = []
    for i in order:
        org = roster.orgs[i]
        items = by_org.get(org.name, [])
        counts = {s.value: sum(1 for f in items if f["status"] == s.value) for s in Status if s is not Status.MET}
        light = "red" if counts["violation"] else ("yellow" if counts["due"] else "green")
        rows.append({"org": org, "depth": depth[i], "page": pages[org.name], "counts": counts, "light": light,
                     "rejected": len(rejected.get(org.name, []))})

    written = []
    (out_dir / "orgs").mkdir(parents=True, exist_ok=True)
    index = env.get_template("index.html.j2").render(
        rows=rows, sources=result.sources, tables=result.tables, notes=result.notes,
        unassigned=rejected.get(None, []) + warnings.get(None, []), **context
    )
    (out_dir / "index.html").write_text(index, encoding="utf-8")
    written.append(out_dir / "index.html")
    template = env.get_template("org.html.j2")
    for row in rows:
        org = row["org"]
        page = template.render(
            row=row,
            org=org,
            findings=by_org.get(org.name, []),
            rejected=rejected.get(org.name, []),
            warnings=warnings.get(org.name, []),
            **context,
        )
        path = out_dir / "orgs" / f"{row['page']}.html"
        path.write_text(page, encoding="utf-8")
        written.append(path)
    return written

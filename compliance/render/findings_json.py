"""findings.json: the machine-readable contract (documented in README.md, "findings.json")."""

from __future__ import annotations

import json as _json
from pathlib import Path

from compliance import __version__
from compliance.domain import status_counts
from compliance.pipeline import CheckResult
from compliance.render.common import inputs, issue_list

FILENAME = "findings.json"


def document(result: CheckResult) -> dict:
    findings = result.findings()
    counts = status_counts(f["status"] for f in findings)
    return {
        "tool": {"name": "compliance", "version": __version__},
        "as_of": result.as_of.isoformat(),
        "period": {"start": result.audit.start.isoformat(), "end": result.audit.end.isoformat(),
                   "label": result.audit.label},
        "rules": {"source": result.catalogue.path, "sha256": result.catalogue.sha256,
                  "ids": [rule.id for rule in result.catalogue.rules],
                  "effective": {rule.id: {"from": _iso(rule.effective.start), "to": _iso(rule.effective.end)}
                                for rule in result.catalogue.rules if rule.effective is not None},
                  "match": {rule.id: rule.match.describe() for rule in result.catalogue.rules
                            if rule.match is not None}},
        "summary": {
            "findings": len(findings),
            **counts,
            "rejected": len(result.rejected),
            "warnings": len(result.warnings),
            "organisations": len(result.roster.orgs),
            "leaders": len(result.roster.leaders),
        },
        "notes": result.notes,
        "waivers": None if result.waivers is None else {
            "source": result.waivers.path, "sha256": result.waivers.sha256, "items": result.waiver_report
        },
        "baseline": baseline_summary(result),
        "findings": findings,
        "stats": result.stats,
        "rejected": issue_list(result.rejected),
        "warnings": issue_list(result.warnings),
        "inputs": inputs(result.sources, result.tables),
        "quality_gate": result.expectations,
    }


def _iso(day) -> str | None:
    return day.isoformat() if day is not None else None


def baseline_summary(result: CheckResult) -> dict | None:
    if result.baseline is None:
        return None
    findings = result.findings()
    return {
        "source": result.baseline.path,
        "sha256": result.baseline.sha256,
        "as_of": result.baseline.as_of,
        "new": sum(1 for f in findings if f["baseline"] == "new"),
        "known": sum(1 for f in findings if f["baseline"] == "known"),
        "resolved": result.resolved,
    }


def validation_document(intake, as_of) -> dict:
    """What ``compliance validate --format json`` prints: the gate's verdict on every row, no rule findings."""
    sources = intake.sources
    return {
        "tool": {"name": "compliance", "version": __version__},
        "as_of": as_of.isoformat(),
        "summary": {
            "read": sum(s.read for s in sources),
            "accepted": sum(s.accepted for s in sources),
            "rejected": sum(s.rejected for s in sources),
            "blank": sum(s.blank for s in sources),
            "warnings": len(intake.warnings),
        },
        "notes": intake.notes,
        "rejected": issue_list(intake.rejected),
        "warnings": issue_list(intake.warnings),
        "inputs": inputs(sources, intake.tables),
        "quality_gate": intake.gate.expectations,
    }


ONE_PER_LINE = ("findings", "rejected", "warnings")  # long lists: one item per line


def dumps(result: CheckResult) -> str:
    """The document indented, except that each finding, rejected row and warning is one line: a province's
    findings.json is read by diff and grep as much as by programs, and one compact line per item is written by
    the json module's C encoder (an indented dump goes through its pure-Python one, ten times slower)."""
    return layout(document(result))


def layout(document: dict) -> str:
    return "".join(pieces(document))


def pieces(document: dict):
    """The text of ``layout``, piece by piece (written to the file as they come: a province's findings and
    statistics are never one string in memory)."""
    encode = _json.JSONEncoder(ensure_ascii=False).encode
    yield "{\n"
    for number, (key, value) in enumerate(document.items()):
        yield f"{',' if number else ''}\n  {encode(key)}: " if number else f"  {encode(key)}: "
        if key in ONE_PER_LINE and value:
            yield from _items(value, encode, "    ", "  ")
        elif key == "stats":  # lists of statistics, one item per line too
            yield "{\n"
            for position, (name, items) in enumerate(value.items()):
                yield f"{',' if position else ''}\n    {encode(name)}: " if position else f"    {encode(name)}: "
                yield from _items(items, encode, "      ", "    ") if items else ["[]"]
            yield "\n  }"
        else:  # JSON text never holds a raw newline inside a string: every newline is layout
            yield _json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n  ")
    yield "\n}\n"


def _items(items: list, encode, inner: str, outer: str):
    yield "[\n" + inner
    for position, item in enumerate(items):
        yield (",\n" + inner if position else "") + encode(item)
    yield "\n" + outer + "]"


def render(result: CheckResult, out_dir: Path) -> list[Path]:
    path = out_dir / FILENAME
    with path.open("w", encoding="utf-8") as handle:
        handle.writelines(pieces(document(result)))
    return [path]

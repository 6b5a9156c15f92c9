"""The district's inspection index, built from the store: each organisation as the latest submission covering it
(a unit's submission covers the unit and everything below it) found it; units that never submitted are 未提交."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np

from compliance import __version__
from compliance.domain import status_counts
from compliance.intake.roster import Roster, depths
from compliance.serve.store.store import Submission

LIGHTS = {"red": "红", "yellow": "黄", "green": "绿"}


def district_document(roster: Roster, units: list[str], latest: dict[str, Submission],
                      findings_of: Callable[[int], bytes]) -> dict:
    """The district's findings.json: ``units`` (each with ``submitted`` and ``last_submission``), ``orgs`` (each
    organisation with the submission it is judged by, its counts, light and 完成率, or 未提交), ``summary`` and the
    ``findings`` — per organisation, in roster order, those of the submission covering it, as that check wrote them."""
    n = len(roster.names)
    everyone = np.arange(n)
    best = np.full(n, -1, dtype=np.int64)  # per organisation: the id of the latest submission covering it
    linked = np.zeros(n, dtype=bool)  # per organisation: below (or at) a unit that has a link
    unit_of: dict[int, str] = {}
    for unit in units:
        item = latest.get(unit)
        index = roster.index.get(unit)
        if index is None:
            continue
        covered = roster.within(np.full(n, index), everyone)
        linked |= covered
        if item is None:
            continue
        best[covered] = np.maximum(best[covered], item.id)
        unit_of[item.id] = unit
    by_id = {item.id: item for item in latest.values()}
    documents = {number: json.loads(findings_of(number)) for number in sorted(set(best.tolist()) - {-1})}
    findings, orgs = [], []
    depth_of = depths(roster.parent)
    unit_names = set(units)
    for i, org in enumerate(roster.orgs):
        number = int(best[i])
        row = {"org": org.name, "type": org.type.value, "parent": org.parent, "depth": depth_of[i],
               "is_unit": org.name in unit_names}
        if number < 0:  # 未提交: a unit with a link has not submitted; 无链接: no unit above it has a link
            orgs.append({**row, "status": "未提交" if linked[i] else "无链接", "submission": None, "unit": None,
                         "at": None, "light": None, **status_counts([]), "rate": None})
            continue
        own = [f for f in documents[number]["findings"] if f["org"] == org.name]
        findings.extend(own)
        counts = status_counts(f["status"] for f in own)
        stats = [s for s in documents[number]["stats"]["by_org"] if s["org"] == org.name]
        judged, met = sum(s["judged"] for s in stats), sum(s["met"] for s in stats)
        light = "red" if counts["violation"] else ("yellow" if counts["due"] else "green")
        orgs.append({**row, "status": "已提交", "submission": number, "unit": unit_of[number],
                     "at": by_id[number].created_at, "light": light, **counts,
                     "rate": round(met / judged, 4) if judged else None})
    unit_items = []
    for unit in sorted(unit_names, key=lambda name: roster.index.get(name, n)):
        item = latest.get(unit)
        unit_items.append({"org": unit, "submitted": item is not None, "status": "已提交" if item else "未提交",
                           "last_submission": None if item is None else {
                               "id": item.id, "at": item.created_at, "as_of": item.as_of, "period": item.period}})
    submitted = sum(1 for u in unit_items if u["submitted"])
    return {
        "tool": {"name": "compliance", "version": __version__},
        "summary": {"units": len(unit_items), "submitted": submitted, "not_submitted": len(unit_items) - submitted,
                    "findings": len(findings), **status_counts(f["status"] for f in findings)},
        "units": unit_items,
        "orgs": orgs,
        "findings": findings,
    }


def dumps(document: dict) -> bytes:
    """The document laid out as findings.json is (one finding per line)."""
    from compliance.render.findings_json import chunks

    return b"".join(chunks(document))


def trend(items: list[Submission]) -> list[dict]:
    """完成率 by month: the last submission of each month (by its time), oldest month first."""
    last: dict[str, Submission] = {}
    for item in sorted(items, key=lambda s: s.id):
        last[item.created_at[:7]] = item
    return [{"month": month, "rate": item.rate, "submission": item.id,
             "text": f"{item.rate * 100:.1f}%" if item.rate is not None else "—"}
            for month, item in sorted(last.items())]

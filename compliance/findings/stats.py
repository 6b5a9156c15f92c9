"""How well each unit keeps up (completion statistics), per year of the audited range, from the judgements and the
records alone — what the party-building platforms publish as 按时开展月份数, 完成率 and 出席率.

- Per organisation, rule and year: the periods (or records, for record rules) judged — met or violated; a period
  still open (due), one that cannot be verified and one waived are not counted — how many were met, and 完成率 =
  met ÷ judged; for monthly rules 按时开展月份数 = the months met. A leader's rules count under the leader's unit.
- Per organisation and year, over all its rules: judged, met, 完成率.
- Per organisation and year, 出席率 = Σ实到 ÷ Σ应到 over its meetings that record both, and its lowest meeting.

Rates are rounded to four decimals, so the same inputs give the same bytes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from compliance.domain import Status
from compliance.engine.periods import Granularity

if TYPE_CHECKING:
    from compliance.pipeline import CheckResult


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def statistics(result: CheckResult) -> dict:
    judgements = result.judgements.frame()
    status = judgements["status"].to_numpy(dtype=object)
    counted = np.isin(status, [Status.MET, Status.VIOLATION])
    frame = pd.DataFrame({
        "org": judgements["org"].to_numpy(dtype=object)[counted],
        "rule": judgements["rule"].to_numpy(dtype=object)[counted],
        "year": judgements["end"].to_numpy("datetime64[Y]").astype(np.int64)[counted] + 1970,  # a term: its end
        "met": (status[counted] == Status.MET).astype(np.int64),
    })
    monthly = {rule.id for rule in result.catalogue.rules if getattr(rule, "period", None) == Granularity.MONTH}
    order = {name: i for i, name in enumerate(result.roster.names)}
    rules = {rule.id: i for i, rule in enumerate(result.catalogue.rules)}
    by_rule = []
    grouped = frame.groupby(["org", "rule", "year"], sort=False)["met"].agg(["size", "sum"]).reset_index()
    grouped = grouped.assign(o=grouped["org"].map(order), r=grouped["rule"].map(rules)).sort_values(["o", "year", "r"])
    for org, rule, year, judged, met in grouped[["org", "rule", "year", "size", "sum"]].itertuples(index=False):
        item = {"org": org, "rule": rule, "year": int(year), "judged": int(judged), "met": int(met),
                "rate": _rate(int(met), int(judged))}
        if rule in monthly:
            item["months_on_time"] = int(met)
        by_rule.append(item)
    by_org = []
    totals = frame.groupby(["org", "year"], sort=False)["met"].agg(["size", "sum"]).reset_index()
    totals = totals.assign(o=totals["org"].map(order)).sort_values(["o", "year"])
    for org, year, judged, met in totals[["org", "year", "size", "sum"]].itertuples(index=False):
        by_org.append({"org": org, "year": int(year), "judged": int(judged), "met": int(met),
                       "rate": _rate(int(met), int(judged))})
    return {"by_org": by_org, "by_rule": by_rule, "attendance": _attendance(result)}


def _attendance(result: CheckResult) -> list[dict]:
    records = result.records
    expected = records["expected"].to_numpy(dtype="float64", na_value=np.nan)
    present = records["present"].to_numpy(dtype="float64", na_value=np.nan)
    days = records["date"].to_numpy("datetime64[D]")
    inside = (days >= np.datetime64(result.audit.start, "D")) & (days <= np.datetime64(result.audit.end, "D"))
    both = ~np.isnan(expected) & ~np.isnan(present) & (expected > 0) & inside
    if not both.any():
        return []
    names = np.array(result.roster.names, dtype=object)
    types = np.array(result.catalogue.activity_types, dtype=object)
    at = np.flatnonzero(both)
    frame = pd.DataFrame({
        "org": records["org"].to_numpy()[at], "year": days[at].astype("datetime64[Y]").astype(np.int64) + 1970,
        "expected": expected[at].astype(np.int64), "present": present[at].astype(np.int64),
        "ratio": present[at] / expected[at], "position": at,
    })
    out = []
    for (org, year), group in frame.groupby(["org", "year"], sort=True):
        lowest = group.sort_values(["ratio", "position"], kind="stable").iloc[0]
        record = int(lowest["position"])
        out.append({
            "org": names[org], "year": int(year), "meetings": len(group),
            "expected": int(group["expected"].sum()), "present": int(group["present"].sum()),
            "rate": _rate(int(group["present"].sum()), int(group["expected"].sum())),
            "lowest": {"date": str(days[record]), "type": types[int(records["type"].iat[record])],
                       "expected": int(lowest["expected"]), "present": int(lowest["present"]),
                       "rate": round(float(lowest["ratio"]), 4)},
        })
    return out

"""Evaluate: run every rule of the catalogue through its kind and turn cells into judgements and findings.

The engine decides status (unverifiable, met, violation once closed, else due), adds rule id and severity,
collapses a subject's unverifiable cells into one, and sorts. Kinds only count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from compliance import rules as kinds
from compliance.catalogue import Catalogue
from compliance.models import Status
from compliance.rules.base import Cells, Context

JUDGEMENT_COLUMNS = (
    "rule", "severity", "status", "org", "person", "period", "start", "end", "expected", "actual", "message"
)


@dataclass
class Evaluation:
    judgements: pd.DataFrame  # JUDGEMENT_COLUMNS, every judged cell including met ones, sorted
    evidence: pd.DataFrame  # judgement (row of judgements), record (row of ctx.records)

    @property
    def findings(self) -> pd.DataFrame:
        return self.judgements[self.judgements["status"] != Status.MET.value]


def _status(frame: pd.DataFrame) -> np.ndarray:
    return np.select(
        [frame["unverifiable"].to_numpy(bool), frame["passed"].to_numpy(bool), frame["closed"].to_numpy(bool)],
        [Status.UNVERIFIABLE.value, Status.MET.value, Status.VIOLATION.value],
        default=Status.DUE.value,
    )


def _collapse_unverifiable(cells: Cells, ctx: Context) -> Cells:
    """One unverifiable cell per subject (organisation or leader). A subject with cells in several periods gets one
    spanning the audited range; one with a single cell (rolling, precedence) keeps its own label."""
    frame = cells.frame
    lost = frame["unverifiable"].to_numpy(bool)
    if not lost.any():
        return cells
    kept = frame[~lost]
    gone = frame[lost]
    first = gone.drop_duplicates(["org", "leader"]).copy()
    several = gone.groupby(["org", "leader"], sort=False)["period"].nunique().to_numpy() > 1
    first.loc[several, "period"] = ctx.audit.label
    first.loc[several, "start"] = np.datetime64(ctx.audit.start, "D")
    first.loc[several, "end"] = np.datetime64(ctx.audit.end, "D")
    first["expected"] = pd.NA
    first["actual"] = pd.NA
    merged = pd.concat([kept, first], ignore_index=True)
    new_index = np.full(len(frame), -1, dtype=np.int64)
    new_index[np.flatnonzero(~lost)] = np.arange(len(kept))
    subject_key = pd.MultiIndex.from_frame(first[["org", "leader"]])
    position = subject_key.get_indexer(pd.MultiIndex.from_frame(gone[["org", "leader"]]))
    new_index[np.flatnonzero(lost)] = len(kept) + position
    evidence = cells.evidence.assign(cell=new_index[cells.evidence["cell"].to_numpy()])
    return Cells(merged, evidence)


def evaluate(catalogue: Catalogue, ctx: Context, tick: Callable[[int], None] | None = None) -> Evaluation:
    frames, evidences, offset = [], [], 0
    org_names = np.array(ctx.roster.names, dtype=object)
    leader_names = np.array([p.name for p in ctx.roster.leaders] + [None], dtype=object)
    for rule in catalogue.rules:
        cells = _collapse_unverifiable(kinds.get(rule.kind).check(rule, ctx), ctx)
        frame = cells.frame
        out = pd.DataFrame(
            {
                "rule": rule.id,
                "severity": rule.severity.value,
                "status": _status(frame),
                "org": org_names[frame["org"].to_numpy(np.int64)],
                "person": leader_names[frame["leader"].to_numpy(np.int64)],
                "period": frame["period"].to_numpy(object),
                "start": frame["start"].to_numpy("datetime64[D]"),
                "end": frame["end"].to_numpy("datetime64[D]"),
                "expected": pd.array(frame["expected"], dtype="Int64"),
                "actual": pd.array(frame["actual"], dtype="Int64"),
                "message": frame["message"].to_numpy(object),
            }
        )
        frames.append(out)
        evidences.append(cells.evidence.assign(cell=cells.evidence["cell"] + offset))
        offset += len(out)
        if tick is not None:
            tick(1)
    judgements = pd.concat(frames, ignore_index=True)
    evidence = pd.concat(evidences, ignore_index=True)
    order = judgements.sort_values(
        ["org", "rule", "period", "person", "start"], na_position="first", kind="stable"
    ).index.to_numpy()
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    judgements = judgements.iloc[order].reset_index(drop=True)
    evidence = pd.DataFrame(
        {"judgement": rank[evidence["cell"].to_numpy()], "record": evidence["record"].to_numpy()}
    ).sort_values(["judgement", "record"], kind="stable", ignore_index=True)
    return Evaluation(judgements, evidence)

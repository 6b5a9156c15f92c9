"""Baseline (``--baseline old/findings.json``): which findings are new since an earlier run, which are known, and
which have gone.

A finding is *known* when the baseline has one with the same rule, organisation, person and period and the same
status (a rolling rule's period is the as-of date, so for those the period is left out: an election overdue on
15 November is the same finding on 31 December); otherwise it is *new* (a due item that has become a violation,
or a waiver that expired, is new). A baseline finding with no finding of the same rule, organisation, person and
period now is *resolved*. A baseline written with another rules file or for another audited range cannot be
compared and is refused before any ledger is read.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from compliance.config.catalogue import Catalogue
from compliance.config.yamlfile import read_file
from compliance.engine.kinds import kind_of
from compliance.engine.periods import AuditRange
from compliance.errors import InputError
from compliance.findings.table import BaselineMark, Judgements


class BaselineError(InputError):
    """The baseline is unreadable, not a findings.json, or not comparable with this run."""


def _key(rule: str, org: str, person: str | None, period: str, undated: frozenset[str]) -> tuple:
    return rule, org, person, None if rule in undated else period


@dataclass(frozen=True)
class Baseline:
    path: str
    sha256: str
    as_of: str
    undated: frozenset[str]  # rules judged at the as-of date, whose period label moves with it
    status: dict[tuple, str]  # key → status
    findings: dict[tuple, dict]  # key → the baseline's finding, evidence left out

    def mark(self, judgements: Judgements) -> tuple[Judgements, list[dict]]:
        """The judgements with each finding marked new or known (a marked copy), and the baseline findings that no
        longer appear (resolved)."""
        rows = judgements.reported
        keys = [_key(rule, org, person, period, self.undated) for rule, org, person, period in zip(
            *(judgements[c][rows].tolist() for c in ("rule", "org", "person", "period")), strict=True)]
        marks = np.full(len(judgements), None, dtype=object)
        marks[rows] = [BaselineMark.KNOWN if self.status.get(key) == status else BaselineMark.NEW
                       for key, status in zip(keys, judgements["status"][rows].tolist(), strict=True)]
        present = set(keys)
        resolved = [finding for k, finding in self.findings.items() if k not in present]
        return judgements.marked(baseline=marks), resolved


def load_baseline(path: str | Path | None, catalogue: Catalogue, audit: AuditRange) -> Baseline | None:
    if path is None:
        return None
    shown = str(path)
    raw_bytes = read_file(path, BaselineError, "基线文件")
    try:
        document = json.loads(raw_bytes.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        row = getattr(exc, "lineno", None)
        raise BaselineError("基线文件不是有效的 JSON（应为以前一次检查写出的 findings.json）", source=shown,
                            row=row) from None
    not_ours = BaselineError(
        "基线文件不是 compliance 写出的 findings.json（缺少 tool、rules、period 或 findings）", source=shown
    )
    try:
        if document["tool"]["name"] != "compliance":
            raise not_ours
        sha = document["rules"]["sha256"]
        start, end = document["period"]["start"], document["period"]["end"]
        label = document["period"].get("label", f"{start}..{end}")
        findings = [f for f in document["findings"] if isinstance(f, dict)]
        undated = frozenset(rule.id for rule in catalogue.rules if kind_of(rule).at_as_of)
        entries = {_key(f["rule"], f["org"], f["person"], f["period"], undated): f for f in findings}
        status = {k: f["status"] for k, f in entries.items()}
        as_of = document["as_of"]
    except (KeyError, TypeError, AttributeError):
        raise not_ours from None
    if sha != catalogue.sha256:
        raise BaselineError(
            f"基线使用的规则目录与本次不同（基线 sha256 {sha[:12]}…，本次 {catalogue.path} 为 "
            f"{catalogue.sha256[:12]}…），无法比较；请用同一份规则文件重新生成基线",
            source=shown,
        )
    if (start, end) != (audit.start.isoformat(), audit.end.isoformat()):
        raise BaselineError(
            f"基线的检查期间 {label} 与本次 {audit.label} 不同，无法比较；请用同一检查期间（--period）重新生成基线",
            source=shown,
        )
    kept = {k: {name: value for name, value in f.items() if name not in ("evidence", "baseline")}
            for k, f in entries.items()}
    return Baseline(shown, hashlib.sha256(raw_bytes).hexdigest(), as_of, undated, status, kept)

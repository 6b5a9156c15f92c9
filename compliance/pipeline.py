"""One check, end to end: catalogue → roster → ledgers → normalise → validate → evaluate.

The CLI and the tests call ``run_check``; renderers take its ``CheckResult``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from compliance.config.catalogue import Catalogue, load_catalogue
from compliance.config.layout import load_layout
from compliance.config.limits import Limits
from compliance.domain import FINDING_COLUMNS, ActivityRecord, Severity, Status
from compliance.engine.evaluate import Evaluation, evaluate
from compliance.engine.kinds.base import Context
from compliance.engine.periods import AuditRange
from compliance.errors import InputError
from compliance.findings.baseline import Baseline, load_baseline
from compliance.findings.waivers import Waivers, apply_waivers, load_waivers
from compliance.frames import frame as make_frame
from compliance.intake.gate import GateResult, gate
from compliance.intake.normalise import SourceSummary, TableInfo, normalise
from compliance.intake.roster import Roster, read_roster
from compliance.intake.sheets import discover, read_sources
from compliance.progress import Progress

NO_ROSTER = (
    "未提供名册（--roster）：组织取自台账本身，组织类型按名称判断；没有任何记录的组织无法被发现，"
    "成立日期和上下级关系不详，领导干部相关规则未检查。请在正式检查时提供名册。"
)


@dataclass
class Intake:
    """The ledgers after reading, normalising and the data-quality gate: what ``compliance validate`` reports."""

    catalogue: Catalogue
    roster: Roster
    tables: list[TableInfo]
    sources: list[SourceSummary]
    gate: GateResult
    notes: list[str]

    @property
    def rejected(self) -> pd.DataFrame:
        return self.gate.rejected

    @property
    def warnings(self) -> pd.DataFrame:
        return self.gate.warnings

    def exit_code(self) -> int:
        """0 when every row is usable, 1 when rows are rejected."""
        return 1 if len(self.gate.rejected) else 0


def take_in(
    paths: Sequence[str | Path],
    roster: str | Path | None,
    catalogue: Catalogue,
    as_of: date,
    layout: str | Path | None = None,
    progress: Progress | None = None,
    limits: Limits | None = None,
) -> Intake:
    """Read the roster and every ledger (each within ``limits``), normalise, and run the data-quality gate."""
    progress = progress or Progress()
    the_layout = load_layout(layout, catalogue)
    with progress.stage("读取", unit="个文件") as tick:
        the_roster = read_roster(roster, limits) if roster is not None else None
        files = discover(paths)
        if not files:
            raise InputError("没有找到台账文件（支持 .csv、.xlsx、.xlsm、.xls、.ods）",
                             source=", ".join(map(str, paths)))
        sources = read_sources(files, catalogue.column_of, the_layout, tick, limits)
    with progress.stage("规范化"):
        candidates = normalise(sources, catalogue, the_roster)
    notes = []
    if the_roster is None:
        the_roster = Roster.from_ledgers(candidates.org_spellings())
        notes.append(NO_ROSTER)
    if the_layout is not None:
        notes.extend(f"格式文件 {the_layout.path}：{text}" for text in the_layout.unused())
    with progress.stage("数据校验"):
        result = gate(candidates, the_roster, catalogue, as_of)
    return Intake(catalogue, the_roster, candidates.tables, candidates.sources, result, notes)


@dataclass
class CheckResult:
    as_of: date
    audit: AuditRange
    catalogue: Catalogue
    roster: Roster
    records: pd.DataFrame  # the records the rules saw (accepted, not after the as-of date)
    tables: list
    evaluation: Evaluation
    rejected: pd.DataFrame
    warnings: pd.DataFrame
    sources: list[SourceSummary]
    notes: list[str]
    expectations: list[dict]  # the data-quality gate: each expectation and how many rows failed it
    waivers: Waivers | None = None
    waiver_report: list[dict] = field(default_factory=list)  # per waiver: state (applied/expired/unused), count
    baseline: Baseline | None = None
    _findings: list[dict] | None = field(default=None, repr=False)
    _resolved: list[dict] = field(default_factory=list, repr=False)

    @property
    def judgements(self) -> pd.DataFrame:
        return self.evaluation.judgements

    def activity_records(self) -> list[ActivityRecord]:
        """The records the rules saw, one model each, in ledger order (the engine itself works on the table)."""
        names = self.roster.names
        types = self.catalogue.activity_types

        def value(x):
            return None if x is None or (not isinstance(x, str) and pd.isna(x)) else x

        return [
            ActivityRecord(
                org=names[r.org], date=pd.Timestamp(r.date).date(), type=types[r.type], topic=value(r.topic),
                person=value(r.person), expected=value(r.expected), present=value(r.present),
                discipline=value(r.discipline), source=self.tables[r.table].source,
                sheet=self.tables[r.table].sheet, row=r.row,
            )
            for r in self.records.itertuples(index=False)
        ]

    def findings(self) -> list[dict]:
        """The findings in their documented shape and order, evidence included (built once)."""
        if self._findings is None:
            self._findings = self._build_findings()
            if self.baseline is not None:
                marks, self._resolved = self.baseline.mark(self._findings)
                for finding, mark in zip(self._findings, marks, strict=True):
                    finding["baseline"] = mark
        return self._findings

    def resolved(self) -> list[dict]:
        """Baseline findings that no longer appear (empty without a baseline)."""
        self.findings()
        return self._resolved

    def _build_findings(self) -> list[dict]:
        findings = self.evaluation.findings
        evidence = self.evaluation.evidence
        evidence = evidence[np.isin(evidence["judgement"].to_numpy(), findings.index.to_numpy())]
        by_judgement = _evidence_lists(evidence, self.records, self.tables, self.catalogue)
        waivers = self.waivers.items if self.waivers is not None else ()
        columns = {c: findings[c].to_numpy(dtype=object).tolist() for c in FINDING_COLUMNS[:-1]}
        columns["person"] = [None if p is None or p != p else p for p in columns["person"]]  # NaN too
        for c in ("expected", "actual"):
            columns[c] = [None if v is pd.NA else int(v) for v in columns[c]]
        out = []
        keys = list(columns)
        for values, index, waiver_number, was in zip(
            zip(*columns.values(), strict=True), findings.index.tolist(), findings["waiver"].tolist(),
            findings["was"].tolist(), strict=True,
        ):
            item = dict(zip(keys, values, strict=True))
            item["waiver"] = None
            if waiver_number >= 0:
                waiver = waivers[waiver_number]
                item["waiver"] = {"number": waiver.number, "reason": waiver.reason,
                                  "approved_by": waiver.approved_by,
                                  "expires": waiver.expires.isoformat() if waiver.expires else None,
                                  "was": was}
            item["baseline"] = None
            item["evidence"] = by_judgement.get(index, [])
            out.append(item)
        return out

    def exit_code(self, fail_on: str, *, fail_on_due: bool = False, fail_on_new: bool = False) -> int:
        """1 when a violation (or, with ``fail_on_due``, a due item) at or above ``fail_on`` (error | warning | none)
        exists — with ``fail_on_new``, only a new one — else 0. Waived findings never fail."""
        if fail_on == "none":
            return 0
        severities = {Severity.ERROR.value} | ({Severity.WARNING.value} if fail_on == "warning" else set())
        statuses = {Status.VIOLATION.value} | ({Status.DUE.value} if fail_on_due else set())
        failing = (
            f for f in self.findings()
            if f["status"] in statuses and f["severity"] in severities and (not fail_on_new or f["baseline"] == "new")
        )
        return 1 if any(failing) else 0

    def org_sources(self) -> dict[str, list[int]]:
        """Per organisation, the tables its accepted records came from (for locating findings with no record)."""
        pairs = self.records[["org", "table"]].drop_duplicates().sort_values(["org", "table"])
        names = self.roster.names
        out: dict[str, list[int]] = {}
        for org, table in zip(pairs["org"].to_numpy(), pairs["table"].to_numpy(), strict=True):
            out.setdefault(names[org], []).append(int(table))
        return out


def _evidence_lists(evidence: pd.DataFrame, records: pd.DataFrame, tables, catalogue) -> dict[int, list[dict]]:
    if evidence.empty:
        return {}
    rec = evidence["record"].to_numpy()
    table = records["table"].to_numpy()[rec]
    frame = make_frame(
        {
            "judgement": evidence["judgement"].to_numpy(),
            "source": np.array([t.source for t in tables], dtype=object)[table],
            "sheet": np.array([t.sheet for t in tables], dtype=object)[table],
            "row": records["row"].to_numpy()[rec],
            "date": records["date"].to_numpy("datetime64[D]")[rec].astype(str).astype(object),
            "type": np.array(catalogue.activity_types, dtype=object)[records["type"].to_numpy()[rec]],
        }
    ).sort_values(["judgement", "source", "sheet", "row"], na_position="first", kind="stable")
    out: dict[int, list[dict]] = {}
    for judgement, source, sheet, row, day, kind in zip(
        *(frame[c].tolist() for c in ("judgement", "source", "sheet", "row", "date", "type")), strict=True
    ):
        out.setdefault(judgement, []).append(
            {"source": source, "sheet": sheet if isinstance(sheet, str) else None, "row": row, "date": day,
             "type": kind}
        )
    return out


def run_check(
    paths: Sequence[str | Path],
    roster: str | Path | None,
    *,
    rules: str | Path | None = None,
    as_of: date | None = None,
    audit: AuditRange | None = None,
    layout: str | Path | None = None,
    waivers: str | Path | None = None,
    baseline: str | Path | None = None,
    progress: Progress | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    limits: Limits | None = None,
) -> CheckResult:
    """The whole check. ``engine`` "dask" runs the rules per partition on a dask.distributed cluster (the
    scheduler at ``scheduler``, or a local one); the findings are the same."""
    catalogue = load_catalogue(rules)  # a broken rules file fails before anything else is read
    as_of = as_of or date.today()
    audit = audit or AuditRange.year_of(as_of)
    if audit.start > as_of:
        raise InputError(f"检查期间 {audit.label} 在检查日 {as_of} 之后，没有可以判断的期间", column="--period")
    the_waivers = load_waivers(waivers, catalogue)  # like the rules: refused before any ledger is read
    the_baseline = load_baseline(baseline, catalogue, audit)
    progress = progress or Progress()
    intake = take_in(paths, roster, catalogue, as_of, layout, progress, limits)
    records = intake.gate.records[intake.gate.counted].reset_index(drop=True)
    ctx = Context(records, intake.tables, intake.roster, np.datetime64(as_of, "D"), audit, catalogue.activity_types)
    if engine == "dask":
        from compliance.engine.distributed import evaluate_dask

        with progress.stage("评估", unit="个分区") as tick:
            evaluation = evaluate_dask(catalogue, ctx, scheduler, tick)
    else:
        with progress.stage("评估", total=len(catalogue.rules), unit="条规则") as tick:
            evaluation = evaluate(catalogue, ctx, tick)
    judgements = evaluation.judgements
    judgements["waiver"] = np.int64(-1)
    judgements["was"] = None
    report, notes = [], list(intake.notes)
    if the_waivers is not None:
        applied = apply_waivers(judgements, the_waivers, intake.roster, as_of)
        judgements["waiver"] = applied.waiver
        judgements["was"] = applied.was
        judgements.loc[applied.waiver >= 0, "status"] = Status.WAIVED.value
        report = applied.report
        notes.extend(applied.notes)
    return CheckResult(
        as_of=as_of,
        audit=audit,
        catalogue=catalogue,
        roster=intake.roster,
        records=records,
        tables=intake.tables,
        evaluation=evaluation,
        rejected=intake.rejected,
        warnings=intake.warnings,
        sources=intake.sources,
        notes=notes,
        expectations=intake.gate.expectations,
        waivers=the_waivers,
        waiver_report=report,
        baseline=the_baseline,
    )

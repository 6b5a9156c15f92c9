"""One check, end to end: catalogue → roster → ledgers → normalise → validate → evaluate.

The CLI and the tests call ``run_check``; renderers take its ``CheckResult``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from compliance.catalogue import Catalogue, load_catalogue
from compliance.errors import InputError
from compliance.evaluate import Evaluation, evaluate
from compliance.ingest import discover, read_sources
from compliance.models import FINDING_COLUMNS, ActivityRecord, Severity, Status
from compliance.normalise import Normalised, SourceSummary, issues_frame, normalise
from compliance.periods import AuditRange
from compliance.roster import Roster, read_roster
from compliance.rules.base import Context
from compliance.validate import check_quality


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
        """The findings in their documented shape and order, evidence included."""
        findings = self.evaluation.findings
        evidence = self.evaluation.evidence
        evidence = evidence[np.isin(evidence["judgement"].to_numpy(), findings.index.to_numpy())]
        by_judgement = _evidence_lists(evidence, self.records, self.tables, self.catalogue)
        out = []
        for index, row in zip(findings.index, findings.itertuples(index=False), strict=True):
            item = {column: getattr(row, column) for column in FINDING_COLUMNS if column != "evidence"}
            item["person"] = None if pd.isna(item["person"]) else item["person"]
            item["expected"] = None if pd.isna(item["expected"]) else int(item["expected"])
            item["actual"] = None if pd.isna(item["actual"]) else int(item["actual"])
            item["evidence"] = by_judgement.get(index, [])
            out.append(item)
        return out

    def exit_code(self, fail_on: str) -> int:
        """1 when a violation at or above ``fail_on`` (error | warning | none) exists, else 0."""
        if fail_on == "none":
            return 0
        severities = [Severity.ERROR.value] + ([Severity.WARNING.value] if fail_on == "warning" else [])
        judgements = self.evaluation.judgements
        failing = (judgements["status"] == Status.VIOLATION.value) & judgements["severity"].isin(severities)
        return 1 if bool(failing.any()) else 0


def _evidence_lists(evidence: pd.DataFrame, records: pd.DataFrame, tables, catalogue) -> dict[int, list[dict]]:
    if evidence.empty:
        return {}
    rec = evidence["record"].to_numpy()
    table = records["table"].to_numpy()[rec]
    frame = pd.DataFrame(
        {
            "judgement": evidence["judgement"].to_numpy(),
            "source": [tables[t].source for t in table],
            "sheet": [tables[t].sheet for t in table],
            "row": records["row"].to_numpy()[rec],
            "date": records["date"].to_numpy("datetime64[D]")[rec].astype(str),
            "type": np.array(catalogue.activity_types, dtype=object)[records["type"].to_numpy()[rec]],
        }
    ).sort_values(["judgement", "source", "sheet", "row"], na_position="first", kind="stable")
    out: dict[int, list[dict]] = {}
    for row in frame.itertuples(index=False):
        out.setdefault(row.judgement, []).append(
            {"source": row.source, "sheet": row.sheet if isinstance(row.sheet, str) else None, "row": int(row.row),
             "date": row.date, "type": row.type}
        )
    return out


def run_check(
    paths: Sequence[str | Path],
    roster: str | Path,
    *,
    rules: str | Path | None = None,
    as_of: date | None = None,
    audit: AuditRange | None = None,
) -> CheckResult:
    catalogue = load_catalogue(rules)  # a broken rules file fails before anything else is read
    as_of = as_of or date.today()
    audit = audit or AuditRange.year_of(as_of)
    if audit.start > as_of:
        raise InputError(f"检查期间 {audit.label} 在检查日 {as_of} 之后，没有可以判断的期间", column="--period")
    the_roster = read_roster(roster)
    files = discover(paths)
    if not files:
        raise InputError("没有找到台账文件（支持 .csv、.xlsx、.xlsm、.xls、.ods）", source=", ".join(map(str, paths)))
    sources = read_sources(files, catalogue.column_of)
    normalised: Normalised = normalise(sources, catalogue, the_roster)
    as_of_day = np.datetime64(as_of, "D")
    usable, quality = check_quality(normalised, as_of_day, the_roster.names)
    records = normalised.records[usable].reset_index(drop=True)
    ctx = Context(records, normalised.tables, the_roster, as_of_day, audit, catalogue.activity_types)
    evaluation = evaluate(catalogue, ctx)
    warnings = pd.concat([normalised.warnings, quality], ignore_index=True) if len(quality) else normalised.warnings
    warnings = issues_frame(
        warnings.sort_values(["source", "sheet", "row", "column"], na_position="first", kind="stable")
    )
    return CheckResult(
        as_of=as_of,
        audit=audit,
        catalogue=catalogue,
        roster=the_roster,
        records=records,
        tables=normalised.tables,
        evaluation=evaluation,
        rejected=normalised.rejected,
        warnings=warnings,
        sources=normalised.sources,
    )

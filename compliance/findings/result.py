"""What a check found (``CheckResult``), built by ``compliance.pipeline.run_check``: the data every renderer
reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from compliance.config.catalogue import Catalogue
from compliance.domain import Severity, Status
from compliance.engine.periods import AuditRange
from compliance.findings.baseline import Baseline
from compliance.findings.table import BaselineMark, Judgements
from compliance.findings.view import finding_dicts
from compliance.findings.waivers import Waivers
from compliance.intake.counts import ENGINE_FIELDS
from compliance.intake.normalise import SourceSummary, TableInfo
from compliance.intake.roster import Roster
from compliance.intake.shapes import ExpectationCount

if TYPE_CHECKING:
    from compliance.findings.stats import Statistics


@dataclass
class CheckResult:
    """Everything a check found, for the renderers: the judgements (one frozen table, waivers and baseline marks
    applied) and what they are about."""

    as_of: date
    audit: AuditRange
    catalogue: Catalogue
    roster: Roster
    # the records the rules saw (accepted, not after the as-of date); then one row per count-table cell (``count``
    # filled in: evidence, not records); then ``twinned`` more (minutes of meetings the ledger records too)
    records: pd.DataFrame
    tables: list[TableInfo]
    judgements: Judgements
    rejected: pd.DataFrame
    warnings: pd.DataFrame
    sources: list[SourceSummary]
    notes: list[str]
    expectations: list[ExpectationCount]  # the data-quality gate: each expectation and how many rows failed it
    waivers: Waivers | None = None
    waiver_report: list[dict] = field(default_factory=list)  # per waiver: state (applied/expired/unused), count
    baseline: Baseline | None = None
    resolved: list[dict] = field(default_factory=list)  # baseline findings that no longer appear
    # how long the rules took, measured (the only thing of a result that differs between two runs: JUnit's times)
    rule_seconds: dict[str, float] = field(default_factory=dict)  # per rule id; empty when run on dask
    evaluate_seconds: float = 0.0
    scope: tuple[str, ...] = ()  # --org: the organisations judged, each with everything below it; () the roster
    twinned: int = 0  # the last records: minutes of meetings the ledger records too, named in evidence, not counted
    # the count tables' cells the rules saw (compliance.intake.counts.ENGINE_FIELDS); ``records`` holds them too,
    # after the dated records, as evidence (their ``count`` filled in)
    counts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ENGINE_FIELDS))

    @property
    def counted_records(self) -> pd.DataFrame:
        """The records the rules saw, each meeting once (what the attendance statistics count): without the minutes
        of a meeting the ledger records too (count-table cells included: they hold no attendance)."""
        return self.records.iloc[: len(self.records) - self.twinned] if self.twinned else self.records

    @property
    def dated_records(self) -> pd.DataFrame:
        """The dated records, each meeting once, without the count tables' cells: what a rule re-run on them (a
        plan) counts as records."""
        records = self.counted_records
        if "count" not in records.columns:
            return records
        return records[records["count"].isna().to_numpy()].reset_index(drop=True)

    @cached_property
    def _finding_dicts(self) -> list[dict]:
        waivers = self.waivers.items if self.waivers is not None else ()
        return finding_dicts(self.judgements, self.records, self.tables, self.catalogue, waivers)

    @cached_property
    def stat_columns(self) -> dict:
        """Completion statistics (``compliance.findings.stats``) as columns, computed once."""
        from compliance.findings.stats import statistic_columns

        return statistic_columns(self)

    @cached_property
    def stats(self) -> Statistics:
        """Completion statistics (``compliance.findings.stats``) as lists of dicts, made once."""
        from compliance.findings.stats import statistics

        return statistics(self)

    def findings(self) -> list[dict]:
        """The findings in their documented shape and order, evidence included (a view of the table, built once;
        do not change it)."""
        return self._finding_dicts

    def exit_code(self, fail_on: str, *, fail_on_due: bool = False, fail_on_new: bool = False) -> int:
        """1 when a violation (or, with ``fail_on_due``, a due item) at or above ``fail_on`` (error | warning | none)
        exists — with ``fail_on_new``, only a new one — else 0. Waived findings never fail."""
        if fail_on == "none":
            return 0
        severities = [Severity.ERROR] + ([Severity.WARNING] if fail_on == "warning" else [])
        statuses = [Status.VIOLATION] + ([Status.DUE] if fail_on_due else [])
        table = self.judgements
        status, status_values = table.codes("status")  # each distinct value asked once, then gathered by code
        severity, severity_values = table.codes("severity")
        failing = (np.array([v in statuses for v in status_values], dtype=bool)[status]
                   & np.array([v in severities for v in severity_values], dtype=bool)[severity])
        if fail_on_new:
            failing &= table["baseline"] == BaselineMark.NEW
        return int(failing.any())

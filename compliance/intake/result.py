"""What the intake hands on: the ledgers after reading, normalising and the data-quality gate (``Intake``), built by
``compliance.pipeline.take_in`` and reported by ``compliance validate``."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from compliance.config.catalogue import Catalogue
from compliance.intake.counts import ENGINE_FIELDS
from compliance.intake.gate import GateResult
from compliance.intake.normalise import SourceSummary, TableInfo
from compliance.intake.roster import Roster


@dataclass
class Intake:
    """The ledgers after reading, normalising and the data-quality gate: what ``compliance validate`` reports."""

    catalogue: Catalogue
    roster: Roster
    tables: list[TableInfo]
    sources: list[SourceSummary]
    gate: GateResult
    notes: list[str]
    scope: tuple[str, ...] = ()  # the roster names --org gave (each with everything below it); () is the roster
    counts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ENGINE_FIELDS))  # 统计表: per
    # organisation × type × month, a number of activities (compliance.intake.counts)

    @property
    def rejected(self) -> pd.DataFrame:
        """The rejected rows (``ISSUE_COLUMNS``)."""
        return self.gate.rejected

    @property
    def warnings(self) -> pd.DataFrame:
        """The warnings (``ISSUE_COLUMNS``)."""
        return self.gate.warnings

    def exit_code(self) -> int:
        """0 when every row is usable, 1 when rows are rejected."""
        return 1 if len(self.gate.rejected) else 0

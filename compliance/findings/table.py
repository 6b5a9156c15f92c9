"""The one finding type: every judgement of a run as one frozen table of columns, in one column order.

A judgement is the engine's verdict on one rule for one subject (an organisation, or a leader) over one period (or
one record). The findings every output lists are the judgements that are not met; the met ones stay in the table
because the calendar of an organisation's page and the JUnit report show passes too.

Columns, not a Python object per judgement: a province's run has two million judgements and 265k findings. Each
column is a read-only array, or — as the engine hands them over — ``Taken`` from its values by integer codes
(rule, severity, status, organisation, person, period) or from the unsorted column by the sorted order (the rest):
``codes`` reads a label column as codes of its distinct values, ``take`` a few rows, and a column is made whole
only when ``table[name]`` asks for it. Waivers and a baseline never change a table, they make a marked copy
(``Judgements.marked``). Status, severity and baseline marks are enums (``StrEnum``: they compare, hash, sort and
encode as their values).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from compliance.domain import Status
from compliance.engine.evaluate import JUDGEMENT_COLUMNS, Evaluation, Taken, distinct_codes
from compliance.frames import frame as make_frame


class BaselineMark(StrEnum):
    """How a finding compares with the baseline (``--baseline``)."""

    NEW = "new"
    KNOWN = "known"


# The engine's columns (rule, severity, status, org, person, period, start, end, expected, actual, message; see
# engine/evaluate.py), then what waivers and a baseline mark:
COLUMNS = (
    *JUDGEMENT_COLUMNS,
    "waiver",  # int64: index of the waiver that covers the finding, -1 for none
    "was",  # Status before the waiver, None where not waived
    "baseline",  # BaselineMark, None without --baseline (and for met judgements)
)


def _frozen(values):
    """A read-only view of a column (nullable integers: over read-only value and mask arrays; a taken column: of
    its values and positions)."""
    if isinstance(values, Taken):
        return Taken(_frozen(values.values), _frozen(values.at), values.distinct)
    if isinstance(values, pd.arrays.IntegerArray):
        data, mask = values.to_numpy("int64", na_value=0), values.isna()
        data.flags.writeable = mask.flags.writeable = False
        return pd.arrays.IntegerArray(data, mask)
    values = np.asarray(values).view()
    values.flags.writeable = False
    return values


@dataclass(frozen=True, eq=False)
class Judgements:
    """Every judgement, sorted by organisation, rule, period, person; and the evidence: pairs (judgement, record)
    sorted by judgement, each record a row of the records the rules saw."""

    columns: Mapping[str, Any]  # numpy arrays (pandas' nullable integers for expected and actual), or ``Taken``
    evidence_judgement: np.ndarray
    evidence_record: np.ndarray
    _made: dict[Any, Any] = field(default_factory=dict, init=False, repr=False)  # taken columns made whole, codes

    def __post_init__(self) -> None:
        if tuple(self.columns) != COLUMNS:
            raise ValueError(f"judgement columns must be {COLUMNS} in this order, not {tuple(self.columns)}")
        lengths = {name: len(values) for name, values in self.columns.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"judgement columns differ in length: {lengths}")
        if len(self.evidence_judgement) != len(self.evidence_record):
            raise ValueError("evidence pairs differ in length")
        frozen = {name: _frozen(values) for name, values in self.columns.items()}
        object.__setattr__(self, "columns", MappingProxyType(frozen))
        object.__setattr__(self, "evidence_judgement", _frozen(self.evidence_judgement))
        object.__setattr__(self, "evidence_record", _frozen(self.evidence_record))

    @classmethod
    def from_evaluation(cls, evaluation: Evaluation) -> Judgements:
        """From the engine's sorted judgements, their columns as taken (nothing gathered yet): not waived, not
        compared with a baseline."""
        n = len(evaluation.columns["rule"])
        columns: dict[str, Any] = dict(evaluation.columns)
        columns["waiver"] = np.full(n, -1, dtype=np.int64)
        columns["was"] = np.full(n, None, dtype=object)
        columns["baseline"] = np.full(n, None, dtype=object)
        evidence = evaluation.evidence
        return cls(columns, evidence["judgement"].to_numpy(np.int64), evidence["record"].to_numpy(np.int64))

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, evidence: pd.DataFrame) -> Judgements:
        """From the engine's sorted judgements (the columns up to ``message``) and evidence (judgement, record):
        not waived, not compared with a baseline."""
        n = len(frame)
        columns: dict[str, Any] = {name: frame[name].array if name in ("expected", "actual") else frame[name].to_numpy()
                                   for name in JUDGEMENT_COLUMNS}
        columns["start"] = columns["start"].astype("datetime64[D]")
        columns["end"] = columns["end"].astype("datetime64[D]")
        person = columns["person"]
        columns["person"] = np.where(pd.isna(person), None, person)  # one kind of missing: None
        columns["waiver"] = np.full(n, -1, dtype=np.int64)
        columns["was"] = np.full(n, None, dtype=object)
        columns["baseline"] = np.full(n, None, dtype=object)
        return cls(columns, evidence["judgement"].to_numpy(np.int64), evidence["record"].to_numpy(np.int64))

    def __len__(self) -> int:
        return len(self.columns["rule"])

    def __getitem__(self, name: str):
        """A whole column (a taken one made once)."""
        column = self.columns[name]
        if not isinstance(column, Taken):
            return column
        made = self._made.get(name)
        if made is None:
            made = self._made[name] = _frozen(column.whole())
        return made

    def codes(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """A column of labels (rule, severity, status, org, person, period, was, baseline) as integer codes and its
        distinct values (``values[codes]`` is the column; equal codes, equal values): as the engine gave them, or
        found once (a rule's severity, leaders' names, a waived status, a test's table)."""
        column = self.columns[name]
        if isinstance(column, Taken) and column.distinct:
            return column.at, column.values
        key = ("codes", name)
        if key not in self._made:
            if isinstance(column, Taken):  # values that repeat: their codes, gathered
                code_of, values = distinct_codes(column.values)
                codes = code_of[column.at]
            else:
                codes, values = distinct_codes(column)
            self._made[key] = (_frozen(codes), _frozen(values))
        return self._made[key]

    def take(self, name: str, rows: np.ndarray):
        """A column's values at ``rows`` only (a taken column is not made whole for them)."""
        column = self.columns[name]
        if isinstance(column, Taken) and name not in self._made:
            return column.take(rows)
        return self[name][rows]

    def marked(self, **replaced) -> Judgements:
        """A copy with some columns replaced (the waivers' status, waiver and was; the baseline's marks)."""
        unknown = set(replaced) - set(COLUMNS)
        if unknown:
            raise ValueError(f"not judgement columns: {sorted(unknown)}")
        columns = {name: replaced.get(name, values) for name, values in self.columns.items()}
        return Judgements(columns, self.evidence_judgement, self.evidence_record)

    @cached_property
    def reported(self) -> np.ndarray:
        """Positions of the findings: the judgements that are not met, in table order."""
        codes, statuses = self.codes("status")
        return np.flatnonzero((statuses != Status.MET)[codes])

    def frame(self) -> pd.DataFrame:
        """The table as a pandas DataFrame over the same read-only arrays (for group-bys and joins)."""
        return make_frame({name: self[name] for name in COLUMNS})

"""Rejected rows and warnings: one table shape (``ISSUE_COLUMNS``: file, sheet, row, column, value, reason,
organisation) for everything the intake says about a row, and a cell's value as a message shows it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from compliance.domain import ISSUE_COLUMNS
from compliance.intake.values import is_blank

if TYPE_CHECKING:
    from compliance.intake.normalise import TableInfo


def issues_frame(rows: list[dict] | pd.DataFrame | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(rows if rows is not None else [], columns=list(ISSUE_COLUMNS))
    return frame.astype({"row": "Int64"}) if len(frame) else frame


def in_documents(frame: pd.DataFrame, tables: list[TableInfo]) -> pd.DataFrame:
    """The issues with no row number where they are about meeting minutes: a minutes record's place is its document
    and its table there (表格2, 正文: the ``sheet``), not a row."""
    from compliance.intake.kinds import TableKind

    places = {(t.source, t.sheet) for t in tables if t.kind.kind is TableKind.MINUTES}
    if not places or not len(frame):
        return frame
    at = np.array([(s, w) in places for s, w in zip(frame["source"], frame["sheet"], strict=True)], dtype=bool)
    if at.any():
        frame = frame.copy()
        frame.loc[at, "row"] = pd.NA
    return frame


def cell_text(value: object) -> str | None:
    """A cell's value as a message shows it: dates ISO, whole floats without ``.0``."""
    if is_blank(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

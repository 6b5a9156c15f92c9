"""Rejected rows and warnings: one table shape (``ISSUE_COLUMNS``: file, sheet, row, column, value, reason,
organisation) for everything the intake says about a row, and a cell's value as a message shows it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from compliance.domain import ISSUE_COLUMNS
from compliance.intake.values import is_blank

if TYPE_CHECKING:
    from compliance.intake.shapes import IssueRow


def issues_frame(rows: Sequence[IssueRow] | pd.DataFrame | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(rows if rows is not None else [], columns=list(ISSUE_COLUMNS))
    return frame.astype({"row": "Int64"}) if len(frame) else frame


def cell_text(value: object) -> str | None:
    """A cell's value as a message shows it: dates ISO, whole floats without ``.0``."""
    if is_blank(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

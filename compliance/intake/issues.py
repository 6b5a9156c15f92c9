"""Rejected rows and warnings: one type (``Issue``) for everything the intake says about a row, one table shape
(``ISSUE_COLUMNS``: file, sheet, row, column, value, reason, organisation) for all of them, and a cell's value as a
message shows it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple, Protocol

import numpy as np
import pandas as pd

from compliance.intake.values import is_blank

if TYPE_CHECKING:
    from compliance.intake.normalise import TableInfo


class Located(Protocol):
    """Where rows come from: a table as read (``sheets.Table``) or as described (``normalise.TableInfo``)."""

    source: str
    sheet: str | None


class Issue(NamedTuple):
    """One thing the intake says about a row, a header or a sheet: a rejected row or a warning. Every one is built
    here (``Issue.at``), and its fields are the columns of the rejected-row and warning tables, in their order."""

    source: str  # the file, as reports name it
    sheet: str | None  # None in a CSV
    row: int | None  # as Excel numbers it; None when the issue is about no one row
    column: str | None  # the canonical column (组织, 日期 …) or the header as written; None: the whole row
    value: str | None  # the cell as a message shows it (``cell_text``); None when no one cell
    reason: str  # why, in Chinese
    org: str | None  # the roster's name of the row's organisation, when known

    @classmethod
    def at(cls, table: Located, row: int | None, reason: str, *, column: str | None = None,
           value: str | None = None, org: str | None = None) -> Issue:
        """The issue about ``row`` of ``table``."""
        # the tuple made directly: the gate makes one per rejected row, and a namedtuple's own __new__ is a Python
        # call of its own (this keeps an issue about as cheap to make as the dict it replaced)
        return tuple.__new__(cls, (table.source, table.sheet, row, column, value, reason, org))


ISSUE_COLUMNS: tuple[str, ...] = Issue._fields


def issues_frame(issues: Iterable[Issue] | pd.DataFrame | None = None) -> pd.DataFrame:
    """Issues as one table (``ISSUE_COLUMNS``, ``row`` a nullable integer); a table of them is taken as it is."""
    rows = issues if issues is None or isinstance(issues, pd.DataFrame) else list(issues)
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

"""The shapes of what the intake says about its input, as they cross into the findings and the outputs
(findings.json, validate's report, the pages): typed dicts, so that every writer and reader of one agrees on its
keys and the JSON stays exactly what it was."""

from __future__ import annotations

from typing import TypedDict


class IssueRow(TypedDict):
    """A rejected row or a warning (one row of ``issues_frame``, in ``ISSUE_COLUMNS`` order)."""

    source: str
    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    reason: str
    org: str | None


class SkippedRows(TypedDict):
    """Rows of a table not read as records: why, how many, which (``1-3、7``, or ``全部``)."""

    reason: str
    rows: int
    at: str


class UnusedColumn(TypedDict):
    """A header not used, and why."""

    column: str
    reason: str


class SkippedSheet(TypedDict):
    """A sheet not read at all (empty, or no table of records)."""

    sheet: str | None
    reason: str


class ExpectationCount(TypedDict):
    """One expectation of the data-quality gate and how many rows failed it."""

    expectation: str
    column: str
    action: str
    unexpected: int

"""Normalise: raw ledger cells → one candidate row per non-blank ledger row, every field parsed and normalised.

Each column is converted per distinct value (``pd.factorize``), never per cell: a district's ledgers repeat the
same organisation names, types and dates thousands of times. Nothing is decided here about whether a row can be
used: a value that cannot be parsed becomes empty and its problem is kept beside it, in Chinese. The data-quality
gate (``compliance.intake.gate``) then rejects or warns, row by row, and the totals reconcile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import numpy as np
import pandas as pd

from compliance.config.catalogue import Catalogue
from compliance.domain import COLUMNS
from compliance.frames import frame, objects
from compliance.intake.roster import Roster, infer_org_type
from compliance.intake.sheets import SourceFile, Table
from compliance.intake.values import ValueProblem, is_blank, parse_count, parse_date, parse_mark
from compliance.spelling import normalise_name, normalise_text

RECORD_FIELDS = ("org", "date", "type", "topic", "person", "expected", "present", "discipline", "table", "row")


@dataclass
class TableInfo:
    """What evidence, reports and unverifiable checks need to know about one table."""

    source: str
    sheet: str | None
    header_row: int
    columns: frozenset[str]  # canonical column names present in the header
    mapping: dict[str, str] = field(default_factory=dict)  # header as written → canonical column


@dataclass
class SourceSummary:
    source: str
    sha256: str
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    blank: int = 0
    skipped_sheets: list[dict] = field(default_factory=list)
    tables: list[int] = field(default_factory=list)  # indices into the table list
    path: str = ""  # the file as found (relative to the working folder when given so): where CI annotations point


@dataclass
class Candidates:
    """Every non-blank ledger row, parsed. Raw values stay for messages (``raw_*``); problems are per field."""

    rows: pd.DataFrame
    tables: list[TableInfo]
    warnings: list[dict]  # about headers: unknown, unnamed or repeated columns
    sources: list[SourceSummary]

    def org_spellings(self) -> list[str]:
        return list(pd.unique(self.rows["org_key"].dropna()))


def _header_map(table: Table, catalogue: Catalogue, warnings: list[dict]) -> dict[int, str]:
    """Column position → canonical name; unknown or repeated headers become warnings, not silence."""
    override = table.override.columns if table.override else {}
    mapping: dict[int, str] = {}
    for position, header in enumerate(table.headers):
        key = normalise_name(header) if header else ""
        canonical = (override.get(key) or catalogue.column_of.get(key)) if header else None
        has_data = not table.empty_columns.iat[position] if len(table.cells) else False
        if canonical and canonical not in mapping.values():
            mapping[position] = canonical
            continue
        if not header and not has_data:
            continue
        reason = (
            f"列名重复（已使用前面的“{canonical}”列），本列已忽略"
            if canonical
            else ("无列名的列，已忽略" if not header else "未识别的列，已忽略（可在格式文件 --layout 中说明它的含义）")
        )
        warnings.append(
            {"source": table.source, "sheet": table.sheet, "row": table.header_row,
             "column": header or None, "value": None, "reason": reason, "org": None}
        )
    return mapping


def _names(table: Table) -> list[str]:
    """The names a table's rows may take their type or organisation from: the sheet's, then the file's."""
    return [normalise_name(n) for n in (table.sheet, PurePosixPath(table.source).stem) if n]


def _type_from_name(table: Table, catalogue: Catalogue) -> str | None:
    """The activity type the layout, the sheet name or the file name gives (“党课” sheet, “…调研报告登记表.xlsx”)."""
    if table.override and table.override.type:
        return catalogue.type_of[normalise_name(table.override.type)]
    for key in _names(table):
        if key in catalogue.type_of:
            return catalogue.type_of[key]
        found = {catalogue.type_of[s] for s in catalogue.type_of if s in key}
        if len(found) == 1:
            return found.pop()
    return None


def _org_from_name(table: Table, roster: Roster | None) -> str | None:
    """For a ledger without an organisation column: the organisation the layout, the sheet or the file names."""
    if table.override and table.override.org:
        return table.override.org
    for key in _names(table):
        if (roster.resolve(key) is not None) if roster is not None else infer_org_type(key) is not None:
            return key
    return None


def _apply(uniques: list, convert: Callable[[object], object]) -> tuple[np.ndarray, np.ndarray]:
    """``convert`` of each distinct value, and its problem message (None when fine), as object arrays."""
    converted = np.empty(len(uniques), dtype=object)
    problems = np.full(len(uniques), None, dtype=object)
    for i, value in enumerate(uniques):
        try:
            converted[i] = convert(value)
        except ValueProblem as exc:
            converted[i] = None
            problems[i] = str(exc)
    return converted, problems


def _convert(values: pd.Series, convert: Callable[[object], object]) -> tuple[np.ndarray, np.ndarray]:
    """Apply ``convert`` to each distinct value: (converted per row, problem message per row or None)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    converted, problems = _apply(list(uniques), convert)
    return converted[codes], problems[codes]


def _text(value: object) -> str | None:
    return None if is_blank(value) else normalise_text(str(value))


def normalise(
    sources: list[SourceFile], catalogue: Catalogue, roster: Roster | None
) -> Candidates:
    """Candidate rows of every table; ``roster`` (None without --roster) only helps find organisation names."""
    warnings: list[dict] = []
    tables: list[TableInfo] = []
    frames: list[pd.DataFrame] = []
    summaries: list[SourceSummary] = []
    for source in sources:
        summary = SourceSummary(source.source, source.sha256, skipped_sheets=source.skipped_sheets,
                                path=source.path.as_posix())
        summaries.append(summary)
        for table in source.tables:
            mapping = _header_map(table, catalogue, warnings)
            summary.tables.append(len(tables))
            tables.append(
                TableInfo(table.source, table.sheet, table.header_row, frozenset(mapping.values()),
                          {table.headers[pos]: name for pos, name in mapping.items()})
            )
            summary.read += len(table.cells)
            summary.blank += int(table.blank.sum())
            body = table.cells.loc[~table.blank.to_numpy(), list(mapping)]
            n = len(body)
            columns = {COLUMNS[name]: body[pos].array for pos, name in mapping.items()}
            constant = {"org": _org_from_name(table, roster) if "组织" not in mapping.values() else None,
                        "type_fallback": _type_from_name(table, catalogue)}
            for name in [*COLUMNS.values(), "type_fallback"]:
                if name not in columns:
                    columns[name] = pd.Series(np.full(n, constant.get(name), dtype=object), dtype=object).array
            columns["table"] = np.full(n, len(tables) - 1, dtype=np.int64)
            columns["row"] = body.index.to_numpy(dtype=np.int64)
            columns["source_index"] = np.full(n, len(summaries) - 1, dtype=np.int64)
            frames.append(pd.DataFrame(columns))
    raw = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=[*COLUMNS.values(), "type_fallback", "table", "row", "source_index"]
    )
    return Candidates(_parse(raw, catalogue), tables, warnings, summaries)


def _parse(raw: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Parse every field; each parsed column has a ``*_problem`` column beside it (None when fine)."""
    out = pd.DataFrame(
        {"table": raw["table"].to_numpy(dtype=np.int64), "row": raw["row"].to_numpy(dtype=np.int64),
         "source_index": raw["source_index"].to_numpy(dtype=np.int64)}
    )
    for name in ("org", "date", "type", "expected", "present", "discipline"):
        out[f"raw_{name}"] = raw[name].array  # as read: strings stay in the reader's memory

    def name_key(value: object) -> str | None:
        return None if is_blank(value) else normalise_name(str(value))

    out["org_key"] = objects(_convert(raw["org"], name_key)[0])

    codes, uniques = pd.factorize(raw["date"], use_na_sentinel=False)
    days = np.full(len(uniques), np.datetime64("NaT"), dtype="datetime64[ns]")
    problems = np.full(len(uniques), None, dtype=object)
    for i, value in enumerate(uniques):
        try:
            day = parse_date(value)
        except ValueProblem as exc:
            problems[i] = str(exc)
        else:
            days[i] = np.datetime64(day, "ns") if day is not None else np.datetime64("NaT")
    out["date"] = days[codes]
    out["date_problem"] = objects(problems[codes])

    def canonical_type(value: object) -> str | None:
        if is_blank(value):
            return None
        key = normalise_name(str(value))
        return catalogue.type_of.get(key, normalise_text(str(value)))

    types = _convert(raw["type"], canonical_type)[0]
    fallback = raw["type_fallback"].to_numpy(dtype=object)
    out["type"] = objects(np.where(pd.isna(types), fallback, types))

    out["topic"] = objects(_convert(raw["topic"], _text)[0])
    out["person"] = objects(_convert(raw["person"], name_key)[0])

    for name, parse in (("expected", parse_count), ("present", parse_count), ("discipline", parse_mark)):
        codes, uniques = pd.factorize(raw[name], use_na_sentinel=False)
        values, problems = _apply(list(uniques), parse)
        if parse is parse_count:  # per distinct value: the number and whether it is missing, then per row
            known = np.array([v is not None for v in values], dtype=bool)
            numbers = np.array([v if v is not None else 0 for v in values], dtype=np.int64)
            out[name] = pd.arrays.IntegerArray(numbers[codes], ~known[codes])
        else:
            out[name] = objects(values[codes])
        out[f"{name}_problem"] = objects(problems[codes])
    return out


def resolve_orgs(candidates: Candidates, roster: Roster) -> np.ndarray:
    """Roster index per candidate row, -1 when the spelling is blank or not in the roster."""
    codes, uniques = pd.factorize(candidates.rows["org_key"], use_na_sentinel=True)
    resolved = np.array([roster.resolve(u) if roster.resolve(u) is not None else -1 for u in uniques] + [-1],
                        dtype=np.int64)
    return resolved[codes]


def records_frame(rows: pd.DataFrame, keep: np.ndarray, org: np.ndarray, type_code: np.ndarray) -> pd.DataFrame:
    """The engine's record table (RECORD_FIELDS) from the candidate rows at ``keep``, with their roster indices
    and type positions (column by column: the candidate table itself is never copied)."""
    return frame(
        {
            "org": org[keep].astype(np.int64),
            "date": rows["date"].to_numpy("datetime64[D]")[keep],
            "type": type_code[keep].astype(np.int64),
            "topic": _objects(rows["topic"], keep),
            "person": _objects(rows["person"], keep),
            "expected": rows["expected"].array[keep],
            "present": rows["present"].array[keep],
            "discipline": _objects(rows["discipline"], keep),
            "table": rows["table"].to_numpy(dtype=np.int64)[keep],
            "row": rows["row"].to_numpy(dtype=np.int64)[keep],
        }
    )


def _objects(column: pd.Series, keep: np.ndarray) -> np.ndarray:
    """Values at ``keep`` as Python objects, every kind of missing as None."""
    values = column.to_numpy(dtype=object)[keep]
    values[pd.isna(values)] = None
    return values

"""Normalise: raw ledger cells → one table of canonical activity records, plus the rows that cannot be used.

Each column is converted per distinct value (``pd.factorize``), never per cell: a district's ledgers repeat the
same organisation names, types and dates thousands of times. A row is accepted, rejected (with the first reason
it cannot be used) or blank; value problems that leave the row usable (a head count that is not a number) are
warnings. Nothing is dropped without a trace.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import numpy as np
import pandas as pd

from compliance.catalogue import Catalogue
from compliance.ingest import SourceFile, Table
from compliance.models import COLUMNS, ISSUE_COLUMNS
from compliance.roster import Roster
from compliance.text import normalise_name, normalise_text
from compliance.values import ValueProblem, is_blank, parse_count, parse_date, parse_mark

RECORD_FIELDS = ("org", "date", "type", "topic", "person", "expected", "present", "discipline", "table", "row")


@dataclass
class TableInfo:
    """What evidence and unverifiable checks need to know about one table."""

    source: str
    sheet: str | None
    header_row: int
    columns: frozenset[str]  # canonical column names present in the header


@dataclass
class SourceSummary:
    source: str
    sha256: str
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    blank: int = 0
    skipped_sheets: list[dict] = field(default_factory=list)


@dataclass
class Normalised:
    records: pd.DataFrame  # RECORD_FIELDS; org and type are integer codes, date is datetime64
    tables: list[TableInfo]
    rejected: pd.DataFrame  # ISSUE_COLUMNS
    warnings: pd.DataFrame  # ISSUE_COLUMNS
    sources: list[SourceSummary]


def issues_frame(rows: list[dict] | pd.DataFrame | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(rows if rows is not None else [], columns=list(ISSUE_COLUMNS))
    return frame.astype({"row": "Int64"}) if len(frame) else frame


def _header_map(table: Table, catalogue: Catalogue, warnings: list[dict]) -> dict[int, str]:
    """Column position → canonical name; unknown or repeated headers become warnings, not silence."""
    mapping: dict[int, str] = {}
    for position, header in enumerate(table.headers):
        canonical = catalogue.column_of.get(normalise_name(header)) if header else None
        has_data = not table.empty_columns.iat[position] if len(table.cells) else False
        if canonical and canonical not in mapping.values():
            mapping[position] = canonical
            continue
        if not header and not has_data:
            continue
        reason = (
            f"列名重复（已使用前面的“{canonical}”列），本列已忽略"
            if canonical
            else ("无列名的列，已忽略" if not header else "未识别的列，已忽略")
        )
        warnings.append(
            {"source": table.source, "sheet": table.sheet, "row": table.header_row,
             "column": header or None, "value": None, "reason": reason, "org": None}
        )
    return mapping


def _type_from_name(table: Table, catalogue: Catalogue) -> str | None:
    """The activity type a sheet name or file name stands for (“党课” sheet, “领导干部调研报告登记表.xlsx”)."""
    for name in (table.sheet, PurePosixPath(table.source).stem):
        if not name:
            continue
        key = normalise_name(name)
        if key in catalogue.type_of:
            return catalogue.type_of[key]
        found = {catalogue.type_of[s] for s in catalogue.type_of if s in key}
        if len(found) == 1:
            return found.pop()
    return None


def _convert(values: pd.Series, convert: Callable[[object], object]) -> tuple[np.ndarray, np.ndarray]:
    """Apply ``convert`` to each distinct value: (converted per row, problem message per row or None)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    out = np.empty(len(uniques), dtype=object)
    problems = np.full(len(uniques), None, dtype=object)
    for i, value in enumerate(uniques):
        try:
            out[i] = convert(value)
        except ValueProblem as exc:
            out[i] = None
            problems[i] = str(exc)
    return out[codes], problems[codes]


def _shown(value: object) -> str | None:
    if is_blank(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def normalise(sources: list[SourceFile], catalogue: Catalogue, roster: Roster) -> Normalised:
    warnings: list[dict] = []
    tables: list[TableInfo] = []
    frames: list[pd.DataFrame] = []
    summaries: list[SourceSummary] = []
    for source in sources:
        summary = SourceSummary(source.source, source.sha256, skipped_sheets=source.skipped_sheets)
        summaries.append(summary)
        for table in source.tables:
            mapping = _header_map(table, catalogue, warnings)
            table_id = len(tables)
            tables.append(TableInfo(table.source, table.sheet, table.header_row, frozenset(mapping.values())))
            summary.read += len(table.cells)
            summary.blank += int(table.blank.sum())
            body = table.cells.loc[~table.blank, list(mapping)]
            frame = pd.DataFrame(
                {COLUMNS[name]: body[pos].to_numpy(dtype=object) for pos, name in mapping.items()},
                index=body.index,
            )
            for name in COLUMNS.values():
                if name not in frame:
                    frame[name] = None
            frame["type_fallback"] = _type_from_name(table, catalogue)
            frame["table"] = table_id
            frame["row"] = body.index.to_numpy()
            frame["source_index"] = len(summaries) - 1
            frames.append(frame.reset_index(drop=True))
    raw = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=[*COLUMNS.values(), "type_fallback", "table", "row", "source_index"]
    )
    return _normalise_rows(raw, tables, summaries, warnings, catalogue, roster)


def _normalise_rows(raw, tables, summaries, warnings, catalogue, roster) -> Normalised:
    n = len(raw)
    reason = np.full(n, None, dtype=object)
    column = np.full(n, None, dtype=object)
    shown = np.full(n, None, dtype=object)

    def reject(mask: np.ndarray, col: str, why: np.ndarray | str, values: pd.Series) -> None:
        fresh = mask & pd.isna(reason)
        reason[fresh] = why[fresh] if isinstance(why, np.ndarray) else why
        column[fresh] = col
        shown[fresh] = [_shown(v) for v in values[fresh]]

    # 组织: full name or alias, any script and width.
    def resolve_org(value: object) -> int:
        if is_blank(value):
            raise ValueProblem("组织为空")
        code = roster.resolve(str(value))
        if code is None:
            near = roster.closest(str(value))
            hint = f"，最接近的有：{'、'.join(near)}" if near else ""
            raise ValueProblem(f"组织“{normalise_text(str(value))}”不在名册中{hint}")
        return code

    org, problem = _convert(raw["org"], resolve_org)
    reject(problem != None, "组织", problem, raw["org"])  # noqa: E711 - elementwise

    date, problem = _convert(raw["date"], parse_date)
    reject(problem != None, "日期", problem, raw["date"])  # noqa: E711

    type_names = list(catalogue.activity_types)
    type_code = {name: i for i, name in enumerate(type_names)}

    def resolve_type(value: object) -> int | None:
        if is_blank(value):
            return None
        canonical = catalogue.type_of.get(normalise_name(str(value)))
        if canonical is None:
            raise ValueProblem(f"未知的活动类型“{normalise_text(str(value))}”")
        return type_code[canonical]

    kind, problem = _convert(raw["type"], resolve_type)
    fallback = raw["type_fallback"].map(lambda t: type_code.get(t) if isinstance(t, str) else None)
    missing = pd.isna(pd.Series(kind)).to_numpy() & (problem == None)  # noqa: E711
    kind = np.where(missing, fallback.to_numpy(dtype=object), kind)
    still = missing & pd.isna(pd.Series(kind)).to_numpy()
    problem = np.where(still, "活动类型为空，且无法从工作表名或文件名确定", problem)
    reject(problem != None, "类型", problem, raw["type"])  # noqa: E711

    accepted = pd.isna(reason)
    rejected = issues_frame(
        {
            "source": [tables[t].source for t in raw["table"][~accepted]],
            "sheet": [tables[t].sheet for t in raw["table"][~accepted]],
            "row": raw["row"][~accepted].to_numpy(),
            "column": column[~accepted],
            "value": shown[~accepted],
            "reason": reason[~accepted],
            "org": [roster.names[c] if isinstance(c, int | np.integer) else None for c in org[~accepted]],
        }
    )

    # Optional fields: a bad value is a warning and becomes empty; the record still counts.
    kept = raw[accepted].reset_index(drop=True)
    records = pd.DataFrame(
        {
            "org": org[accepted].astype(np.int64),
            "date": np.array(list(date[accepted]), dtype="datetime64[D]"),
            "type": kind[accepted].astype(np.int64),
        }
    )
    records["topic"] = _convert(kept["topic"], lambda v: None if is_blank(v) else normalise_text(str(v)))[0]
    records["person"] = _convert(kept["person"], lambda v: None if is_blank(v) else normalise_name(str(v)))[0]
    for name, parse, label in (
        ("expected", parse_count, "应到"),
        ("present", parse_count, "实到"),
        ("discipline", parse_mark, "会前说纪"),
    ):
        values, problem = _convert(kept[name], parse)
        bad = problem != None  # noqa: E711
        for i in np.flatnonzero(bad):
            info = tables[kept["table"].iat[i]]
            warnings.append(
                {"source": info.source, "sheet": info.sheet, "row": int(kept["row"].iat[i]), "column": label,
                 "value": _shown(kept[name].iat[i]), "reason": f"{problem[i]}，按未填写处理",
                 "org": roster.names[records["org"].iat[i]]}
            )
        records[name] = pd.array(values, dtype="Int64") if name != "discipline" else values
    records["table"] = kept["table"].to_numpy(dtype=np.int64)
    records["row"] = kept["row"].to_numpy(dtype=np.int64)

    for i, summary in enumerate(summaries):
        in_source = raw["source_index"].to_numpy() == i
        summary.accepted = int((in_source & accepted).sum())
        summary.rejected = int((in_source & ~accepted).sum())
    return Normalised(records[list(RECORD_FIELDS)], tables, rejected, issues_frame(warnings), summaries)

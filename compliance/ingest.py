"""Ingest: find ledger files, read every sheet into rows of raw cells, locate the header row.

Nothing here interprets a cell's meaning; that is normalise's job. What a file cannot give (unreadable, no header)
is an ``InputError`` for the file; what a sheet cannot give (no ledger in it) is a skipped sheet, listed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from compliance.errors import InputError
from compliance.text import normalise_name
from compliance.values import is_blank

LEDGER_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xls", ".ods")
HEADER_SEARCH_ROWS = 30


@dataclass
class Table:
    """One sheet of a workbook, or one CSV file, as raw cells below its header row."""

    source: str  # the file as shown to users
    sheet: str | None  # None for CSV
    header_row: int  # 1-based, as Excel shows it
    headers: list[str]  # the header cells as written
    cells: pd.DataFrame  # one column per header position (object dtype); index = 1-based row numbers
    blank: pd.Series  # bool per row: every cell empty
    empty_columns: pd.Series  # bool per column position: no cell filled


@dataclass
class SourceFile:
    """A ledger file: its identity and what reading it gave."""

    source: str
    path: Path
    sha256: str
    tables: list[Table] = field(default_factory=list)
    skipped_sheets: list[dict[str, str]] = field(default_factory=list)


def discover(paths: Sequence[str | Path]) -> list[tuple[Path, str]]:
    """Every ledger file under ``paths`` (files or folders, searched recursively), with the name shown for it.

    Folder members are named relative to the folder; a file given directly by its name. Lock files (``~$``) and
    hidden files are left out. Order is deterministic.
    """
    found: list[tuple[Path, str]] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            members = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in LEDGER_SUFFIXES and not _hidden(p.relative_to(path))
            )
            found.extend((p, p.relative_to(path).as_posix()) for p in members)
        elif path.is_file():
            found.append((path, path.name))
        else:
            raise InputError("文件或文件夹不存在", source=str(given))
    counts: dict[str, int] = {}
    for _, shown in found:
        counts[shown] = counts.get(shown, 0) + 1
    return [(p, shown if counts[shown] == 1 else p.as_posix()) for p, shown in found]


def _hidden(relative: Path) -> bool:
    return any(part.startswith((".", "~$")) for part in relative.parts)


def read_rows(path: Path, shown: str) -> dict[str | None, list[list[object]]]:
    """Raw rows of every sheet (CSV: one sheet named None), row 1 first, as the user sees them."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return {None: _read_csv_rows(path, shown)}
    if suffix in LEDGER_SUFFIXES:
        return _read_workbook_rows(path, shown)
    raise InputError(f"不支持的文件类型“{suffix}”，请使用 {'、'.join(LEDGER_SUFFIXES)}", source=shown)


def _decode(data: bytes, shown: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputError("无法识别文件的字符编码（支持 UTF-8、GBK/GB18030）", source=shown)
    return str(best)


def _read_csv_rows(path: Path, shown: str) -> list[list[object]]:
    import csv
    import io

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"无法读取文件：{exc.strerror or exc}", source=shown) from None
    text = _decode(data, shown)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise InputError(f"CSV 格式错误：{exc}", source=shown) from None


def _read_workbook_rows(path: Path, shown: str) -> dict[str | None, list[list[object]]]:
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        return {
            name: workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
            for name in workbook.sheet_names
        }
    except Exception as exc:  # calamine raises its own error types for broken, encrypted or foreign files
        raise InputError(f"无法读取工作簿（文件损坏、加密或并非表格文件）：{exc}", source=shown) from None


def find_header(rows: Sequence[Sequence[object]], known: dict[str, str]) -> tuple[int, int] | None:
    """(index, hits) of the row among the first few that holds the most known column names, or None."""
    best: tuple[int, int] | None = None
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        hits = len({known[key] for cell in row if not is_blank(cell) and (key := normalise_name(str(cell))) in known})
        if hits >= 2 and (best is None or hits > best[1]):
            best = (index, hits)
    return best


def to_table(rows: list[list[object]], header_index: int, source: str, sheet: str | None) -> Table:
    header = rows[header_index]
    width = max((len(r) for r in rows[header_index:]), default=0)
    headers = [("" if is_blank(h) else str(h).strip()) for h in header] + [""] * (width - len(header))
    body = [list(r) + [""] * (width - len(r)) for r in rows[header_index + 1 :]]
    cells = pd.DataFrame(body, columns=range(width), dtype=object)
    cells.index = pd.RangeIndex(header_index + 2, header_index + 2 + len(body))
    empty = blank_cells(cells)
    blank = empty.all(axis=1) if width else pd.Series(True, index=cells.index)
    return Table(source, sheet, header_index + 1, headers, cells, blank, empty.all(axis=0))


def blank_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """Elementwise ``is_blank`` for a whole frame, column at a time rather than cell at a time."""
    if cells.empty:
        return pd.DataFrame(True, index=cells.index, columns=cells.columns)
    return cells.isna() | cells.apply(lambda column: column.astype("string").str.strip().eq("").fillna(False))


def read_source(path: Path, shown: str, known: dict[str, str]) -> SourceFile:
    """Read one ledger file: every sheet that has a recognisable header becomes a table."""
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise InputError(f"无法读取文件：{exc.strerror or exc}", source=shown) from None
    result = SourceFile(shown, path, digest)
    sheets = read_rows(path, shown)
    for sheet, rows in sheets.items():
        if not any(not is_blank(c) for r in rows for c in r):
            result.skipped_sheets.append({"sheet": sheet, "reason": "空表"})
            continue
        header = find_header(rows, known)
        if header is None:
            result.skipped_sheets.append({"sheet": sheet, "reason": "未找到表头（不是台账）"})
            continue
        result.tables.append(to_table(rows, header[0], shown, sheet))
    if not result.tables and all(s["reason"] == "空表" for s in result.skipped_sheets):
        raise InputError("文件为空", source=shown)
    if not result.tables:
        expected = "、".join(dict.fromkeys(known.values()))
        first = next((r for r in next(iter(sheets.values()), []) if any(not is_blank(c) for c in r)), [])
        seen = "、".join(str(c).strip() for c in first if not is_blank(c)) or "（无）"
        raise InputError(
            f"找不到台账表头。首个非空行为：{seen}；应包含以下列名中的至少两个：{expected}", source=shown
        )
    return result


def read_sources(paths: Iterable[tuple[Path, str]], known: dict[str, str]) -> list[SourceFile]:
    return [read_source(path, shown, known) for path, shown in paths]

"""Sheets: read every sheet of a ledger file into rows of raw cells and make a table of each below its header.

Nothing here interprets a cell's meaning; that is normalise's job. What a file cannot give (unreadable, no header)
is an ``InputError`` for the file; what a sheet cannot give (no ledger in it) is a skipped sheet, listed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, cast

import numpy as np
import pandas as pd

from compliance.config.layout import Layout, Override
from compliance.config.limits import Limits, column_letter
from compliance.errors import InputError
from compliance.intake.counts import count_header
from compliance.intake.discover import LEDGER_SUFFIXES, Found, kind_of
from compliance.intake.header import HEADER_SEARCH_ROWS, locate_header, no_header, row_columns, sub_header
from compliance.intake.kinds import Evidence, Kind, TableKind, classify, title_text
from compliance.intake.meaning import HeaderReader, header_like
from compliance.intake.minutes import OLD_WORD, is_docx, read_minutes
from compliance.intake.shapes import SkippedSheet
from compliance.intake.values import PLAUSIBLE, ValueProblem, is_blank, parse_date
from compliance.intake.zipscan import SheetFacts, inspect_zip
from compliance.spelling import normalise_name


@dataclass
class Table:
    """One sheet of a workbook, or one CSV file, as raw cells below its header row."""

    source: str  # the file as shown to users
    sheet: str | None  # None for CSV
    header_row: int  # 1-based, as Excel shows it
    headers: list[str]  # the header cells as written
    cells: pd.DataFrame  # one column per header position (object dtype); index = 1-based row numbers
    blank: pd.Series  # bool per row: every cell empty (before merged cells are filled)
    empty_columns: pd.Series  # bool per column position: no cell filled
    override: Override | None = None  # from --layout
    hidden: bool = False  # the sheet is hidden
    lines: np.ndarray | None = None  # CSV: the text line each record starts on (None: record n is line n)
    above: tuple[tuple[int, tuple], ...] = ()  # the non-blank rows above the header that belong to no other table
    # (title rows; between stacked tables, those above the lower one): (1-based row, cells)
    samples: frozenset[int] = frozenset()  # 1-based rows of a template's sample: cells repeating the column names
    filled: np.ndarray | None = None  # per body row, how many cells are filled in (before merged cells are filled)
    kind: Kind | None = None  # what the table is, when its reader knows (minutes); None: classified from its header
    header_cells: tuple[tuple, ...] = ()  # the header row(s) as read, upper first (a count table's merged groups)

    def line(self, rows):
        """Row numbers as users find them: a workbook's rows as they are, a CSV's records as the text line each
        starts on (they differ after a quoted cell holding a line break). ``rows``: one number or an array."""
        if self.lines is None:
            return rows
        return self.lines[np.asarray(rows, dtype=np.int64) - 1] if np.ndim(rows) else int(self.lines[rows - 1])
    facts: SheetFacts = field(default_factory=SheetFacts)  # its hidden rows and formulas without a saved value
    distinct: dict[int, Distinct] = field(default_factory=dict)  # per column position read by pyarrow: its cells
    # as codes into their distinct values (``Distinct``), row for row with ``cells``


@dataclass(frozen=True)
class Distinct:
    """A column of strings as its distinct values and, per row, the one it holds (``pc.dictionary_encode``, done
    once per column of a CSV as it is read). What is judged of a cell — blank, one of a header's words, a footer's
    start — is then judged once per distinct value, and normalise converts each distinct value without looking
    for them again among a million cells. A slice of the rows keeps every value: some may be held by no row."""

    codes: np.ndarray  # int32, per row: the position of its value in ``values``
    values: Any  # a pyarrow large_string array, each distinct string once

    @classmethod
    def of(cls, column) -> Distinct:
        """The distinct values of an Arrow string column (chunked or not, no nulls) in order of first appearance."""
        import pyarrow as pa
        import pyarrow.compute as pc

        encoded = pc.dictionary_encode(column)
        if isinstance(encoded, pa.ChunkedArray):  # (one dictionary for all chunks, the last chunk's: it grows)
            encoded = encoded.combine_chunks() if encoded.num_chunks else pa.DictionaryArray.from_arrays(
                pa.array([], pa.int32()), pa.array([], column.type))
        return cls(encoded.indices.to_numpy(zero_copy_only=False), encoded.dictionary)

    def rows(self, keep) -> Distinct:
        """The same column at ``keep`` (a slice or a boolean mask of rows)."""
        return Distinct(self.codes[keep], self.values)

    def each_row(self, per_value: np.ndarray) -> np.ndarray:
        """Per row, what its value gave (``per_value``: one entry per distinct value). What is true of no value is
        false on every row, without looking at the rows: most columns hold no blank cell and no header's word."""
        if per_value.dtype == bool and not per_value.any():
            return np.zeros(len(self.codes), dtype=bool)
        return per_value[self.codes]


@dataclass
class SourceFile:
    """A ledger file: its identity and what reading it gave."""

    source: str
    path: Path
    sha256: str
    tables: list[Table] = field(default_factory=list)
    skipped_sheets: list[SkippedSheet] = field(default_factory=list)
    unread: list[Unread] = field(default_factory=list)  # sheets with content but no ledger header
    sheets: list[str | None] = field(default_factory=list)  # every sheet's name, in the workbook's order


@dataclass
class Unread:
    """A sheet with content in which no ledger header was found: its first rows (for saying what it is) and how
    many of its rows are not blank (all counted as skipped)."""

    source: str
    sheet: str | None
    kind: Kind
    filled: int
    closest: str  # the row most like a header, and what is expected (the message when no ledger is found at all)
    hidden: bool = False


Merged = list[tuple[tuple[int, int], tuple[int, int]]]  # ((first row, first col), (last row, last col)), 0-based


@dataclass
class Sheet:
    """A sheet's cells: as rows of Python values (workbooks, the tolerant CSV reader) or as one string column per
    position (the fast CSV reader: pyarrow's parser, strings kept in Arrow memory, never one object per cell)."""

    rows: list[list[object]] = field(default_factory=list)  # (empty when the cells are a frame)
    merged: Merged = field(default_factory=list)
    frame: pd.DataFrame | None = None
    hidden: bool = False  # a hidden (or very hidden) sheet
    lines: np.ndarray | None = None  # CSV: the text line each record starts on, when a cell holds a line break
    facts: SheetFacts = field(default_factory=SheetFacts)  # hidden rows, formulas without a saved value (xlsx)
    distinct: dict[int, Distinct] = field(default_factory=dict)  # the frame's columns as distinct values (pyarrow's)

    def head(self, n: int) -> list[list[object]]:
        if self.frame is not None:
            return self.frame.head(n).to_numpy(dtype=object).tolist()
        return self.rows[:n]

    def __len__(self) -> int:
        return len(self.frame) if self.frame is not None else len(self.rows)

    def row(self, index: int) -> list[object]:
        """One row (0-based), or an empty one past the end."""
        if index >= len(self):
            return []
        return self.frame.iloc[index].tolist() if self.frame is not None else list(self.rows[index])

    def lists(self) -> list[list[object]]:
        return self.head(len(self))

    def has_content(self) -> bool:
        if any(not is_blank(c) for r in self.head(HEADER_SEARCH_ROWS) for c in r):
            return True
        if self.frame is not None:
            return not blank_cells(self.frame, self.distinct).to_numpy().all()
        return any(not is_blank(c) for r in self.rows for c in r)


def read_rows(
    path: Path, shown: str, data: bytes | None = None, limits: Limits | None = None
) -> dict[str | None, Sheet]:
    """Raw rows of every sheet (CSV: one sheet named None), row 1 first, as the user sees them.

    ``limits`` are checked before the memory they guard is spent (see compliance.config.limits)."""
    limits = limits or Limits()
    suffix = path.suffix.lower()
    if data is None:
        data = _read_bytes(path, shown, limits)  # (its size checked before reading)
    if not data:
        raise InputError("文件为空（0 字节）", source=shown)
    kind = kind_of(data, suffix)  # by the bytes: an .et, an .xlsx saved as .xls, a workbook with no extension
    if kind is None:
        raise NotASpreadsheet(f"不是表格文件，请使用 {'、'.join(LEDGER_SUFFIXES)}", source=shown)
    if kind == "broken":
        raise InputError("无法读取工作簿（文件损坏或并非表格文件）", source=shown)
    if kind == "encrypted":
        raise InputError(_PROTECTED, source=shown)
    if kind == "csv":
        return {None: _read_csv(data, shown, limits)}
    facts = inspect_zip(data, shown, limits, sheets=kind == "xlsx") if kind in ("xlsx", "ods") else {}
    sheets = _read_workbook_rows(path, shown, limits, kind, data)
    for name, sheet in sheets.items():
        sheet.facts = facts.get(name, sheet.facts) if name is not None else sheet.facts
    return sheets


# what a copy's name adds: 第一中学台账(1).xlsx, 第一中学台账 - 副本.xlsx, 第一中学台账 copy.xlsx. Files alike in
# their bytes but not in their names are both read: the name may give a different organisation or type.
_COPY_MARKS = re.compile(r"(?:\s*[-_]?\s*(?:副本|复件|copy|Copy|COPY)(?:\s*\d+)?|\s*[(（]\d+[)）])+$")


class NotASpreadsheet(InputError):
    """A file whose bytes are no spreadsheet (an attachment in a ledger folder): listed, not read."""


_PROTECTED = "工作簿受密码保护，无法读取；请在 Excel/WPS 中取消密码后另存，再重新检查"
_NATURAL = {"xlsx": (".xlsx", ".xlsm", ".xltx", ".xltm"), "ods": (".ods",), "xls": (".xls", ".xlt")}


def _read_bytes(path: Path, shown: str, limits: Limits) -> bytes:
    try:
        limits.size(path.stat().st_size, shown)  # before reading it all into memory
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"无法读取文件：{exc.strerror or exc}", source=shown) from None


def decode(data: bytes, shown: str) -> str:
    """Text of a CSV: UTF-8 (with or without BOM), UTF-16 with BOM, else detected among GB18030/GBK and Big5."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError("文件以 UTF-16 标记开头，但内容无法按 UTF-16 解码", source=shown) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    encoding = _detect(data)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = text_lines(data[: exc.start + 1])  # the line the undecodable byte is on
        raise InputError(
            f"无法识别文件的字符编码（支持 UTF-8、GBK/GB18030、Big5）：按 {encoding} 解码时第 {line} 行出错",
            source=shown,
        ) from None


def _detect(data: bytes) -> str:
    """GB18030 or Big5, decided on a sample by charset-normalizer; GB18030 when the sample cannot tell."""
    from charset_normalizer import from_bytes

    sample = data[:65536]
    cut = sample.rfind(b"\n")
    sample = sample[: cut + 1] if cut > 0 else sample
    best = from_bytes(sample, cp_isolation=["gb18030", "big5"]).best()
    return "big5" if best is not None and best.encoding == "big5" else "gb18030"


def _read_csv(data: bytes, shown: str, limits: Limits) -> Sheet:
    """A CSV's cells. Rectangular files (every row as wide as the first: what Excel and WPS export) go through
    pyarrow's parser into string columns; anything else — a title line narrower than the header, a ragged row —
    through Python's csv module, slower but tolerant. Both give the same cells.

    UTF-8 files go to pyarrow as they are (it checks the encoding as it reads); others are decoded first."""
    import csv
    import io

    # the UTF-8 text is ``body`` from ``start`` on: a BOM is stepped over, never sliced off (a copy of the file)
    body, start = data, 3 if data.startswith(b"\xef\xbb\xbf") else 0
    text = None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or not _utf8_sample(body, start):
        text = decode(data, shown)
        body, start = text.encode("utf-8"), 0
    physical = text_lines(body, start)
    limits.extent(physical, 0, shown, None, dense=False)  # at least as many lines as rows: checked before parsing
    sample = body[start:start + 65536].decode("utf-8", errors="ignore")
    try:
        delimiter = csv.Sniffer().sniff(sample[:4096], delimiters=",\t;").delimiter
    except csv.Error:
        delimiter = ","
    read = _read_rectangular(body, start, sample, delimiter, shown, limits)
    if read is not None:
        frame, distinct = read
        if len(frame) == physical:  # one line per row: no cell holds a line break
            return Sheet(frame=frame, distinct=distinct)
        starts = _record_lines(text or body[start:].decode("utf-8"), delimiter)
        if len(starts) == len(frame):
            return Sheet(frame=frame, lines=starts, distinct=distinct)
        # (the two parsers disagree about where a record ends: the rows are taken from the one that gave the lines)
    text = text if text is not None else decode(data, shown)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    previous = csv.field_size_limit(limits.cell_chars)  # the module's own guard, at our limit
    lines: list[int] = []
    end = 0
    try:
        rows: list[list[object]] = []
        for row in reader:
            rows.append(list(row))
            lines.append(end + 1)
            end = reader.line_num
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise InputError(f"单元格超过 {limits.cell_chars:,} 个字符的上限（确需检查时可用 --limit "
                             "cell-chars=更大的数值 放宽）", source=shown, row=reader.line_num) from None
        raise InputError(f"CSV 格式错误：{exc}", source=shown, row=reader.line_num) from None
    finally:
        csv.field_size_limit(previous)
    limits.extent(len(rows), max(map(len, rows), default=0), shown, None, dense=False)
    return Sheet(rows, lines=np.array(lines, dtype=np.int64) if end != len(rows) else None)


def text_lines(data: bytes, start: int = 0) -> int:
    """How many lines a text editor shows for ``data`` from ``start`` on (not counting the empty one after a final
    line break). A line ends at CRLF (Windows), LF (Unix; Excel's line break inside a cell) or a lone CR (old Mac
    exports), as pyarrow's parser and Python's csv module (its ``line_num``) end them: the line map and the rows
    agree whatever a file holds. (A lone CR is looked for first: most files hold none, and counting CRLF is the
    slowest of the three.)"""
    lines = _count(data, b"\n", start)
    if data.find(b"\r", start) >= 0:
        lines += _count(data, b"\r", start) - _count(data, b"\r\n", start)
    return lines + (len(data) > start and not data.endswith((b"\n", b"\r"), start))


_BLOCK = 1 << 20


def _count(data: bytes, what: bytes, start: int = 0) -> int:
    """``data.count(what, start)`` for one byte or a pair of bytes, by numpy a block at a time: its comparisons
    use the processor's vector instructions, ~3 times as fast as ``bytes.count`` on a province's CSV (whose
    line breaks are counted before it is parsed); blocks keep the comparison's result small. A pair is compared
    as its first byte here and its second one byte further, so that a pair across two blocks is counted too."""
    view = np.frombuffer(data, dtype=np.uint8)[start:]
    found = np.empty(_BLOCK, dtype=bool)
    total = 0
    for at in range(0, len(view), _BLOCK):
        first = view[at:at + _BLOCK]
        if len(what) == 2:
            second = view[at + 1:at + 1 + _BLOCK]
            first = first[:len(second)]
        hits = found[:len(first)]
        np.equal(first, what[0], out=hits)
        if len(what) == 2:
            hits &= second == what[1]
        total += int(np.count_nonzero(hits))
    return total


def _record_lines(text: str, delimiter: str) -> np.ndarray:
    """The text line each CSV record starts on (1-based): a quoted cell with line breaks moves the rest down."""
    import csv
    import io

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    previous = csv.field_size_limit(sys.maxsize)  # the cells were read and measured already
    starts, end = [], 0
    try:
        for _ in reader:
            starts.append(end + 1)
            end = reader.line_num
    finally:
        csv.field_size_limit(previous)
    return np.array(starts, dtype=np.int64)


def _utf8_sample(data: bytes, start: int = 0) -> bool:
    """Does ``data`` from ``start`` on begin as UTF-8? (A character cut at the sample's end does not count.)"""
    try:
        data[start:start + 65536].decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= min(len(data) - start, 65536) - 3
    return True


def _read_rectangular(data: bytes, start: int, text: str, delimiter: str, shown: str,
                      limits: Limits) -> tuple[pd.DataFrame, dict[int, Distinct]] | None:
    """Every row of ``data`` from ``start`` on as strings, one column per position, and each column's distinct
    values; or None when the rows are not all as wide as the first (or the file is not UTF-8 after all: pyarrow
    checks every string)."""
    import csv
    import io

    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    try:
        first = next(csv.reader(io.StringIO(text[:65536], newline=""), delimiter=delimiter), None)
    except csv.Error:
        return None
    if not first:
        return None
    limits.extent(0, len(first), shown, None, dense=False)
    names = [f"c{i}" for i in range(len(first))]
    try:
        table = pa_csv.read_csv(
            # the bytes as they are, not a file object over them (whose reads would copy the file block by block)
            pa.BufferReader(pa.py_buffer(data).slice(start)),
            read_options=pa_csv.ReadOptions(column_names=names, block_size=1 << 24),
            # a line break inside a cell needs a quoted cell: without any quote the parser need not look for one
            # (and parses in parallel blocks, about three times as fast)
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=data.find(b'"', start) >= 0,
                                              ignore_empty_lines=False),
            # large strings, as pandas keeps its Arrow strings: of plain ones it would make a copy of each column
            convert_options=pa_csv.ConvertOptions(column_types=dict.fromkeys(names, pa.large_string()),
                                                  strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    limits.extent(table.num_rows, table.num_columns, shown, None, dense=False)
    _longest_cells(table, shown, limits)
    frame = table.to_pandas(types_mapper={pa.large_string(): pd.StringDtype("pyarrow", na_value=np.nan)}.get)
    frame.columns = pd.RangeIndex(len(names))
    return frame, {position: Distinct.of(column) for position, column in enumerate(table.columns)}


def _longest_cells(table, shown: str, limits: Limits) -> None:
    """The cell-length limit on Arrow string columns, computed column at a time. A cell has no more characters
    than bytes: the bytes (known from the offsets, without reading a string) settle it for nearly every column."""
    import pyarrow.compute as pc

    for index, column in enumerate(table.columns):
        if column.null_count == len(column) or (pc.max(pc.binary_length(column)).as_py() or 0) <= limits.cell_chars:
            continue
        if (pc.max(pc.utf8_length(column)).as_py() or 0) <= limits.cell_chars:
            continue
        row = pc.index(pc.greater(pc.utf8_length(column), limits.cell_chars), True).as_py()
        limits.cell(len(column[row].as_py()), shown, None, row + 1, column_letter(index))


def _read_workbook_rows(path: Path, shown: str, limits: Limits, kind: str, data: bytes) -> dict[str | None, Sheet]:
    """Every sheet's cells. (Read by path, which tells the reader the format: from bytes it can only guess, and
    its messages for broken files say less. The bytes checked against the limits were read a moment before.
    A file whose name does not say what its bytes are — a WPS .et, an .xlsx saved as .xls — is read from a copy
    named for them.) BIFF (.xls, .et) is read in a child process (compliance.intake.workbook): its reader can
    abort on a damaged file."""
    with contextlib.ExitStack() as stack:
        if path.suffix.lower() not in _NATURAL[kind]:
            try:
                folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="compliance-"))
                path = Path(folder) / f"workbook{_NATURAL[kind][0]}"
                path.write_bytes(data)
            except OSError as exc:
                raise InputError(f"无法为读取准备临时文件：{exc.strerror or exc}", source=shown) from None
        return _sheets(path, shown, limits, kind)


def _sheets(path: Path, shown: str, limits: Limits, kind: str) -> dict[str | None, Sheet]:
    from compliance.intake.workbook import ReaderDied, sheets_isolated, sheets_of

    try:
        if kind == "xls":
            parts = sheets_isolated(str(path), limits.cells)
        else:
            with _native_stderr_kept():
                parts = sheets_of(str(path), limits.cells)
    except (KeyboardInterrupt, SystemExit):
        raise
    except ReaderDied as exc:
        raise InputError(f"无法读取工作簿（文件损坏或并非表格文件）：{exc}", source=shown) from None
    except BaseException as exc:  # calamine's own errors for broken, encrypted or foreign files, and a Rust panic
        text = str(exc)  # on a damaged one (pyo3's PanicException derives from BaseException, not Exception)
        if any(word in text.lower() for word in ("password", "encrypt")):
            raise InputError(_PROTECTED, source=shown) from None
        if "cell limit exceeded" in text.lower():
            raise InputError("工作表的已用区域超过读取器能容纳的 1 亿个单元格（通常是远处的单元格被误填或重复），"
                             "删除台账以外的行和列后另存即可", source=shown) from None
        raise InputError(f"无法读取工作簿（文件损坏或并非表格文件）：{text}", source=shown) from None
    sheets: dict[str | None, Sheet] = {}
    for name, height, width, rows, merged, hidden in parts:
        limits.extent(height, width, shown, name, dense=True)
        limits.cells_of(rows or [], shown, name)  # (None only past a limit: refused above)
        sheets[name] = Sheet(rows or [], merged, hidden=hidden)
    return sheets


@contextlib.contextmanager
def _native_stderr_kept():
    """Hold what native code writes to the stderr file descriptor while it reads a workbook: a Rust panic on a
    damaged file prints its own English message (and a backtrace when RUST_BACKTRACE is set) before it becomes an
    exception, which we turn into a Chinese message. Anything else written is passed on afterwards."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        panicked = False
        try:
            yield
        except BaseException:
            panicked = True
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            held.seek(0)
            written = held.read()
            if written and not panicked:
                os.write(2, written)


def to_table(
    content: Sheet, header_index: int, source: str, sheet: str | None, override: Override | None = None,
    two_rows: bool = False, end: int | None = None, above_from: int | None = None,
) -> Table:
    """The table below the header row at ``header_index`` (0-based), up to the row ``end`` (0-based, exclusive;
    default: the sheet's last); with ``two_rows``, the header is that row and the one below it (a group heading
    such as 参会情况 over 应到 | 实到): a cell of the lower row names its column. The rows from ``above_from`` to
    the header are its title rows (None: it has none of its own)."""
    first_body = header_index + (2 if two_rows else 1)
    distinct: dict[int, Distinct] = {}
    if content.frame is not None:
        header = content.frame.iloc[header_index].tolist()
        lower = content.frame.iloc[header_index + 1].tolist() if two_rows else []
        width = content.frame.shape[1]
        cells = content.frame.iloc[first_body:end]
        if not content.merged:  # (merged cells would be filled in below: the codes would no longer be the cells)
            distinct = {p: d.rows(slice(first_body, end)) for p, d in content.distinct.items()}
    else:
        rows = content.rows
        header, lower = rows[header_index], (rows[header_index + 1] if two_rows else [])
        width = max((len(r) for r in rows[header_index:end]), default=0)
        body = [list(r) + [""] * (width - len(r)) for r in rows[first_body:end]]
        cells = pd.DataFrame(body, columns=range(width), dtype=object)
    header = list(header) + [None] * (width - len(header))
    lower = list(lower) + [None] * (width - len(lower))
    headers = [("" if is_blank(h) else str(h).strip()) if is_blank(below) else str(below).strip()
               for h, below in zip(header, lower, strict=True)]
    cells.index = pd.RangeIndex(first_body + 1, first_body + 1 + len(cells))
    empty = blank_cells(cells, distinct).to_numpy(dtype=bool)  # reduced by numpy: pandas' all(axis=1) tiles it
    # (summed as bytes: a bool sum goes through a slower path, twice the read stage's cost of this line at 1M rows)
    filled = width - empty.view(np.uint8).sum(axis=1, dtype=np.int32) if width else np.zeros(len(cells), np.int32)
    blank = pd.Series(filled == 0, index=cells.index)
    empty_columns = pd.Series(empty.all(axis=0), index=cells.columns)
    _fill_merged(cells, content.merged, first_body)
    above = _filled_rows(content, above_from, header_index) if above_from is not None else ()
    return Table(source, sheet, header_index + 1, headers, cells, blank, empty_columns, override,
                 hidden=content.hidden, facts=content.facts, lines=content.lines, above=above, filled=filled,
                 header_cells=(tuple(header), tuple(lower)) if two_rows else (tuple(header),), distinct=distinct)


def _filled_rows(content: Sheet, start: int, stop: int) -> tuple[tuple[int, tuple], ...]:
    """(1-based row, cells) of the rows ``start``..``stop`` (0-based, exclusive) with a cell filled in."""
    rows = ((i + 1, tuple(content.row(i))) for i in range(start, stop))
    return tuple((number, row) for number, row in rows if any(not is_blank(c) for c in row))


def _stacked(content: Sheet, index: int, shown: str, sheet: str | None, reader: HeaderReader,
             override: Override | None, titled: bool = True) -> list[Table]:
    """The table whose header is at row ``index`` (0-based), and those stacked under it in the same columns: a
    repeated header row starts the next. The repeated headers are found in one pass over the rows below, and each
    table is cut once (a print-style export repeats its header every fifty rows). The rows above the first header
    are the first table's title rows (when ``titled``: of tables side by side, the first block's); those between
    two tables, the lower one's."""
    first = to_table(content, index, shown, sheet, override,
                     two_rows=sub_header(content.row(index), content.row(index + 1), reader),
                     above_from=0 if titled else None)
    later, samples = _later_headers(first, reader, override)
    starts = [index, *later]
    if len(starts) == 1:
        first.samples = frozenset(samples)
        return [first]
    tables = []
    above_from = 0 if titled else None
    for start, following in zip(starts, [*starts[1:], None], strict=True):
        end = _end_before(content, start, following) if following is not None else None
        second = sub_header(content.row(start), content.row(start + 1), reader)
        table = to_table(content, start, shown, sheet, override, two_rows=second, end=end, above_from=above_from)
        table.samples = frozenset(r for r in samples if r in table.cells.index)
        tables.append(table)
        above_from = end
    return tables


def _side_by_side(row: list[object], reader: HeaderReader, override: Override | None) -> list[tuple[int, int | None]]:
    """Column ranges of tables set side by side under one header row: blocks of header cells, separated by empty
    columns, each naming at least two of the same columns ("组织 日期 类型 | 组织 日期 类型"). One range, the
    whole width, otherwise."""
    columns = override.columns if override else {}
    blocks, start = [], None
    for position, cell in enumerate([*row, None]):
        if is_blank(cell) and start is not None:
            blocks.append((start, position))
            start = None
        elif not is_blank(cell) and start is None:
            start = position
    named = [(a, b, set(row_columns(row[a:b], reader, columns).values())) for a, b in blocks]
    named = [(a, b, found) for a, b, found in named if len(found) >= 2]
    if len(named) < 2 or any(len(found & named[0][2]) < 2 for _, _, found in named[1:]):
        return [(0, None)]
    starts = [0, *(a for a, _, _ in named[1:])]
    return list(zip(starts, [*starts[1:], None], strict=True))


def _columns(content: Sheet, first: int, stop: int | None) -> Sheet:
    """The columns ``first``..``stop`` (exclusive; None: to the last) of a sheet, as a sheet of their own."""
    merged = [((top, max(left, first) - first), (bottom, right - first)) for (top, left), (bottom, right)
              in content.merged if right >= first and (stop is None or left < stop)]
    facts = SheetFacts(content.facts.hidden_rows, frozenset(
        (row, column - first) for row, column in content.facts.unsaved
        if column >= first and (stop is None or column < stop)))
    if content.frame is not None:
        frame = content.frame.iloc[:, first:stop]
        frame.columns = pd.RangeIndex(frame.shape[1])
        distinct = {p - first: d for p, d in content.distinct.items() if p >= first and (stop is None or p < stop)}
        return Sheet(frame=frame, merged=merged, hidden=content.hidden, facts=facts, lines=content.lines,
                     distinct=distinct)
    return Sheet([list(r[first:stop]) for r in content.rows], merged, hidden=content.hidden, facts=facts,
                 lines=content.lines)


def _first_table(content: Sheet, best: int, reader: HeaderReader, override: Override | None) -> int:
    """The header of the sheet's first table. The row naming the most columns (``best``) is the header — unless an
    earlier row names two or more and data rows follow it: two tables stacked, the lower one naming more columns
    (组织 日期 类型 主题, then 组织 日期 类型 主题 应到 实到). Its rows are never taken for title rows."""
    columns = override.columns if override else {}
    for row in range(best):
        if len(row_columns(content.row(row), reader, columns)) < 2:
            continue
        if any(_holds_data(content.row(below)) for below in range(row + 1, best)):
            return row
    return best


def _holds_data(row: list[object]) -> bool:
    filled = [c for c in row if not is_blank(c)]
    return len(filled) >= 2 and not all(header_like(c) for c in filled)


def _later_headers(table: Table, reader: HeaderReader, override: Override | None) -> tuple[list[int], list[int]]:
    """The 0-based indices of the rows below ``table``'s header that start another table stacked under it: a row
    holding at least two of the header's own words (in any order) or of the known column names, that names two
    columns or more, and nothing else. A row holding such words beside data is a plausible record, never a header:
    when two or more of its cells repeat the header's own words (owip's 三会一课录入样表: 会议名称 | 2019-01-01 |
    会议地点 | 10) it is a template's sample row — the second list, of 1-based rows."""
    words = {h for h in table.headers if h} | set(reader.synonyms)
    if len(words) < 2 or not len(table.cells):
        return [], []
    counts = np.zeros(len(table.cells), dtype=np.int64)
    for position, column in table.cells.items():
        if (found := _among(column, words, table.distinct.get(cast(int, position)))).any():
            counts += found
    if not counts.any():  # (the usual: no row below the header holds any of its words)
        return [], []
    hits = pd.Series(counts, index=table.cells.index)
    columns = override.columns if override else {}
    wanted = min(len(row_columns(table.headers, reader, columns)), 2)
    own = {h for h in table.headers if h}
    headers, samples = [], []
    for row in hits.index[hits.to_numpy() >= 2]:  # the index is the 1-based row
        cells = table.cells.loc[row].tolist()
        if _holds_data(cells):
            if sum(isinstance(c, str) and c.strip() in own for c in cells) >= 2:
                samples.append(int(row))
        elif len(row_columns(cells, reader, columns)) >= wanted:
            headers.append(int(row) - 1)
    return headers, samples


def _among(column: pd.Series, words: set[str], distinct: Distinct | None = None) -> np.ndarray:
    """Per cell of one column: is its text, stripped, one of ``words``? (Arrow strings compared in Arrow's memory;
    with ``distinct``, each distinct value once.)"""
    if distinct is not None:
        return distinct.each_row(_among_arrow(distinct.values, words))
    if isinstance(column.array, pd.arrays.ArrowStringArray):
        import pyarrow as pa

        return _among_arrow(pa.array(column.array), words)
    return column.astype("string").str.strip().isin(words).to_numpy(dtype=bool)


def _among_arrow(cells, words: set[str]) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    stripped = pc.utf8_trim_whitespace(cells)
    # (the words in the column's own type: given another, is_in would cast the whole column to it first)
    found = pc.is_in(stripped, value_set=pa.array(sorted(words), stripped.type))
    return pc.fill_null(found, False).to_numpy(zero_copy_only=False)


def _end_before(content: Sheet, start: int, header: int) -> int:
    """Where the table whose header is at ``start`` ends, when another header follows at ``header`` (0-based):
    before it and any title rows just above it (a row with one text cell, such as “第二党支部”) and blank rows."""
    end = header
    while end - 1 > start:
        filled = [c for c in content.row(end - 1) if not is_blank(c)]
        if len(filled) > 1 or (filled and not isinstance(filled[0], str)):
            break
        end -= 1
    return end


def _fill_merged(cells: pd.DataFrame, merged: Merged, first_body_index: int) -> None:
    """Give every cell of a merged range in the body the value its top-left cell shows (as Excel displays it)."""
    last = first_body_index + len(cells) - 1  # the 0-based index of the last row read
    for (top, left), (bottom, right) in merged:
        if top < first_body_index or top > last or left >= cells.shape[1] or (top == bottom and left == right):
            continue  # a range in the title or header rows, below the last row with a value, or a single cell
        right = min(right, cells.shape[1] - 1)
        bottom = min(bottom, last)
        # the frame's index is the 1-based Excel row number, from the first body row on; its columns are positions
        first = first_body_index
        value: Any = cells.iat[top - first, left]
        cells.iloc[top - first : bottom - first + 1, left : right + 1] = value


def blank_cells(cells: pd.DataFrame, distinct: dict[int, Distinct] | None = None) -> pd.DataFrame:
    """Elementwise ``is_blank`` for a whole frame, column at a time rather than cell at a time: numpy ``bool``
    columns (``distinct``: columns given as their distinct values, judged once each). (A string column's
    comparison is pandas' masked ``boolean`` under pandas 2, ``bool[pyarrow]`` under 3; either one's ``to_numpy()``
    is an object array, on which ``~`` of pandas 2's Python bools gives -1 and -2.)"""
    if cells.empty:
        return pd.DataFrame(True, index=cells.index, columns=cells.columns)
    distinct = distinct or {}
    return pd.DataFrame({position: blank_column(column, distinct.get(cast(int, position)))
                         for position, column in cells.items()}, index=cells.index)


def blank_column(column: pd.Series, distinct: Distinct | None = None) -> np.ndarray:
    """``is_blank`` of each cell of one column. Arrow strings (the fast CSV reader's) are judged in Arrow's memory:
    missing, empty, or whitespace only (``utf8_is_space``: the characters ``str.isspace`` and ``str.strip`` know,
    all 29 of them) — no string is stripped or copied; with ``distinct``, each distinct value once. Other columns:
    missing, or text that strips to nothing."""
    if distinct is not None:
        return distinct.each_row(_blank_arrow(distinct.values))
    if isinstance(column.array, pd.arrays.ArrowStringArray):
        import pyarrow as pa

        return _blank_arrow(pa.array(column.array))  # (its chunks as they are: not copied)
    stripped = column.astype("string").str.strip().eq("").fillna(False).astype(bool).to_numpy()
    return column.isna().to_numpy() | stripped


def _blank_arrow(cells) -> np.ndarray:
    import pyarrow.compute as pc

    blank = pc.or_kleene(pc.equal(pc.binary_length(cells), 0), pc.utf8_is_space(cells))
    return pc.fill_null(blank, True).to_numpy(zero_copy_only=False)


def read_source(
    path: Path, shown: str, reader: HeaderReader, layout: Layout | None = None, limits: Limits | None = None,
    data: bytes | None = None, sha256: str | None = None,
) -> SourceFile:
    """Read one ledger file: every sheet that has a recognisable header becomes a table. ``sha256``: the file's
    digest when already known (hashing a province's CSV again takes a tenth of a second)."""
    limits = limits or Limits()
    data = _read_bytes(path, shown, limits) if data is None else data
    result = SourceFile(shown, path, sha256 or hashlib.sha256(data).hexdigest())
    sheets = read_rows(path, shown, data, limits)
    result.sheets = list(sheets)
    for sheet, content in sheets.items():
        override = layout.match(shown, sheet, path.resolve().as_posix()) if layout else None
        if not content.has_content():
            result.skipped_sheets.append({"sheet": sheet, "reason": "空表"})
            continue
        if override and override.header_row is not None:
            if override.header_row > len(content):
                raise InputError(
                    f"格式文件指定表头在第 {override.header_row} 行，但该表只有 {len(content)} 行", source=shown,
                    sheet=sheet,
                )
            index = override.header_row - 1
        else:
            header = locate_header(content.head(HEADER_SEARCH_ROWS), reader, override.columns if override else None)
            if header is None:
                unread = _unread(content, shown, sheet, reader)
                if unread.kind.kind is TableKind.COUNTS and (found := count_header(
                        content.head(HEADER_SEARCH_ROWS), reader)) is not None:
                    # a count table (统计表): its rows are evidence too (compliance.intake.counts)
                    table = to_table(content, found[0], shown, sheet, override, two_rows=found[1], above_from=0)
                    table.kind = unread.kind
                    result.tables.append(table)
                    continue
                result.unread.append(unread)
                result.skipped_sheets.append({"sheet": sheet, "reason": result.unread[-1].kind.text()})
                continue
            index = _first_table(content, header[0], reader, override)
        blocks = _side_by_side(content.row(index), reader, override)
        for number, part in enumerate(content if len(blocks) == 1 else _columns(content, a, b) for a, b in blocks):
            result.tables.extend(_stacked(part, index, shown, sheet, reader, override, titled=not number))
    if not result.tables and not result.unread:
        raise InputError("文件为空（没有任何内容）", source=shown)
    return result


SAMPLE_ROWS = 50  # rows below a sheet's likeliest header looked at, to tell a ledger not understood


def _looks_like_ledger(rows: list[list[object]], reader: HeaderReader) -> bool:
    """Do these rows hold activities — a column mostly of dates beside a column mostly of activity types?"""
    if len(rows) < 2 or not reader.types:
        return False
    width = max(map(len, rows))
    columns = [[r[i] for r in rows if i < len(r) and not is_blank(r[i])] for i in range(width)]

    def share(cells: list[object], looks) -> float:
        return sum(map(looks, cells)) / len(cells) if len(cells) >= 2 else 0.0

    def dated(value: object) -> bool:
        try:
            return PLAUSIBLE[0] <= parse_date(value) <= PLAUSIBLE[1]
        except ValueProblem:
            return False

    def typed(value: object) -> bool:
        return isinstance(value, str) and normalise_name(value) in reader.types

    return any(share(c, dated) >= 0.8 for c in columns) and any(share(c, typed) >= 0.5 for c in columns)


def _unread(content: Sheet, shown: str, sheet: str | None, reader: HeaderReader) -> Unread:
    """A sheet without a ledger header, said for what it is: its title rows and the row most like a header are
    its names and header."""
    head = content.head(HEADER_SEARCH_ROWS)
    filled = [i for i, row in enumerate(head) if any(not is_blank(c) for c in row)]
    # the row with the most cells that could be headers (the first on a tie): the rows below it are data
    likely = max(filled, key=lambda i: (sum(header_like(c) for c in head[i]), -i), default=len(head))
    titles = [t for i in filled if i < likely and (t := title_text(head[i]))]
    headers = [str(c).strip() for c in (head[likely] if likely < len(head) else ()) if header_like(c)]
    if _looks_like_ledger(content.head(likely + 1 + SAMPLE_ROWS)[likely + 1:], reader):
        # dated activities whose header says nothing we know: a ledger not understood, never quietly left out
        raise InputError(no_header(head, reader), source=shown, sheet=sheet)
    names = [PurePosixPath(shown).stem, sheet or "", *titles]
    kind = classify(Evidence(names, headers, frozenset()), reader.types)
    if content.frame is not None:
        count = int((~blank_cells(content.frame, content.distinct).to_numpy().all(axis=1)).sum())
    else:
        count = sum(any(not is_blank(c) for c in row) for row in content.rows)
    return Unread(shown, sheet, kind, count, no_header(head, reader), hidden=content.hidden)


# Files read for their digests are kept for reading up to this many bytes in all (a province's CSVs, a district's
# workbooks); past it they are read again when their turn comes, so that a folder is never held whole in memory.
_KEPT_BYTES = 256 << 20


def read_sources(
    found: Found, reader: HeaderReader, layout: Layout | None = None,
    tick: Callable[[int], None] | None = None, limits: Limits | None = None,
) -> tuple[list[SourceFile], list[str]]:
    """Every ledger found, read once: a byte-identical copy under another name (第一中学台账(1).xlsx) is not read
    again. Also the notes to say about the folder: the copies, the files reached twice, the files that are no
    spreadsheets (attachments)."""
    out: list[SourceFile] = []
    others = list(found.others)
    limits = limits or Limits()
    copies: dict[tuple[str, str], list[str]] = {}  # (sha256, name without copy marks) → names
    digests: dict[str, str] = {}
    kept: dict[str, bytes] = {}  # the bytes read for the digests, kept for reading the files (up to _KEPT_BYTES)
    for path, shown in found.ledgers:
        whole = _read_bytes(path, shown, limits)
        digests[shown] = hashlib.sha256(whole).hexdigest()
        if sum(map(len, kept.values())) + len(whole) <= _KEPT_BYTES:
            kept[shown] = whole
        stem = PurePosixPath(shown).stem
        copies.setdefault((digests[shown], _COPY_MARKS.sub("", stem)), []).append(shown)
    # of files alike, the original is read (the one whose name has no copy mark), the copies only named
    chosen = {min(names, key=lambda n: (_COPY_MARKS.search(PurePosixPath(n).stem) is not None, n))
              for names in copies.values()}
    for path, shown in found.ledgers:
        data = kept.pop(shown, None)
        if shown in chosen:
            try:
                out.append(_read_one(path, shown, reader, layout, limits, digests[shown], data))
            except NotASpreadsheet:
                others.append((shown, "不是表格文件"))
        if tick is not None:
            tick(1)
    notes = [f"以下文件内容完全相同，只读取了“{next(n for n in names if n in chosen)}”：{'、'.join(names)}"
             for names in copies.values() if len(names) > 1]
    if found.twice:
        notes.append(f"以下文件或文件夹在给出的路径中出现不止一次（同一位置、链接），只读取了一次："
                     f"{'、'.join(dict.fromkeys(found.twice))}")
    old_word = sorted(name for name, _ in others if PurePosixPath(name).suffix.lower() in OLD_WORD)
    others = [(name, why) for name, why in others if name not in old_word]
    if others:
        notes.append(f"以下文件不是台账表格，未读取：{'、'.join(sorted(name for name, _ in others))}")
    if old_word:
        notes.append(f"以下是旧版 Word/WPS 文字文档，未读取；如是会议记录，请在 Word/WPS 中另存为 .docx 后重新检查："
                     f"{'、'.join(old_word)}")
    return out, notes


def _read_one(path: Path, shown: str, reader: HeaderReader, layout: Layout | None, limits: Limits,
              sha256: str, data: bytes | None = None) -> SourceFile:
    """A ledger file, or a Word document of meeting minutes (``compliance.intake.minutes``); ``data``: its bytes,
    when still held from computing its digest."""
    data = _read_bytes(path, shown, limits) if data is None else data
    if is_docx(data):
        return read_minutes(path, shown, data, reader, sha256, limits)
    return read_source(path, shown, reader, layout, limits, data=data, sha256=sha256)

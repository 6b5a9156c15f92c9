"""Resource limits: how much one input may make the checker hold, checked before it is held.

A 5 KB workbook with one value in A1 and one in XFD1048576 asks a workbook reader for a dense sheet of 17 billion
cells; a 1 MB zip member can inflate to gigabytes; a CSV of newlines is a billion rows. Each is stopped here with a
Chinese message naming the file (and sheet, row, column) and the ``--limit`` that would let it through, before the
memory is spent:

- ``size``: the file's bytes, for a workbook the sum of its parts once unzipped (and every part is inflated here
  with a bound, so a part that inflates beyond what it declares is caught, not believed);
- ``rows`` and ``columns``: of one sheet or CSV file;
- ``cells``: the used range of one workbook sheet (rows × columns), which a reader fills densely;
- ``cell-chars``: the longest text in any cell (Excel's own maximum by default).

How a workbook's parts and sheets are measured before a reader opens it is ``compliance.intake.zipscan``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields

from compliance.errors import InputError

MB = 1 << 20


def limit_number(item: str, value: str) -> int:
    """The number of a ``--limit NAME=VALUE`` item (``30_000_000`` and ``30,000,000`` too): a positive whole one."""
    try:
        number = int(value.strip().replace("_", "").replace(",", ""))
    except ValueError:
        number = 0
    if number <= 0:
        raise InputError(f"上限“{item}”的数值应为正整数", column="--limit")
    return number


@dataclass(frozen=True)
class Limits:
    size_mb: int = 2048
    rows: int = 20_000_000
    columns: int = 16_384
    cells: int = 50_000_000
    cell_chars: int = 32_767

    @classmethod
    def parse(cls, items: Iterable[str]) -> Limits:
        """From ``--limit NAME=VALUE`` items (``size=4096``, ``rows=30000000``, ``cell-chars=100000``)."""
        values = {}
        names = {f.name.removesuffix("_mb").replace("_", "-"): f.name for f in fields(cls)}
        for item in items:
            name, _, value = item.partition("=")
            key = names.get(name.strip().lower())
            if key is None:
                raise InputError(
                    f"未知的上限“{name.strip()}”，可用：{'、'.join(names)}（写作 名称=数值，如 rows=30000000）",
                    column="--limit",
                )
            values[key] = limit_number(item, value)
        return cls(**values)

    def fits(self, rows: int, columns: int) -> bool:
        return rows <= self.rows and columns <= self.columns and rows * columns <= self.cells

    # --- the checks; each raises InputError naming the place and the limit -------------------------------------

    def size(self, nbytes: int, shown: str, *, unzipped: bool = False) -> None:
        if nbytes > self.size_mb * MB:
            what = "解压后共" if unzipped else "大小为"
            raise InputError(f"文件{what} {_mb(nbytes)}，超过上限 {self.size_mb:,} MB" + _raise("size", "MB"),
                             source=shown)

    def extent(self, rows: int, columns: int, shown: str, sheet: str | None, *, dense: bool) -> None:
        where = "工作表" if sheet is not None else "文件"
        if rows > self.rows:
            raise InputError(f"{where}有 {rows:,} 行，超过上限 {self.rows:,} 行" + _raise("rows"),
                             source=shown, sheet=sheet)
        if columns > self.columns:
            raise InputError(f"{where}有 {columns:,} 列，超过上限 {self.columns:,} 列" + _raise("columns"),
                             source=shown, sheet=sheet)
        if dense and rows * columns > self.cells:
            raise InputError(
                f"工作表的已用区域为 {rows:,} 行 × {columns:,} 列（到 {column_letter(columns - 1)}{rows}），"
                f"共 {rows * columns:,} 个单元格，超过上限 {self.cells:,} 个。"
                "通常是远处的单元格被误填了内容：删除台账以外的行和列后另存即可" + _raise("cells"),
                source=shown, sheet=sheet,
            )

    def cell(self, length: int, shown: str, sheet: str | None, row: int, column: str) -> None:
        if length > self.cell_chars:
            raise InputError(f"单元格有 {length:,} 个字符，超过上限 {self.cell_chars:,} 个" + _raise("cell-chars"),
                             source=shown, sheet=sheet, row=row, column=column)

    def cells_of(self, rows: Sequence[Sequence[object]], shown: str, sheet: str | None, first_row: int = 1) -> None:
        """The longest text in ``rows`` (Python values as read), located if it is over the limit."""
        import itertools

        if not rows:
            return
        longest = max((len(c) for c in itertools.chain.from_iterable(rows) if isinstance(c, str)), default=0)
        if longest <= self.cell_chars:
            return
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, str) and len(value) > self.cell_chars:
                    self.cell(len(value), shown, sheet, first_row + r, column_letter(c))


def _raise(name: str, unit: str = "") -> str:
    return f"（确需检查时可用 --limit {name}=更大的数值{unit and '（' + unit + '）'} 放宽）"


def _mb(nbytes: int) -> str:
    return f"{nbytes / MB:,.1f} MB"


def column_letter(index: int) -> str:
    """Excel's name of the 0-based column ``index``: 0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters

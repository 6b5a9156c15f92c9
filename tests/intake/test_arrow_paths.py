"""The fast CSV reader's cells (Arrow strings) and everyone else's (Python objects: workbooks, the tolerant CSV
reader) take separate paths through the intake where speed needs it — blank cells, repeated header rows, the
joining of tables with and without a column. Both paths must give the same answer: each test reads one
real-looking export both ways and asserts the exact outcome of each."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from compliance.config.limits import Limits
from compliance.engine.kinds import load_catalogue
from compliance.intake.meaning import HeaderReader
from compliance.intake.normalise import _joined, normalise
from compliance.intake.roster import roster_from_rows
from compliance.intake.sheets import Sheet, SourceFile, _later_headers, _read_csv, to_table
from tests.helpers import LEADER_HEADER, ORG_HEADER, ORGS

CATALOGUE = load_catalogue()
READER = HeaderReader(CATALOGUE.column_of, CATALOGUE.type_of)
ROSTER = roster_from_rows(([ORG_HEADER, *ORGS], "名册", "组织"), ([LEADER_HEADER], "名册", "领导干部"))

# A platform's 三会一课 export printed in pages: the header repeated (padded with a full-width space and a no-break
# space, as WPS pads centred cells), cells padded with spaces and tabs, a row of whitespace only, a blank row.
EXPORT = [
    ["组织", "日期", "类型", "主题", "主讲人", "应到", "实到"],
    ["一中一支部", "2024-03-05", "支委会", "研究发展党员工作", "", "7", "6"],
    ["\u3000一中一支部", "2024/3/12 ", "党课\t", "学习新修订的《中国共产党章程》", "王 芳", "", ""],
    ["  ", "\u3000", "", "\t", "", "\u00a0", ""],
    ["", "", "", "", "", "", ""],
    ["\u3000组织\u3000", "日期\u00a0", " 类型", "主题 ", "\t主讲人", "应到\u2002", " 实到"],
    ["一中一支部", "2024年4月8日", "主题党日", "重温入党誓词", "", "7", "7"],
]
# The same organisation's short export: no 主讲人 column, no 实到.
SHORT = [
    ["组织", "日期", "类型", "主题", "应到"],
    ["一中一支部", "2024-05-06", "支部委员会", "研究党费收缴", "7"],
    ["一中一支部", "2024-06-03", "党小组会", "学习交流", ""],
]


def _csv(rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(rows)
    return text.getvalue().encode("utf-8")


def _both(rows: list[list[str]]) -> tuple[Sheet, Sheet]:
    """The rows as the fast reader gives them (Arrow string columns) and as Python objects."""
    fast = _read_csv(_csv(rows), "台账.csv", Limits())
    assert fast.frame is not None and isinstance(fast.frame[0].array, pd.arrays.ArrowStringArray)
    return fast, Sheet([list(r) for r in rows])


def test_blank_cells_and_rows_are_the_same_from_arrow_strings_and_python_objects():
    for content in _both(EXPORT):
        table = to_table(content, 0, "台账.csv", None)
        assert table.blank.tolist() == [False, False, True, True, False, False]
        assert table.filled.tolist() == [6, 5, 0, 0, 7, 6]
        assert table.empty_columns.tolist() == [False] * 7
        assert table.cells.index.tolist() == [2, 3, 4, 5, 6, 7]


def test_a_repeated_header_padded_with_wide_spaces_is_found_from_arrow_strings_and_python_objects():
    for content in _both(EXPORT):
        table = to_table(content, 0, "台账.csv", None)
        assert _later_headers(table, READER, None) == ([5], [])  # the 0-based row of the second header


def _rows(sheets: list[tuple[str, Sheet]]) -> pd.DataFrame:
    tables = [SourceFile(name, Path(name), "", [to_table(sheet, 0, name, None)]) for name, sheet in sheets]
    return normalise(tables, CATALOGUE, ROSTER, READER).rows


def test_a_short_export_beside_a_full_one_gives_the_same_rows_from_arrow_strings_and_python_objects():
    """The short export lacks 主讲人 and 实到: joined to the full one's Arrow columns, its rows hold nulls there."""
    full = [EXPORT[0], EXPORT[1], EXPORT[2], EXPORT[6]]
    (full_fast, full_objects), (short_fast, short_objects) = _both(full), _both(SHORT)
    fast = _rows([("台账.csv", full_fast), ("台账-简表.csv", short_fast)])
    slow = _rows([("台账.csv", full_objects), ("台账-简表.csv", short_objects)])
    for rows in (fast, slow):
        assert rows["row"].tolist() == [2, 3, 4, 2, 3]
        assert rows["type"].tolist() == ["支部委员会", "党课", "主题党日", "支部委员会", "党小组会"]
        assert rows["person"].tolist() == [None, "王芳", None, None, None]
        assert rows["present"].tolist() == [6, pd.NA, 7, pd.NA, pd.NA]
        assert rows["expected"].tolist() == [7, pd.NA, 7, 7, pd.NA]
        assert rows["date"].dt.strftime("%Y-%m-%d").tolist() == [
            "2024-03-05", "2024-03-12", "2024-04-08", "2024-05-06", "2024-06-03"]
    for column in fast.columns:
        assert str(fast[column].dtype) == str(slow[column].dtype), column
        values = [None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else v
                  for v in fast[column].tolist()]
        expected = [None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else v
                    for v in slow[column].tolist()]
        assert values == expected, column


def test_a_column_one_export_lacks_stays_arrow_strings_with_nulls_on_its_rows():
    """Joined to Python None, a million Arrow strings would each become a Python string."""
    full, short = _both([EXPORT[0], EXPORT[1], EXPORT[2], EXPORT[6]])[0], _both(SHORT)[0]
    parts = [{"person": full.frame[4].array.copy()[1:], "topic": full.frame[3].array[1:], "table": np.zeros(3, int)},
             {"topic": short.frame[3].array[1:], "table": np.ones(2, int)}]
    raw = _joined(parts)
    assert isinstance(raw["person"].array, pd.arrays.ArrowStringArray)
    assert raw["person"].isna().tolist() == [False, False, False, True, True]
    assert raw["person"].tolist()[:3] == ["", "王 芳", ""]
    assert raw["topic"].tolist() == ["研究发展党员工作", "学习新修订的《中国共产党章程》", "重温入党誓词", "研究党费收缴",
                                     "学习交流"]
    assert raw["absent"].dtype == object and raw["absent"].tolist() == [None] * 5  # no table has it

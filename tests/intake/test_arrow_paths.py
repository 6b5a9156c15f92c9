"""The fast CSV reader's cells (Arrow strings, each column also as codes into its distinct values) and everyone
else's (Python objects: workbooks, the tolerant CSV reader) take separate paths through the intake where speed
needs it — blank cells, repeated header rows, footers, the joining of tables with and without a column, each
field's distinct values. Every path must give the same answer: each test reads one real-looking export each way
(the fast reader's, the same Arrow strings without their distinct values, Python objects) and asserts the exact
outcome of each."""

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
from compliance.intake.sheets import Distinct, Sheet, SourceFile, _later_headers, _read_csv, to_table
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


def _both(rows: list[list[str]]) -> tuple[Sheet, Sheet, Sheet]:
    """The rows as the fast reader gives them (Arrow string columns and their distinct values), as the same Arrow
    strings alone, and as Python objects."""
    fast = _read_csv(_csv(rows), "台账.csv", Limits())
    assert fast.frame is not None and isinstance(fast.frame[0].array, pd.arrays.ArrowStringArray)
    assert sorted(fast.distinct) == list(range(len(rows[0])))
    return fast, Sheet(frame=fast.frame), Sheet([list(r) for r in rows])


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
    (full_fast, full_arrow, full_objects), (short_fast, short_arrow, short_objects) = _both(full), _both(SHORT)
    fast = _rows([("台账.csv", full_fast), ("台账-简表.csv", short_fast)])
    arrow = _rows([("台账.csv", full_arrow), ("台账-简表.csv", short_arrow)])
    slow = _rows([("台账.csv", full_objects), ("台账-简表.csv", short_objects)])
    for rows in (fast, arrow, slow):
        assert rows["row"].tolist() == [2, 3, 4, 2, 3]
        assert rows["type"].tolist() == ["支部委员会", "党课", "主题党日", "支部委员会", "党小组会"]
        assert rows["person"].tolist() == [None, "王芳", None, None, None]
        assert rows["present"].tolist() == [6, pd.NA, 7, pd.NA, pd.NA]
        assert rows["expected"].tolist() == [7, pd.NA, 7, 7, pd.NA]
        assert rows["date"].dt.strftime("%Y-%m-%d").tolist() == [
            "2024-03-05", "2024-03-12", "2024-04-08", "2024-05-06", "2024-06-03"]
    _same_rows(fast, slow)
    _same_rows(fast, arrow)


def _same_rows(rows: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(rows.columns) == list(expected.columns)
    for column in rows.columns:
        assert str(rows[column].dtype) == str(expected[column].dtype), column
        values = [None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else v
                  for v in rows[column].tolist()]
        wanted = [None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else v
                  for v in expected[column].tolist()]
        assert values == wanted, column


def test_a_column_one_export_lacks_stays_arrow_strings_with_nulls_on_its_rows():
    """Joined to Python None, a million Arrow strings would each become a Python string."""
    full, short = _both([EXPORT[0], EXPORT[1], EXPORT[2], EXPORT[6]])[1], _both(SHORT)[1]
    parts = [{"person": full.frame[4].array.copy()[1:], "topic": full.frame[3].array[1:], "table": np.zeros(3, int)},
             {"topic": short.frame[3].array[1:], "table": np.ones(2, int)}]
    raw = _joined(parts)
    assert isinstance(raw["person"].array, pd.arrays.ArrowStringArray)
    assert raw["person"].isna().tolist() == [False, False, False, True, True]
    assert raw["person"].tolist()[:3] == ["", "王 芳", ""]
    assert raw["topic"].tolist() == ["研究发展党员工作", "学习新修订的《中国共产党章程》", "重温入党誓词", "研究党费收缴",
                                     "学习交流"]
    assert raw["absent"].dtype == object and raw["absent"].tolist() == [None] * 5  # no table has it


# A unit's monthly export as WPS saves it: a title line, the header, records whose cells repeat (the same branch,
# the same type, the same dates: what the distinct values are for), a date no calendar has, a count that is no
# number, a blank line, then the footer — a 合计 line and 填表人/审核人.
FOOTED = [
    ["第一中学党委2024年“三会一课”登记表", "", "", "", "", "", ""],
    ["组织", "日期", "类型", "主题", "主讲人", "应到", "实到"],
    ["一中一支部", "2024-03-05", "支委会", "研究发展党员工作", "", "7", "6"],
    ["一中一支部", "2024-03-05", "党课", "学习新修订的《中国共产党章程》", "王 芳", "7", "6"],
    ["一中二支部", "2024-02-30", "支委会", "研究发展党员工作", "", "七", "6"],
    ["", "", "", "", "", "", ""],
    ["合 计", "", "", "", "", "14", "12"],
    ["填表人：李明", "", "审核人：张华", "", "", "", ""],
]


def test_footers_problems_and_counts_are_the_same_from_distinct_values_arrow_strings_and_python_objects():
    results = []
    for content in _both(FOOTED):
        table = to_table(content, 1, "台账.csv", None, above_from=0)
        candidates = normalise([SourceFile("台账.csv", Path("台账.csv"), "", [table])], CATALOGUE, ROSTER, READER)
        results.append(candidates)
        rows = candidates.rows
        assert rows["row"].tolist() == [3, 4, 5]
        assert rows["type"].tolist() == ["支部委员会", "党课", "支部委员会"]
        assert rows["date_problem"].tolist() == [None, None, "日期“2024-02-30”不存在"]
        assert rows["expected"].tolist() == [7, 7, pd.NA]
        assert rows["expected_problem"].tolist()[:2] == [None, None] and rows["expected_problem"][2]
        assert rows["person"].tolist() == [None, "王芳", None]
        assert [(w.row, w.value) for w in candidates.warnings] == [(7, "合 计"), (8, "填表人：李明")]
        assert (candidates.sources[0].read, candidates.sources[0].blank, candidates.sources[0].skipped) == (7, 3, 1)
    fast, arrow, slow = results
    _same_rows(fast.rows, slow.rows)
    _same_rows(fast.rows, arrow.rows)
    assert fast.warnings == slow.warnings == arrow.warnings


def test_distinct_values_of_a_column_read_in_several_chunks_give_back_every_cell():
    """pyarrow parses a large file in blocks, a column in chunks: their codes index one list of values."""
    import pyarrow as pa

    column = pa.chunked_array([pa.array(["一中一支部", "二中党委", " "], pa.large_string()),
                               pa.array([], pa.large_string()),
                               pa.array(["二中党委", "三中党总支", "一中一支部"], pa.large_string())])
    distinct = Distinct.of(column)
    assert distinct.values.to_pylist() == ["一中一支部", "二中党委", " ", "三中党总支"]
    assert distinct.codes.tolist() == [0, 1, 2, 1, 3, 0]
    assert distinct.rows(slice(2, 5)).codes.tolist() == [2, 1, 3]
    assert distinct.each_row(np.array([False, False, True, False])).tolist() == [False, False, True, False, False,
                                                                                 False]
    assert distinct.each_row(np.zeros(4, dtype=bool)).tolist() == [False] * 6

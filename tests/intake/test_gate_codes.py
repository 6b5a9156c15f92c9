"""The gate takes the codes normalise made of the cells it parsed (``Candidates.coded``) rather than factorising the
candidate columns again (issue 32); without them it factorises the columns itself. Both ways give the same gate:
the same records, rejected rows, warnings and counts, on ledgers written the way schools write them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks.generate import main
from compliance.config.layout import load_layout
from compliance.engine.kinds import load_catalogue
from compliance.intake.discover import discover
from compliance.intake.gate import _suite_columns, gate
from compliance.intake.meaning import HeaderReader
from compliance.intake.normalise import normalise
from compliance.intake.roster import read_roster
from compliance.intake.sheets import read_sources

REPO = Path(__file__).resolve().parents[2]
DEMO_ROSTER = REPO / "fixtures" / "demo" / "roster"
AS_OF = date(2024, 11, 15)  # some rows of the demo district after it: excluded, and warned about
CORPORA = {
    # the demo district as schools write it: an .ods, an .xls, a CSV, a folder of workbooks, sheets whose type is
    # their name (a blank 类型 cell), counts written as text, marks as 是/否/√
    "messy": (REPO / "fixtures" / "messy" / "ledgers", DEMO_ROSTER, REPO / "fixtures" / "messy" / "layout.yaml"),
    # attendance lists (a row per member), several types in one row
    "attendance": (REPO / "fixtures" / "attendance" / "ledgers", DEMO_ROSTER, None),
}
MADE = ("province", "written")  # corpora written by the fixture ``province``


# A branch's ledger as a platform's export gives it: a title row, then the header; every kind of doubtful cell
# (names are made up).
WRITTEN = """第一中学第一党支部2024年“三会一课”台账,,,,,,,,
组织,日期,类型,主题,主讲人,应到,实到,会前说纪,备注
一中第一党支部,2024-01-05,支委会,研究1月支部工作,,5,5,是,
一中第一党支部,2024年1月25日,支部党员大会,第1季度党员大会,李明,30,26,否,
一中第一党支部,2024-02-06,党小组会,学习,,8,约8人,√,实到不是数
一中第一党支部,2024-02-20,主题党日暨党课,重温入党誓词,李明明,三十,28,待定,两种类型；应到、标记读不出
,2024-03-05,支委会,研究3月支部工作,,5,5,是,没有组织
一中第九党支部,2024-03-12,支委会,研究工作,,5,5,是,不在名册
一中第一党支部,,支部党员大会,没有日期,,30,25,否,
一中第一党支部,1024-04-01,支委会,日期不合理,,5,5,是,
一中第一党支部,2024-04-15,茶话会,未知类型,,5,5,是,
一中第一党支部,2024-05-10,党小组会,人数,,8,12,是,实到多于应到
一中第一党支部,2024-06-03,支委会,研究6月支部工作,,-3,5,1,负数
一中第一党支部,2025-01-10,支委会,检查日之后,,5,5,否,
一中第一党支部,2024-01-05,支委会,研究1月支部工作,,5,5,是,重复
"""


@pytest.fixture(scope="module")
def province(tmp_path_factory) -> Path:
    """A small province of the benchmark's issue-32 shape (two CSVs, one a short ledger), one row in fifty spoilt:
    organisations not in the roster, impossible dates, unknown types."""
    out = tmp_path_factory.mktemp("province")
    main(["--records", "4000", "--province", "--bad", "0.02", "--out", str(out)])
    (out / "written").mkdir()
    (out / "written" / "一中第一党支部台账.csv").write_text(WRITTEN, encoding="utf-8")
    return out


def _candidates(name: str, province: Path):
    ledgers, roster_path, layout_path = CORPORA[name] if name not in MADE else (
        province / ("ledgers" if name == "province" else "written"),
        province / "roster" if name == "province" else DEMO_ROSTER, None)
    catalogue = load_catalogue(None)
    roster = read_roster(roster_path)
    reader = HeaderReader(catalogue.column_of, catalogue.type_of)
    layout = load_layout(layout_path, catalogue)
    sources, _ = read_sources(discover([ledgers]), reader, layout, lambda n=1: None, None)
    return normalise(sources, catalogue, roster, reader, None), roster, catalogue


def _per_row(coded) -> np.ndarray:
    return coded.values[coded.codes]


@pytest.mark.parametrize("name", [*sorted(CORPORA), *MADE])
def test_the_codes_normalise_kept_give_what_factorising_the_columns_gives(name, province):
    candidates, roster, catalogue = _candidates(name, province)
    assert {"org_key", "date", "expected", "present", "discipline"} <= set(candidates.coded)  # the fast path is taken
    without = replace(candidates, coded={})
    fast, fast_org = _suite_columns(candidates, roster, catalogue)
    slow, slow_org = _suite_columns(without, roster, catalogue)
    assert fast_org.tolist() == slow_org.tolist()
    assert list(fast) == list(slow)
    for column in fast:
        np.testing.assert_array_equal(_per_row(fast[column]), _per_row(slow[column]), err_msg=column)

    by_codes = gate(candidates, roster, catalogue, AS_OF)
    again, roster, catalogue = _candidates(name, province)  # (the gate writes what it learns into the tables: a fresh read)
    by_columns = gate(replace(again, coded={}), roster, catalogue, AS_OF)
    assert len(by_codes.records) >= 5 and len(by_codes.rejected) + len(by_codes.warnings) > 0  # it says something
    pd.testing.assert_frame_equal(by_codes.records, by_columns.records)
    pd.testing.assert_frame_equal(by_codes.rejected, by_columns.rejected)
    pd.testing.assert_frame_equal(by_codes.warnings, by_columns.warnings)
    assert by_codes.counted.tolist() == by_columns.counted.tolist()
    assert by_codes.expectations == by_columns.expectations
    assert by_codes.per_source.tolist() == by_columns.per_source.tolist()
    assert by_codes.twins.tolist() == by_columns.twins.tolist()
    assert by_codes.notes == by_columns.notes


def test_types_taken_from_a_sheets_name_are_not_coded(province):
    """A blank 类型 cell takes its sheet's or file's type: the type column is then no function of its cells' codes,
    and normalise keeps no codes for it (the gate factorises it)."""
    candidates, _, _ = _candidates("messy", province)
    types = candidates.rows["type"].to_numpy(dtype=object)
    raw = candidates.rows["raw_type"]
    from_names = raw.isna().to_numpy() & pd.notna(types)
    assert from_names.any()
    assert "type" not in candidates.coded

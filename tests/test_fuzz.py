"""Fuzz and property tests (issue 7): whatever arrives — random bytes, a truncated or bit-flipped workbook, any
encoding, huge or odd cells, empty sheets, a mangled rules file — ends in findings or in a clean InputError (exit 2,
a Chinese message), never another exception; and every row of every ledger that is read is accounted for
(read = accepted + rejected + blank + skipped, every filled row in a table's body, its header, or skipped with the
reason).

The budget is bounded and the seed fixed (``derandomize``) so CI is repeatable. A longer run explores more:

    python3 -m benchmarks.fuzz_long                                # ~50× the examples, a random seed, its figures
    COMPLIANCE_FUZZ=long python3 -m pytest tests/test_fuzz.py --hypothesis-seed=N     # the same, plainly

(``COMPLIANCE_FUZZ=ci`` is the default). The same properties can be driven by atheris, coverage-guided, for
longer runs still: tests/fuzz_atheris.py.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

import openpyxl
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from compliance.cli import main
from compliance.engine.kinds import load_catalogue
from compliance.errors import InputError
from compliance.intake.header import find_header
from compliance.intake.sheets import read_rows
from compliance.intake.values import EXCEL_EPOCH, ValueProblem, parse_count, parse_date
from compliance.pipeline import take_in
from compliance.spelling import normalise_name
from tests.helpers import DEFAULT_RULES, DEMO, REPO, alias_roster, write_csv

settings.register_profile(
    "ci", max_examples=40, derandomize=True, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "long", max_examples=2000, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("COMPLIANCE_FUZZ", "ci"))

AS_OF = date(2024, 12, 31)
CATALOGUE = load_catalogue()
KNOWN = CATALOGUE.column_of

# ---- cell values as ledgers hold them --------------------------------------------------------------------------

ORG_NAMES = ["一支部", "二支部", "一中党委", "区委教育工委", "一中一支部", "第一中学第三党支部", "一 支 部", "一支部 "]
TYPE_NAMES = [*CATALOGUE.activity_types, "主題黨日", "党日活动", "支委会", "党课（专题）", "其他", "主题党日\n"]
HOSTILE = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "=HYPERLINK(\"http://x\")", "+1", "-1",
           "@SUM(A1)", "\t=1", "\r=1", "../../etc/passwd", "CON", "﻿", "\x00", "𠮷" * 3, "\u202e反转",
           "学" * 32_767, "学" * 40_000]  # a cell at Excel's length limit, and one over it (refused: --limit cell-chars)


def _date_spellings(day: date) -> st.SearchStrategy:
    return st.sampled_from([
        day.isoformat(), f"{day.year}年{day.month}月{day.day}日", f"{day.year}.{day.month}.{day.day}",
        f"{day.year}/{day.month:02d}/{day.day:02d}", day.strftime("%Y%m%d"), f"{day.isoformat()} 14:30",
        str((day - EXCEL_EPOCH).days), f"{day.year}-{day.month}-{day.day + 40}", f"{day.year}-{day.month + 12}-1",
    ])


TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
PEOPLE = ["张三", "李四", "王 芳", "欧阳娜娜", "李明", "陈建国（书记）", "赵六(请假)", "钱七（缺席）", "孙八 列席"]
LISTS = ["张三、李四(请假)、王五(缺席)、赵六(列席)", "张三，李四（请假）；王五\n赵六", "出席：张三、李四；请假：王五",
         "张三 李四 王 芳", "全体党员", "张三等12人", "、、", "(请假)"]  # as 参会人员 cells hold them, and what is none
CELL = st.one_of(
    st.sampled_from(ORG_NAMES), st.sampled_from(TYPE_NAMES), st.sampled_from(HOSTILE),
    st.sampled_from(PEOPLE), st.sampled_from(LISTS),
    st.dates(date(1990, 1, 1), date(2030, 12, 31)).flatmap(_date_spellings),
    st.integers(-5, 500).map(str), st.sampled_from(["", " ", "是", "否", "√", "12人", "1e9", "nan", "-0"]),
    TEXT,
)
HEADERS = [*KNOWN.keys()]  # normalised spellings of every known column name and synonym


@st.composite
def ledgers(draw) -> tuple[list[list[str]], int]:
    """(rows, header index): a few title lines, a header of known column names (some synonyms, some unknown),
    then body rows that may be ragged, blank or hostile."""
    names = [KNOWN[h] for h in HEADERS]
    header = draw(st.lists(st.sampled_from(sorted(set(names) | {"备注", "序号", "姓名"})), min_size=2, max_size=9,
                           unique=True))
    if sum(h in KNOWN.values() for h in header) < 2:
        header = ["组织", "日期", *header]
    titles = draw(st.lists(st.lists(st.sampled_from(["2024年台账", "", "填表人：张三", "单位：第一中学"]),
                                    max_size=3), max_size=3))
    width = len(header)
    body = draw(st.lists(st.one_of(
        st.lists(CELL, min_size=width, max_size=width),
        st.lists(CELL, max_size=width + 2),
        st.just([""] * width),
        st.sampled_from([["合计", "", "", "10"], ["填表人：张三", "", "审核人：李四"], ["填报日期：2025年1月6日"]]),
        st.just(list(reversed(header))),  # a second table stacked under the first: its header, in another order
        st.just([*header[:2], "10"]),  # a template's sample row: placeholders repeating the column names, a number
        st.sampled_from([["在此处填写党组织全称", "在此处填写日期"], ["票数请填写阿拉伯数字"], ["注意事项：请勿修改表头"],
                         ["", "支部委员会"], ["是"]]),  # a template's instructions, a drop-down value left alone
    ), max_size=25))
    repeats = draw(st.lists(st.integers(0, 24), max_size=3))  # a row pasted again further down
    for k in repeats:
        if k < len(body):
            body.append(list(body[k]))
    people = [p for p, h in enumerate(header) if h in ("姓名", "参会人员")]
    for row, names in draw(st.lists(st.tuples(st.lists(CELL, min_size=width, max_size=width),
                                              st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=6)),
                                    max_size=3 if people else 0)):  # an activity's members, one row each
        body.extend([name if p in people else cell for p, cell in enumerate(row)] for name in names)
    return [*titles, header, *body], len(titles)


@st.composite
def attendance_lists(draw) -> list[list[str]]:
    """A platform's export of who took part, one row per member (序号 | 姓名 | 所属党组织 | 主题 | 时间, in any order,
    maybe with 实到 or 应到): activities of several members, a title row, stray rows."""
    person = draw(st.sampled_from(["姓名", "党员姓名", "参会人员"]))
    header = draw(st.permutations(["序号", person, "所属党组织", "主题", "时间",
                                   *draw(st.lists(st.sampled_from(["实到人数", "应到人数", "备注"]), unique=True))]))
    rows = []
    for org, day, topic, names, count in draw(st.lists(st.tuples(
            st.sampled_from(ORG_NAMES), st.dates(date(2023, 6, 1), date(2025, 6, 30)).flatmap(_date_spellings),
            st.one_of(st.just(""), TEXT), st.lists(st.one_of(st.sampled_from(PEOPLE), st.sampled_from(LISTS), TEXT),
                                                   min_size=1, max_size=12),
            st.integers(-1, 30).map(str)), min_size=1, max_size=4)):
        for name in names:
            values = {person: name, "所属党组织": org, "主题": topic, "时间": day, "实到人数": count,
                      "应到人数": count, "备注": "", "序号": str(len(rows) + 1)}
            rows.append([values[h] for h in header])
    rows.extend(draw(st.lists(st.lists(CELL, max_size=len(header)), max_size=3)))
    order = draw(st.permutations(range(len(rows))))
    return [["已展开主题党日活动人员名单"], header, *(rows[k] for k in order)]


def _reconciles(intake) -> None:
    for source in intake.sources:
        assert source.read == source.accepted + source.rejected + source.blank + source.skipped, source
        assert source.skipped == sum(k["rows"] for t in source.tables for k in intake.tables[t].skipped), source
    rejected_rows = intake.rejected[["source", "sheet", "row"]].drop_duplicates() if len(intake.rejected) else []
    assert len(rejected_rows) == sum(s.rejected for s in intake.sources)


# ---- the whole intake on generated CSV ledgers -------------------------------------------------------------------

@given(ledger=ledgers(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]),
       delimiter=st.sampled_from([",", "\t", ";"]), with_roster=st.booleans())
def test_every_csv_ledger_ends_in_rows_accounted_for_or_a_clean_error(ledger, encoding, delimiter, with_roster):
    rows, _ = ledger
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    text = buffer.getvalue()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "ledgers").mkdir()
        (folder / "ledgers" / "台账.csv").write_bytes(text.encode(encoding))
        try:
            intake = take_in([folder / "ledgers"], alias_roster(folder) if with_roster else None, CATALOGUE, AS_OF)
        except InputError as exc:
            assert str(exc).startswith("文件 台账.csv"), str(exc)
            return
    _reconciles(intake)
    (source,) = intake.sources
    tables = [intake.tables[t] for t in source.tables]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    physical, record_of, end = [], {}, 0  # records, and the record (1-based) starting on each text line
    for row in reader:
        physical.append(row)
        record_of[end + 1] = len(physical)
        end = reader.line_num
    # rows are reported by the text line they start on; every record with a cell filled in is in a table's body, or
    # is a table's header (one or two rows), or is skipped with the reason (title rows, a table that is no record)
    filled = {n for n, row in enumerate(physical, start=1) if any(c.strip() for c in row)}
    if any(t.header_row is None for t in tables):  # no header anywhere: every filled row is skipped
        assert source.read == source.skipped == len(filled)
        return
    spans = [(record_of[t.body[0]], record_of[t.body[1]]) for t in tables if t.body[0] <= t.body[1]]
    skipped = {record_of[line] for t in tables for k in t.skipped for line in _rows(k["at"])}
    inside = {n for first, last in spans for n in range(first, last + 1)}
    assert source.read == len(inside) + len(skipped - inside)
    headers = {n for t in tables  # (a table with nothing below its header may have a second header row)
               for n in range(record_of[t.header_row], record_of[t.body[0]] if t.body[0] <= t.body[1] else
                              record_of[t.header_row] + 2)}
    assert filled <= inside | skipped | headers, sorted(filled - inside - skipped - headers)


def _rows(at: str) -> list[int]:
    """The rows a table's ``skipped`` entry names (``1-3、7``)."""
    out = []
    for part in at.split("、"):
        first, _, last = part.partition("-")
        out.extend(range(int(first), int(last or first) + 1))
    return out


# ---- workbooks: generated sheets of typed cells -----------------------------------------------------------------

TYPED = st.one_of(
    CELL,
    st.integers(-(2**40), 2**40), st.floats(allow_nan=False, allow_infinity=False), st.booleans(), st.none(),
    st.datetimes(datetime(1900, 3, 1), datetime(2100, 1, 1)), st.dates(date(1900, 3, 1), date(2100, 1, 1)),
)


@given(sheets=st.lists(st.tuples(ledgers(), st.lists(st.lists(TYPED, max_size=6), max_size=8), st.booleans()),
                       min_size=1, max_size=3))
def test_every_workbook_ends_in_rows_accounted_for_or_a_clean_error(sheets):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for number, ((rows, _), typed, merge) in enumerate(sheets):
        sheet = book.create_sheet(f"表{number}")
        for values in rows[: len(rows) - len(typed)] + typed:  # (control characters cannot be stored in xlsx)
            sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values])
        if merge and sheet.max_row > 3:
            sheet.merge_cells(start_row=sheet.max_row - 1, start_column=1, end_row=sheet.max_row, end_column=2)
    book.create_sheet("空表")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "ledgers").mkdir()
        book.save(folder / "ledgers" / "台账.xlsx")
        try:
            intake = take_in([folder / "ledgers"], alias_roster(folder), CATALOGUE, AS_OF)
        except InputError as exc:
            assert str(exc).startswith("文件 台账.xlsx"), str(exc)
            return
    _reconciles(intake)


# ---- count tables (统计表, issue 28): owip's wide and long layouts with any cells ---------------------------------

COUNT_TYPES = ["支委会次数", "支部委员会", "党员大会", "党小组会", "党课", "主题党日", "组织生活会民主评议党员",
               "党员集体活动", "党员集体活动总数"]
COUNT_CELL = st.one_of(st.integers(-2, 5), st.sampled_from(["1", "2次", "1.5", "-1", "两次", "", "3 ", "1e3"]), CELL)


@st.composite
def count_tables(draw) -> tuple[list[list], list[tuple[int, int, int, int]], str]:
    """(rows, merged ranges (row, col, last row, last col; 1-based), file stem): a wide table (a title with a year
    or none, groups merged over 1月 … 12月 with 按时开展月份数 and 完成率) or a long one (年份 | 月份 | 分党委 | 党支部 |
    type columns), its body counts, hostile cells, blank rows and footers."""
    year = draw(st.sampled_from(["2024年", "", "二〇二四年"]))
    branches = st.sampled_from(["一支部", "一中一支部", "二支部", "", "区委教育工委", "第一中学第三党支部"])
    footers = st.sampled_from([["合计"], ["填表人：张三", "", "审核人：李四"], []])
    if draw(st.booleans()):
        groups = draw(st.lists(st.sampled_from(COUNT_TYPES), min_size=1, max_size=2, unique=True))
        months = [draw(st.sampled_from([f"{m}月", f"{m} 月"])) for m in range(1, 13)]
        upper = ["院系级党组织名称", "党支部名称（数据来自于党支部信息）", "党支部类型"]
        lower = ["", "", ""]
        merged = [(2, c, 3, c) for c in (1, 2, 3)]
        for g in groups:
            merged.append((2, len(upper) + 1, 2, len(upper) + 14))
            upper += [g, *[""] * 13]
            lower += [*months, "按时开展月份数", "完成率"]
        body = draw(st.lists(st.one_of(
            st.tuples(branches, st.lists(COUNT_CELL, min_size=len(upper) - 3, max_size=len(upper) - 3)).map(
                lambda pair: ["一中党委", pair[0], "教工党支部", *pair[1]]),
            st.just([""] * len(upper)), footers), max_size=8))
        return [[f"{year}组织生活开展情况统计表"], upper, lower, *body], merged, draw(st.sampled_from(["统计表", ""]))
    types = draw(st.lists(st.sampled_from(COUNT_TYPES[1:]), min_size=2, max_size=5, unique=True))
    header = [*draw(st.sampled_from([["年份", "月份"], ["月份"]])), "分党委", "党支部", "支部类型", *types]
    body = draw(st.lists(st.one_of(
        st.tuples(st.sampled_from([2024, "2024", "2024年", "", 1985]), st.sampled_from([1, "3", "12月", "2024-05", "",
                                                                                        13, "三月"]),
                  branches, st.lists(COUNT_CELL, min_size=len(types), max_size=len(types))).map(
            lambda t: [t[0], t[1], "一中党委", t[2], "教工党支部", *t[3]] if header[0] == "年份"
            else [t[1], "一中党委", t[2], "教工党支部", *t[3]]),
        st.just([""] * len(header)), footers), max_size=12))
    return [header, *body], [], draw(st.sampled_from([f"{year}月度统计", "月度统计"]))


@given(table=count_tables(), as_csv=st.booleans())
def test_every_count_table_is_read_as_counts_with_rows_accounted_for_or_refused_cleanly(table, as_csv):
    rows, merged, stem = table
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "ledgers").mkdir()
        ledger = write_csv(folder / "ledgers" / "台账.csv", ["组织", "日期", "类型"], [["一支部", "2024-03-05", "支委会"]])
        if as_csv or merged == []:
            buffer = io.StringIO(newline="")
            csv.writer(buffer).writerows(rows)
            (folder / "ledgers" / f"{stem or '表'}.csv").write_text(buffer.getvalue(), encoding="utf-8")
        else:
            book = openpyxl.Workbook()
            sheet = book.active
            for values in rows:
                sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values])
            for top, left, bottom, right in merged:
                sheet.merge_cells(start_row=top, start_column=left, end_row=bottom, end_column=right)
            book.save(folder / "ledgers" / f"{stem or '表'}.xlsx")
        try:
            intake = take_in([folder / "ledgers"], alias_roster(folder), CATALOGUE, AS_OF)
        except InputError as exc:
            assert exc.message and ledger.exists(), str(exc)
            return
    _reconciles(intake)
    counts = [t for t in intake.tables if t.kind.kind.value == "counts"]
    assert all(t.kind.read == bool(t.mapping) for t in counts)  # read as counts, or refused saying why
    assert all(t.kind.why for t in counts if not t.kind.read)
    # every count the engine sees is a whole non-negative number of a known organisation, type and month
    assert (intake.counts["n"] >= 0).all() and (intake.counts["org"] >= 0).all()
    assert intake.counts["month"].between((1990 - 1970) * 12, (2100 - 1970) * 12).all()


@given(rows=attendance_lists(), with_roster=st.booleans())
def test_every_attendance_list_ends_in_rows_accounted_for_or_a_clean_error(rows, with_roster):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "ledgers").mkdir()
        write_csv(folder / "ledgers" / "已展开主题党日.csv", rows[0], rows[1:])
        try:
            intake = take_in([folder / "ledgers"], alias_roster(folder) if with_roster else None, CATALOGUE, AS_OF)
        except InputError as exc:
            assert str(exc).startswith("文件 已展开主题党日.csv"), str(exc)
            return
    _reconciles(intake)
    records = intake.gate.records
    for t, table in enumerate(intake.tables):
        mine = records[records["table"] == t]
        if table.kind.kind.value == "attendance" and table.kind.read:
            # an activity per record, each standing for its rows, every accepted row in one: they add up
            assert table.activities == mine["row"].nunique() <= table.accepted
            assert sum(len(table.members.get(r, (r,))) for r in mine["row"].drop_duplicates()) == table.accepted
            assert mine["person"].isna().all()


# ---- readers on random and damaged bytes -------------------------------------------------------------------------

SAMPLES = {
    ".xlsx": (DEMO / "ledgers" / "第一中学.xlsx").read_bytes(),
    ".xls": (REPO / "fixtures" / "messy" / "ledgers" / "区教育局党组.xls").read_bytes(),
    ".ods": (REPO / "fixtures" / "messy" / "ledgers" / "区委教育工委.ods").read_bytes(),
    ".csv": (DEMO / "ledgers" / "实验小学.csv").read_bytes(),
}


@st.composite
def damaged(draw) -> tuple[str, bytes]:
    """A sample file cut short, with bytes flipped, inserted or overwritten — or plain random bytes."""
    suffix = draw(st.sampled_from([*SAMPLES, ".xlsm"]))
    data = bytearray(SAMPLES.get(suffix, SAMPLES[".xlsx"]))
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["cut", "flip", "insert", "random"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if action == "cut":
            del data[at:]
        elif action == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        else:
            data = bytearray(draw(st.binary(max_size=2048)))
    return suffix, bytes(data)


@given(case=damaged())
@example(case=(".xlsx", b"PK\x03\x04"))
@example(case=(".xlsx", SAMPLES[".xlsx"][: len(SAMPLES[".xlsx"]) // 2]))
@example(case=(".csv", b"\xff\xfe\x00"))
@example(case=(".csv", "组织,日期\n".encode("utf-16-le")))
def test_damaged_and_random_files_are_read_or_refused_cleanly(case):
    suffix, data = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"文件{suffix}"
        path.write_bytes(data)
        try:
            sheets = read_rows(path, path.name)
        except InputError as exc:
            assert exc.source == path.name and exc.message, exc
            return
    for content in sheets.values():  # what was read is cells of the types a ledger can hold, nothing else
        kinds = {type(cell) for row in content.lists() for cell in row}
        assert kinds <= CELL_TYPES, kinds - CELL_TYPES


CELL_TYPES = {str, int, float, bool, date, datetime, time, timedelta, type(None)}


# ---- values and headers ----------------------------------------------------------------------------------------

ANY_VALUE = st.one_of(TEXT, st.integers(), st.floats(), st.booleans(), st.none(), st.datetimes(), st.dates(),
                      st.timedeltas(), st.binary(max_size=8).map(lambda b: b.decode("latin-1")))


@given(value=ANY_VALUE)
def test_any_value_is_a_date_a_count_or_a_reason(value):
    for parse in (parse_date, parse_count):
        try:
            parse(value)
        except ValueProblem as problem:
            assert str(problem) and not str(problem).isascii()


@given(day=st.dates(date(1900, 3, 1), date(9999, 12, 31)), spelling=st.integers(0, 6))
def test_every_spelling_of_a_date_parses_to_it(day, spelling):
    text = [
        day.isoformat(), f"{day.year}年{day.month}月{day.day}日", f"{day.year}.{day.month}.{day.day}",
        f"{day.year}/{day.month:02d}/{day.day:02d}", f"{day.isoformat()}T08:00:00", f" {day.year} 年 {day.month} 月 "
        f"{day.day} 号", f"{day.year}－{day.month:02d}－{day.day:02d}",
    ][spelling]
    assert parse_date(text) == day
    assert parse_date(int(day.strftime("%Y%m%d"))) == day
    assert parse_date(datetime.combine(day, datetime.min.time()) + timedelta(hours=9)) == day


# An Excel serial has three to five digits (issue 36): 100 is 1900-04-09, 99999 is 2173-10-13. One or two digits are
# no date (tests/intake/test_values.py), six are no serial.
@given(day=st.dates(date(1900, 4, 9), date(2173, 10, 13)), hours=st.integers(0, 23))
def test_an_excel_serial_parses_to_its_day(day, hours):
    serial = (day - EXCEL_EPOCH).days
    assert 100 <= serial <= 99_999
    assert parse_date(str(serial)) == day  # written as text
    assert parse_date(serial) == day  # a number cell
    if hours and 1990 <= serial < 2100:  # 2024.5 is a year and a month (as 2024.12 is), not serial 2024 at noon
        with pytest.raises(ValueProblem, match=f"^{re.escape(f'日期“{serial + hours / 24}”只有年月，缺少日')}$"):
            parse_date(serial + hours / 24)
    else:
        assert parse_date(serial + hours / 24) == day  # with a time of day


JUNK = st.lists(st.one_of(st.none(), st.integers(), st.text("abcxyz0123456789 -_", max_size=8)), max_size=8)


@given(before=st.lists(JUNK, max_size=25), after=st.lists(JUNK, max_size=5),
       header=st.lists(st.sampled_from(HEADERS), min_size=2, max_size=8, unique_by=lambda h: KNOWN[h]))
def test_the_header_is_found_wherever_it_sits_in_the_first_rows(before, after, header):
    rows = [*before, header, *after]
    found = find_header(rows, KNOWN)
    assert found == (len(before), len(header))
    assert find_header([*before, *after], KNOWN) is None


# ---- the rules loader ------------------------------------------------------------------------------------------

RAW_RULES = yaml.safe_load(DEFAULT_RULES.read_text(encoding="utf-8"))
YAML_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-3, 40), st.floats(allow_nan=False), TEXT,
              st.sampled_from(["month", "quarter", "year", "党支部", "主题党日", "frequency", "2024-13-01"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)),
    max_leaves=6,
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


PATHS = list(_paths(RAW_RULES))[1:]


@given(changes=st.lists(st.tuples(st.sampled_from(PATHS), YAML_VALUE, st.booleans()), min_size=1, max_size=3))
def test_a_mangled_rules_file_loads_or_is_refused_with_a_message(changes):
    import copy

    document = copy.deepcopy(RAW_RULES)
    for path, value, delete in changes:
        parent = document
        try:
            for key in path[:-1]:
                parent = parent[key]
            if delete:
                del parent[path[-1]]
            else:
                parent[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed or replaced this path
    _load_rules(yaml.safe_dump(document, allow_unicode=True))


@given(text=st.one_of(TEXT, st.binary(max_size=200).map(lambda b: b.decode("utf-8", "replace")),
                      st.sampled_from(["!!python/object/apply:os.system ['echo hi']", "a: &x [*x]", "rules: [",
                                       "version: 1\nrules: {}", "- - -", "\t", "rules:\n  - id: a\n  - id: a"])))
def test_any_text_as_a_rules_file_loads_or_is_refused_with_a_message(text):
    _load_rules(text)


def _load_rules(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rules.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            load_catalogue(path)
        except InputError as exc:
            assert str(exc).startswith(f"文件 {path}") and not exc.message.isascii(), str(exc)


# ---- the command, end to end -----------------------------------------------------------------------------------

@settings(max_examples=max(settings().max_examples // 4, 5))
@given(ledger=ledgers())
def test_the_command_ends_in_findings_or_a_chinese_error(ledger):
    rows, _ = ledger
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "ledgers").mkdir()
        write_csv(folder / "ledgers" / "台账.csv", rows[0], rows[1:])
        result = CliRunner().invoke(main, [
            "check", str(folder / "ledgers"), "--roster", str(alias_roster(folder)), "--as-of", "2024-12-31",
            "--out", str(folder / "reports"), "--format", "json,html,xlsx", "--quiet",
        ])
        assert isinstance(result.exception, SystemExit), result.output
        assert result.exit_code in (0, 1, 2), result.output
        if result.exit_code == 2:
            assert result.output.startswith("错误：文件 台账.csv"), result.output
            assert not (folder / "reports").exists()
        else:
            assert (folder / "reports" / "findings.json").is_file()


def test_normalised_header_names_are_what_the_reader_knows():
    assert all(normalise_name(h) == h for h in HEADERS)

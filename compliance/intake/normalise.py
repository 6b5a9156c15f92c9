"""Normalise: raw ledger cells → one candidate row per non-blank ledger row, every field parsed and normalised.

Each column is converted per distinct value (``pd.factorize``), never per cell: a district's ledgers repeat the
same organisation names, types and dates thousands of times. Nothing is decided here about whether a row can be
used: a value that cannot be parsed becomes empty and its problem is kept beside it, in Chinese. The data-quality
gate (``compliance.intake.gate``) then rejects or warns, row by row, and the totals reconcile.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, cast

import numpy as np
import pandas as pd

from compliance.config.catalogue import Catalogue
from compliance.config.limits import column_letter
from compliance.domain import HEADER_COLUMNS
from compliance.frames import constant, frame, objects
from compliance.intake.attendance import member_tables, parse_lists, rows_text
from compliance.intake.counts import CountCandidates, CountTable, read_counts
from compliance.intake.issues import Issue
from compliance.intake.kinds import ACTIVITY, Evidence, Kind, TableKind, classify, title_text
from compliance.intake.meaning import ATTENDEE_LIST, DATE, EXPECTED, PERSON, PRESENT, HeaderReader
from compliance.intake.roster import Roster, infer_org_type, is_organisation
from compliance.intake.shapes import SkippedRows, SkippedSheet, UnusedColumn
from compliance.intake.sheets import Distinct, SourceFile, Table, blank_column
from compliance.intake.understand import Understanding, understand
from compliance.intake.values import ValueProblem, is_blank, parse_count, parse_date, parse_mark
from compliance.spelling import (
    BRACKETED,
    name_list,
    normalise_name,
    normalise_names,
    normalise_text,
    normalise_texts,
    organisation_key,
    person_key,
    split_list,
)

RECORD_FIELDS = ("org", "date", "type", "topic", "person", "expected", "present", "discipline", "absent", "table",
                 "row")


@dataclass
class TableInfo:
    """What evidence, reports and unverifiable checks need to know about one table."""

    source: str
    sheet: str | None
    header_row: int | None  # None: a sheet in which no header was found
    columns: frozenset[str]  # canonical column names present in the header (none when it is no activity record)
    mapping: dict[str, str] = field(default_factory=dict)  # header as written → canonical column
    unused: list[UnusedColumn] = field(default_factory=list)  # the headers not used, and why
    from_name: dict[str, str] = field(default_factory=dict)  # 类型/组织 taken from the sheet's or file's name
    missing: dict[str, str] = field(default_factory=dict)  # 组织/日期/类型 the table cannot give → why (Chinese)
    by_content: frozenset[str] = frozenset()  # headers whose meaning came from their cells
    body: tuple[int, int] = (0, -1)  # the first and last row of its body, as Excel numbers them (empty: first > last)
    kind: Kind = ACTIVITY  # what the table was taken to be (``compliance.intake.kinds``)
    skipped: list[SkippedRows] = field(default_factory=list)  # the rows not read: why, how many, which
    inferred: dict[str, str] = field(default_factory=dict)  # 组织 taken from what a column holds (a leader's unit)
    roll: bool = False  # its attendance lists mark who was absent: 应到 is counted from them
    activities: int | None = None  # an attendance list (one row per member): the activities its accepted rows make
    accepted: int | None = None  # … and how many rows those are
    members: dict[int, tuple[int, ...]] = field(default_factory=dict)  # of such an activity: the row its record
    # names (the first) → every row of it, as users number them (``compliance.intake.attendance``)


@dataclass
class SourceSummary:
    source: str
    sha256: str
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    blank: int = 0
    skipped: int = 0  # rows read and not taken as records: title rows, a table that is no activity record …
    skipped_sheets: list[SkippedSheet] = field(default_factory=list)
    tables: list[int] = field(default_factory=list)  # indices into the table list
    path: str = ""  # the file as found (relative to the working folder when given so): where CI annotations point


@dataclass
class Candidates:
    """Every non-blank ledger row, parsed. Raw values stay for messages (``raw_*``); problems are per field."""

    rows: pd.DataFrame
    tables: list[TableInfo]
    warnings: list[Issue]  # about headers (columns with data that mean nothing known, unnamed or repeated), footers
    # and what a reader of the sheet would not see
    sources: list[SourceSummary]
    notes: list[str] = field(default_factory=list)  # whole tables that give no usable row, said once per table
    org_problems: dict[int, str] = field(default_factory=dict)  # row → why its organisation was not found (a
    # register of people: the name no leader's, or several leaders'), for the few rows where it is said per row
    counts: CountCandidates = field(default_factory=lambda: CountCandidates().done())  # count tables' cells
    coded: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # column → (code per row, value
    # per code) for the columns parsed per distinct cell (``_parse``), so that the gate does not factorise a million
    # cells again; a column whose rows are not its codes' values (types taken from a sheet's name) is not there

    def org_spellings(self) -> list[str]:
        """The distinct organisation spellings of the rows and the count tables (normalised), in order of
        appearance: a roster without ``--roster`` is built from them."""
        return list(pd.unique(pd.concat([self.rows["org_key"].dropna(), self.counts.rows["org_key"]])))


def _names(table: Table) -> list[str]:
    """The names a table's rows may take their type or organisation from: the sheet's, then the file's."""
    return [normalise_name(n) for n in (table.sheet, PurePosixPath(table.source).stem) if n]


def _longest(name: str, spellings: Container[str]) -> list[str]:
    """The longest of ``spellings`` that ``name`` contains (all of them, when several are as long): the name's
    substrings looked up, longest first — a name is short, a roster's spellings are many."""
    for length in range(len(name), 0, -1):
        found = list(dict.fromkeys(name[i:i + length] for i in range(len(name) - length + 1)
                                   if name[i:i + length] in spellings))
        if found:
            return found
    return []


def _contained(name: str, spellings: Container[str]) -> list[str]:
    """Every one of ``spellings`` that ``name`` contains and that is not part of a longer one it contains."""
    found = {name[i:j] for i in range(len(name)) for j in range(i + 1, len(name) + 1) if name[i:j] in spellings}
    return sorted(s for s in found if not any(s != t and s in t for t in found))


def _type_from_name(table: Table, catalogue: Catalogue) -> str | None:
    """The activity type the layout, the sheet name or the file name gives: the name is, or contains, a type or a
    variant (“党课” sheet, “第一中学主题党日活动登记表.xlsx”, “2024年党课记录”). A name that names two different
    types (“主题党日+支委会”) gives none."""
    if table.override and table.override.type:
        return catalogue.type_of[normalise_name(table.override.type)]
    for key in _names(table):
        found = {catalogue.type_of[s] for s in _contained(key, catalogue.type_of)}
        if len(found) == 1:
            return found.pop()
        if found:
            return None
    return None


_BARE = frozenset({"党支部", "支部", "党总支", "总支", "党委", "分党委", "党组", "工委", "党工委", "基层党支部"})
_BOOK_WORDS = re.compile(  # what a unit's book adds to the unit's name: a year, 会议记录, 党建工作台账 …
    r"^(?:\d{4}年度?)|(?:\d{4}年度?)?(?:党建)?(?:工作|活动|会议)*(?:台账|记录本?|登记表?|簿|册|汇总)*$"
)


def _org_from_name(table: Table, roster: Roster | None) -> tuple[str | None, str | None]:
    """For a ledger without an organisation column: (the organisation the layout, the sheet or the file names,
    or why none). A name gives the longest roster name or alias it contains (“区委教育工委会议记录.xlsx”); without
    a roster, the name itself once a year and words like 会议记录/活动台账 are taken off, when it reads as an
    organisation. A sheet named like a branch the roster does not know is read under the file's unit (sheet
    “第一支部” of “第一中学党委2024年台账.xlsx”) — and when that fails too, its rows are not given the file's unit:
    that would credit the unit with a branch's meetings."""
    if table.override and table.override.org:
        return table.override.org, None
    real = roster is not None and not roster.inferred

    def named(key: str) -> str | None:
        if real and roster is not None:
            found = {roster.lookup[s] for s in _longest(key, roster.lookup)}
            return roster.names[found.pop()] if len(found) == 1 else None
        stem = _BOOK_WORDS.sub("", key)
        return stem if infer_org_type(stem) is not None else None

    sheet = normalise_name(table.sheet) if table.sheet else ""
    unit = named(normalise_name(PurePosixPath(table.source).stem))
    branch = _BOOK_WORDS.sub("", sheet)
    if branch and branch not in _BARE and infer_org_type(branch) is not None:
        # a sheet named like a branch, in a unit's workbook: read under that unit, never anywhere in the roster
        if unit:
            if org := _within(branch, normalise_name(unit), roster):
                return org, None
            return None, f"工作表名“{table.sheet}”像是一个组织，但在“{unit}”之下找不到它"
        if org := named(sheet):
            return org, None
        return None, f"工作表名“{table.sheet}”像是一个组织，但名册中没有它"
    if sheet and (org := named(sheet)):
        return org, None
    return unit, None


_SEVERAL = re.compile(r"[、,;/+&]|暨|及|和|与|兼")  # between two types named in one cell
_PLACEHOLDERS = frozenset({"-", "--", "—", "——", "/", "无", "空", "－", "_"})
_UNIT_SUFFIXES = ("委员会", "分党委", "党总支", "总支", "党委", "工委", "党组")


def _org_cells(body: pd.DataFrame, order: tuple[int, ...], roster: Roster | None):
    """Per row, the organisation cell to use from several columns (most specific first): the most specific cell
    filled in — read in the context of a less specific one when it does not resolve alone (“第一党支部” under
    “第一中学党委” is 第一中学第一党支部). A filled cell that resolves neither way is kept, so its row is rejected
    naming it; it never falls back to the parent, which would credit the unit with a branch's meeting."""
    if len(order) == 1:
        return body[order[0]].array  # as read (Arrow strings stay in the reader's memory)
    keys = pd.Series(list(zip(*(body[p].to_numpy(dtype=object) for p in order), strict=True)), dtype=object)
    codes, uniques = pd.factorize(keys)

    real = roster is not None and not roster.inferred

    def choose(cells: tuple) -> object:
        filled = [c for c in cells if not is_blank(c) and organisation_key(str(c)) not in _PLACEHOLDERS]
        if not filled:
            return None
        first = organisation_key(str(filled[0]))
        parents = [organisation_key(str(c)) for c in filled[1:]]
        known = [p for p in parents if real and roster is not None and roster.resolve(p) is not None]
        if known:  # read under the unit the row names: a short name other schools share means its own branch
            if (within := _within(first, known[0], roster)) is not None:
                return within
            return f"{filled[1]}/{filled[0]}" if is_organisation(first, roster) else filled[0]
        if is_organisation(first, roster):
            return filled[0]
        for parent in parents:
            if (within := _within(first, parent, roster)) is not None:
                return within
        return filled[0]

    chosen = np.array([choose(u) for u in uniques], dtype=object)
    return chosen[codes] if len(codes) else np.empty(0, dtype=object)


def _within(child: str, parent: str, roster: Roster | None) -> str | None:
    """A branch's short name read under its unit's: the unit's name (as written, or the roster's name and aliases
    for it) with its suffix taken off, joined to the branch's (“第一中学党委” + “第一党支部”); or the one
    organisation directly under that unit whose name or alias ends with it — always within the unit's subtree (a
    short name another school's branch has too is not that branch). Without a roster, the full name the two make.
    None when none of this works."""
    def stems(name: str) -> list[str]:
        return [name.removesuffix(s) for s in _UNIT_SUFFIXES if name.endswith(s) and len(name) > len(s)]

    if roster is None or roster.inferred:  # no roster: the full name the two make, when it reads as a branch
        if any(child.startswith(stem) for stem in stems(parent)):
            return child if infer_org_type(child) is not None else None
        return next((stem + child for stem in stems(parent) if infer_org_type(stem + child) is not None), None)
    unit = roster.resolve(parent)
    if unit is None:
        return None

    def inside(index: int | None) -> bool:
        return index is not None and bool(roster.within(np.array([unit]), np.array([index]))[0])

    if (direct := roster.resolve(child)) is not None and inside(direct):
        return roster.names[direct]
    spellings = [parent, *(normalise_name(s) for s in (roster.names[unit], *roster.org_table.aliases[unit]))]
    for spelling in dict.fromkeys(spellings):
        for stem in [spelling, *stems(spelling)]:
            if (found := roster.resolve(stem + child)) is not None and inside(found):
                return roster.names[found]
    under = [name for name, aliases, up in zip(roster.names, roster.org_table.aliases, roster.parent, strict=True)
             if up == unit and any(_loose(normalise_name(s)).endswith(_loose(child)) for s in (name, *aliases))]
    return under[0] if len(under) == 1 else None


_REGISTER_PEOPLE = ("姓名", "人员")  # what a register's person column reads as (姓名, 学员, 参训人员), not 主持人


def _leaders(roster: Roster | None) -> bool:
    return roster is not None and not roster.inferred and len(roster.leader_org) > 0


def _leader_units(names: pd.Series, roster: Roster) -> tuple[np.ndarray, np.ndarray]:
    """Per row of a register naming people, not units: the unit of the one leader of that name (the roster's name
    for it), or None and why — a name several leaders share, or no leader's, or more than one name."""
    units_of: dict[str, set[str]] = {}
    for name, org in zip(roster.leader_names, roster.leader_org, strict=True):
        units_of.setdefault(name, set()).add(roster.names[int(org)])

    def unit(value: object) -> str | None:
        if is_blank(value):
            return None
        people = split_list(person_key(str(value)))
        if len(people) != 1:
            raise ValueProblem(f"“{value}”不是一个人的姓名，无法按姓名确定单位")
        found = sorted(units_of.get(people[0], ()))
        if not found:
            raise ValueProblem(f"“{people[0]}”不是名册中的领导干部，无法按姓名确定单位")
        if len(found) > 1:
            raise ValueProblem(f"“{people[0]}”是名册中 {len(found)} 位领导干部的姓名（{'、'.join(found)}），"
                               "无法确定是哪个单位的")
        return found[0]

    return _convert(names, unit)


def _loose(name: str) -> str:
    """A name with 党支部 written 支部 and 党总支 总支, as people shorten them (第一支部 for 第一党支部)."""
    return name.replace("党支部", "支部").replace("党总支", "总支")


def _missing(understood: Understanding, table: Table, from_name: dict[str, str], roster: Roster | None,
             org_problem: str | None) -> dict:
    """组织/日期/类型 the whole table cannot give, and why, in Chinese."""
    fields = set(understood.columns.values()) | set(from_name)
    missing = {}
    if "组织" not in fields and org_problem:
        missing["组织"] = org_problem
    elif "组织" not in fields:
        missing["组织"] = ("表头中没有组织列，工作表名和文件名中也没有" +
                          ("名册里的组织名称" if roster is not None and not roster.inferred else "组织名称"))
    if "日期" not in fields:
        plans = [f"“{table.headers[p]}”是{why.split('，')[0]}" for p, why in understood.unused
                 if "不是活动开展的日期" in why]
        missing["日期"] = "表头中没有活动开展的日期列" + (f"（{'；'.join(plans)}）" if plans else "")
    if "类型" not in fields:
        missing["类型"] = "表头中没有活动类型列，工作表名和文件名中也没有活动类型"
    return missing


def _unseen(table: Table, used: set[int]) -> list[Issue]:
    """What a person looking at the sheet would not see, said: a hidden sheet, hidden (or filtered-out) rows with
    data — all read, they are data — and formula cells in a used column that were never calculated and saved."""
    out = []
    if table.hidden:
        out.append(Issue.at(table, table.header_row, "隐藏的工作表，已读取（其中的行同样计入）"))
    hidden = table.facts.hidden_rows
    filled = table.cells.index[~table.blank.to_numpy()] if hidden else ()
    for row in sorted(hidden.intersection(filled)):
        out.append(Issue.at(table, row, "隐藏的行（手动隐藏或被筛选隐藏），已读取"))
    for row, position in sorted(table.facts.unsaved):
        if position in used and row in table.cells.index:
            out.append(Issue.at(table, row, "公式没有保存的计算结果，请在 Excel 或 WPS 中打开并保存后再检查",
                                column=_column_name(table, position)))
    return out


_FOOTER_WORDS = ("合计", "小计", "总计", "共计", "累计", "填表人", "填报人", "制表人", "制表", "审核人", "审核",
                 "审批人", "负责人签字", "签字", "填表日期", "填报日期", "制表日期", "报送日期", "填报单位", "单位盖章",
                 "盖章")
_SPACE = "[\\s\u3000\u00a0]*"  # spelled out: pyarrow's \\s is ASCII only, and ledgers hold full-width spaces
_FOOTER = re.compile(  # a word as typed, maybe with spaces inside ("合 计"), at the start of the first filled cell
    "^" + _SPACE + "(?:" + "|".join(_SPACE.join(word) for word in _FOOTER_WORDS)
    + "|备注" + _SPACE + "[:：]|说明" + _SPACE + "[:：]|注" + _SPACE + "[:：])"
)


# A template's instructions (在此处填写…, 注意事项：…, 票数请填写阿拉伯数字): at the start of the first filled cell,
# or 请填写/请输入/请选择 within its first words (bounded: a ledger's million first cells are not scanned to the end).
# (注：and 说明：below a table are footers; above its header, instructions)
_INSTRUCTION_START = ("^" + _SPACE + "(?:在此处|在此|请在|请按|请勿|请以|请用|请务必|注意事项|填写说明|填表说明|"
                      "填报说明|填写要求|示例[:：]|样例[:：]|例[:：]|注[:：]|说明[:：])")
_INSTRUCTION = re.compile(_INSTRUCTION_START + "|^.{0,12}?请(?:填写|输入|选择|按照|如实|在|勿|务必)")
_NOT_RECORD = re.compile(_FOOTER.pattern + "|" + _INSTRUCTION.pattern)
# what pyarrow looks for in a whole column: the anchored starts only (a pattern that may skip a few characters
# first costs twice as much over a million cells); 请填写 further in is looked for on rows of one or two cells
_LIKELY = _FOOTER.pattern + "|" + _INSTRUCTION_START
_MARKS = frozenset({"是", "否", "√", "×", "✓", "✔", "有", "无"})


def _footers(table: Table, date_column: int | None) -> pd.Series:
    """The rows that are no records by their first filled cell — below a table, 合计/小计 lines, 填表人：… 审核人：…,
    填报日期; in a template, its instructions (``_INSTRUCTION``): row number → that cell's text. Column by column,
    left to right, and only as far as some row is still blank (a ledger's first column is usually filled on every
    row: one pass). A row whose activity date is a date is a record whatever its first cell says (a 主题
    “审核预备党员转正材料”)."""
    cells = table.cells
    found: dict[int, str] = {}
    still_blank = np.ones(len(cells), dtype=bool)
    for position in cells.columns:
        if not still_blank.any():
            break
        column = cells[position]
        distinct = table.distinct.get(cast(int, position))
        match = _footer_start(column, distinct) & still_blank
        if table.filled is not None and (few := np.flatnonzero(still_blank & ~match & (table.filled <= 2))).size:
            match[few] = [isinstance(v, str) and _INSTRUCTION.search(v) is not None  # 票数请填写阿拉伯数字
                          for v in column.iloc[few].to_numpy(dtype=object)]
        for row, value in zip(cells.index[match], column[match], strict=True):
            if date_column is not None and _is_date(cells.at[row, date_column]):
                continue
            found[int(row)] = str(value)
        still_blank &= ~_filled(column, distinct)
    return pd.Series(found, dtype=object).sort_index()


def _template_rows(table: Table, date_column: int | None, catalogue: Catalogue, found: pd.Series,
                   empty: np.ndarray) -> dict[str, list[int]]:
    """A template's rows that are no records, by why (1-based rows): its instructions (among ``found``, the rows
    ``_footers`` found that are no footers), its sample row (cells repeating the column names), a drop-down's
    value left alone on a row (是, 支部委员会)."""
    out: dict[str, list[int]] = {}
    instructions = [int(row) for row, text in zip(found.index.to_numpy(), found.to_numpy(dtype=object), strict=True)
                    if not _FOOTER.match(text)]
    if instructions:
        out["模板的填写说明"] = instructions
    samples = sorted(r for r in table.samples if not empty[r - table.cells.index[0]]) if table.samples else []
    if samples:
        out["模板的示例行（单元格照抄列名）"] = samples
    if table.filled is not None and (lone := np.flatnonzero(table.filled == 1)).size:
        options = catalogue.type_of.keys() | _MARKS
        left = []
        for at in lone.tolist():
            if empty[at]:
                continue
            row = table.cells.iloc[at]
            position, value = next((p, v) for p, v in row.items() if not is_blank(v))
            if position != date_column and isinstance(value, str) and normalise_name(value) in options:
                left.append(int(table.cells.index[at]))
        if left:
            out["只有一个下拉选项的值（模板残留），不是一条记录"] = left
    return out


def _filled_in(value: object) -> bool:
    return not is_blank(value)


def _kind_of(table: Table, fields: set[str], reader: HeaderReader, catalogue: Catalogue) -> Kind:
    """What ``table`` holds (``compliance.intake.kinds``); a layout entry for it says it is a ledger."""
    if table.override is not None:
        return Kind(TableKind.COUNTS, "格式文件指定为统计表") if table.override.kind == "counts" else ACTIVITY
    titles = [t for _, cells in table.above if (t := title_text(cells))]
    dates = any(DATE in (reading.column, reading.about) for reading in map(reader.read, table.headers))
    return classify(Evidence([PurePosixPath(table.source).stem, table.sheet or "", *titles], table.headers,
                             frozenset(fields), dates), catalogue.type_of)


def _skipped(reason: str, rows: list[int]) -> list[SkippedRows]:
    """One entry of a table's ``skipped`` list: why, how many rows, which (``1-3、7``)."""
    if not rows:
        return []
    return [{"reason": reason, "rows": len(rows), "at": rows_text(rows)}]


def _count(summary: SourceSummary, read: int, blank: int = 0, skipped: int = 0) -> None:
    summary.read += read
    summary.blank += blank
    summary.skipped += skipped


def _other_note(sheet: str | None, kind: Kind, rows: int) -> str:
    """What a note says of a table not read as activities."""
    subject = f"工作表“{sheet}”" if sheet is not None else ""
    return f"{subject}{kind.kind.predicate}（{kind.why}），跳过 {rows} 行"


def _is_date(value: object) -> bool:
    try:
        parse_date(value)
    except ValueProblem:
        return False
    return True


def _footer_start(column: pd.Series, distinct: Distinct | None = None) -> np.ndarray:
    """Per cell: does it start like a footer? (Arrow strings through pyarrow's regex engine, in one pass; with
    ``distinct``, each distinct value once.)"""
    import pyarrow as pa
    import pyarrow.compute as pc

    if distinct is not None:
        return distinct.each_row(pc.match_substring_regex(distinct.values, _LIKELY).to_numpy(zero_copy_only=False))
    if isinstance(column.array, pd.arrays.ArrowStringArray):
        found = pc.match_substring_regex(pa.array(column.array), _LIKELY)
        return found.fill_null(False).to_numpy(zero_copy_only=False)
    return np.array([isinstance(v, str) and _NOT_RECORD.search(v) is not None for v in column.to_numpy(dtype=object)],
                    dtype=bool)


def _filled(column: pd.Series, distinct: Distinct | None = None) -> np.ndarray:
    if distinct is not None or isinstance(column.array, pd.arrays.ArrowStringArray):
        return ~blank_column(column, distinct)  # (judged in Arrow's memory)
    return ~np.array([is_blank(v) for v in column.to_numpy(dtype=object)], dtype=bool)


def _span(table: Table) -> tuple[int, int]:
    index = table.cells.index
    if not len(index):
        return table.line(table.header_row) + 1, table.line(table.header_row)
    return table.line(int(index[0])), table.line(int(index[-1]))


def _column_name(table: Table, position: int) -> str:
    """A column as the user finds it: its header, or where it is (第 3 列; in a workbook, its letter)."""
    if table.headers[position]:
        return table.headers[position]
    return f"{column_letter(position)}列" if table.sheet is not None else f"第{position + 1}列"


def _table_note(table: Table, missing: dict[str, str], rows: int) -> str:
    where = f"文件 {table.source}" + (f"，工作表“{table.sheet}”" if table.sheet else "")
    return f"{where}：无法确定{'、'.join(missing)}（{'；'.join(missing.values())}），全部 {rows} 行未使用"


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


def _convert(values: pd.Series, convert: Callable[[object], object],
             distinct: Distinct | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Apply ``convert`` to each distinct value: (converted per row, problem message per row or None)."""
    codes, uniques = _factorised(values, distinct)
    converted, problems = _apply(uniques, convert)
    return _spread(converted, codes), _spread(problems, codes)


def _converted(values: pd.Series, convert: Callable[[object], object | None], distinct: Distinct | None = None,
               prime: Callable[[list[str]], object] | None = None,
               kept: dict[str, tuple[np.ndarray, np.ndarray]] | None = None, name: str = "") -> np.ndarray:
    """``convert`` of each distinct value, per row: for converters that never refuse a value (no problems kept).
    ``prime``: given the distinct texts first, all at once — ``normalise_texts`` or ``normalise_names``, whose
    cache ``convert`` then finds each in: the new ones go to OpenCC in one call, not one call each. ``kept``: receives
    the codes and the value per code under ``name`` (``Candidates.coded``)."""
    codes, uniques = _factorised(values, distinct)
    if prime is not None:
        prime([str(value) for value in uniques if not is_blank(value)])
    converted = np.empty(len(uniques), dtype=object)
    for i, value in enumerate(uniques):
        converted[i] = convert(value)
    if kept is not None:
        kept[name] = (codes, converted)
    return _spread(converted, codes)


def _factorised(values: pd.Series, distinct: Distinct | None = None) -> tuple[np.ndarray, list]:
    """Per row, the position of its value among the column's distinct values, and those values (a missing value
    one of them): the reader's (``distinct``), each value as the column gives it, or else found here."""
    if distinct is not None:
        return distinct.codes, pd.array(distinct.values, dtype=values.dtype).tolist()
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return codes, uniques.tolist()


def _spread(per_value: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Per row, what its distinct value gave (``per_value[codes]``). When every one gave None — no problem in any
    value, no second type in any cell — an array of None, without looking up a million codes."""
    if any(value is not None for value in per_value):
        return per_value[codes]
    return constant(len(codes), None)


def _text(value: object) -> str | None:
    return None if is_blank(value) else normalise_text(str(value))


def _absentees(value: object) -> str | None:
    """The names a 缺席 cell lists, as ``张三、李四`` (their reasons in brackets left out; 无 is nobody)."""
    return None if is_blank(value) else ("、".join(name for name, _ in name_list(str(value))) or None)


def normalise(
    sources: list[SourceFile], catalogue: Catalogue, roster: Roster | None, reader: HeaderReader | None = None,
    default_org: str | None = None,
) -> Candidates:
    """Candidate rows of every table; ``roster`` (None without --roster) helps tell columns and organisations.
    ``default_org`` (a check of one organisation, ``--org``) is the organisation of a table in which none can be
    found — no column, nothing in its file's or sheet's name: a branch's own export usually names none."""
    reader = reader or HeaderReader(catalogue.column_of, catalogue.type_of)
    org_problems: dict[int, str] = {}
    warnings: list[Issue] = []
    notes: list[str] = []
    tables: list[TableInfo] = []
    frames: list[dict[str, Any]] = []  # per table, its candidate columns (``_joined``)
    distincts: list[dict[str, Distinct]] = []  # per table, those of its columns the CSV reader gave as distinct values
    summaries: list[SourceSummary] = []
    counts = CountCandidates()
    listing: dict[int, str] = {}  # table → where it names who took part: "person" (姓名) or "attendees" (参会人员)
    for source in sources:
        summary = SourceSummary(source.source, source.sha256, skipped_sheets=source.skipped_sheets,
                                path=source.path.as_posix())
        summaries.append(summary)
        others: list[tuple[str | None, str]] = []  # (sheet, what of it is not read as activities): the file's note
        for table in source.tables:
            understood = understand(table, reader, catalogue, roster)
            fields = set(understood.columns.values())
            from_name = {}
            org, org_problem = _org_from_name(table, roster) if "组织" not in fields else (None, None)
            if org:
                from_name["组织"] = org
            if (kind := _type_from_name(table, catalogue)) and "类型" not in fields:
                from_name["类型"] = kind
            what = table.kind or _kind_of(table, fields | set(from_name), reader, catalogue)
            summary.tables.append(len(tables))
            told = {r for r, cells in table.above if _INSTRUCTION.search("".join(map(str, filter(_filled_in, cells))))}
            titles = [*_skipped("表头上方的标题行", [table.line(r) for r, _ in table.above if r not in told]),
                      *_skipped("模板的填写说明", [table.line(r) for r, _ in table.above if r in told])]
            if what.kind is TableKind.COUNTS and what.read and (table.override is None or table.override.kind):
                read = read_counts(table, reader, catalogue.type_of, catalogue.combined_types,
                                   lambda body, order: _org_cells(body, order, roster))
                if isinstance(read, CountTable):
                    skipped = [*titles, *(entry for reason, rows in read.skipped.items()
                                          for entry in _skipped(reason, rows))]
                    year = {"年份": str(read.year)} if read.year_from else {}  # (from a name, not a column)
                    tables.append(TableInfo(table.source, table.sheet, table.line(table.header_row), frozenset(),
                                            read.mapping, read.unused, year, body=_span(table), kind=what,
                                            skipped=skipped))
                    _count(summary, len(table.cells) + len(table.above), blank=read.blank,
                           skipped=len(table.above) + sum(map(len, read.skipped.values())))
                    counts.add(read, len(tables) - 1, len(summaries) - 1)
                    continue
                what = Kind(TableKind.COUNTS, f"{what.why}；{read.why}" if read.found else what.why, refused=True)
            if not what.read:
                filled = table.cells.index[~table.blank.to_numpy()]
                not_read = _skipped(what.text(), table.line(filled.to_numpy(dtype=np.int64)).tolist())
                tables.append(TableInfo(table.source, table.sheet, table.line(table.header_row), frozenset(),
                                        body=_span(table), kind=what, skipped=[*titles, *not_read]))
                _count(summary, len(table.cells) + len(table.above), blank=len(table.cells) - len(filled),
                       skipped=len(filled) + len(table.above))
                others.append((table.sheet, _other_note(table.sheet, what, len(filled) + len(table.above))))
                continue
            person = next((p for p, c in understood.columns.items() if c == PERSON), None)
            inferred = {}
            if "组织" not in fields | set(from_name) and org_problem is None and person is not None \
                    and reader.read(table.headers[person]).why in _REGISTER_PEOPLE and _leaders(roster):
                # a register of people (培训登记: 姓名, 时任单位及职务): the unit of the leader a row names — never
                # from a host or a lecturer, whose unit is not the one that met
                inferred["组织"] = f"按“{table.headers[person]}”列的姓名，取名册中该领导干部的所在单位"
            given = None
            if "组织" not in fields | set(from_name) | set(inferred) and org_problem is None and default_org:
                given = default_org
                inferred["组织"] = f"表中、工作表名和文件名中都没有组织，按 --org 取为“{default_org}”"
            missing = _missing(understood, table, {**from_name, **inferred}, roster, org_problem)
            unused: list[UnusedColumn] = [{"column": _column_name(table, p), "reason": why}
                                          for p, why in understood.unused]
            warnings.extend(
                Issue.at(table, table.line(table.header_row), why, column=_column_name(table, p))
                for p, why in understood.unused if p in understood.unknown
            )
            date_column = next((p for p, c in understood.columns.items() if c == DATE), None)
            found = _footers(table, date_column)
            footer = found[[bool(_FOOTER.match(text)) for text in found.to_numpy(dtype=object)]]
            warnings.extend(
                Issue.at(table, table.line(int(cast(int, row))), "表尾的合计、签名或日期行，不是活动记录，按空行计",
                         value=text)
                for row, text in footer.items()
            )
            empty = table.blank.to_numpy() | table.cells.index.isin(footer.index)
            notes_rows = _template_rows(table, date_column, catalogue, found, empty)
            skipped = [*titles, *(entry for reason, rows in notes_rows.items()
                                  for entry in _skipped(reason, table.line(np.array(rows, dtype=np.int64)).tolist()))]
            tables.append(TableInfo(table.source, table.sheet, table.line(table.header_row), frozenset(fields),
                                    understood.header_map(table.headers), unused, from_name, missing,
                                    frozenset(table.headers[p] for p in understood.by_content),
                                    _span(table), kind=what, skipped=skipped, inferred=inferred))
            warnings.extend(_unseen(table, set(understood.columns)))
            dropped = sum(len(rows) for rows in notes_rows.values())
            _count(summary, len(table.cells) + len(table.above), blank=int(empty.sum()),
                   skipped=len(table.above) + dropped)
            if dropped:
                empty = empty | table.cells.index.isin([r for rows in notes_rows.values() for r in rows])
            used = list(understood.columns)
            # (a ledger without blank or skipped rows, the usual CSV, is taken as it is: a mask would copy its cells)
            body = table.cells[used] if not empty.any() else table.cells.loc[~empty, used]
            n = len(body)
            if missing and n:
                notes.append(_table_note(table, missing, n))
            position_of = {HEADER_COLUMNS[name]: pos for pos, name in understood.columns.items() if name != "组织"}
            if len(understood.org_order) == 1:  # (taken as read: ``_org_cells``)
                position_of["org"] = understood.org_order[0]
            keep = ~empty if empty.any() else slice(None)
            distincts.append({name: table.distinct[pos].rows(keep) for name, pos in position_of.items()
                              if pos in table.distinct})
            columns = {name: body[pos].array for name, pos in position_of.items() if name != "org"}
            if ATTENDEE_LIST in fields:
                listing[len(tables) - 1] = "attendees"
            elif person is not None and reader.read(table.headers[person]).why in _REGISTER_PEOPLE and not inferred:
                listing[len(tables) - 1] = "person"  # 姓名: a lecturer, or one member a row (decided from the rows)
            if understood.org_order:
                columns["org"] = _org_cells(body, understood.org_order, roster)
            elif inferred and given is None and roster is not None:
                columns["org"], problems = _leader_units(body[person], roster)
                offset = sum(len(part["table"]) for part in frames)  # the rows' positions among all candidates
                org_problems.update((offset + int(i), problems[i]) for i in np.flatnonzero(pd.notna(problems)))
            for name, value in {"org": from_name.get("组织") or given, "type_fallback": kind}.items():
                if name not in columns and value is not None:  # (columns the table lacks: None, added by _joined)
                    columns[name] = constant(n, value)
            columns["table"] = np.full(n, len(tables) - 1, dtype=np.int64)
            columns["row"] = np.asarray(table.line(body.index.to_numpy(dtype=np.int64)), dtype=np.int64)
            columns["source_index"] = np.full(n, len(summaries) - 1, dtype=np.int64)
            frames.append(columns)
        for unread in source.unread:
            summary.tables.append(len(tables))
            if unread.kind.read:  # a count table without a header its reader can place: not read either
                unread.kind = Kind(unread.kind.kind, unread.kind.why, refused=True)
            tables.append(TableInfo(unread.source, unread.sheet, None, frozenset(), kind=unread.kind,
                                    skipped=[{"reason": unread.kind.text(), "rows": unread.filled, "at": "全部"}]))
            _count(summary, unread.filled, skipped=unread.filled)
            others.append((unread.sheet, _other_note(unread.sheet, unread.kind, unread.filled)))
        order = {name: position for position, name in enumerate(source.sheets)}
        summary.tables.sort(key=lambda t: order.get(tables[t].sheet, 0))  # in the workbook's order of sheets
        others.sort(key=lambda pair: order.get(pair[0], 0))
        if others:
            notes.append(f"文件 {source.source}：{'；'.join(text for _, text in others)}")
    raw = _joined(frames)
    kept: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    rows = _parse(raw, catalogue, lists="attendees" in listing.values(), distinct=_joined_distinct(frames, distincts),
                  kept=kept)
    if listing:
        _read_lists(rows, raw, listing, tables, roster, kept)
    return Candidates(rows, tables, warnings, summaries, notes, org_problems, counts.done(), kept)


_RAW_COLUMNS = (*HEADER_COLUMNS.values(), "type_fallback", "table", "row", "source_index")


def _joined(parts: list[dict[str, Any]]) -> pd.DataFrame:
    """Every table's candidate columns (``parts``: one dict of equally long arrays per table), one table after
    another, as one frame; a column a table lacks is None on its rows. A column that the other tables hold as
    Arrow strings (CSVs) stays Arrow strings, its missing rows Arrow nulls: joined to Python objects it would become
    one Python string per cell (a short export without 主讲人 beside a full one: most of a second at 1M rows).
    Each column is joined on its own, as ``pd.concat`` joins it, and becomes a block of its own (never one 2-D
    block of every object column: another copy)."""
    if not parts:
        return pd.DataFrame(columns=list(_RAW_COLUMNS))
    lengths = [len(part["table"]) for part in parts]
    columns: dict[str, Any] = {}
    for name in _RAW_COLUMNS:
        given = [part[name] for part in parts if name in part]
        if not given:
            columns[name] = constant(sum(lengths), None)
            continue
        arrow = all(isinstance(a, pd.arrays.ArrowStringArray) for a in given)
        pieces = [_series(part[name]) if name in part else _nothing(n, given[0] if arrow else None)
                  for part, n in zip(parts, lengths, strict=True)]
        joined = pd.concat(pieces, ignore_index=True) if len(pieces) > 1 else pieces[0]
        columns[name] = joined.to_numpy() if joined.dtype == object else joined.array
    return frame(columns, copy=False)


def _joined_distinct(parts: list[dict[str, Any]], distincts: list[dict[str, Distinct]]) -> dict[str, Distinct]:
    """Per column of ``_joined``'s frame, its rows as codes into its distinct values, when every table that has the
    column gave its part as distinct values (``Distinct``: the CSVs' columns), so that ``_parse`` need not find
    them again among a million cells. The tables' values are unified (each value once, the codes mapped to it);
    the rows of a table without the column are null, as ``_joined`` makes them. A column some table gives
    otherwise (chosen from several columns, taken from a name) is not here: ``_parse`` factorises it."""
    import pyarrow as pa

    out: dict[str, Distinct] = {}
    for name in _RAW_COLUMNS:
        having = [k for k, part in enumerate(parts) if name in part]
        if not having or any(name not in distincts[k] for k in having):
            continue
        if len(parts) == 1:
            out[name] = distincts[0][name]
            continue
        unified = pa.chunked_array([pa.DictionaryArray.from_arrays(distincts[k][name].codes, distincts[k][name].values)
                                    for k in having]).unify_dictionaries()
        values = unified.chunk(0).dictionary
        codes = {k: chunk.indices.to_numpy(zero_copy_only=False) for k, chunk in zip(having, unified.chunks,
                                                                                    strict=True)}
        if len(having) < len(parts):
            codes.update((k, np.full(len(part["table"]), len(values), dtype=np.int32))
                         for k, part in enumerate(parts) if k not in codes)
            values = pa.concat_arrays([values, pa.nulls(1, values.type)])
        out[name] = Distinct(np.concatenate([codes[k] for k in range(len(parts))]), values)
    return out


def _series(values) -> pd.Series:
    """A column as it is: Python objects stay objects (pandas would make strings its string dtype)."""
    if isinstance(values, (np.ndarray, pd.arrays.NumpyExtensionArray)) and values.dtype == object:
        return objects(np.asarray(values))
    return pd.Series(values)


def _nothing(length: int, like) -> pd.Series:
    """``length`` missing values: Arrow nulls of ``like``'s type (an Arrow string column), else None."""
    import pyarrow as pa

    if like is None:
        return objects(constant(length, None))
    return pd.Series(pd.array(pa.nulls(length, pa.large_string()), dtype=like.dtype))


def _read_lists(rows: pd.DataFrame, raw: pd.DataFrame, listing: dict[int, str], tables: list[TableInfo],
                roster: Roster | None, kept: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    """Tables naming who took part (``compliance.intake.attendance``): those whose rows are one member each
    (a 姓名 or 参会人员 column of single names, most rows sharing their activity) become attendance lists — their
    names no lecturer, every row a member of an activity; every list gives 实到, and 应到 where it marks absentees."""
    table = rows["table"].to_numpy()
    names = rows["attendee_names"].to_numpy(dtype=object).copy()
    by_person = np.isin(table, [t for t, how in listing.items() if how == "person"])
    names[by_person] = rows["person"].to_numpy(dtype=object)[by_person]
    names[pd.isna(names)] = None
    leaders = frozenset(roster.leader_names) if roster is not None and not roster.inferred else frozenset()
    members = member_tables(rows, names, list(listing), leaders)
    for t, (n, activities) in sorted(members.items()):
        info = tables[t]
        people = next(h for h, c in info.mapping.items() if c in (PERSON, ATTENDEE_LIST))
        info.kind = Kind(TableKind.ATTENDANCE, f"“{people}”列每行是一位参加者，同一组织、日期、类型、主题的 {n} 行是 "
                                               f"{activities} 次活动")
        info.mapping = {h: ATTENDEE_LIST if h == people else c for h, c in info.mapping.items()}
        info.columns = (info.columns - {PERSON}) | {ATTENDEE_LIST}
        if listing[t] == "person":
            at = np.flatnonzero(table == t)
            lists, problems, _, roll = parse_lists(raw["person"].iloc[at])
            for column, values in (("attendees", lists), ("attendees_problem", problems), ("attendees_roll", roll),
                                   ("person", None)):
                whole = rows[column].to_numpy(dtype=object).copy()
                whole[at] = values
                rows[column] = objects(whole)
                kept.pop(column, None)  # (its codes no longer fit the column)
    listed = pd.notna(rows["attendees"].to_numpy(dtype=object))
    given = np.bincount(table[listed], minlength=len(tables)) > 0
    marked = np.bincount(table[rows["attendees_roll"].to_numpy(dtype=bool)], minlength=len(tables)) > 0
    for t in np.flatnonzero(given).tolist():
        info = tables[t]
        info.roll = bool(marked[t])
        info.columns = info.columns | {PRESENT} | ({EXPECTED} if info.roll else set())


def _parse(raw: pd.DataFrame, catalogue: Catalogue, lists: bool = True,
           distinct: dict[str, Distinct] | None = None,
           kept: dict[str, tuple[np.ndarray, np.ndarray]] | None = None) -> pd.DataFrame:
    """Parse every field; each parsed column has a ``*_problem`` column beside it (None when fine). ``lists``: some
    table has a 参会人员 column (without one, its three columns are None throughout, and not looked at).
    ``distinct``: columns whose distinct values the reader found already (``_joined_distinct``). ``kept`` receives
    the codes and per-code values of the columns parsed per distinct cell (``Candidates.coded``)."""
    distinct = distinct or {}
    kept = {} if kept is None else kept
    out = pd.DataFrame(
        {"table": raw["table"].to_numpy(dtype=np.int64), "row": raw["row"].to_numpy(dtype=np.int64),
         "source_index": raw["source_index"].to_numpy(dtype=np.int64)}
    )
    for name in ("org", "date", "type", "expected", "present", "discipline"):
        out[f"raw_{name}"] = raw[name].array  # as read: strings stay in the reader's memory

    def org_key(value: object) -> str | None:
        return None if is_blank(value) else organisation_key(str(value))

    def people(value: object) -> str | None:
        return None if is_blank(value) else (person_key(str(value)) or None)

    out["org_key"] = objects(_converted(raw["org"], org_key, distinct.get("org"), normalise_names, kept, "org_key"))

    codes, uniques = _factorised(raw["date"], distinct.get("date"))
    days = np.full(len(uniques), np.datetime64("NaT"), dtype="datetime64[s]")  # seconds: any year up to 9999
    problems = np.full(len(uniques), None, dtype=object)
    for i, value in enumerate(uniques):
        try:
            day = parse_date(value)
        except ValueProblem as exc:
            problems[i] = str(exc)
        else:
            days[i] = np.datetime64(day, "s") if day is not None else np.datetime64("NaT")
    out["date"] = days[codes]
    kept["date"] = (codes, days)
    out["date_problem"] = objects(_spread(problems, codes))

    def canonical_type(value: object) -> str | None:
        if is_blank(value):
            return None
        key = normalise_name(str(value))
        if key not in catalogue.type_of and (bare := BRACKETED.sub("", key)) in catalogue.type_of:
            return catalogue.type_of[bare]  # a qualifier in brackets: 支部委员会（扩大）, 党课（书记讲党课）
        return catalogue.type_of.get(key, normalise_text(str(value)))

    def more_types(value: object) -> tuple[str, ...] | None:
        """The other types of a row naming two or more (主题党日暨党课, 支委会、党小组会), all known, else None."""
        if is_blank(value) or normalise_name(str(value)) in catalogue.type_of:
            return None
        parts = [p for p in _SEVERAL.split(normalise_name(str(value))) if p]
        known = [t for p in parts if (t := catalogue.type_of.get(p))]
        return tuple(dict.fromkeys(known)) if len(parts) > 1 and len(known) == len(parts) else None

    codes, uniques = _factorised(raw["type"], distinct.get("type"))
    main = np.empty(len(uniques), dtype=object)
    extra = np.full(len(uniques), None, dtype=object)
    for i, value in enumerate(uniques):  # per distinct spelling, never per row
        several = more_types(value)
        main[i] = several[0] if several else canonical_type(value)
        extra[i] = several[1:] if several and len(several) > 1 else None
    types = main[codes]
    if (untyped := pd.isna(main)).any():  # rows without a type take the table's, from its sheet's or file's name
        types = np.where(untyped[codes], raw["type_fallback"].to_numpy(dtype=object), types)
    else:
        kept["type"] = (codes, main)
    out["type"] = objects(types)
    out["more_types"] = objects(_spread(extra, codes))

    out["topic"] = objects(_converted(raw["topic"], _text, distinct.get("topic"), normalise_texts, kept, "topic"))
    if lists:
        listed, problems, names, roll = parse_lists(raw["attendees"])
    else:
        listed = problems = names = constant(len(raw), None)
        roll = np.zeros(len(raw), dtype=bool)
    out["attendees"], out["attendees_problem"], out["attendee_names"] = (objects(listed), objects(problems),
                                                                         objects(names))
    out["attendees_roll"] = roll
    out["person"] = objects(_converted(raw["person"], people, distinct.get("person"),
                                       lambda texts: normalise_texts(t.replace("\n", " ") for t in texts), kept,
                                       "person"))
    absent = raw["absent"]  # most ledgers name no absentees: a column of nothing is not factorised
    if absent.first_valid_index() is not None:
        out["absent"] = objects(_converted(absent, _absentees, kept=kept, name="absent"))
    else:  # (kept as one code, so that the record table need not look through a million Nones again)
        out["absent"] = objects(np.full(len(raw), None, dtype=object))
        kept["absent"] = (np.zeros(len(raw), dtype=np.int64), np.array([None], dtype=object))

    for name, parse in (("expected", parse_count), ("present", parse_count), ("discipline", parse_mark)):
        codes, uniques = _factorised(raw[name], distinct.get(name))
        values, problems = _apply(uniques, parse)
        if parse is parse_count:  # per distinct value: the number and whether it is missing, then per row
            known = np.array([v is not None for v in values], dtype=bool)
            numbers = np.array([v if v is not None else 0 for v in values], dtype=np.int64)
            out[name] = pd.arrays.IntegerArray(numbers[codes], ~known[codes])
        else:
            out[name] = objects(values[codes])
        out[f"{name}_problem"] = objects(_spread(problems, codes))
        kept[name], kept[f"{name}_problem"] = (codes, values), (codes, problems)
    return out


def resolve_orgs(candidates: Candidates, roster: Roster) -> np.ndarray:
    """Roster index per candidate row, -1 when the spelling is blank or not in the roster."""
    codes, uniques = pd.factorize(candidates.rows["org_key"], use_na_sentinel=True)
    found = map(roster.resolve, uniques)
    resolved = np.array([-1 if index is None else index for index in found] + [-1], dtype=np.int64)
    return resolved[codes]


def records_frame(rows: pd.DataFrame, keep: np.ndarray, org: np.ndarray, type_code: np.ndarray,
                  coded: dict[str, tuple[np.ndarray, np.ndarray]] | None = None) -> pd.DataFrame:
    """The engine's record table (RECORD_FIELDS) from the candidate rows at ``keep``, with their roster indices
    and type positions (column by column: the candidate table itself is never copied). A column in ``coded``
    (``Candidates.coded``, of these rows) is taken through its codes."""
    coded = coded or {}
    return frame(
        {
            "org": org[keep].astype(np.int64, copy=False),
            "date": rows["date"].to_numpy("datetime64[D]")[keep],
            "type": type_code[keep].astype(np.int64, copy=False),
            "topic": _objects(rows["topic"], keep, coded.get("topic")),
            "person": _objects(rows["person"], keep, coded.get("person")),
            "expected": rows["expected"].array[keep],
            "present": rows["present"].array[keep],
            "discipline": _objects(rows["discipline"], keep, coded.get("discipline")),
            "absent": (_objects(rows["absent"], keep, coded.get("absent")) if "absent" in coded
                       or rows["absent"].first_valid_index() is not None else np.full(len(keep), None, dtype=object)),
            "table": rows["table"].to_numpy(dtype=np.int64)[keep],
            "row": rows["row"].to_numpy(dtype=np.int64)[keep],
        },
        copy=False,  # new arrays, each its own block: not copied again into one
    )


def _objects(column: pd.Series, keep: np.ndarray, coded: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Values at ``keep`` as Python objects, every kind of missing as None; through ``coded`` (code per row, value
    per code), when given, so that missing values are looked for once per code, not per row."""
    if coded is not None:
        codes, per_code = coded
        per_code = per_code.astype(object)  # (a copy)
        per_code[pd.isna(per_code)] = None
        if len(per_code) == 1:  # (one value for every row: a column of nothing)
            return np.full(len(keep), per_code[0], dtype=object)
        return per_code[codes[keep]]
    values = column.to_numpy(dtype=object)[keep]
    values[pd.isna(values)] = None
    return values

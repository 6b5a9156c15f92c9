"""Count tables (统计表) read as evidence: for each organisation, activity type and month, a number of activities.

Two layouts the platforms export (issue 28):

- *wide* — owip's 组织生活开展情况统计表: a title with the year (2024年组织生活开展情况统计表), a two-row header
  院系级党组织名称 | 党支部名称 | 党支部类型 | 支委会次数 over 1月 … 12月, 按时开展月份数, 完成率 | 党员集体活动 over
  1月 … 12月 …; one row per branch, a count per month under each group;
- *long* — the monthly statistics export: 年份 | 月份 | 分党委 | 党支部 | 支部类型 | 支部委员会 | 党员集体活动总数 |
  党员大会 | 党小组会 | 党课 | 组织生活会民主评议党员 | 主题党日; one row per branch and month.

A column names a type when its words are a type or a variant (支委会次数 → 支部委员会); a column that mixes types
credits them only where the catalogue's ``combined_types`` says the mix is enough (组织生活会民主评议党员 → both);
any other mix (党员集体活动) is listed as not used, with the reason. The year comes from a 年份 column, else the
title, the file's name or the sheet's name — never from the as-of date; without one the table is refused. The
sheet's own derived columns (按时开展月份数, 完成率, 合计) are checked against its counts: a disagreement is a warning
naming the row. A count that is not a whole non-negative number is rejected, cell by cell, with the reason.

Nothing here resolves an organisation against the roster: the rows keep the organisation cells as written, and the
pipeline settles them (``settle``) once the roster and the dated records are known.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import Any, cast

import numpy as np
import pandas as pd

from compliance.intake.issues import Issue, Located
from compliance.intake.meaning import ORG, HeaderReader
from compliance.intake.shapes import UnusedColumn
from compliance.intake.values import is_blank
from compliance.spelling import BRACKETED, normalise_name

MONTH = re.compile(r"^(\d{1,2})月(?:份)?$")
_CHINESE_MONTHS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
                   "十一": 11, "十二": 12}
YEAR_IN_NAME = re.compile(r"((?:19|20)\d{2})\s*年")
YEAR_HEADS = ("年份", "年度", "年", "统计年度", "统计年份")
MONTH_HEADS = ("月份", "月", "统计月份")
ON_TIME = "按时开展月份数"
RATE = "完成率"
TOTAL = ("合计", "小计", "总计")
# suffixes a count header adds to the activity it counts (支委会次数, 党员集体活动总数)
COUNT_SUFFIXES = ("开展次数", "召开次数", "次数", "总数", "数量", "数")
FOOTER = re.compile(r"^[\s\u3000]*(?:合\s*计|小\s*计|总\s*计|填表人|填报人|制表人|审核人|填报日期|填表日期|"
                    r"说明[:：]|注[:：])")
UNUSABLE = "由统计表只能核验次数，无法核验主题/日期/出席"


@dataclass
class CountTable:
    """One count table as read: its count cells (one row per organisation × type × month, as written), the
    problems of its cells, the rows it used, and what each column was taken to mean."""

    rows: pd.DataFrame  # org (cell chosen, as written), year, month, type (canonical), n, row, column, combined
    rejected: list[Issue] = field(default_factory=list)  # a cell, or a row, refused (org None until settled)
    warnings: list[Issue] = field(default_factory=list)  # derived columns disagreeing with the counts
    accepted: list[int] = field(default_factory=list)  # Excel rows giving counts
    rejected_rows: list[int] = field(default_factory=list)  # Excel rows with a refused cell (or refused whole)
    skipped: dict[str, list[int]] = field(default_factory=dict)  # why → Excel rows not read (a second header row)
    blank: int = 0
    mapping: dict[str, str] = field(default_factory=dict)  # header as written → what it was read as
    unused: list[UnusedColumn] = field(default_factory=list)
    layout: str = "wide"  # wide | long
    year_from: str | None = None  # where the year came from (the title, the file's name …), None: a column
    year: int | None = None  # the year a name gives


@dataclass(frozen=True)
class Refusal:
    """A count table that cannot be read as counts: why (Chinese), and whether it has count columns at all (a
    table of types by month without a year is worth saying so; a per-person tally is not a count table we read)."""

    why: str
    found: bool = True


@dataclass(frozen=True)
class _Column:
    position: int
    label: str  # as the user finds it: 支委会次数·3月
    role: str  # org | year | month | count | derived | unused
    types: tuple[str, ...] = ()  # count: the types it credits
    month: int | None = None  # a month column of the wide layout
    group: str = ""  # the group it sits under (wide), or its own header (long)
    why: str = ""  # unused: the reason; derived: which (按时开展月份数, 完成率, 合计)
    level: int = 0  # org: how specific


def month_of(text: str) -> int | None:
    """1..12 from a month header or cell: 3月, '3 月', 三月, 03月份."""
    key = normalise_name(text)
    if found := MONTH.match(key):
        number = int(found[1])
        return number if 1 <= number <= 12 else None
    key = key.removesuffix("份")
    if key.endswith("月") and key[:-1] in _CHINESE_MONTHS:
        return _CHINESE_MONTHS[key[:-1]]
    return None


def type_named(text: str, type_of: dict[str, str], combined: dict[str, tuple[str, ...]]) -> tuple[str, ...] | None:
    """The activity types a count header names: a type or a variant, with or without 次数 (支委会次数 → 支部委员会);
    a combination the catalogue lists (组织生活会民主评议党员 → 组织生活会, 民主评议党员). None: none."""
    key = BRACKETED.sub("", normalise_name(text))
    for candidate in (key, *(key.removesuffix(s) for s in COUNT_SUFFIXES if key.endswith(s) and len(key) > len(s))):
        if candidate in type_of:
            return (type_of[candidate],)
        if candidate in combined:
            return combined[candidate]
    return None


def counted_name(column: str) -> str:
    """What a count column counts, as its header says it (支委会次数·3月 → 支委会; 支部委员会 → 支部委员会)."""
    group = column.split("·", 1)[0]
    return _mix_words(group) or group


def _mix_words(text: str) -> str:
    key = BRACKETED.sub("", normalise_name(text))
    return next((key.removesuffix(s) for s in COUNT_SUFFIXES if key.endswith(s) and len(key) > len(s)), key)


def _header_grid(table, reader: HeaderReader) -> tuple[list[list[str]], int]:
    """The header rows as text (upper first), and how many body rows at the top continue the header (a month
    row the sheet reader took for data: 1月 … 12月 under a merged 支委会次数)."""
    grid = [["" if is_blank(c) else str(c).strip() for c in row] for row in table.header_cells] or [list(table.headers)]
    width = table.cells.shape[1]
    grid = [row + [""] * (width - len(row)) for row in grid]
    extra = 0
    for _, row in table.cells.head(2).iterrows():
        cells = ["" if is_blank(c) else str(c).strip() for c in row.tolist()]
        filled = [c for c in cells if c]
        months = sum(month_of(c) is not None for c in filled)
        numbers = sum(_is_number(c) for c in filled)
        if filled and months >= 3 and not numbers:
            grid.append(cells)
            extra += 1
        else:
            break
    return grid, extra


def _is_number(text: str) -> bool:
    try:
        float(unicodedata.normalize("NFKC", text).strip().rstrip("%"))
    except ValueError:
        return False
    return True


def _groups(grid: list[list[str]]) -> list[tuple[str, str]]:
    """(group, leaf) per column: the leaf is the lowest header cell filled in, the group the cell above it carried
    right over the columns its merge covers (a blank upper cell above a filled lower one belongs to the group on
    its left)."""
    width = len(grid[0])
    out = []
    for p in range(width):
        leaf = next((row[p] for row in reversed(grid) if row[p]), "")
        group = ""
        if len(grid) > 1 and grid[-1][p]:
            for row in grid[:-1]:
                left = next((row[q] for q in range(p, -1, -1) if row[q]), "")
                if left and left != leaf:
                    group = left
        out.append((group, leaf))
    return out


def _columns(table, grid: list[list[str]], reader: HeaderReader, type_of: dict[str, str],
             combined: dict[str, tuple[str, ...]], given: dict[str, str | None]) -> list[_Column]:
    out = []
    for p, (group, leaf) in enumerate(_groups(grid)):
        label = f"{group}·{leaf}" if group else leaf
        key = normalise_name(leaf)
        if not leaf:
            continue
        said = next((given[k] for k in (normalise_name(label), key) if k in given), "")
        if said is None:  # the layout file: not used
            out.append(_Column(p, label, "unused", why="格式文件指定不使用本列"))
            continue
        if said == ORG:
            out.append(_Column(p, label, "org", level=reader.read(leaf).level))
            continue
        if group and (month := month_of(leaf)) is not None:
            types = type_named(group, type_of, combined)
            if types:
                out.append(_Column(p, label, "count", types, month, group))
            else:
                out.append(_Column(p, label, "unused", month=month, group=group, why=_mixed(group)))
            continue
        if group and (key in (ON_TIME, RATE) or key in TOTAL):
            role = "derived" if type_named(group, type_of, combined) else "unused"
            out.append(_Column(p, label, role, group=group, why=key if role == "derived" else _mixed(group)))
            continue
        if key in YEAR_HEADS:
            out.append(_Column(p, label, "year"))
            continue
        if key in MONTH_HEADS:
            out.append(_Column(p, label, "month"))
            continue
        reading = reader.read(leaf)
        if reading.column == ORG:
            out.append(_Column(p, label, "org", level=reading.level))
            continue
        if (types := type_named(leaf, type_of, combined)) is not None:
            out.append(_Column(p, label, "count", types, group=leaf))
            continue
        if any(w in key for w in ("类型", "类别")):
            out.append(_Column(p, label, "unused", why="组织的类别，不是活动的次数"))
        elif key in (ON_TIME, RATE):  # outside any group: the table's only group's, when it has one
            groups = {c.group for c in out if c.role == "count" and c.month is not None}
            if len(groups) == 1:
                out.append(_Column(p, label, "derived", group=groups.pop(), why=key))
            else:
                out.append(_Column(p, label, "unused", why=f"不在某类活动的次数之下，无法核对（{key}）"))
        elif key in TOTAL:
            out.append(_Column(p, label, "derived", why=key))
        elif any(key.endswith(s) for s in COUNT_SUFFIXES) or "活动" in key:
            out.append(_Column(p, label, "unused", group=leaf, why=_mixed(leaf)))
        else:
            out.append(_Column(p, label, "unused", why="统计表中不需要的列"))
    return out


def _mixed(header: str) -> str:
    return (f"“{_mix_words(header)}”合并了多类活动，规则目录（combined_types）没有说明它可以计为哪一类，未计入；"
            "请分别填写各类活动的次数")


def year_from_names(names: Sequence[tuple[str, str]]) -> tuple[int, str] | None:
    """(year, where) from the first of (where, text) that holds one: 2024年组织生活开展情况统计表 → 2024."""
    for where, text in names:
        if text and (found := YEAR_IN_NAME.search(unicodedata.normalize("NFKC", text))):
            return int(found[1]), where
    return None


def _year_cell(value: object) -> int | None:
    if is_blank(value):
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip().removesuffix("年度").removesuffix("年")
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() and 1990 <= number <= 2099 else None


def _month_cell(value: object) -> tuple[int | None, int | None]:
    """(year or None, month) of a 月份 cell: 3, '3月', 三月, 2024-03, 2024年3月."""
    if is_blank(value):
        return None, None
    if hasattr(value, "year") and hasattr(value, "month"):
        return value.year, value.month
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if found := re.fullmatch(r"((?:19|20)\d{2})\s*[-./年]\s*(\d{1,2})\s*月?", text):
        month = int(found[2])
        return (int(found[1]), month) if 1 <= month <= 12 else (None, None)
    if (named := month_of(text)) is not None:
        return None, named
    try:
        number = float(text)
    except ValueError:
        return None, None
    return (None, int(number)) if number.is_integer() and 1 <= number <= 12 else (None, None)


def parse_activity_count(value: object) -> int | None:
    """A count of activities: a whole non-negative number (1, '2', '2次'), None when blank; else ValueError with the
    reason in Chinese."""
    if is_blank(value):
        return None
    shown = _shown(value)
    if isinstance(value, bool):
        raise ValueError(f"次数“{shown}”不是数字")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip().removesuffix("次").strip()
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"次数“{shown}”不是数字") from None
    if not np.isfinite(number) or not number.is_integer():
        raise ValueError(f"次数“{shown}”不是整数")
    if number < 0:
        raise ValueError(f"次数“{shown}”为负数")
    if number > 1000:
        raise ValueError(f"次数“{shown}”过大（一个月超过 1,000 次），请核对")
    return int(number)


def _written_number(value: object) -> float | None:
    """A derived cell as a number: 11, '11', '91.67%' (→ 0.9167), 0.9167. None when blank or not a number."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    percent = text.endswith("%")
    try:
        number = float(text.rstrip("%").strip())
    except ValueError:
        return None
    return number / 100 if percent else number


def _decimals(value: object) -> int:
    """How many decimals a written rate carries, as a fraction (91.67% → 4, 92% → 2, 0.9 → 1)."""
    text = unicodedata.normalize("NFKC", str(value)).strip()
    percent = text.endswith("%")
    digits = text.rstrip("%").partition(".")[2]
    return len(digits) + (2 if percent else 0)


def read_counts(table, reader: HeaderReader, type_of: dict[str, str], combined: dict[str, tuple[str, ...]],
                org_cells: Callable[[pd.DataFrame, tuple[int, ...]], np.ndarray]) -> CountTable | Refusal:
    """The count cells of one table classified as a count table, or why it cannot be read as one."""
    grid, extra = _header_grid(table, reader)
    columns = _columns(table, grid, reader, type_of, combined, table.override.columns if table.override else {})
    counts = [c for c in columns if c.role == "count"]
    orgs = sorted((c for c in columns if c.role == "org"), key=lambda c: -c.level)
    month_column = next((c for c in columns if c.role == "month"), None)
    year_column = next((c for c in columns if c.role == "year"), None)
    wide = any(c.month is not None for c in counts)
    if wide and month_column is None:  # beside month columns, a count column of no month: its month is unknown
        unknown = "这一列不在某个月份下，表中也没有“月份”列，无法确定是哪个月的次数"
        columns = [replace(c, role="unused", group="", why=unknown) if c.role == "count" and c.month is None else c
                   for c in columns]
        counts = [c for c in counts if c.month is not None]
    if not counts:
        mixed = [c for c in columns if c.role == "unused" and c.group]
        why = mixed[0].why if mixed else "表头中没有可以对应到活动类型的次数列"
        return Refusal(f"无法按次数读取：{why}", found=False)
    if not wide and month_column is None:
        return Refusal("无法按次数读取：表头中既没有按月的次数列（1月 … 12月），也没有“月份”列")
    if not orgs:
        return Refusal("无法按次数读取：表头中没有组织列（党支部、分党委、院系级党组织名称 …）")
    names = [("标题", t) for t in table_titles(table)]
    names += [("文件名", PurePosixPath(table.source).stem), ("工作表名", table.sheet or "")]
    given = table.override.year if table.override is not None else None
    named_year = (given, "格式文件") if given else year_from_names(names)
    if year_column is None and named_year is None:
        return Refusal("无法确定年份：标题、文件名、工作表名中都没有年份（如“2024年”），也没有“年份”列；"
                       "统计表的年份不按检查日推断，请在标题或文件名中写明年份")
    year, year_from = named_year if year_column is None and named_year is not None else (None, None)
    out = CountTable(pd.DataFrame(), layout="wide" if wide else "long", year_from=year_from, year=year)
    said: set[str] = set()
    for c in columns:
        if c.role == "unused" and c.group and c.label != c.group:  # a mixed group: said once, for the group
            if c.group not in said:
                said.add(c.group)
                under = [d.label.split("·", 1)[1] for d in columns if d.group == c.group and d.role == "unused"]
                out.unused.append({"column": f"{c.group}（{under[0]} … {under[-1]}，共 {len(under)} 列）",
                                   "reason": c.why})
        elif c.role == "unused":
            out.unused.append({"column": c.label, "reason": c.why})
        else:
            out.mapping[c.label] = _meaning(c)
    body = table.cells
    if extra:
        out.skipped["表头的第二行（各月）"] = [table.line(int(r)) for r in body.index[:extra]]
        body = body.iloc[extra:]
    blank = table.blank.to_numpy()[extra:]
    out.blank = int(blank.sum())
    body = body[~blank]
    first = body.apply(lambda row: next((str(v) for v in row.tolist() if not is_blank(v)), ""), axis=1) \
        if len(body) else pd.Series([], dtype=object)
    footer = first.map(lambda text: bool(FOOTER.match(text))).to_numpy(dtype=bool) if len(body) else np.zeros(0, bool)
    if footer.any():
        out.skipped["表尾的合计、签名或日期行"] = [table.line(int(r)) for r in body.index[footer]]
        body = body[~footer]
    chosen = org_cells(body, tuple(c.position for c in orgs)) if len(body) else np.zeros(0, dtype=object)
    records: list[tuple] = []
    for k, (index, row) in enumerate(body.iterrows()):
        line = int(table.line(int(index)))
        org = chosen[k]
        bad: list[Issue] = []
        if is_blank(org):
            out.rejected.append(Issue.at(table, line, "组织为空：统计表的这一行没有组织名称", column=orgs[0].label))
            out.rejected_rows.append(line)
            continue
        year = named_year[0] if named_year else None
        if year_column is not None:
            cell = row[year_column.position]
            year = _year_cell(cell)
            if year is None:
                out.rejected.append(Issue.at(table, line, "年份为空或不是 1990 至 2099 年之间的年份",
                                             column=year_column.label, value=_shown(cell)))
                out.rejected_rows.append(line)
                continue
        month = None
        if month_column is not None:
            cell = row[month_column.position]
            in_cell, month = _month_cell(cell)
            if month is None or (in_cell is not None and in_cell != year):
                reason = (f"月份“{_shown(cell)}”的年份与“年份”列（{year}）不一致" if month is not None
                          else "月份为空或不是 1 至 12 月")
                out.rejected.append(Issue.at(table, line, reason, column=month_column.label, value=_shown(cell)))
                out.rejected_rows.append(line)
                continue
        seen: dict[str, dict[int | None, int]] = {}  # group → month → count, for the derived columns
        reported: dict[str, int] = {}  # group → months written in (a refused cell too): 完成率's denominator
        for c in counts:
            cell = row[c.position]
            if not is_blank(cell):
                reported[c.group] = reported.get(c.group, 0) + 1
            try:
                n = parse_activity_count(cell)
            except ValueError as exc:
                bad.append(Issue.at(table, line, f"{exc}，该格未计入（次数应为不小于 0 的整数）", column=c.label,
                                    value=_shown(cell)))
                continue
            if n is None:
                continue
            at = c.month if c.month is not None else month
            seen.setdefault(c.group, {})[at] = n
            for t in c.types:
                records.append((str(org), year, at, t, n, line, c.label, len(c.types) > 1))
        out.rejected.extend(bad)
        if bad:
            out.rejected_rows.append(line)
        elif seen:
            out.accepted.append(line)
        else:
            out.rejected.append(Issue.at(table, line, "这一行的次数都没有填写"))
            out.rejected_rows.append(line)
            continue
        out.warnings.extend(_cross_check(row, columns, seen, reported, table, line, wide))
    out.rows = pd.DataFrame(records, columns=["org", "year", "month", "type", "n", "row", "column", "combined"])
    return out


def table_titles(table) -> list[str]:
    from compliance.intake.kinds import title_text

    return [t for _, cells in table.above if (t := title_text(cells))]


def _meaning(column: _Column) -> str:
    if column.role == "count":
        when = f"{column.month}月" if column.month is not None else "各月"
        return f"{'、'.join(column.types)}（{when}次数）"
    return {"org": "组织", "year": "年份", "month": "月份", "derived": f"核对：{column.why}"}[column.role]


def _shown(value: object) -> str | None:
    from compliance.intake.issues import cell_text

    return cell_text(value)


def _cross_check(row: pd.Series, columns: list[_Column], seen: dict[str, dict[int | None, int]],
                 reported: dict[str, int], table: Located, line: int, wide: bool) -> list[Issue]:
    """Warnings where the sheet's own 按时开展月份数, 完成率 or 合计 disagree with its counts (a wide table's group,
    or a long table's 合计 over the row)."""
    out = []
    for c in columns:
        if c.role != "derived":
            continue
        cell = row[c.position]
        written = _written_number(cell)
        if written is None:
            continue
        months = seen.get(c.group, {}) if c.group else {}
        if c.why == ON_TIME and wide:
            computed = float(sum(n >= 1 for n in months.values()))
            if written != computed:
                out.append(Issue.at(table, line, f"表内“{ON_TIME}”为 {_shown(cell)}，按月次数计算为 {int(computed)}",
                                    column=c.label, value=_shown(cell)))
        elif c.why == RATE and wide and reported.get(c.group):
            computed = sum(n >= 1 for n in months.values()) / reported[c.group]
            tolerance = 0.5 * 10 ** -_decimals(cell) + 1e-9
            if abs(written - computed) > tolerance:
                out.append(Issue.at(table, line, f"表内“{RATE}”为 {_shown(cell)}，按月次数计算为 {computed:.2%}"
                                    f"（{sum(n >= 1 for n in months.values())}/{reported[c.group]}）",
                                    column=c.label, value=_shown(cell)))
        elif c.why in TOTAL:
            counted = months if c.group else {k: v for g in seen.values() for k, v in g.items()}
            total = sum(seen[c.group].values()) if c.group in seen else sum(
                n for g in seen.values() for n in g.values())
            if counted and written != float(total):
                out.append(Issue.at(table, line, f"表内“{normalise_name(c.label.split('·')[-1])}”为 {_shown(cell)}，"
                                    f"按各次数计算为 {total}", column=c.label, value=_shown(cell)))
    return out


def count_header(rows: Sequence[Sequence[object]], reader: HeaderReader) -> tuple[int, bool] | None:
    """(index, two rows) of a count table's header among the first rows, when no ledger header was found: a row
    with an organisation column and activity types as columns (支部委员会 | 党员大会 | 党课), or one type over a row
    of months (支委会次数 over 1月 … 12月)."""
    def named(cell: object) -> bool:
        if not isinstance(cell, str) or not cell.strip():
            return False
        key = BRACKETED.sub("", normalise_name(cell))
        return any(c in reader.types for c in (key, *(key.removesuffix(s) for s in COUNT_SUFFIXES
                                                      if key.endswith(s) and len(key) > len(s))))

    for index, row in enumerate(rows[:30]):
        if not any(reader.read(c).column == ORG for c in row if isinstance(c, str)):
            continue
        below = rows[index + 1] if index + 1 < len(rows) else []
        months = sum(isinstance(c, str) and month_of(c) is not None for c in below)
        if months >= 3 and any(named(c) for c in row):
            return index, True
        if sum(named(c) for c in row) >= 2:
            return index, False
    return None


COUNT_FIELDS = ["org", "org_key", "year", "month", "type", "n", "row", "column", "combined", "table", "source_index"]


@dataclass
class CountCandidates:
    """The count tables' cells of a run, before the roster: rows (COUNT_FIELDS), the lines each table used or
    refused, the refused cells and the cross-check warnings."""

    rows: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=COUNT_FIELDS))
    lines: list[tuple[int, int, int, bool]] = field(default_factory=list)  # (source, table, line, refused)
    rejected: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    parts: list[pd.DataFrame] = field(default_factory=list)

    def add(self, read: CountTable, table: int, source: int) -> None:
        from compliance.spelling import organisation_key

        rows = read.rows.assign(table=table, source_index=source)
        rows["org_key"] = [organisation_key(str(o)) for o in rows["org"]]
        self.parts.append(rows[COUNT_FIELDS])
        refused = set(read.rejected_rows)
        self.lines.extend((source, table, line, line in refused)
                          for line in sorted(set(read.accepted) | refused))
        self.rejected.extend(read.rejected)
        self.warnings.extend(read.warnings)

    def done(self) -> CountCandidates:
        if self.parts:
            self.rows = pd.concat(self.parts, ignore_index=True)
            self.parts = []
        return self


ENGINE_FIELDS = ["org", "type", "month", "n", "table", "row", "column", "counted"]  # counted: 支委会 (as written)


@dataclass
class Settled:
    """The count cells the rules see (ENGINE_FIELDS: roster index, type position, month as months since 1970-01),
    and what settling them said: rows refused (an organisation not in the roster, refused cells) and warnings (a
    count disagreeing with the ledger's dated records, a month after the as-of date)."""

    counts: pd.DataFrame
    rejected: list[Issue]
    warnings: list[Issue]


def settle(candidates: CountCandidates, roster, activity_types: tuple[str, ...], records: pd.DataFrame,
           counted: np.ndarray, tables: list, sources: list, as_of) -> Settled:
    """Resolve the count cells' organisations against the roster, count each file's rows (accepted, or rejected
    when a cell of theirs or their organisation was refused), and hold each month's count against the dated
    records of the same organisation, type and month: the larger stands in the engine; a disagreement is a
    warning, where the organisation keeps a ledger of that type that year."""
    rows = candidates.rows
    names = roster.names
    keys = rows["org_key"].tolist()
    resolved = {k: roster.resolve(k) for k in dict.fromkeys(keys)}
    org = np.array([resolved[k] if resolved[k] is not None else -1 for k in keys], dtype=np.int64)
    rejected = list(candidates.rejected)
    unknown_lines: set[tuple[int, int]] = set()
    r_table, r_row = rows["table"].to_numpy(), rows["row"].to_numpy()
    r_org, r_column, r_n = (rows[c].to_numpy(dtype=object) for c in ("org", "column", "n"))
    for i in np.flatnonzero(org < 0):
        table, line = int(r_table[i]), int(r_row[i])
        if (table, line) in unknown_lines:
            continue
        unknown_lines.add((table, line))
        spelling = keys[i]
        near = roster.closest(spelling) if not roster.inferred else []
        reason = (f"组织“{spelling}”不在名册中" + (f"，最接近的有：{'、'.join(near)}" if near else "")
                  if not roster.inferred else f"无法从名称“{spelling}”判断组织类型（名称应以党支部、党总支、党委、"
                                              "党组或工委结尾）；请用 --roster 指定名册")
        rejected.append(Issue.at(tables[table], line, reason, column="组织", value=r_org[i]))
    for source, table, line, refused in candidates.lines:
        if refused or (table, line) in unknown_lines:
            sources[source].rejected += 1
        else:
            sources[source].accepted += 1
    keep = org >= 0
    type_code = np.array([activity_types.index(t) for t in rows["type"]], dtype=np.int64)
    month = (rows["year"].to_numpy(np.int64) - 1970) * 12 + rows["month"].to_numpy(np.int64) - 1
    by_line: dict[tuple[int, int | None], str] = {
        (int(t), int(r)): names[o] for t, r, o in zip(rows["table"], rows["row"], org, strict=True) if o >= 0}
    for n, issue in enumerate(rejected):  # a refused cell of a row whose organisation is known names it
        known = next((k for k, info in enumerate(tables) if info.source == issue.source
                      and info.sheet == issue.sheet and (k, issue.row) in by_line), None)
        if issue.org is None and known is not None:
            rejected[n] = issue._replace(org=by_line[(known, issue.row)])
    warnings = [w._replace(org=by_line.get((_table_of(tables, w), w.row))) for w in candidates.warnings]
    first_month = np.datetime64(as_of, "M").astype(np.int64)
    late = keep & (month > first_month)
    for i in np.flatnonzero(late):
        table = int(r_table[i])
        warnings.append(Issue.at(tables[table], int(r_row[i]),
                                 f"月份晚于检查日 {as_of} 所在的月份，不计入本次检查", column=r_column[i],
                                 value=str(r_n[i]), org=names[org[i]]))
    keep &= ~late
    frame = pd.DataFrame({"org": org[keep], "type": type_code[keep], "month": month[keep],
                          "n": rows["n"].to_numpy(np.int64)[keep], "table": rows["table"].to_numpy(np.int64)[keep],
                          "row": rows["row"].to_numpy(np.int64)[keep],
                          "column": rows["column"].to_numpy(object)[keep]})
    frame["counted"] = [counted_name(c) for c in frame["column"]]
    frame = frame.sort_values(["org", "type", "month", "table", "row"], kind="stable").reset_index(drop=True)
    warnings.extend(_disagreements(frame, records, counted, tables, names))
    return Settled(frame, rejected, warnings)


def _table_of(tables: list, issue: Issue) -> int:
    """The position of the table ``issue`` is about."""
    return next(k for k, info in enumerate(tables) if info.source == issue.source and info.sheet == issue.sheet)


def dated_months(records: pd.DataFrame, counted: np.ndarray) -> pd.Series:
    """Dated records per (org, type, month) — the ledger's side of a month's count."""
    kept = records[counted]
    month = kept["date"].to_numpy("datetime64[M]").astype(np.int64)
    return pd.Series(1, index=pd.MultiIndex.from_arrays(
        [kept["org"].to_numpy(np.int64), kept["type"].to_numpy(np.int64), month])).groupby(level=[0, 1, 2]).size()


def _disagreements(frame: pd.DataFrame, records: pd.DataFrame, counted: np.ndarray, tables: list,
                   names: Sequence[str]) -> list[Issue]:
    """统计表记 2 次，台账记录 1 次: a count unlike the dated records of its organisation, type and month, where the
    organisation has dated records of that type that year (a table alone warns of nothing)."""
    if not len(frame) or not len(records):
        return []
    dated = dated_months(records, counted)
    years = dated.groupby([dated.index.get_level_values(0), dated.index.get_level_values(1),
                           dated.index.get_level_values(2) // 12]).sum()
    out = []
    # the row tuples' fields as pandas-stubs types them (any scalar) are the frame's ints and column names
    for r in cast("Iterable[Any]", frame.itertuples(index=False)):
        if (r.org, r.type, r.month // 12) not in years.index:
            continue
        held = int(dated.get((r.org, r.type, r.month), 0))
        if held != r.n:
            table = tables[r.table]
            stands = "以台账为准" if held > r.n else "以统计表为准"
            out.append(Issue.at(table, int(r.row), f"统计表记 {r.n} 次，台账记录 {held} 次（{_month_label(r.month)}，"
                                f"取较大者，{stands}）", column=r.column, value=str(r.n), org=names[r.org]))
    return out


def _month_label(month: int) -> str:
    year, index = divmod(int(month), 12)
    return f"{year + 1970}年{index + 1}月"

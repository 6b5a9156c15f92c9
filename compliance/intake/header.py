"""Finding a sheet's header row: the row among the first few whose cells name the most distinct columns — read for
their meaning (``compliance.intake.meaning``), so 所在党支部 | 实际会议时间 is a header as much as 组织 | 日期 — and,
when there is none, saying which row came closest and why it was not taken.

The roster, a file of our own format, keeps exact names: ``find_header`` with a dict of known headers.
"""

from __future__ import annotations

from collections.abc import Sequence

from compliance.intake.meaning import HeaderReader, header_like
from compliance.intake.values import is_blank
from compliance.spelling import normalise_name

HEADER_SEARCH_ROWS = 30


def find_header(rows: Sequence[Sequence[object]], known: dict[str, str]) -> tuple[int, int] | None:
    """(index, hits) of the row among the first few that holds the most known column names, or None."""
    best: tuple[int, int] | None = None
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        hits = len({known[key] for cell in row if not is_blank(cell) and (key := normalise_name(str(cell))) in known})
        if hits >= 2 and (best is None or hits > best[1]):
            best = (index, hits)
    return best


def row_columns(row: Sequence[object], reader: HeaderReader, override: dict[str, str | None]) -> dict[str, str]:
    """The columns a row's cells would name if it were the header: cell as written → canonical column."""
    named: dict[str, str] = {}
    for cell in row:
        if not header_like(cell):
            continue
        key = normalise_name(cell)
        column = override[key] if key in override else reader.read(cell).column
        if column is not None and column not in named.values():
            named[str(cell).strip()] = column
    return named


def locate_header(
    rows: Sequence[Sequence[object]], reader: HeaderReader, override: dict[str, str | None] | None = None
) -> tuple[int, int] | None:
    """(index, columns named) of the row among the first few that names the most distinct columns (at least
    two; the first such row on a tie), or None."""
    best: tuple[int, int] | None = None
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        hits = len(row_columns(row, reader, override or {}))
        if hits >= 2 and (best is None or hits > best[1]):
            best = (index, hits)
    return best


def sub_header(row: Sequence[object], below: Sequence[object], reader: HeaderReader) -> bool:
    """Is ``below`` the second row of a two-row header? Every cell filled in is a header (no data), and at least one
    names a column where ``row`` has nothing or a heading that means nothing itself (参会情况 over 应到 | 实到)."""
    filled = [(i, c) for i, c in enumerate(below) if not is_blank(c)]
    if len(filled) < 2 or not all(header_like(c) for _, c in filled):
        return False
    over = list(row) + [None] * max(0, len(below) - len(row))
    return any(reader.read(c).usable and (is_blank(over[i]) or not reader.read(over[i]).usable) for i, c in filled)


def no_header(rows: Sequence[Sequence[object]], reader: HeaderReader) -> str:
    """Why no header was found: the row that looks most like one, which of its cells mean something, what is
    expected."""

    def score(index: int) -> tuple[int, int]:
        return len(row_columns(rows[index], reader, {})), sum(not is_blank(c) for c in rows[index])

    best = max(range(min(len(rows), HEADER_SEARCH_ROWS)), key=lambda i: (score(i), -i))
    cells = [str(c).strip() for c in rows[best] if not is_blank(c)]
    named = row_columns(rows[best], reader, {})
    recognised = "、".join(f"{h}（{c}）" for h, c in named.items())
    return (
        f"找不到台账表头：最像表头的是第 {best + 1} 行（{'、'.join(cells)}），"
        f"其中看得懂的列：{recognised or '无'}。表头应至少说明以下两项："
        "组织、日期、类型、主题、主讲人、应到、实到、会前说纪（如“所在党支部”“实际会议时间”“会议类型”）。"
        "列名写法特殊时，请用格式文件 --layout 说明各列的含义（compliance layout suggest 可生成一份草稿）"
    )

"""Finding a sheet's header row: the row among the first few that names the most known columns; and, when there is
none, saying which row came closest and why it was not taken."""

from __future__ import annotations

from collections.abc import Sequence

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


def no_header(rows: Sequence[Sequence[object]], known: dict[str, str]) -> str:
    """Why no header was found: the row that looks most like one, which of its names are known, what is expected."""

    def score(row: list[object]) -> tuple[int, int]:
        cells = [normalise_name(str(c)) for c in row if not is_blank(c)]
        return sum(c in known for c in cells), len(cells)

    best = max(range(min(len(rows), HEADER_SEARCH_ROWS)), key=lambda i: (score(rows[i]), -i))
    cells = [str(c).strip() for c in rows[best] if not is_blank(c)]
    recognised = [c for c in cells if normalise_name(c) in known]
    return (
        f"找不到台账表头：最像表头的是第 {best + 1} 行（{'、'.join(cells)}），"
        f"其中认得的列名：{'、'.join(recognised) or '无'}。表头应至少包含以下列名中的两个："
        f"{'、'.join(dict.fromkeys(known.values()))}（或它们在 rules.yaml 中的同义词）。"
        "列名写法特殊时，请用格式文件 --layout 说明各列的含义"
    )

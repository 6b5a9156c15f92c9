"""``compliance layout suggest``: what the tool understood of each file and sheet, written as a ``--layout`` file.

Every column appears: a used one with its canonical column, an unused one with ``~`` and the reason as a comment,
so a user corrects a layout by editing one line rather than by reading the README. Fed back unchanged with
``--layout`` (and the same PATHS), it gives the same records.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from compliance.config.catalogue import Catalogue
from compliance.config.limits import Limits
from compliance.errors import InputError
from compliance.intake.discover import discover
from compliance.intake.kinds import TableKind
from compliance.intake.meaning import HeaderReader
from compliance.intake.normalise import TableInfo, normalise
from compliance.intake.roster import read_roster
from compliance.intake.sheets import SourceFile, read_sources

HEAD = """\
# 格式文件（compliance check/validate --layout）：由 compliance layout suggest 按工具读懂的内容生成。
# 每个文件、工作表一项：header_row 是表头所在行；columns 把表头（照原样）对应到规范列
# （组织、日期、类型、主题、主讲人、应到、实到、会前说纪、缺席、参会人员），~ 表示不使用该列，# 后是工具的理由；
# type / org 是从文件名或工作表名得到的活动类型、组织。哪一项读错了，改那一行即可，再用
#   compliance check {paths} --layout 本文件
# 检查（PATHS 与生成时相同）。
"""
COUNTS_HEAD = """\
# kind: counts 的一项是统计表：year 是年份（标题、文件名、工作表名和“年份”列中都没有时填写），columns 写明
# 组织列和不使用的列（~），各类活动的次数列按表头所说的活动类型读取（# 后列出）。
"""


def _one_line(text: str) -> str:
    return " ".join(text.split("\n"))  # a header with a line break inside, quoted in a comment


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def _entry(source: SourceFile, table: TableInfo, headers: list[str]) -> list[str]:
    lines = [f"  - file: {_quoted(source.source)}"]
    if table.sheet is not None:
        lines.append(f"    sheet: {_quoted(table.sheet)}")
    lines.append(f"    header_row: {table.header_row}")
    reasons = {u["column"]: u["reason"] for u in table.unused}
    columns = []
    for header in dict.fromkeys(h for h in headers if h):
        if header in table.mapping:
            note = "  # 按内容判断" if header in table.by_content else ""
            columns.append(f"      {_quoted(header)}: {table.mapping[header]}{note}")
        elif header in reasons:
            columns.append(f"      {_quoted(header)}: ~  # {_one_line(reasons[header])}")
    lines.append("    columns:" if columns else "    columns: {}")
    lines.extend(columns)
    for key, name in (("类型", "type"), ("组织", "org")):
        if key in table.from_name:
            lines.append(f"    {name}: {_quoted(table.from_name[key])}  # 取自文件名或工作表名")
    return lines


def _count_entry(source: SourceFile, table: TableInfo) -> list[str]:
    """A count table's entry: ``kind: counts``, its header row, the year a name gave, its organisation columns and
    the columns not used (each with the reason); its count columns, read by the types their headers name, as
    comments — one line per group of months."""
    lines = [f"  - file: {_quoted(source.source)}"]
    if table.sheet is not None:
        lines.append(f"    sheet: {_quoted(table.sheet)}")
    lines.append("    kind: counts  # 统计表：每格是一个组织、一类活动、一个月的次数")
    lines.append(f"    header_row: {table.header_row}")
    if "年份" in table.from_name:
        lines.append(f"    year: {table.from_name['年份']}  # 取自标题、文件名或工作表名")
    columns: list[str] = []
    counted: dict[str, list[tuple[str, str]]] = {}  # group → (header, what it was read as)
    for label, meaning in table.mapping.items():
        if meaning == "组织":
            columns.append(f"      {_quoted(label)}: 组织")
        else:
            counted.setdefault(label.split("·", 1)[0], []).append((label, meaning))
    notes = []
    for unused in table.unused:
        if "·" in unused["column"] or unused["column"].endswith("列）"):  # a group of columns: said, not mapped
            notes.append(f"    # {unused['column']}：未计入（{_one_line(unused['reason'])}）")
        else:
            columns.append(f"      {_quoted(unused['column'])}: ~  # {_one_line(unused['reason'])}")
    lines.append("    columns:" if columns else "    columns: {}")
    lines.extend(columns)
    for group, items in counted.items():
        counts = [(label, meaning) for label, meaning in items if meaning.endswith("次数）")]
        checks = [label.split("·")[-1] for label, meaning in items if meaning.startswith("核对")]
        if counts:
            shown = counts[0][0] if len(counts) == 1 else f"{counts[0][0]} … {counts[-1][0].split('·')[-1]}"
            lines.append(f"    # {shown}：{counts[0][1].split('（')[0]}的次数")
        if checks:
            lines.append(f"    # {group}·{'、'.join(checks)}：与各月次数核对")
        if not counts and not checks:
            lines.append(f"    # {group}：{items[0][1]}")
    lines.extend(notes)
    return lines


def suggest_layout(
    paths: Sequence[str | Path], roster: str | Path | None, catalogue: Catalogue, limits: Limits | None = None
) -> str:
    """The layout file (YAML text) that says what was understood of every table under ``paths``."""
    the_roster = read_roster(roster, limits) if roster is not None else None
    reader = HeaderReader(catalogue.column_of, catalogue.type_of)
    sources, _ = read_sources(discover(paths), reader, None, None, limits)
    if not sources:
        raise InputError("没有找到台账文件", source=", ".join(map(str, paths)))
    candidates = normalise(sources, catalogue, the_roster, reader)
    lines = [HEAD.format(paths=" ".join(map(str, paths))), "sources:"]
    if any(t.kind.kind is TableKind.COUNTS and t.kind.read for t in candidates.tables):
        lines.insert(1, COUNTS_HEAD)
    for source, summary in zip(sources, candidates.sources, strict=True):
        headed = [i for i in summary.tables if candidates.tables[i].header_row is not None]
        for table, index in zip(source.tables, headed, strict=True):
            info = candidates.tables[index]
            if info.kind.kind is TableKind.MINUTES:  # its labels are read one by one, not under a header row: a
                # layout entry would match nothing (validate shows what each label became)
                lines.append(f"  # {source.source}，{info.sheet}：会议记录，不用格式文件"
                             "（各栏目的读法见 compliance validate）")
            elif info.kind.read and info.kind.kind is TableKind.COUNTS:
                lines.extend(_count_entry(source, info))
            elif info.kind.read:
                lines.extend(_entry(source, info, table.headers))
            else:
                where = f"，工作表“{info.sheet}”" if info.sheet else ""
                lines.append(f"  # {source.source}{where}：{info.kind.text()}")
    return "\n".join(lines) + "\n"

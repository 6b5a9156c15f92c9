"""Meeting minutes written with python-docx the way the platforms' templates and real branches write them: a title
above a 4-column label | value grid (owip's 支委会记录, 党员集体活动记录), labels split over runs, value cells merged
across the row; or 标签：值 paragraphs under a title; and documents that are no minutes (a plan)."""

from __future__ import annotations

from pathlib import Path

import docx


def _runs(paragraph, text: str | list[str]) -> None:
    """``text`` written as Word writes an edited label: one run per piece (活动 | （ | 会议 | ） | 类型)."""
    for piece in [text] if isinstance(text, str) else text:
        paragraph.add_run(piece)


def grid_minutes(path: Path, title: str | None, rows: list[list], *, more: list[tuple[str | None, list[list]]] = (),
                 prose: str | None = None) -> Path:
    """A document of one titled grid per meeting. Each row is 2 or 4 cells; a 2-cell row's value is merged across
    the three value columns; a row of None continues the row above downwards (its cells merged with those above,
    as a long 主要内容 is). A cell is text or a list of runs."""
    document = docx.Document()
    for heading, grid in [(title, rows), *more]:
        if heading:
            document.add_paragraph(heading)
        table = document.add_table(rows=len(grid), cols=4)
        for r, cells in enumerate(grid):
            row = table.rows[r]
            if cells is None:
                above = table.rows[r - 1]
                above.cells[0].merge(row.cells[0])
                above.cells[1].merge(row.cells[3])
                continue
            if len(cells) == 2:
                row.cells[1].merge(row.cells[3])
                targets = [row.cells[0], row.cells[1]]
            else:
                targets = list(row.cells)
            for cell, text in zip(targets, cells, strict=True):
                _runs(cell.paragraphs[0], text)
        if prose:
            document.add_paragraph(prose)
    document.save(path)
    return path


def paragraph_minutes(path: Path, title: str, lines: list[str | list[str]], prose: str = "") -> Path:
    """A title, 标签：值 paragraphs, then prose."""
    document = docx.Document()
    document.add_paragraph(title)
    for line in lines:
        _runs(document.add_paragraph(), line)
    if prose:
        document.add_paragraph(prose)
    document.save(path)
    return path


def committee(path: Path, org_title: str, day: str, topic: str, *, host: str = "李明") -> Path:
    """owip's 支委会记录: 支委会主题 (merged), 时间 | 地点, 主持人 | 记录人, 应到 | 实到, 缺席人员及原因, 主要内容."""
    return grid_minutes(path, org_title, [
        [["支委会", "主题"], topic],
        [["时", "  ", "间："], day, "地 点：", "党员活动室"],
        ["主持人", host, "记录人", "王芳"],
        ["应到人数", "5", "实到人数", "5"],
        [["缺席人员及原因", "："], "无"],
        ["主要内容", "一、传达学习上级文件精神；二、研究本月工作。"],
    ])


def plan(path: Path) -> Path:
    """A branch's yearly plan: a title, prose and a month | activity table — no minutes."""
    document = docx.Document()
    document.add_paragraph("第一中学第一党支部2024年党建工作计划")
    document.add_paragraph("为深入贯彻落实党的二十大精神，结合支部实际，制定本计划。")
    table = document.add_table(rows=3, cols=3)
    for r, cells in enumerate([["时间", "活动内容", "负责人"], ["3月", "主题党日：学雷锋", "李明"],
                               ["5月", "支委会：研究发展党员", "李明"]]):
        for c, text in enumerate(cells):
            table.rows[r].cells[c].text = text
    document.save(path)
    return path


def old_word(path: Path) -> Path:
    """A binary Word file (.doc): its OLE signature and a WordDocument stream name are enough for the checker."""
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "WordDocument".encode("utf-16-le")
                     + b"\0" * 512)
    return path

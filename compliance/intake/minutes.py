"""Meeting minutes (会议记录) in Word: each meeting a document records becomes one table of one row, in the shape a
spreadsheet gives (``compliance.intake.sheets.Table``), so that normalise, the gate and the engine treat it like
any ledger row.

Read with the standard library (zipfile, ElementTree) from the package's word/document.xml alone.

Minutes come in two layouts (the platforms' templates: owip's 支委会记录, 党支部工作记录, 活动记录):
- a title paragraph (中共XX委员会XX党支部2024年3月支委会记录) above a grid of label | value cells (时间, 主持人,
  应到人数 …); Word splits a label over runs and merges value cells — the runs' text is read whole, a merged cell
  once;
- 标签：值 paragraphs (活动时间：2024年12月18日) under a title.

A label is whatever the header reader reads as a ledger column (``compliance.intake.meaning``): 主 题： is 主题,
活动（会议）类型 is 类型, 记录人 is ruled out as it is in a spreadsheet. The organisation comes from the title, else
a 党支部/所在支部 label, else the file's name or its folder's; the type from a type label, else the title
(支委会记录 → 支委会). A document in which no meeting is recorded (a plan, a report, a notice) is noted and skipped.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd

from compliance.config.limits import Limits
from compliance.intake.kinds import Kind, TableKind
from compliance.intake.meaning import DATE, EXPECTED, ORG, PERSON, PRESENT, TOPIC, TYPE, HeaderReader
from compliance.spelling import normalise_name

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
DOCUMENT_XML = "word/document.xml"
SUFFIXES = (".docx", ".docm")
OLD_WORD = (".doc", ".wps", ".wpt", ".dot")  # binary Word and WPS 文字: listed, not read
MINUTES = Kind(TableKind.MINUTES)
# Words in a title that make a document something other than minutes.
NOT_MINUTES = ("计划", "方案", "要点", "总结", "通知", "报告", "意见", "安排表", "制度", "细则", "办法")
LABEL_CHARS = 16  # a label is short: a longer text before a colon is prose
TITLE_CHARS = 60
_LABEL_LINE = re.compile(r"^\s*([^：:\n]{1,16}?)\s*[：:]\s*(.*)$", re.S)
_YEAR = re.compile(r"(?:\d{4}|[〇零一二三四五六七八九]{4})\s*年")
_BOOK = re.compile(r"(?:工作|活动|会议|集体|学习)*(?:记录表?|纪要|记录本)?$")
_BARE = frozenset({"党支部", "支部", "党总支", "总支", "党委", "分党委", "党组", "工委", "党工委", "党小组"})
# what a record's synthetic columns are called (read by the header reader as 组织 and 类型)
ORG_HEADER, TYPE_HEADER = "所在党支部", "会议类型"


def is_docx(data: bytes) -> bool:
    """Are these bytes an Office Open XML word-processing document?"""
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        return "word/document.xml" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return False


# ("p", a paragraph's text: str) or ("t", a table's rows of cell texts: list[list[str]]), in the document's order
Block = tuple[str, Any]


@dataclass
class Record:
    """One meeting as a document gives it: its labels (as written) and values in order, and where it is."""

    where: str  # its place in the document: 表格 (the only one), 表格1, 表格2 …, 正文 (正文1 … when several)
    title: str | None
    pairs: list[tuple[str, str]] = field(default_factory=list)

    def fields(self, reader: HeaderReader) -> set[str]:
        return {r.column for label, _ in self.pairs if (r := reader.read(label)).usable and r.column is not None}


def read_minutes(path: Path, shown: str, data: bytes, reader: HeaderReader, sha256: str, limits: Limits):
    """A ``SourceFile`` of one Word document: a table per meeting recorded, or one unread entry saying why the
    document is no minutes."""
    from compliance.intake.sheets import SourceFile, Unread

    result = SourceFile(shown, path, sha256)
    try:
        blocks = _blocks(data, shown, limits)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, NotImplementedError, SyntaxError):
        # (a damaged package, no document.xml, XML that does not parse — ParseError is a SyntaxError): noted
        why = "无法读取的 Word 文档（文件损坏，或不是 .docx；请在 Word/WPS 中打开后另存为 .docx）"
        result.unread.append(Unread(shown, None, Kind(TableKind.OTHER, why), 0, why))
        result.sheets = [None]
        return result
    records = _records(blocks, reader)
    title = next((t for kind, t in blocks if kind == "p" and _title_like(t)), None)
    refused = _refusal(title, records, reader)
    if refused is not None:
        filled = sum(1 for kind, content in blocks for line in ([content] if kind == "p" else content)
                     if "".join(line).strip())  # paragraphs and table rows with text, all skipped
        result.unread.append(Unread(shown, None, Kind(TableKind.OTHER, refused), filled, refused))
        result.sheets = [None]
        return result
    prose = [r for r in records if r.where == "正文"]
    for number, record in enumerate(prose, start=1):  # several meetings written as 标签：值 paragraphs
        record.where = f"正文{number}" if len(prose) > 1 else record.where
    for record in records:
        result.tables.append(_table(record, shown, path, reader))
    result.sheets = [t.sheet for t in result.tables]
    return result


def _refusal(title: str | None, records: list[Record], reader: HeaderReader) -> str | None:
    """Why a document is no minutes (None: it is)."""
    said = f"标题“{title}”" if title else "没有标题"
    if title and "记录" not in title and (word := next((w for w in NOT_MINUTES if w in title), None)):
        return f"{said}中有“{word}”：不是会议记录"
    if not records:
        return f"{said}，没有“时间”“主题”“主持人”等会议记录的栏目：不是会议记录"
    return None


def _blocks(data: bytes, shown: str, limits: Limits) -> list[Block]:
    """The document's body in order: ("p", text) per paragraph, ("t", rows of cell texts) per table — a merged
    cell once (Word writes a cell spanning columns once, and one continuing a cell above as an empty cell marked
    vMerge, left out), a label split over runs read whole. Read with the standard library from word/document.xml
    alone: a python-docx Document loads every part of the package, ten times the time."""
    from xml.etree import ElementTree

    with zipfile.ZipFile(io.BytesIO(data)) as package:
        limits.size(package.getinfo(DOCUMENT_XML).file_size, shown)  # before it is unpacked (a zip bomb)
        root = ElementTree.fromstring(package.read(DOCUMENT_XML))
    body = root.find(f"{_W}body")
    return list(_body(body)) if body is not None else []


def _body(parent) -> Iterator[tuple[str, object]]:
    for child in parent:
        if child.tag == f"{_W}p":
            yield "p", _text(child)
        elif child.tag == f"{_W}tbl":
            yield "t", _grid(child)
        elif child.tag in (f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml"):  # content controls: what they hold
            yield from _body(child)


def _text(paragraph) -> str:
    """A paragraph's text, its runs joined (活动 | （ | 会议 | ） | 类型 is 活动（会议）类型)."""
    parts = []
    for node in paragraph.iter():
        if node.tag == f"{_W}t" and node.text:
            parts.append(node.text)
        elif node.tag == f"{_W}tab":
            parts.append("\t")
        elif node.tag in (f"{_W}br", f"{_W}cr"):
            parts.append("\n")
    return "".join(parts)


def _grid(table) -> list[list[str]]:
    rows = []
    for row in table.findall(f"{_W}tr"):
        cells = []
        for cell in row.findall(f"{_W}tc"):
            merge = cell.find(f"{_W}tcPr/{_W}vMerge")
            if merge is not None and merge.get(f"{_W}val", "continue") != "restart":
                continue  # continues the cell above
            cells.append("\n".join(_text(p) for p in cell.findall(f"{_W}p")).strip())
        rows.append(cells)
    return rows


def _title_like(text: str) -> bool:
    text = text.strip()
    return bool(text) and len(text) <= TITLE_CHARS and not _LABEL_LINE.match(text)


def _label(text: str, reader: HeaderReader) -> str | None:
    """The text as a label (None: a value): short, and read by the header reader as a column or ruled out of one
    (记录人); or a label with a colon."""
    clean = re.sub(r"\s+", "", text)
    if not clean or len(clean) > LABEL_CHARS + 1:
        return None
    reading = reader.read(clean)
    if reading.usable or reading.never:
        return text.strip()
    return text.strip() if clean.endswith(("：", ":")) else None


def _colon(text: str) -> bool:
    return re.sub(r"\s+", "", text).endswith(("：", ":"))


def _pairs_of_row(cells: list[str], reader: HeaderReader) -> list[tuple[str, str]]:
    """label | value | label | value …; a cell holding 标签：值 is a pair of its own."""
    pairs = []
    i = 0
    while i < len(cells):
        label = _label(cells[i], reader)
        if label is not None:  # the cell after a label is its value (a branch's name reads as a header too)
            value = cells[i + 1] if i + 1 < len(cells) and not _colon(cells[i + 1]) else ""
            pairs.append((label, value))
            i += 1 if i + 1 < len(cells) and _colon(cells[i + 1]) else 2
            continue
        if (match := _LABEL_LINE.match(cells[i])) and _label(match.group(1), reader):
            pairs.append((match.group(1).strip(), match.group(2).strip()))
        i += 1
    return pairs


def _records(blocks: list[Block], reader: HeaderReader) -> list[Record]:
    """The meetings recorded: each table whose labels name a date or a type with another field, and the 标签：值
    paragraphs outside tables (a label repeated starts the next)."""
    records: list[Record] = []
    title: str | None = None
    current: Record | None = None
    tables = sum(1 for kind, _ in blocks if kind == "t")
    number = 0
    for kind, content in blocks:
        if kind == "t":
            number += 1
            record = Record(f"表格{number}" if tables > 1 else "表格", title,
                            [p for row in content for p in _pairs_of_row(row, reader)])
            if _is_meeting(record, reader):
                records.append(record)
            continue
        text = str(content).strip()
        match = _LABEL_LINE.match(text)
        if match and _label(match.group(1), reader):
            label, value = match.group(1).strip(), match.group(2).strip()
            column = reader.read(re.sub(r"\s+", "", label)).column
            if current is None or (column and column in current.fields(reader)):
                current = Record("正文", title)
                records.append(current)
            current.pairs.append((label, value))
        elif _title_like(text) and current is None:
            title = text
        elif _title_like(text) and ("记录" in text or "纪要" in text):
            title, current = text, None
    return [r for r in records if _is_meeting(r, reader)]


def _is_meeting(record: Record, reader: HeaderReader) -> bool:
    fields = record.fields(reader)
    return (DATE in fields and bool(fields & {TYPE, TOPIC, PERSON, EXPECTED, PRESENT})) or {TYPE, TOPIC} <= fields


def _table(record: Record, shown: str, path: Path, reader: HeaderReader):
    """One record as a table of one row under its labels, with the organisation and the type the labels do not
    give added as columns of their own (from the title, the file's name or the folder's). Its sheet is its place
    in the document — 表格, 表格2, 正文 — shown instead of a row number wherever the record is named."""
    from compliance.intake.sheets import Table

    labels = [label for label, _ in record.pairs]
    values: list[object] = [value for _, value in record.pairs]
    fields = record.fields(reader)
    title = normalise_name(record.title) if record.title else ""
    org = _org_in(title)
    if org is not None:  # the title names it: the labels' own organisation columns are not used
        keep = [i for i, label in enumerate(labels) if reader.read(re.sub(r"\s+", "", label)).column != ORG]
        labels, values = [labels[i] for i in keep], [values[i] for i in keep]
        labels.append(ORG_HEADER)
        values.append(org)
    elif ORG not in fields and (org := _org_from_path(shown, path)) is not None:
        labels.append(ORG_HEADER)
        values.append(org)
    if TYPE not in fields and (kind := _type_in(title, reader)) is not None:
        labels.append(TYPE_HEADER)
        values.append(kind)
    cells = pd.DataFrame([values], columns=range(len(values)), dtype=object, index=pd.RangeIndex(2, 3))
    empty = np.array([not str(v).strip() for v in values], dtype=bool)
    filled = np.array([len(values) - int(empty.sum())], dtype=np.int32)
    return Table(shown, record.where, 1, labels, cells,
                 pd.Series([filled[0] == 0], index=cells.index), pd.Series(empty, index=cells.columns),
                 filled=filled, kind=MINUTES)


def _org_in(title: str) -> str | None:
    """The organisation a title names: what comes before its year, or before its type and 记录 (中共XX委员会XX党支部
    2024年3月支委会记录 → 中共XX委员会XX党支部)."""
    from compliance.intake.roster import infer_org_type  # (roster reads spreadsheets: imported when needed)

    if not title:
        return None
    year = _YEAR.search(title)
    head = title[: year.start()] if year else _BOOK.sub("", title)
    head = _BOOK.sub("", head).strip()
    for _ in range(2):  # 党支部支委会记录: the type word at the end is not part of the name
        head = re.sub(r"(?:支委会|支部委员会|党员大会|支部大会|党小组会|党课|主题党日)$", "", head)
    # the formal name: 中共第一中学委员会第一党支部 is 第一中学第一党支部 (a 支部委员会 alone stays as it is)
    head = re.sub(r"^中共", "", head)
    head = re.sub(r"^(.+?)(?:总支部|工作)?委员会(?=.*(?:支部|总支))", r"\1", head)
    if not head or head in _BARE or infer_org_type(head) is None:
        return None
    return head


def _org_from_path(shown: str, path: Path) -> str | None:
    """The organisation a file's name, else its folder's, names (without its year, type and 记录): the folder as
    shown, else the one it is in on disk (a folder given by its own name)."""
    for name in (PurePosixPath(shown).stem, PurePosixPath(shown).parent.name, path.parent.name):
        if name and (org := _org_in(normalise_name(name))) is not None:
            return org
    return None


def _type_in(title: str, reader: HeaderReader) -> str | None:
    """The longest activity type spelling a title contains (支委会记录 → 支委会)."""
    found = [t for t in reader.types if t and t in title]
    return max(found, key=lambda t: (len(t), t)) if found else None

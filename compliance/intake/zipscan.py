"""Measuring a zip-based workbook (xlsx, xlsm, ods) before a reader opens it: the declared unzipped size, every
part inflated with a bound (a part that inflates past what it declares is a zip bomb), and each sheet's extent.

The extent is read from the sheet XML without parsing it where the XML has the shape every spreadsheet program
writes (each ``<row>`` and ``<c>`` starting with its ``r`` reference): a few byte scans. Any other shape — cells
without references, prefixed element names — is parsed with expat and positioned the way the reader positions it.
"""

from __future__ import annotations

import contextlib
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass

from compliance.config.limits import Limits
from compliance.errors import InputError

_LOCAL_HEADER = struct.Struct("<4s5H3L2H")


@dataclass(frozen=True)
class SheetFacts:
    """What the reader does not tell about a sheet: rows hidden (by hand or by a filter), and formula cells that
    were never calculated and saved (the reader sees them empty)."""

    hidden_rows: frozenset[int] = frozenset()  # 1-based row numbers
    unsaved: frozenset[tuple[int, int]] = frozenset()  # (1-based row, 0-based column)


def inspect_zip(data: bytes, shown: str, limits: Limits, *, sheets: bool) -> dict[str, SheetFacts]:
    """Check a zip-based workbook (xlsx, xlsm, ods) before a reader opens it: the declared unzipped size, each
    part inflated with a bound (a part that inflates past what it declares is a zip bomb), and — ``sheets`` — the
    extent of every sheet's XML against rows, columns and cells. Gives each sheet's facts (xlsx), by sheet name.

    A file that is not a zip at all is left to the reader, whose message for it is the one users know."""
    import io

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return {}
    limits.size(sum(m.file_size for m in members), shown, unzipped=True)
    names = _sheet_names(data, archive, shown) if sheets else {}
    facts: dict[str, SheetFacts] = {}
    for member in members:
        if member.is_dir():
            continue
        part = _inflate(data, archive, member, shown)
        if sheets and member.filename.lower().endswith(".xml") and b"sheetData" in part:
            rows, columns = sheet_extent(part)
            if not limits.fits(rows, columns):
                rows, columns = sheet_extent(part, exact=True)
            label = names.get(member.filename, member.filename.rsplit("/", 1)[-1].removesuffix(".xml"))
            limits.extent(rows, columns, shown, label, dense=True)
            facts[label] = sheet_facts(part)
    return facts


_HIDDEN_ROW = re.compile(rb'<row r="(\d+)"[^>]*?\shidden="(?:1|true)"')
_UNSAVED = re.compile(  # <c r="C2"><f>A2+B2</f></c>, or with an empty <v/>: a formula never calculated
    rb'<c r="([A-Z]{1,3})(\d+)"[^>]*>\s*<f(?:\s[^>]*)?(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v></v>)?\s*</c>')


def sheet_facts(xml: bytes) -> SheetFacts:
    """Hidden rows and formula cells without a saved value, from a worksheet's XML (in the usual shape)."""
    hidden = frozenset(int(m[1]) for m in _HIDDEN_ROW.finditer(xml)) if b"hidden=" in xml else frozenset()
    unsaved = frozenset((int(m[2]), _column_index(m[1])) for m in _UNSAVED.finditer(xml)) if b"<f" in xml \
        else frozenset()
    return SheetFacts(hidden, unsaved)


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + letter - 64
    return index - 1


def _sheet_names(data: bytes, archive: zipfile.ZipFile, shown: str) -> dict[str, str]:
    """Part name → the sheet's name as Excel shows it (from xl/workbook.xml and its relationships); empty when
    they cannot be read (the part's own name is shown then)."""
    import posixpath
    from xml.etree import ElementTree

    try:
        workbook = ElementTree.fromstring(_inflate(data, archive, archive.getinfo("xl/workbook.xml"), shown))
        relations = ElementTree.fromstring(
            _inflate(data, archive, archive.getinfo("xl/_rels/workbook.xml.rels"), shown))
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in relations if r.tag.endswith("Relationship")}
    names = {}
    for sheet in workbook.iter():
        if sheet.tag.endswith("}sheet"):
            rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
            target = targets.get(rid, "")
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
            names[part] = sheet.get("name", "")
    return names


def _inflate(data: bytes, archive: zipfile.ZipFile, member: zipfile.ZipInfo, shown: str) -> bytes:
    """A member's bytes, inflated to at most one byte more than it declares."""
    broken = InputError("无法读取工作簿（文件损坏或并非表格文件）：压缩包中的部件“"
                        f"{member.filename}”已损坏", source=shown)
    if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        try:
            with archive.open(member) as stream:  # zipfile stops at the declared size and checks the CRC
                return stream.read(member.file_size + 1)
        except (zipfile.BadZipFile, NotImplementedError, ValueError, OSError, EOFError, RuntimeError):
            raise broken from None
    offset = member.header_offset
    header = data[offset : offset + _LOCAL_HEADER.size]
    if len(header) < _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise broken
    name_length, extra_length = _LOCAL_HEADER.unpack(header)[-2:]
    start = offset + _LOCAL_HEADER.size + name_length + extra_length
    raw = data[start : start + member.compress_size]
    if member.compress_type == zipfile.ZIP_STORED:
        part = raw
    else:
        inflater = zlib.decompressobj(-15)
        try:
            part = inflater.decompress(raw, member.file_size + 1)
        except zlib.error:
            raise broken from None
        if len(part) > member.file_size:
            raise InputError(f"压缩包中的部件“{member.filename}”解压后大于它声明的 {member.file_size:,} 字节"
                             "（疑似压缩炸弹），已拒绝读取", source=shown)
    if len(part) != member.file_size or zlib.crc32(part) != member.CRC:
        raise broken
    return part


_PREFIXED = re.compile(rb":(?:c|row)[\s>/]")  # x:c, x:row (and, rarely, the same text in a value)
_UNREFERENCED = re.compile(rb"<(?:c|row)(?:[\t\r\n>/]| (?!r=\"))")  # <c>, <c s=…>: no r, or not first
_LAST_ROW = b'<row r="'
_WIDE_CELL = re.compile(rb'<c r="([A-Za-z]{2,})\d+"[^>]*(?<!/)>')
_DIGITS = re.compile(rb"\d+")


def sheet_extent(xml: bytes, *, exact: bool = False) -> tuple[int, int]:
    """(rows, columns) a reader makes of a worksheet's XML: up to the last row and column that hold a value (an
    empty, styled cell far away takes no room; a value does).

    Unless ``exact``, an upper bound read by scanning the bytes: the last row any element names (or a larger one,
    when rows are out of order), 26 columns when every value is in columns A–Z, else the last column that holds a
    value. Exact (and any XML not in the usual shape) is parsed."""
    if exact or _PREFIXED.search(xml) or _UNREFERENCED.search(xml):
        return _parsed_extent(xml)
    last = xml.rfind(_LAST_ROW)
    rows = 0
    if last >= 0:
        found = _DIGITS.match(xml, last + len(_LAST_ROW))
        rows = int(found[0]) if found else 0
    if re.search(rb' r="[A-Za-z]*0*' + _greater(rows) + b'"', xml):  # rows out of order: read them all
        rows = max((int(n) for n in re.findall(rb' r="[A-Za-z]*(\d+)"', xml)), default=0)
    columns = 26 if re.search(rb'<c r="[A-Za-z]\d+"[^>]*(?<!/)>', xml) else 0
    if re.search(rb'<c r="[A-Za-z]{2}', xml):
        columns = max(columns, max((_column_number(m) for m in _WIDE_CELL.findall(xml)), default=0))
    return rows, columns


def _greater(n: int) -> bytes:
    """A regular expression for the decimal numbers greater than ``n`` (no leading zeros)."""
    digits = str(n)
    options = [rf"[1-9]\d{{{len(digits)},}}"]
    for i, d in enumerate(digits):
        if d != "9":
            rest = len(digits) - i - 1
            options.append(digits[:i] + f"[{int(d) + 1}-9]" + (rf"\d{{{rest}}}" if rest else ""))
    return ("(?:" + "|".join(options) + ")").encode()


def _parsed_extent(document: bytes) -> tuple[int, int]:
    """The extent by parsing: a row without ``r`` follows the previous row, a cell without ``r`` the previous
    cell; a cell counts once it has a child (a value, an inline string or a formula), a row once it has such a
    cell."""
    import xml.parsers.expat

    state = {"row": 0, "col": 0, "depth": 0, "rows": 0, "columns": 0}
    cell: list[tuple[int, int]] = []  # the cell open and not yet counted: (row, column)

    def local(name: str) -> str:
        return name.rsplit(":", 1)[-1]

    def start(name, attributes):
        name = local(name)
        if cell:
            row, col = cell.pop()
            state["rows"] = max(state["rows"], row)
            state["columns"] = max(state["columns"], col)
        ref = attributes.get("r")
        if name == "row":
            state["row"] = int(ref) if ref and ref.isdigit() else state["row"] + 1
            state["col"] = 0
        elif name == "c":
            match = re.fullmatch(r"([A-Za-z]+)(\d+)", ref or "")
            if match:
                state["col"], state["row"] = _column_number(match[1].encode()), int(match[2])
            else:
                state["col"] += 1
            cell[:] = [(state["row"], state["col"])]

    def end(name):
        if local(name) == "c":
            cell.clear()

    parser = xml.parsers.expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    with contextlib.suppress(xml.parsers.expat.ExpatError):  # the reader will say the file is broken;
        parser.Parse(document, True)  # the extent up to the error is what it could fill
    return state["rows"], state["columns"]


def _column_number(letters: bytes) -> int:
    """1-based column of Excel letters (upper or lower case)."""
    number = 0
    for byte in letters.upper():
        number = number * 26 + byte - 64
    return number

"""Finding the ledger files under the paths given: folders searched recursively (links followed, each folder and
file once), each file named as users see it, and what the other files are.

What a file is comes from its bytes, not its name (``kind``): a WPS spreadsheet (.et), a workbook saved with the
wrong extension and an .xlsx renamed .xls are read; an attachment (.docx, .pdf, .jpg) is not, and is listed.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from compliance.errors import InputError

# Spreadsheets by name: read, and refused with a message when they cannot be read. Other names are read only when
# their bytes are a workbook's.
LEDGER_SUFFIXES = (".csv", ".tsv", ".xlsx", ".xlsm", ".xls", ".ods", ".et", ".ett", ".xlt", ".xltx", ".xltm")
TEXT_SUFFIXES = (".csv", ".tsv")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


@dataclass
class Found:
    """Every file found: the ledgers to read (path, name shown) and the other files, each with why it is not read."""

    ledgers: list[tuple[Path, str]] = field(default_factory=list)
    others: list[tuple[str, str]] = field(default_factory=list)  # (name shown, reason)
    twice: list[str] = field(default_factory=list)  # names of files reached more than once (read once)

    def __iter__(self):
        return iter(self.ledgers)

    def __len__(self) -> int:
        return len(self.ledgers)


def discover(paths: Sequence[str | Path]) -> Found:
    """Every file under ``paths`` (files or folders, searched recursively, symbolic links followed), with the name
    shown for it, split into what may be a ledger and what is not.

    Folder members are named relative to the folder; a file given directly by its name. Lock files (``~$``) and
    hidden files are left out. A file reached twice (a folder and a file in it, ``base`` and ``base/../base``, a
    link) is read once. Order is deterministic."""
    found = Found()
    seen: set[Path] = set()
    candidates: list[tuple[Path, str]] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            members, again = _walk(path)
            candidates.extend((member, member.relative_to(path).as_posix()) for member in members)
            found.twice.extend(f"{folder.relative_to(path).as_posix()}/" for folder in again)
        elif path.is_file():
            candidates.append((path, path.name))
        else:
            raise InputError("文件或文件夹不存在", source=str(given))
    kept: list[tuple[Path, str]] = []
    for path, shown in candidates:
        real = path.resolve()
        if real in seen:
            found.twice.append(shown)
            continue
        seen.add(real)
        kept.append((path, shown))
    counts: dict[str, int] = {}
    for _, shown in kept:
        counts[shown] = counts.get(shown, 0) + 1
    for path, shown in kept:
        shown = shown if counts[shown] == 1 else path.as_posix()
        if path.suffix.lower() in LEDGER_SUFFIXES or _magic(path).startswith((OLE_MAGIC, ZIP_MAGIC)):
            found.ledgers.append((path, shown))
        else:
            found.others.append((shown, "不是表格文件"))
    return found


def _walk(folder: Path) -> tuple[list[Path], list[Path]]:
    """Files under ``folder``, sorted, following links to folders but never into a folder twice (a link loop, or a
    link to a folder read already); and the folders so left out."""
    visited: set[str] = set()
    out: list[Path] = []
    again: list[Path] = []
    for root, dirs, files in os.walk(folder, followlinks=True):
        real = os.path.realpath(root)
        if real in visited:
            dirs[:] = []
            again.append(Path(root))
            continue
        visited.add(real)
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if not _hidden(d))
        out.extend(here / f for f in files if not _hidden(f) and (here / f).is_file())
    return sorted(out), sorted(again)


def _hidden(name: str) -> bool:
    return name.startswith((".", "~$"))


def _magic(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(len(OLE_MAGIC))
    except OSError:
        return b""


def kind_of(data: bytes, suffix: str) -> str | None:
    """What a file's bytes are: "csv", "xlsx" (any Office Open XML workbook), "ods", "xls" (BIFF, as Excel and WPS
    .et write it), "encrypted" (a workbook under a password), or None (another kind of file: a .docx, a .pdf, a zip
    of photos). A damaged file named like a workbook is given the kind its name says, so that the reader's own
    message for it is shown."""
    by_name = _BY_SUFFIX.get(suffix)
    if data.startswith(ZIP_MAGIC):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, ValueError, OSError, EOFError):
            return by_name if by_name != "csv" else None
        if {"xl/workbook.xml", "xl/workbook.bin"} & names:
            return "xlsx"
        if "mimetype" in names and b"opendocument.spreadsheet" in _member(data, "mimetype"):
            return "ods"
        return by_name if by_name in ("xlsx", "ods") and not names & _OTHER_OFFICE else None
    if data.startswith(OLE_MAGIC):
        if any(stream.encode("utf-16-le") in data for stream in ("WordDocument", "PowerPoint Document")):
            return None  # a Word or PowerPoint file (maybe with a workbook inside): an attachment
        if "EncryptedPackage".encode("utf-16-le") in data:
            return "encrypted" if by_name in ("xlsx", "xls") else None  # any Office file under a password
        if any(stream.encode("utf-16-le") in data for stream in ("Workbook", "Book")):
            return "xls"
        return by_name if by_name not in (None, "csv") else None
    return "csv" if by_name == "csv" else (by_name or None)


_BY_SUFFIX = {".csv": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".xltx": "xlsx", ".xltm": "xlsx",
              ".ods": "ods", ".xls": "xls", ".xlt": "xls", ".et": "xls", ".ett": "xls"}
_OTHER_OFFICE = {"word/document.xml", "ppt/presentation.xml"}


def _member(data: bytes, name: str) -> bytes:
    """The first bytes of one member (never more: the archive has not been checked for a bomb yet)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)).open(name) as member:
            return member.read(200)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, NotImplementedError):
        return b""

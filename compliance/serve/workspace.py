"""Where a run's files live: one private folder per run, names made safe, zips unpacked without escaping it.

The server keeps every run under one root folder that only its user may read (mode 0700), each run in a folder
named by an unguessable id. Uploads are written straight into the run's folder (never to a shared temporary
place), a file's name keeps only its harmless parts, and a .zip of a folder is unpacked entry by entry: an entry
that would land outside (``../``, an absolute path), a link, an encrypted entry, or more bytes than the size limit
are refused and said out loud, never followed.
"""

from __future__ import annotations

import os
import secrets
import shutil
import stat
import tempfile
import time
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from compliance.config.limits import MB, Limits
from compliance.errors import InputError

LEDGERS, ROSTER, EXTRA, OUT = "台账", "名册", "其他", "out"
MAX_FILES = 10_000  # files in one upload, zip entries included
_UNNAMED = "未命名文件"
_CHUNK = 1 << 20


def safe_parts(name: str) -> list[str]:
    """The harmless parts of a file name as a browser or a script sent it: path separators of either kind split it,
    and empty, ``.``, ``..`` and drive parts are dropped; control characters go. ``../../x.csv`` is ``x.csv``;
    a folder upload's ``台账/第一中学.xlsx`` keeps its folder."""
    parts = []
    for part in name.replace("\\", "/").split("/"):
        part = "".join(c for c in part if unicodedata.category(c)[0] != "C").strip()
        if part in ("", ".", "..") or (len(part) == 2 and part[1] == ":"):
            continue
        parts.append(part[:120])
    return parts[-8:]


def unique(folder: Path, parts: list[str]) -> Path:
    """``folder`` / the parts, with ``-2``, ``-3`` … before the suffix when that name is taken."""
    parts = parts or [_UNNAMED]
    target = folder.joinpath(*parts)
    stem, suffix, n = target.stem, target.suffix, 1
    while target.exists():
        n += 1
        target = target.with_name(f"{stem}-{n}{suffix}")
    return target


@dataclass
class Run:
    """One check's folder and what became of it."""

    id: str
    folder: Path
    created: float = field(default_factory=time.monotonic)
    finished: float | None = None  # when the check ended: kept for the keeping time from then
    state: str = "receiving"  # receiving → queued → running → done
    outcome: object = None  # the worker's Outcome once done
    kind: str = "page"  # "page" (kept until expiry) or "api" (deleted once answered)

    def path(self, *parts: str) -> Path:
        return self.folder.joinpath(*parts)

    @property
    def out(self) -> Path:
        return self.folder / OUT


class Runs:
    """Every run of this server, under one private root folder that goes away at shutdown."""

    def __init__(self, keep_seconds: float, parent: str | Path | None = None):
        self.root = Path(tempfile.mkdtemp(prefix="compliance-serve-", dir=parent))  # mode 0700
        self.keep_seconds = keep_seconds
        self.runs: dict[str, Run] = {}

    def new(self, kind: str = "page") -> Run:
        run_id = secrets.token_urlsafe(18)
        folder = self.root / run_id
        folder.mkdir(mode=0o700)
        for name in (LEDGERS, ROSTER, EXTRA, OUT):
            (folder / name).mkdir()
        run = Run(run_id, folder, kind=kind)
        self.runs[run_id] = run
        return run

    def get(self, run_id: str) -> Run | None:
        return self.runs.get(run_id)

    def drop(self, run: Run) -> None:
        self.runs.pop(run.id, None)
        shutil.rmtree(run.folder, ignore_errors=True)

    def sweep(self, now: float | None = None) -> list[str]:
        """Delete the runs finished longer ago than the keeping time; the ids deleted."""
        now = time.monotonic() if now is None else now
        old = [run for run in self.runs.values()
               if run.finished is not None and now - run.finished >= self.keep_seconds]
        for run in old:
            self.drop(run)
        return [run.id for run in old]

    def close(self) -> None:
        self.runs.clear()
        shutil.rmtree(self.root, ignore_errors=True)


def _name_of(info: zipfile.ZipInfo) -> str:
    """An entry's name as its author wrote it: zips made on Chinese Windows store GBK names without the UTF-8 flag,
    which Python decodes as CP437."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def is_folder_zip(path: Path) -> bool:
    """A zip that is not itself a workbook (xlsx, ods): a folder sent as one file."""
    from compliance.intake.discover import kind_of

    with path.open("rb") as file:
        head = file.read(4)
    if head != b"PK\x03\x04":
        return False
    return kind_of(path.read_bytes(), path.suffix.lower()) is None


def unpack(archive: Path, into: Path, limits: Limits, shown: str) -> list[str]:
    """Unpack a zip of a folder into ``into``; the notes about entries left out. Raises InputError (naming the
    upload) when the zip cannot be read or holds more than the size limit or too many files."""
    budget = limits.size_mb * MB
    notes = []
    try:
        book = zipfile.ZipFile(archive)
        entries = book.infolist()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InputError(f"压缩包无法读取（{exc}）", source=shown) from None
    if len(entries) > MAX_FILES:
        raise InputError(f"压缩包中有 {len(entries)} 个文件，超过上限 {MAX_FILES}", source=shown)
    if sum(info.file_size for info in entries) > budget:
        raise InputError(f"压缩包解压后超过 {limits.size_mb} MB（--limit size）", source=shown)
    with book:
        for info in entries:
            name = _name_of(info)
            if info.is_dir() or name.startswith("__MACOSX/") or PurePosixPath(name).name == ".DS_Store":
                continue
            pure = PurePosixPath(name.replace("\\", "/"))
            if pure.is_absolute() or ".." in pure.parts or (pure.parts and pure.parts[0].endswith(":")):
                notes.append(f"压缩包 {shown} 中的“{name}”指向压缩包之外，未解压")
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                notes.append(f"压缩包 {shown} 中的“{name}”是链接，未解压")
                continue
            if info.flag_bits & 0x1:
                notes.append(f"压缩包 {shown} 中的“{name}”有密码，未解压")
                continue
            target = unique(into, safe_parts(name))
            target.parent.mkdir(parents=True, exist_ok=True)
            budget = _copy(book, info, target, budget, shown, limits)
    return notes


def _copy(book: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int, shown: str,
          limits: Limits) -> int:
    """Inflate one entry, counting the bytes as they come (a header may lie about the size)."""
    try:
        with book.open(info) as source, target.open("xb") as sink:
            while chunk := source.read(_CHUNK):
                budget -= len(chunk)
                if budget < 0:
                    raise InputError(f"压缩包解压后超过 {limits.size_mb} MB（--limit size）", source=shown)
                sink.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
        target.unlink(missing_ok=True)
        raise InputError(f"压缩包中的“{_name_of(info)}”无法解压（{exc}）", source=shown) from None
    return budget


def private_umask() -> None:
    """Files a run writes are readable by this user only."""
    os.umask(0o077)

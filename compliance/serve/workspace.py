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
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from compliance.config.limits import Limits
from compliance.errors import InputError
from compliance.serve.limits import ServeLimits
from compliance.text import WINDOWS_UNSAFE, windows_reserved

if TYPE_CHECKING:  # the store (SQLAlchemy) is imported only when --store is given
    from compliance.serve.store.store import Link

LEDGERS, ROSTER, EXTRA, OUT = "台账", "名册", "其他", "out"
_UNNAMED = "未命名文件"
_CHUNK = 1 << 20


def _shortened(part: str, most: int = 200) -> str:
    """A name part within ``most`` UTF-8 bytes (file systems allow 255), its suffix kept."""
    if len(part.encode()) <= most:
        return part
    stem, dot, suffix = part.rpartition(".")
    suffix = f".{suffix}" if dot and stem and len(suffix.encode()) <= 16 else ""
    stem = part[: len(part) - len(suffix)]
    while len((stem + suffix).encode()) > most:
        stem = stem[:-1]
    return stem + suffix


def safe_parts(name: str) -> list[str]:
    """The harmless parts of a file name as a browser or a script sent it: path separators of either kind split it,
    and empty, ``.``, ``..`` and drive parts are dropped; control characters go; what Windows refuses in a name
    (``<>:"|?*``, a trailing dot or space, a device name such as ``CON``) becomes ``_``, is dropped or gets a ``_``
    in front (``compliance.text``); a part longer than a file system allows is shortened. ``../../x.csv`` is
    ``x.csv``; a folder upload's ``台账/第一中学.xlsx`` keeps its folder. (The name the upload gave is what messages
    show: ``Budget.wanted``.)"""
    parts = []
    for part in name.replace("\\", "/").split("/"):
        part = "".join(c for c in part if unicodedata.category(c)[0] != "C").strip()
        if part in ("", ".", "..") or (len(part) == 2 and part[1] == ":"):
            continue
        part = WINDOWS_UNSAFE.sub("_", part).rstrip(" .") or _UNNAMED
        parts.append(_shortened(f"_{part}" if windows_reserved(part) else part))
    return parts[-8:]


class Names:
    """New files' paths in one run: ``folder`` / the parts, with ``-2``, ``-3`` … before the suffix when that name
    is taken. A counter per name remembers the last number given, so a thousand uploads named ``a.csv`` cost a
    thousand look-ups, not half a million. Where a folder of the path is already a file (``a`` sent before
    ``a/b.csv``), the parts are joined into one name instead. The folders on the way are made."""

    def __init__(self):
        self.last: dict[Path, int] = {}

    def unique(self, folder: Path, parts: list[str]) -> Path:
        parts = parts or [_UNNAMED]
        target = folder.joinpath(*parts)
        if any(parent.is_file() for parent in target.parents if parent.is_relative_to(folder) and parent != folder):
            target = folder / _shortened("_".join(parts))
        wanted, stem, suffix = target, target.stem, target.suffix
        n = self.last.get(wanted, 1)
        if n > 1:
            target = wanted.with_name(f"{stem}-{n}{suffix}")
        while target.exists():
            n += 1
            target = wanted.with_name(f"{stem}-{n}{suffix}")
        self.last[wanted] = n
        target.parent.mkdir(parents=True, exist_ok=True)
        return target


def unique(folder: Path, parts: list[str]) -> Path:
    """A new file's path in ``folder`` (see Names; a name taken by a file of an earlier call is looked past)."""
    return Names().unique(folder, parts)


@dataclass
class Run:
    """One check's folder and what became of it."""

    id: str
    folder: Path
    created: float = field(default_factory=time.monotonic)
    finished: float | None = None  # when the check ended: kept for the keeping time from then
    state: str = "receiving"  # receiving → queued → running → done
    outcome: object = None  # the worker's Outcome once done
    task: object = None  # the asyncio task of its check
    kind: str = "page"  # "page" (kept until expiry) or "api" (deleted once answered)
    size: int = 0  # bytes its folder holds once the check is done
    viewed: float | None = None  # when one of its pages was last asked for (or it finished)
    unit: Link | None = None  # with --store: the unit (its link) whose submission this check is; None for the admin
    address: str = ""  # the client that sent it (for the audit)
    uploads: list = field(default_factory=list)  # a unit's uploaded files, kept aside until stored
    submission: int | None = None  # the submission's number once stored
    complete: bool = False  # its reports all written (a page's organisation pages follow its index) and counted

    def path(self, *parts: str) -> Path:
        return self.folder.joinpath(*parts)

    @property
    def out(self) -> Path:
        return self.folder / OUT


class Runs:
    """Every run of this server, under one private root folder that goes away at shutdown."""

    def __init__(self, keep_seconds: float, parent: str | Path | None = None):
        parent = Path(parent or tempfile.gettempdir())
        _sweep_dead_servers(parent)
        self.root = Path(tempfile.mkdtemp(prefix=f"compliance-serve-{os.getpid()}-", dir=parent))  # mode 0700
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

    def empty(self, run: Run) -> None:
        """Delete a run's files but keep the run (and so its message)."""
        shutil.rmtree(run.folder, ignore_errors=True)
        run.size = 0

    def sweep(self, now: float | None = None) -> list[str]:
        """Delete the runs finished longer ago than the keeping time; the ids deleted."""
        now = time.monotonic() if now is None else now
        old = [run for run in self.runs.values()
               if run.finished is not None and now - run.finished >= self.keep_seconds]
        for run in old:
            self.drop(run)
        return [run.id for run in old]

    def kept(self) -> int:
        """Bytes the finished runs occupy."""
        return sum(run.size for run in self.runs.values() if run.finished is not None)

    def make_room(self, most: int, now: float | None = None, viewing: float = 60) -> bool:
        """Delete the oldest finished runs until the finished runs occupy at most ``most`` bytes, never one
        viewed (or finished) in the last ``viewing`` seconds; whether they now fit."""
        now = time.monotonic() if now is None else now
        kept = self.kept()
        if kept <= most:
            return True
        done = sorted(((r.finished, r) for r in self.runs.values() if r.finished is not None and r.size),
                      key=lambda pair: pair[0])
        for finished, run in done:
            if now - max(run.viewed or 0, finished) < viewing:
                continue
            self.drop(run)
            kept -= run.size
            if kept <= most:
                return True
        return False

    def close(self) -> None:
        self.runs.clear()
        shutil.rmtree(self.root, ignore_errors=True)


def _sweep_dead_servers(parent: Path) -> None:
    """Remove what a server killed without its shutdown (``kill -9``, a power cut) left: root folders of this
    user whose server process is gone."""
    for folder in parent.glob("compliance-serve-*-*"):
        pid = folder.name.split("-")[2]
        if not pid.isdigit() or folder.is_symlink() or not folder.is_dir() or folder.stat().st_uid != os.getuid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except PermissionError:
            continue


def _name_of(info: zipfile.ZipInfo) -> str:
    """An entry's name as its author wrote it. Without the UTF-8 flag Python decodes it as CP437, but zips made on
    Chinese Windows store GBK there, and Info-ZIP (Linux, macOS) UTF-8 without the flag, sometimes with the name
    again in a Unicode Path field (0x7075). The field first; then GBK and UTF-8, in the order the system that made
    the zip makes likely; then CP437 as it stands."""
    if info.flag_bits & 0x800:
        return info.filename
    extra = info.extra
    while len(extra) >= 4:
        kind, size = int.from_bytes(extra[:2], "little"), int.from_bytes(extra[2:4], "little")
        if kind == 0x7075 and size > 5 and extra[4] == 1:
            try:
                return extra[9:4 + size].decode("utf-8")
            except UnicodeDecodeError:
                break
        extra = extra[4 + size:]
    raw = info.filename.encode("cp437", errors="replace")
    # some GBK names are valid UTF-8 too (学习 reads as ѧϰ): a zip made on Windows (create_system 0) is GBK first
    for encoding in ("gbk", "utf-8") if info.create_system == 0 else ("utf-8", "gbk"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def is_folder_zip(path: Path) -> bool:
    """A zip that is not itself a workbook or another Office document (xlsx, ods, docx): a folder sent as one
    file."""
    with path.open("rb") as file:
        if file.read(4) != b"PK\x03\x04":
            return False
    try:
        with zipfile.ZipFile(path) as book:
            names = set(book.namelist())
    except (zipfile.BadZipFile, OSError, EOFError):
        return path.suffix.lower() == ".zip"  # a damaged zip: unpack says so
    return not names & {"[Content_Types].xml", "mimetype", "META-INF/manifest.xml"}


@dataclass
class Budget:
    """What all the zips of one upload may still unpack: bytes and files, together. ``refusal`` says which limit
    the bytes are (``--limit size`` unless told)."""

    bytes: int
    files: int = ServeLimits.files  # still allowed
    refusal: str | None = None
    names: Names = field(default_factory=Names)
    most_files: int | None = None  # the limit, as said (the files still allowed when not told)
    wanted: dict[Path, list[str]] = field(default_factory=dict)  # an unpacked file → the name its entry asked for

    def __post_init__(self):
        if self.most_files is None:
            self.most_files = self.files

    def over(self, limits: Limits) -> str:
        return self.refusal or f"压缩包解压后超过 {limits.size_mb} MB（--limit size，同一次上传的压缩包合计）"


def unpack(archive: Path, into: Path, budget: Budget, limits: Limits, shown: str) -> list[str]:
    """Unpack a zip of a folder into ``into``, within what is left of ``budget``; the notes about entries left
    out. Raises InputError (naming the upload) when the zip cannot be read or the upload's zips together hold more
    than the size limit or too many files."""
    notes = []
    try:
        book = zipfile.ZipFile(archive)
        entries = book.infolist()
    except (zipfile.BadZipFile, OSError, EOFError):
        raise InputError("压缩包已损坏，无法读取", source=shown) from None
    budget.files -= len(entries)
    if budget.files < 0:
        raise InputError(files_refusal(budget.most_files or 0), source=shown)
    if sum(info.file_size for info in entries) > budget.bytes:
        raise InputError(budget.over(limits), source=shown)
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
            parts = safe_parts(name)
            target = budget.names.unique(into, parts)
            budget.wanted[target] = parts
            _copy(book, info, target, budget, shown, limits)
    return notes


def _copy(book: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: Budget, shown: str,
          limits: Limits) -> None:
    """Inflate one entry, counting the bytes as they come (a header may lie about the size)."""
    try:
        with book.open(info) as source, target.open("xb") as sink:
            while chunk := source.read(_CHUNK):
                budget.bytes -= len(chunk)
                if budget.bytes < 0:
                    raise InputError(budget.over(limits), source=shown)
                sink.write(chunk)
    except (zipfile.BadZipFile, EOFError, RuntimeError, NotImplementedError, zlib.error):
        target.unlink(missing_ok=True)
        raise InputError(f"压缩包中的“{_name_of(info)}”已损坏，无法解压", source=shown) from None


def files_refusal(most: int) -> str:
    return f"一次上传的文件（含压缩包中的文件）超过 {most} 个（--limit files）"


def private_umask() -> None:
    """Files a run writes are readable by this user only."""
    os.umask(0o077)

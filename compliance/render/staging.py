"""Reports appear all at once or not at all.

A run writes its files into a staging folder inside ``--out`` (``.compliance-new-PID-…``: on the same file system
as the reports, so that publishing is renames even when ``--out`` is a mount point, a Docker volume, a USB stick
or a network share). Only when every format has been written are its entries moved into ``--out``, each by a
rename, with interrupts held off for those few
microseconds; the entries of the previous run that this run did not write again (another ``--format``) go, as the
manifest ``.compliance-manifest`` lists them. Anything else in ``--out`` — the user's own files, ``.gitkeep`` — is
never touched, so ``--out .`` is safe. A run that fails or is interrupted while writing (a full disk, Ctrl-C, a
kill) leaves the previous reports as they were; its staging folder is removed, or, after a kill, by the next run.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

MANIFEST = ".compliance-manifest"
_STAGING = ".compliance-"  # + new-PID-… (this run's files) or old-PID-… (the previous run's, on their way out)


@contextlib.contextmanager
def staged(out: Path) -> Iterator[Path]:
    """A fresh folder to write the reports into; published to ``out`` when the block ends without an error."""
    out = Path(out).absolute()
    out.mkdir(parents=True, exist_ok=True)
    _sweep(out)
    stage = Path(tempfile.mkdtemp(prefix=f"{_STAGING}new-{os.getpid()}-", dir=out))
    try:
        yield stage
        publish(stage, out)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def publish(stage: Path, out: Path) -> None:
    """Move every entry of ``stage`` into ``out``, replacing what the previous run wrote."""
    entries = sorted(p.name for p in stage.iterdir() if not p.name.startswith(_STAGING))
    previous = _manifest(out)
    trash = Path(tempfile.mkdtemp(prefix=f"{_STAGING}old-{os.getpid()}-", dir=out))
    with _interrupts_held():
        for name in sorted(set(previous) | set(entries)):
            if (out / name).exists() and (name in entries or name in previous):
                os.replace(out / name, trash / name)
        for name in entries:
            os.replace(stage / name, out / name)
        (out / MANIFEST).write_text("".join(f"{name}\n" for name in entries), encoding="utf-8")
    shutil.rmtree(trash, ignore_errors=True)


def write_error(exc: OSError, out: Path) -> str:
    """Why the reports could not be written, in Chinese, naming ``--out`` (never the staging folder)."""
    reasons = {errno.ENOSPC: "磁盘空间不足", errno.EACCES: "没有写入权限", errno.EPERM: "没有写入权限",
               errno.EROFS: "磁盘是只读的", errno.ENAMETOOLONG: "路径过长", errno.EDQUOT: "超出磁盘配额",
               errno.ENOTDIR: "路径中有一项是文件而不是文件夹", errno.EEXIST: "同名的文件已存在",
               errno.EXDEV: "不能跨磁盘移动文件", errno.EIO: "磁盘读写出错"}
    return f"无法把报告写入 {out}：{reasons.get(exc.errno or 0, exc.strerror or str(exc))}"


def _manifest(out: Path) -> list[str]:
    """What the previous run wrote: names from the manifest that a format of ours writes (a manifest edited by
    hand can neither point outside ``out`` nor make a run remove the user's own files)."""
    try:
        lines = (out / MANIFEST).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    return [name for name in lines if name in OURS]


# What the formats write into --out: each file format's FILENAME and html's PAGES folder. Named here rather than
# asked of the modules, which would import every format (jinja2, openpyxl: ~0.1 s) to publish a findings.json;
# tests/render/test_output.py checks the two agree.
OURS = frozenset({"findings.json", "findings.sarif", "findings.xlsx", "findings.xml", "index.html", "orgs",
                  "summary.md"})


def _sweep(out: Path) -> None:
    """Remove staging and trash folders left by runs that were killed (their process is gone): inside ``out``, and
    beside it where earlier versions put them."""
    leftovers = [*out.glob(f"{_STAGING}[no][el][wd]-*"), *out.parent.glob(f".{out.name}.[no][el][wd]-*")]
    for leftover in leftovers:
        pid = re.search(r"(?:new|old)-(\d+)-", leftover.name)
        if pid and not _alive(int(pid[1])):
            shutil.rmtree(leftover, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    """Ctrl-C (and a polite kill) wait until the renames are done."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)

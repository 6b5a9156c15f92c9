"""Reports appear all at once or not at all.

A run writes its files into a staging folder beside ``--out`` (``.NAME.new-PID-…``). Only when every format has been
written are its entries moved into ``--out``, each by a rename, with interrupts held off for those few
microseconds; the entries of the previous run that this run did not write again (another ``--format``) go, as the
manifest ``.compliance-manifest`` lists them. Anything else in ``--out`` — the user's own files, ``.gitkeep`` — is
never touched, so ``--out .`` is safe. A run that fails or is interrupted while writing (a full disk, Ctrl-C, a
kill) leaves the previous reports as they were; its staging folder is removed, or, after a kill, by the next run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

MANIFEST = ".compliance-manifest"


@contextlib.contextmanager
def staged(out: Path) -> Iterator[Path]:
    """A fresh folder to write the reports into; published to ``out`` when the block ends without an error."""
    out = Path(out).absolute()
    out.mkdir(parents=True, exist_ok=True)
    _sweep(out)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-{os.getpid()}-", dir=out.parent))
    try:
        yield stage
        publish(stage, out)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def publish(stage: Path, out: Path) -> None:
    """Move every entry of ``stage`` into ``out``, replacing what the previous run wrote."""
    entries = sorted(p.name for p in stage.iterdir())
    previous = _manifest(out)
    trash = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-{os.getpid()}-", dir=out.parent))
    with _interrupts_held():
        for name in sorted(set(previous) | set(entries)):
            if (out / name).exists() and (name in entries or name in previous):
                os.replace(out / name, trash / name)
        for name in entries:
            os.replace(stage / name, out / name)
        (out / MANIFEST).write_text("".join(f"{name}\n" for name in entries), encoding="utf-8")
    shutil.rmtree(trash, ignore_errors=True)


def _manifest(out: Path) -> list[str]:
    """What the previous run wrote: names from the manifest that a format of ours writes (a manifest edited by
    hand can neither point outside ``out`` nor make a run remove the user's own files)."""
    try:
        lines = (out / MANIFEST).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    return [name for name in lines if name in _ours()]


def _ours() -> set[str]:
    from compliance.render import FORMATS, html

    return {module.FILENAME for module in FORMATS.values() if hasattr(module, "FILENAME")} | {html.PAGES}


def _sweep(out: Path) -> None:
    """Remove staging and trash folders left by runs that were killed (their process is gone)."""
    for leftover in out.parent.glob(f".{out.name}.[no][el][wd]-*"):
        pid = leftover.name.split("-")[1]
        if pid.isdigit() and not _alive(int(pid)):
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

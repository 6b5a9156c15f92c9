"""What runs in a worker process: the same pipeline and renderers as ``compliance check``, warmed once.

A worker is started once with the server's rules, roster, layout and limits: it imports everything heavy
(pandas, the engine, great-expectations) and loads the catalogue and roster, then runs one check on a ledger it
writes itself so that the first real check pays nothing more. Each job then runs in its run's folder (the worker
changes into it: a worker runs one job at a time), so messages name files as the user sent them (台账/…, 名册/…)
and nothing is written anywhere else.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import shutil
import signal
import sys
import threading
import zipfile
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from compliance.config.limits import MB, Limits
from compliance.errors import InputError
from compliance.serve.limits import ServeLimits
from compliance.serve.workspace import LEDGERS, OUT, Budget, private_umask

log = logging.getLogger("compliance.serve")

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Settings:
    """What the server was started with (paths as given; loaded in each worker)."""

    rules: str | None = None
    roster: str | None = None
    layout: str | None = None
    limits: Limits = field(default_factory=Limits)
    serve: ServeLimits = field(default_factory=ServeLimits)


@dataclass(frozen=True)
class Job:
    folder: str  # the run's folder: 台账/, 名册/, 其他/ inside; reports go to out/
    as_of: date
    period: str | None = None
    fail_on: str = "error"
    roster: str | None = None  # inside the folder; None: the server's roster, or none
    layout: str | None = None
    waivers: str | None = None
    page: bool = True  # html, xlsx and the zip of the pages too (the API needs findings.json only)
    later: bool = True  # a page's organisation pages, workbook and zip written after the outcome is returned
    notes: tuple[str, ...] = ()  # what the upload left out (zip entries), added to the check's notes
    scope: tuple[str, ...] = ()  # org fields: the organisations checked (each with what is below it)


@dataclass(frozen=True)
class Outcome:
    exit_code: int  # what ``compliance check`` would have exited with
    error: str | None = None  # the Chinese message of a refused input (exit code 2)
    summary: tuple[str, ...] = ()  # the command line's closing lines
    size: int = 0  # bytes the run's folder holds afterwards: its reports (nothing when refused)


_state: dict = {}


def start(settings: Settings, scratch: str) -> None:
    """The worker's initializer: load once, then warm every lazy import with a check of a one-row ledger. Ctrl+C
    is the server's to handle (it shuts the pool down), not each worker's."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()
    private_umask()
    from compliance.engine.kinds import load_catalogue
    from compliance.intake.roster import read_roster

    catalogue = load_catalogue(settings.rules)
    _state.update(settings=settings, catalogue=catalogue,
                  roster=read_roster(settings.roster, settings.limits) if settings.roster else None)
    folder = Path(scratch) / f"warm-{os.getpid()}"
    (folder / LEDGERS).mkdir(parents=True, exist_ok=True)
    (folder / LEDGERS / "warm.csv").write_text("组织,日期,类型\n第一党支部,2024-01-05,主题党日\n", encoding="utf-8")
    work(Job(str(folder), date(2024, 12, 31), roster=None, later=False))
    shutil.rmtree(folder, ignore_errors=True)


def die_with_parent() -> None:
    """A worker whose server is gone (``kill -9``, a crash) ends too, rather than holding its memory for ever. On
    Linux the kernel kills it with its parent (PR_SET_PDEATHSIG); everywhere a thread waits on the parent's
    sentinel (a pipe on POSIX, the process handle on Windows) and ends the worker when it fires."""
    parent = multiprocessing.parent_process()
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if parent is None:
        return
    if sys.platform != "win32" and os.getppid() != parent.pid:  # it died before the signal was asked for
        os._exit(1)
    threading.Thread(target=_end_with, args=(parent.sentinel,), name="parent-watch", daemon=True).start()


def _end_with(sentinel) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(1)


def ready() -> int:
    return os.getpid()


def work(job: Job) -> Outcome:
    """Run one check in ``job.folder``; never raises for what the user sent. Afterwards only the reports stay (the
    uploaded and unpacked files, and the libraries' temporary files, are deleted); a refused check keeps nothing."""
    outcome = _check(job)
    folder = Path(job.folder)
    for path in folder.iterdir() if folder.is_dir() else ():
        if path.name == OUT and outcome.error is None:
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return replace(outcome, size=_size(folder))


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _budget(folder: Path, settings: Settings) -> Budget:
    """What the upload's zips may unpack: ``--limit size`` for them together, and what is left of the run's disk
    budget (``--limit run``) after the upload itself, whichever is less."""
    limits, serve = settings.limits, settings.serve
    left = serve.run_bytes - _size(folder)
    uploaded = sum(1 for p in folder.rglob("*") if p.is_file())
    files = max(serve.files - uploaded, 0)
    if left < limits.size_mb * MB:
        return Budget(left, files, f"压缩包解压后，这次检查占用的空间超过 {serve.run_mb:g} MB（--limit run）",
                      most_files=serve.files)
    return Budget(limits.size_mb * MB, files, most_files=serve.files)


def _check(job: Job) -> Outcome:
    from compliance.engine.periods import parse_period
    from compliance.pipeline import run_check
    from compliance.render import FORMATS
    from compliance.render.staging import write_error
    from compliance.render.text import summary_lines

    settings: Settings = _state["settings"]
    os.chdir(job.folder)  # the run's own names (台账/…, 其他/waivers.yaml) are what messages and findings.json show
    try:
        audit = parse_period(job.period) if job.period else None
        budget = _budget(Path(job.folder), settings)  # for all the upload's zips together
        notes = [*_unpack_folder(Path(LEDGERS), budget, settings.limits), *job.notes]
        roster = _state["roster"]
        if job.roster is not None:
            notes.extend(_unpack_folder(Path(job.roster), budget, settings.limits))
            roster = _uploaded_roster(_roster_in(Path(job.roster)), settings.limits)
        # on the server's roster, a check is about the units whose ledgers were uploaded, not the whole district
        # (a branch's secretary sees no other branch); an uploaded roster is checked whole, as on the command line
        result = run_check([LEDGERS], roster, rules=_state["catalogue"], as_of=job.as_of, audit=audit,
                           layout=job.layout or settings.layout, waivers=job.waivers, limits=settings.limits,
                           scope=job.scope, scope_of_ledgers=job.roster is None)
        result.notes.extend(notes)
        out = Path(job.folder, OUT)
        FORMATS["json"].render(result, out)
        if job.page:  # the index now; the rest after the outcome is returned, or before with ``later`` off
            from compliance.render.html import render_in_parts

            _, pages = render_in_parts(result, out)
            rest = threading.Thread(target=_rest, args=(result, out, pages), name=f"rest-{out.parent.name}",
                                    daemon=True)
            rest.start()
            if not job.later:
                rest.join()
        return Outcome(result.exit_code(job.fail_on), summary=tuple(summary_lines(result)))
    except InputError as exc:  # the command line's words, but for --org: the page calls it 检查范围
        return Outcome(2, error=str(exc).replace("--org：", "检查范围（org）：", 1))
    except OSError as exc:
        return Outcome(2, error=write_error(exc, Path(OUT)))
    except Exception:
        log.exception("check failed in %s", job.folder)
        return Outcome(2, error="检查时发生内部错误（已记录在服务器日志中）。请把台账文件交给管理员排查。")
    finally:
        os.chdir("/")


RENDERED = ".rendered"  # in a run's reports folder once everything is written: pages, workbook, zip
PAGES_WRITTEN = ".pages"  # there once every organisation page is written (before the workbook and the zip)
ORG_PAGES = "orgs/"  # where the organisation pages are (compliance.render.html.PAGES)
_WRITING = ".writing"  # in a run's reports folder: the workbook and the zip are made here, then moved in whole


def written(out: Path, wanted: str) -> bool:
    """Whether ``wanted`` (a path in the reports folder ``out``) may be sent: everything once RENDERED is there,
    an organisation page once all of them are (PAGES_WRITTEN), any other file once it is there at all — the
    index and findings.json are written before the worker answers, the workbook and the zip are moved in whole —
    so that nobody is sent half a file still being written."""
    if (out / RENDERED).exists():
        return True
    if wanted.startswith(ORG_PAGES):
        return (out / PAGES_WRITTEN).exists()
    return (out / wanted).is_file()


def _rest(result, out: Path, pages) -> None:
    """What a page shows after its index: the organisation pages (then PAGES_WRITTEN), the workbook and
    reports.zip (each made aside and moved in whole), then RENDERED (written also when something failed, so
    that nobody waits for ever; what failed is in the log). Runs in a thread of the worker while the worker
    takes its next check: every path is absolute."""
    from compliance.render import FORMATS

    aside = out / _WRITING
    try:
        pages()
        (out / PAGES_WRITTEN).touch()
        aside.mkdir()
        for path in FORMATS["xlsx"].render(result, aside):
            os.replace(path, out / path.name)
        _zip_pages(out, aside)
        os.replace(aside / "reports.zip", out / "reports.zip")
    except Exception:
        log.exception("writing the pages of %s failed", out.parent)
    finally:
        shutil.rmtree(aside, ignore_errors=True)
        with contextlib.suppress(OSError):  # (the run may have been deleted meanwhile)
            (out / RENDERED).touch()


NESTING = 3  # zips within zips unpacked, counting the uploaded one


def _unpack_folder(folder: Path, budget, limits: Limits) -> list[str]:
    """Unpack every uploaded zip of a folder in place, as if the folder it holds had been uploaded (a zip of
    ``区县/第一中学.xlsx`` gives ``台账/区县/第一中学.xlsx``, named ``区县/第一中学.xlsx`` in messages); a zip found
    inside is unpacked where it lies, down to NESTING levels (all of them within one budget), and one deeper is
    named in the notes; workbooks and other Office files stay as they are."""
    from compliance.serve.workspace import is_folder_zip, unpack

    notes = []
    for _ in range(NESTING):
        archives = sorted(p for p in folder.rglob("*") if p.is_file() and is_folder_zip(p))
        for n, archive in enumerate(archives):
            shown = archive.relative_to(folder).as_posix()
            # unpacked aside first, so that a check retried after its worker died starts again from the zip (the
            # name stays short: an archive's name alone may take 200 bytes)
            within = "" if archive.parent == folder else f"{n}-"
            aside = Path("tmp", f"unpacking-{folder.name}-{within}{archive.name}")
            shutil.rmtree(aside, ignore_errors=True)
            aside.mkdir(parents=True)
            notes.extend(unpack(archive, aside, budget, limits, shown))
            for path in sorted(p for p in aside.rglob("*") if p.is_file()):
                wanted = budget.wanted.pop(path, None) or list(path.relative_to(aside).parts)
                path.rename(budget.names.unique(archive.parent, wanted))
            archive.unlink()
            shutil.rmtree(aside)
    for archive in sorted(p for p in folder.rglob("*") if p.is_file() and is_folder_zip(p)):
        shown = archive.relative_to(folder).as_posix()
        notes.append(f"压缩包 {shown} 套在 {NESTING} 层压缩包之内，未解压（请解压后重新打包上传）")
        archive.unlink()
    return notes


def _uploaded_roster(path: Path, limits: Limits):
    """The roster at ``path`` read — or, when its files are those of the roster uploaded to the previous check (a
    school posting its ledgers with the same roster each time), the Roster read then, as the server's own roster is
    read once and kept: read again it is the same. Kept by the names and SHA-256 of every file under ``path``, the
    last one only. A roster that cannot be read is left to ``run_check`` (its path returned), which refuses it in
    its own order (after a broken rules or waivers file), as the command line does."""
    import hashlib

    from compliance.intake.roster import read_roster

    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    key = (str(path), tuple((str(f), hashlib.sha256(f.read_bytes()).hexdigest()) for f in files))
    kept = _state.get("uploaded_roster")
    if kept is not None and kept[0] == key:
        return kept[1]
    try:
        roster = read_roster(path, limits)
    except (InputError, OSError):
        return path
    _state["uploaded_roster"] = (key, roster)
    return roster


def _roster_in(folder: Path) -> Path:
    """Where in an uploaded roster the roster is: the folder holding 组织.csv, else its only workbook, else the
    folder itself (read_roster then says what is missing)."""
    from compliance.intake.roster import ORG_SHEET

    found = sorted(folder.rglob(f"{ORG_SHEET}.csv"))
    if found:
        return found[0].parent
    books = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() != ".csv")
    return books[0] if len(books) == 1 else folder


def _zip_pages(out: Path, into: Path) -> None:
    """``into``/reports.zip: the pages of ``out``, index.html and the organisation pages, for keeping or mailing
    (fixed times: same bytes), with bidirectional controls shown as their code points, as the server shows the
    pages."""
    from compliance.text import visible_bidi

    with zipfile.ZipFile(into / "reports.zip", "w", zipfile.ZIP_DEFLATED) as book:
        for path in sorted(p for p in out.rglob("*.html") if not p.is_relative_to(into)):
            info = zipfile.ZipInfo(path.relative_to(out).as_posix(), _ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            book.writestr(info, visible_bidi(path.read_text(encoding="utf-8")).encode())

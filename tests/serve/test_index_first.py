"""A page's index first (issue 32): the worker returns once findings.json and the index are written; the
organisation pages, the problem list and reports.zip follow in a thread of the worker, then the RENDERED mark —
and until it is there, the server has a request for one of them wait for it."""

from __future__ import annotations

import threading
import zipfile
from datetime import date

import pytest

from compliance.render.html import PAGES
from compliance.serve import worker
from compliance.serve.workspace import LEDGERS, OUT
from tests.helpers import DEMO


@pytest.fixture
def warmed(monkeypatch):
    from compliance.engine.kinds import load_catalogue
    from compliance.intake.roster import read_roster

    monkeypatch.setattr(worker, "_state", {"settings": worker.Settings(), "catalogue": load_catalogue(None),
                                           "roster": read_roster(DEMO / "roster")})


def _upload(tmp_path):
    folder = tmp_path / "run"
    (folder / LEDGERS).mkdir(parents=True)
    (folder / OUT).mkdir()  # as the server makes a run
    for path in sorted((DEMO / "ledgers").iterdir()):
        (folder / LEDGERS / path.name).write_bytes(path.read_bytes())
    return folder


def test_the_index_is_there_when_the_worker_answers_and_the_rest_follows(warmed, tmp_path, monkeypatch):
    held, rest = threading.Event(), worker._rest
    threads = []

    def after_the_release(*args):
        threads.append(threading.current_thread())
        held.wait(60)
        rest(*args)

    monkeypatch.setattr(worker, "_rest", after_the_release)
    folder = _upload(tmp_path)
    outcome = worker.work(worker.Job(str(folder), date(2024, 12, 31)))
    out = folder / OUT
    assert outcome.error is None and outcome.exit_code == 1
    assert sorted(p.name for p in out.iterdir()) == ["findings.json", "index.html", "orgs"]
    assert list((out / "orgs").iterdir()) == []
    held.set()
    threads[0].join(60)
    assert sorted(p.name for p in out.iterdir()) == [worker.PAGES_WRITTEN, worker.RENDERED, "findings.json",
                                                     "findings.xlsx", "index.html", "orgs", "reports.zip"]
    pages = sorted(p.name for p in (out / "orgs").iterdir())
    assert len(pages) == 8  # the demo's organisations
    with zipfile.ZipFile(out / "reports.zip") as book:
        assert sorted(book.namelist()) == ["index.html", *(f"orgs/{name}" for name in pages)]


def test_without_later_everything_is_written_before_the_answer(warmed, tmp_path):
    folder = _upload(tmp_path)
    outcome = worker.work(worker.Job(str(folder), date(2024, 12, 31), later=False))
    assert outcome.error is None
    assert sorted(p.name for p in (folder / OUT).iterdir()) == [
        worker.PAGES_WRITTEN, worker.RENDERED, "findings.json", "findings.xlsx", "index.html", "orgs", "reports.zip"]
    assert outcome.size == sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def test_the_workbook_and_the_zip_appear_whole_and_each_file_is_sent_once_written(warmed, tmp_path, monkeypatch):
    """While the workbook and reports.zip are written, nothing is under their names (a download then would be cut
    short: its length was read before the file had grown); ``written`` lets the index and findings.json be sent
    at once, an organisation page once all are written, another file once it is there."""
    from compliance.render import FORMATS

    seen = []
    xlsx, zip_pages = FORMATS["xlsx"].render, worker._zip_pages

    def workbook(result, into):
        seen.append(("xlsx", into.name, sorted(p.name for p in out.iterdir()),
                     worker.written(out, "orgs/x.html"), worker.written(out, "findings.xlsx")))
        return xlsx(result, into)

    def pages_zip(where, into):
        zip_pages(where, into)
        seen.append(("zip", into.name, sorted(p.name for p in out.iterdir()), worker.written(out, "reports.zip")))

    monkeypatch.setattr(FORMATS["xlsx"], "render", workbook)
    monkeypatch.setattr(worker, "_zip_pages", pages_zip)
    folder = _upload(tmp_path)
    out = folder / OUT
    outcome = worker.work(worker.Job(str(folder), date(2024, 12, 31), later=False))
    assert outcome.error is None
    assert seen == [
        ("xlsx", ".writing", [worker.PAGES_WRITTEN, ".writing", "findings.json", "index.html", "orgs"], True, False),
        ("zip", ".writing", [worker.PAGES_WRITTEN, ".writing", "findings.json", "findings.xlsx", "index.html", "orgs"],
         False),
    ]
    assert worker.written(out, "reports.zip") and worker.written(out, "orgs/none.html")  # RENDERED: everything


def test_written_before_everything_is(tmp_path):
    out = tmp_path
    (out / "orgs").mkdir()
    (out / "index.html").write_text("")
    (out / "orgs" / "第一党支部.html").write_text("")  # being written: the others are not there yet
    assert worker.written(out, "index.html")
    assert not worker.written(out, "orgs/第一党支部.html") and not worker.written(out, "findings.xlsx")
    (out / worker.PAGES_WRITTEN).touch()
    assert worker.written(out, "orgs/第一党支部.html") and not worker.written(out, "findings.xlsx")
    assert f"{PAGES}/" == worker.ORG_PAGES  # where html writes them

"""An uploaded roster kept by the worker (``compliance.serve.worker._uploaded_roster``): a check posting the same
roster files as the one before it uses the roster read then, and answers what reading it afresh answers; changed
files are read again; a roster that cannot be read is refused as before."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from compliance.intake import roster as roster_module
from compliance.serve import worker
from compliance.serve.workspace import LEDGERS, OUT, ROSTER
from tests.helpers import DEMO


@pytest.fixture
def warmed(monkeypatch):
    from compliance.engine.kinds import load_catalogue

    monkeypatch.setattr(worker, "_state", {"settings": worker.Settings(), "catalogue": load_catalogue(None),
                                           "roster": None})


@pytest.fixture
def reads(monkeypatch):
    """The paths read_roster was asked to read, as the worker calls it."""
    asked: list[str] = []
    real = roster_module.read_roster

    def counted(path, limits=None):
        asked.append(str(path))
        return real(path, limits)

    monkeypatch.setattr(roster_module, "read_roster", counted)
    return asked


def _run(tmp_path, name: str, roster_files: dict[str, bytes]):
    """A run as the server makes one for /api/check: the demo's ledgers, the roster's files under 名册/."""
    folder = tmp_path / name
    shutil.copytree(DEMO / "ledgers", folder / LEDGERS)
    (folder / ROSTER).mkdir()
    (folder / OUT).mkdir()
    for file, content in roster_files.items():
        (folder / ROSTER / file).write_bytes(content)
    outcome = worker.work(worker.Job(str(folder), date(2024, 12, 31), roster=ROSTER, page=False))
    return outcome, (folder / OUT / "findings.json").read_bytes() if outcome.error is None else None


DEMO_ROSTER = {p.name: p.read_bytes() for p in sorted((DEMO / "roster").iterdir())}


def test_the_same_roster_posted_again_is_read_once_and_answers_the_same(warmed, reads, tmp_path):
    first, first_json = _run(tmp_path, "a", DEMO_ROSTER)
    second, second_json = _run(tmp_path, "b", DEMO_ROSTER)
    assert reads == [ROSTER]
    worker._state.pop("uploaded_roster")  # as a fresh worker: read again
    third, third_json = _run(tmp_path, "c", DEMO_ROSTER)
    assert reads == [ROSTER, ROSTER]
    assert first_json == second_json == third_json and first_json is not None
    assert first.summary == second.summary == third.summary and first.exit_code == 1


def test_a_changed_roster_is_read_again(warmed, reads, tmp_path):
    _, before = _run(tmp_path, "a", DEMO_ROSTER)
    orgs = DEMO_ROSTER["组织.csv"].decode("utf-8-sig")
    last = orgs.rstrip("\n").split("\n")[-1]
    fewer = {**DEMO_ROSTER, "组织.csv": orgs.replace(last + "\n", "").encode("utf-8")}
    outcome, after = _run(tmp_path, "b", fewer)
    assert reads == [ROSTER, ROSTER]
    assert before != after and outcome.error is None
    again_outcome, again = _run(tmp_path, "c", fewer)
    assert reads == [ROSTER, ROSTER] and again == after and again_outcome.summary == outcome.summary


def test_a_roster_that_cannot_be_read_is_refused_as_before_and_not_kept(warmed, reads, tmp_path):
    _run(tmp_path, "a", DEMO_ROSTER)
    outcome, _ = _run(tmp_path, "b", {"组织.csv": DEMO_ROSTER["组织.csv"]})  # 领导干部.csv missing
    assert (outcome.exit_code, outcome.error) == (2, "文件 名册：名册文件夹中缺少 领导干部.csv")
    assert worker._state["uploaded_roster"][0][0] == ROSTER  # still the good one
    _, again = _run(tmp_path, "c", DEMO_ROSTER)
    assert again is not None and reads == [ROSTER, ROSTER]  # the good one once, the broken one (refused) once

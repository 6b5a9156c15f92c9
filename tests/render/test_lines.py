"""A CSV row is reported by the text line it starts on, also after a quoted cell that holds a line break (issue 21):
in the records, the rejected rows, SARIF's startLine and GitHub's line=."""

from __future__ import annotations

import datetime as dt

import pytest

from compliance.engine.kinds import load_catalogue
from compliance.pipeline import run_check, take_in
from compliance.render import github, sarif
from compliance.render.common import issue_list
from tests.helpers import alias_roster

ROWS = (
    '组织,日期,类型,主题\n'
    '一支部,2024-01-09,主题党日,"重温入党誓词\n（第二行）"\n'  # lines 2–3
    '一支部,2024-13-05,主题党日,日期写错\n'  # line 4
    '一支部,2024-02-09,主题党日,"学习\n党章\n第三行"\n'  # lines 5–7
    '一支部,2024-03-09,主题党日,研究\n'  # line 8
)


@pytest.mark.parametrize("title", ["", "2024年台账\n"], ids=["rectangular", "with-a-title-line"])
def test_rows_are_the_text_lines_they_start_on(tmp_path, title):
    (tmp_path / "ledgers").mkdir()
    (tmp_path / "ledgers" / "台账.csv").write_text(title + ROWS, encoding="utf-8")
    shift = 1 if title else 0
    intake = take_in([tmp_path / "ledgers"], alias_roster(tmp_path), load_catalogue(), dt.date(2024, 12, 31))
    assert intake.gate.records["row"].tolist() == [2 + shift, 5 + shift, 8 + shift]
    assert [(r["row"], r["column"]) for r in issue_list(intake.rejected)] == [(4 + shift, "日期")]
    assert intake.tables[0].header_row == 1 + shift


def test_sarif_and_annotations_use_the_text_line(tmp_path, monkeypatch):
    (tmp_path / "ledgers").mkdir()
    (tmp_path / "ledgers" / "台账.csv").write_text(ROWS, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run_check(["ledgers"], alias_roster(tmp_path), as_of=dt.date(2024, 3, 31))
    (run,) = sarif.document(result)["runs"]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["locations"][0]["physicalLocation"]["region"] for n in notes if n["level"] == "warning"] == [
        {"startLine": 4}]
    assert "::warning file=ledgers/台账.csv,line=4,title=拒收的行::" in github.text(result)
    topic = [r for r in run["results"] if r["ruleId"] == "theme-day-topic"]
    assert topic == []  # every theme day has its topic, the multi-line ones too

"""The frozen judgement table, and what waivers and a baseline make of it — built from small arrays, no files."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from compliance.domain import Severity, Status
from compliance.engine.kinds import load_catalogue
from compliance.findings.baseline import Baseline
from compliance.findings.table import COLUMNS, BaselineMark, Judgements
from compliance.findings.view import finding_dicts
from compliance.findings.waivers import Waiver, Waivers, apply_waivers
from compliance.intake.kinds import ACTIVITY
from compliance.intake.roster import roster_from_rows
from tests.helpers import LEADER_HEADER, ORG_HEADER, ORGS


def table(*rows: tuple) -> Judgements:
    """Judgements from (rule, status, org, person, period, start, end) rows: not waived, no baseline."""
    frame = pd.DataFrame(rows, columns=["rule", "status", "org", "person", "period", "start", "end"])
    n = len(frame)
    frame["severity"] = Severity.ERROR
    frame["start"] = pd.to_datetime(frame["start"])
    frame["end"] = pd.to_datetime(frame["end"])
    frame["expected"] = pd.array([1] * n, dtype="Int64")
    frame["actual"] = pd.array([0] * n, dtype="Int64")
    frame["message"] = [None if s is Status.MET else f"{p} 不足" for s, p in zip(frame["status"], frame["period"],
                                                                                strict=True)]
    return Judgements.from_frame(frame, pd.DataFrame({"judgement": [0], "record": [0]}))


AUGUST = ("theme-day-monthly", Status.VIOLATION, "一支部", None, "2024-08", "2024-08-01", "2024-08-31")
SEPTEMBER = ("theme-day-monthly", Status.MET, "一支部", None, "2024-09", "2024-09-01", "2024-09-30")
ELECTION = ("branch-election-term", Status.VIOLATION, "二支部", None, "2024-12-31", "2022-01-01", "2024-12-31")


def roster():
    return roster_from_rows(([ORG_HEADER, *ORGS], "名册", "组织"), ([LEADER_HEADER], "名册", "领导干部"))


def waiver(number: int, rules: tuple[str, ...], orgs: tuple[str, ...], start: date, end: date,
           expires: date | None = None) -> Waiver:
    return Waiver(number, rules, orgs, start, end, "2024-08", "理由", "党委", expires)


def test_the_columns_are_checked_and_cannot_be_written():
    judgements = table(AUGUST, SEPTEMBER)
    assert tuple(judgements.columns) == COLUMNS
    with pytest.raises(ValueError, match="read-only"):
        judgements["status"][0] = Status.MET
    with pytest.raises(ValueError, match="in this order"):
        Judgements({name: judgements[name] for name in reversed(COLUMNS)}, judgements.evidence_judgement,
                   judgements.evidence_record)
    with pytest.raises(ValueError, match="not judgement columns"):
        judgements.marked(colour=np.array(["red", "red"]))


def test_marked_is_a_copy_and_the_original_stays():
    judgements = table(AUGUST, SEPTEMBER)
    marked = judgements.marked(status=np.array([Status.WAIVED, Status.MET], dtype=object))
    assert marked["status"].tolist() == [Status.WAIVED, Status.MET]
    assert judgements["status"].tolist() == [Status.VIOLATION, Status.MET]
    assert judgements.reported.tolist() == [0]


def test_a_waiver_marks_what_it_covers_and_reports_the_others():
    judgements = table(AUGUST, SEPTEMBER, ELECTION)
    waivers = Waivers("waivers.yaml", "", (
        waiver(1, ("theme-day-monthly",), ("一中*",), date(2024, 8, 1), date(2024, 8, 31)),  # a prefix: no match
        waiver(2, ("theme-day-monthly",), ("一支部",), date(2024, 8, 1), date(2024, 8, 31)),
        # a rolling rule is covered by its as-of day, though it looks back three years
        waiver(3, ("branch-election-term",), ("二支部",), date(2024, 12, 1), date(2024, 12, 31)),
        waiver(4, ("theme-day-monthly",), ("一支部",), date(2024, 8, 1), date(2024, 8, 31), date(2024, 6, 30)),
    ))
    applied = apply_waivers(judgements, waivers, load_catalogue(), roster(), date(2024, 12, 31))
    marked = applied.judgements
    assert marked["status"].tolist() == [Status.WAIVED, Status.MET, Status.WAIVED]
    assert marked["waiver"].tolist() == [1, -1, 2]
    assert marked["was"].tolist() == [Status.VIOLATION, None, Status.VIOLATION]
    assert [(r["number"], r["state"], r["findings"]) for r in applied.report] == [
        (1, "unused", 0), (2, "applied", 1), (3, "applied", 1), (4, "expired", 1)]
    assert judgements["status"].tolist() == [Status.VIOLATION, Status.MET, Status.VIOLATION]


def test_the_baseline_marks_new_and_known_and_lists_what_is_resolved():
    judgements = table(AUGUST, SEPTEMBER, ELECTION)
    gone = ("theme-day-monthly", "二支部", None, "2024-03")
    baseline = Baseline(
        "old/findings.json", "", "2024-11-15", frozenset({"branch-election-term"}),
        status={("theme-day-monthly", "一支部", None, "2024-08"): "due",  # due then, a violation now: new
                ("branch-election-term", "二支部", None, None): "violation", gone: "violation"},
        findings={gone: {"rule": "theme-day-monthly", "org": "二支部", "period": "2024-03"}},
    )
    marked, resolved = baseline.mark(judgements)
    assert marked["baseline"].tolist() == [BaselineMark.NEW, None, BaselineMark.KNOWN]
    assert resolved == [{"rule": "theme-day-monthly", "org": "二支部", "period": "2024-03"}]


def test_the_documented_dicts_are_a_view_of_the_findings_only():
    judgements = table(AUGUST, SEPTEMBER)
    records = pd.DataFrame({"table": [0], "row": [7], "date": pd.to_datetime(["2024-08-30"]), "type": [0]})

    class Table:
        source, sheet, kind, members = "台账.xlsx", "一支部", ACTIVITY, {}

    dicts = finding_dicts(judgements, records, [Table()], load_catalogue())
    assert dicts == [{
        "rule": "theme-day-monthly", "severity": "error", "status": "violation", "org": "一支部", "person": None,
        "period": "2024-08", "expected": 1, "actual": 0, "message": "2024-08 不足", "waiver": None,
        "baseline": None,
        "evidence": [{"source": "台账.xlsx", "sheet": "一支部", "row": 7, "date": "2024-08-30", "type": "主题党日"}],
    }]

"""The benchmark's synthetic provinces: the well-kept one unchanged by the poor province's options, and the poor one
poor in exactly the ways its options say."""

from __future__ import annotations

import hashlib
from datetime import date

import numpy as np

from benchmarks.generate import generate, main, write
from compliance.domain import Status
from compliance.pipeline import run_check

MEETINGS = ["支部党员大会", "支部委员会", "党小组会"]


def test_without_the_poor_options_the_bytes_are_as_before(tmp_path):
    """The digests of what the generator wrote before it had the poor province's options: the well-kept province
    measured before and after is the same province."""
    tree, ledger = generate(3000, gaps=0.1, bad=0.01, seed=7, idle_leaders=0.0, no_discipline=0.0)
    write(tree, ledger, tmp_path, "csv")
    digests = {path.name: hashlib.sha256(path.read_bytes()).hexdigest()[:16] for path in sorted(tmp_path.rglob("*.csv"))}
    assert digests == {"台账.csv": "7a47bd492f9e21bb", "组织.csv": "b968276b36acd7ff", "领导干部.csv": "9042915c5158eaa9"}


def test_idle_leaders_have_nothing_recorded():
    tree, ledger = generate(3000, seed=7, idle_leaders=1.0)
    assert not (ledger["主讲人"] != "").any()
    assert not ledger["类型"].isin(["调研报告", "岗位培训"]).any()
    tree, ledger = generate(3000, seed=7, idle_leaders=0.5)
    named = set(ledger["主讲人"]) - {""}
    assert 0 < len(named) < len(tree.leaders)


def test_no_discipline_leaves_whole_schools_unmarked():
    tree, ledger = generate(3000, seed=7, no_discipline=0.5)
    marked = ledger[ledger["类型"].isin(MEETINGS)].groupby("组织")["会前说纪"].agg(lambda cells: set(cells))
    assert set(map(frozenset, marked)) == {frozenset({"是"}), frozenset({""})}  # a branch marks all or none
    school = {row[0]: row[2] for row in tree.orgs}
    for unit, branches in marked.groupby(marked.index.map(school)):
        assert len({frozenset(cells) for cells in branches}) == 1, unit  # a school's branches alike


def test_a_poor_district_is_judged_as_its_options_say(tmp_path):
    tree, ledger = generate(3000, seed=7, idle_leaders=1.0, no_discipline=1.0)
    write(tree, ledger, tmp_path, "csv")
    result = run_check([tmp_path / "ledgers"], tmp_path / "roster", as_of=date(2024, 12, 31))
    findings = result.findings()
    by_rule = {}
    for finding in findings:
        by_rule.setdefault(finding["rule"], []).append(finding)
    # every meeting a branch held is a finding: none marks 会前说纪
    kinds = np.array(result.catalogue.activity_types, dtype=object)[result.records["type"].to_numpy()]
    branches = np.asarray(result.roster.org_types)[result.records["org"].to_numpy()] == "党支部"
    meetings = np.isin(kinds, MEETINGS) & branches
    assert len(by_rule["discipline-talk-before-meeting"]) == int(meetings.sum()) == 1655
    # no leader gave a 党课 or wrote a report: every leader judged this year is a violation
    lectures = by_rule["leader-lecture-yearly"]
    assert {f["status"] for f in lectures} == {Status.VIOLATION}
    assert (len(lectures), len(by_rule["leader-research-yearly"]), len(tree.leaders)) == (42, 42, 44)


def test_poor_is_a_set_of_defaults_the_command_line_overrides(tmp_path, capsys):
    main(["--records", "2000", "--out", str(tmp_path / "a"), "--poor", "--no-discipline", "0"])
    main(["--records", "2000", "--out", str(tmp_path / "b"), "--gaps", "0.05", "--idle-leaders", "1"])
    a = (tmp_path / "a" / "ledgers" / "台账.csv").read_bytes()
    assert a == (tmp_path / "b" / "ledgers" / "台账.csv").read_bytes()
    assert "是".encode() in a

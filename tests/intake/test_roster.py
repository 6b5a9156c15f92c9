"""The roster as districts keep it (issue 15): a parent unit written by its alias, one person on two rows."""

from __future__ import annotations

import datetime as dt

from compliance.intake.roster import read_roster
from tests.helpers import LEADER_HEADER, ORG_HEADER, write_csv


def test_a_parent_by_its_alias_and_one_leader_on_two_rows(tmp_path):
    write_csv(tmp_path / "组织.csv", ORG_HEADER, [
        ["区委教育工委", "党工委", "", "2000-01-01", "教育工委", ""],
        ["第一中学党委", "党委", "教育工委", "2000-01-01", "一中党委", ""],  # the parent by its alias
        ["第一中学第一党支部", "党支部", "一中党委", "2000-01-01", "", "是"],
    ])
    write_csv(tmp_path / "领导干部.csv", LEADER_HEADER, [
        ["李明", "第一中学党委", "书记", "2016-09-01", ""],
        ["李 明", "一中党委", "校长", "2018-09-01", ""],  # the same person, a second post
        ["王芳", "第一中学党委", "副校长", "2015-09-01", "2019-08-31"],
        ["王芳", "第一中学党委", "校长", "2024-03-01", ""],  # a later term, not overlapping: a second term
    ])
    roster = read_roster(tmp_path)
    assert [(o.name, o.parent) for o in roster.orgs] == [
        ("区委教育工委", None), ("第一中学党委", "区委教育工委"), ("第一中学第一党支部", "第一中学党委")]
    assert [(p.name, p.org, p.posts, p.start, p.end) for p in roster.leaders] == [
        ("李明", "第一中学党委", ("书记", "校长"), dt.date(2016, 9, 1), None),
        ("王芳", "第一中学党委", ("副校长",), dt.date(2015, 9, 1), dt.date(2019, 8, 31)),
        ("王芳", "第一中学党委", ("校长",), dt.date(2024, 3, 1), None),
    ]

"""The roster read column by column against the same roster read row by row (issue 32): for generated rosters —
names repeated or padded, traditional and formal (中共…委员会) names, aliases shared, listed or naming a parent,
parents unknown or in a loop, bad types and dates, leaders in units known or not, one person on two rows — the same
organisations, leaders, places, lookup and tree arrays, or the same message naming the same row and column. Read
both from rows (a workbook's cells) and from a CSV (string columns). ``COMPLIANCE_FUZZ=long`` runs 2,000 examples."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance.domain import Leader, Organisation
from compliance.errors import InputError
from compliance.intake.roster import (
    EARLIEST,
    LATEST,
    LEADER_COLUMNS,
    ORG_COLUMNS,
    LeaderColumns,
    Roster,
    _columns,
    _euler_tour,
    _euler_tour_walked,
    _leader,
    _one_per_person,
    _org,
    _row,
    depths,
    read_roster,
    roster_from_rows,
)
from compliance.spelling import normalise_name, person_key, short_name
from tests.helpers import LEADER_HEADER, ORG_HEADER, write_csv

settings.register_profile("roster-ci", max_examples=150, derandomize=True, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("roster-long", max_examples=2000, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
PROFILE = "roster-long" if os.environ.get("COMPLIANCE_FUZZ") == "long" else "roster-ci"

NAMES = ["区委教育工委", "一中党委", "二中党委", "三中党总支", "一支部", "二支部", "三支部", "四支部", " 一 支部 ",
         "第一中學黨委", "中共二中委员会", "中国共产党三中总支部委员会", ""]
ALIASES = ["一中", "二中", "工委", "一中、二中", "教育工委,工委", "一中；", "一支部", "二中党委", "中共一中委员会", "三中"]
TYPES = ["党工委", "党委", "党支部", "党总支", "党组", " 党委 ", "党小组", ""]
DATES = ["2000-01-01", "2005-09-01", "2005年9月1日", "20050901", "2024-02-30", "2024年3月", "去年"]
PEOPLE = ["李明", "李 明", "王芳", "陈建国（书记）", "张三、李四", ""]
POSTS = ["书记", "校长", "书记、校长", "副书记/委员", ""]


def mostly(good: list, bad: list, blank: int = 0) -> st.SearchStrategy:
    """'' ``blank`` times in ten, else a value of ``good`` — or, one time in thirty, of ``bad``."""
    return st.integers(0, 29).flatmap(lambda d: st.just("") if d < 3 * blank else st.sampled_from(bad)
                                      if d == 29 and bad else st.sampled_from(good))


@st.composite
def rosters(draw) -> tuple[list, list]:
    """A roster's rows, mostly well kept: parents and leaders' units written by names and aliases of its own rows
    (a few unknown, a few blank rows), so that a read gets far enough for the later checks to be reached."""
    names = draw(st.lists(st.sampled_from(NAMES[:-1]), unique=True, max_size=9))
    if names and draw(st.integers(0, 9)) == 0:  # a name twice, or none
        names[draw(st.integers(0, len(names) - 1))] = draw(st.sampled_from(["", *names]))
    aliases = [draw(mostly(ALIASES, [], 5)) for _ in names]
    spellings = [*filter(None, names + aliases)] or ["一中党委"]
    earlier = [[*filter(None, names[:i] + aliases[:i])] or [""] for i in range(len(names))]
    orgs = [(name, draw(mostly(TYPES[:6], TYPES[6:])),
             draw(st.one_of(mostly(above, ["五中党委", "一中、二中"], 4), mostly(spellings, [], 8))),
             draw(mostly(DATES[:4], DATES[4:], 4)), alias, draw(st.sampled_from(["", "是", "否"])))
            for name, alias, above in zip(names, aliases, earlier, strict=True)]
    for _ in range(draw(st.integers(0, 2))):
        orgs.insert(draw(st.integers(0, len(orgs))), ("",) * 6)
    leaders = [(draw(mostly(PEOPLE[:-1], [""])), draw(mostly(spellings, ["五中党委", ""])),
                draw(mostly(POSTS[:-1], [""])), draw(mostly(DATES[:4], DATES[4:], 4)),
                draw(mostly(["2010-01-01", "2019-08-31", "2026-01-01"], ["2024-02-30"], 6)))
               for _ in range(draw(st.integers(0, 6)))]
    return orgs, leaders


def read_row_by_row(orgs: tuple, leaders: tuple) -> Roster:
    """Each row read alone through the models, in order, then the roster checked organisation by organisation, as
    the reader did before it read columns."""
    numbers, table = _columns(*orgs, ORG_COLUMNS)
    models: list[Organisation] = []
    places: dict[str, dict] = {}
    for k, number in enumerate(numbers):
        where = {"source": orgs[1], "sheet": orgs[2], "row": number}
        org = _org(_row(table, k), where)
        if org.name in places:
            raise InputError(f"组织“{org.name}”重复（第 {places[org.name]['row']} 行已有）", **where, column="组织名称")
        places[org.name] = where
        models.append(org)
    if not models:
        raise InputError("名册中没有组织", source=orgs[1], sheet=orgs[2])
    known = {o.name for o in models}
    spellings: dict[str, str] = {}
    for org in models:
        for alias in org.aliases:
            if spellings.setdefault(alias, org.name) != org.name or (alias in known and alias != org.name):
                raise InputError(f"别名“{alias}”同时指向多个组织", **places[org.name], column="别名")
    for i, org in enumerate(models):
        if org.parent and org.parent not in known:
            if org.parent not in spellings:
                raise InputError(f"上级组织“{org.parent}”不在名册中", **places[org.name], column="上级组织")
            models[i] = org.model_copy(update={"parent": spellings[org.parent]})
    index = {o.name: i for i, o in enumerate(models)}
    for org in models:  # a chain of parents longer than the roster never ends
        at, steps = index[org.name], 0
        while at >= 0 and steps <= len(models):
            at, steps = index[models[at].parent] if models[at].parent else -1, steps + 1
        if at >= 0:
            raise InputError("上级组织形成了循环", **places[org.name], column="上级组织")
    lookup: dict[str, str] = {}
    for org in models:
        for spelling in (org.name, *org.aliases):
            lookup.setdefault(spelling, org.name)
    numbers, table = _columns(*leaders, LEADER_COLUMNS)
    people = [_leader(_row(table, k), {"source": leaders[1], "sheet": leaders[2], "row": number}, lookup)
              for k, number in enumerate(numbers)]
    return Roster(tuple(models), _one_per_person(LeaderColumns.of(people)), places=places)


def assert_same(roster: Roster, expected: Roster) -> None:
    assert roster.orgs == expected.orgs and roster.leaders == expected.leaders
    assert roster.places == expected.places
    # the tree and lookup as computed organisation by organisation
    index = {o.name: i for i, o in enumerate(expected.orgs)}
    parent = np.array([index[o.parent] if o.parent else -1 for o in expected.orgs], dtype=np.int64)
    assert np.array_equal(roster.parent, parent)
    for got, walked in zip((roster.subtree_start, roster.subtree_end), _euler_tour_walked(parent), strict=True):
        assert np.array_equal(got, walked)
    assert roster.org_types.tolist() == [o.type.value for o in expected.orgs]
    assert roster.founded.tolist() == [np.datetime64(o.founded or EARLIEST, "D") for o in expected.orgs]
    assert roster.leader_names.tolist() == [person_key(p.name) for p in expected.leaders]
    assert roster.leader_org.tolist() == [index[p.org] for p in expected.leaders]
    assert roster.leader_start.tolist() == [np.datetime64(p.start or EARLIEST, "D") for p in expected.leaders]
    assert roster.leader_end.tolist() == [np.datetime64(p.end or LATEST, "D") for p in expected.leaders]
    keys = [normalise_name(s) for o in expected.orgs for s in (o.name, *o.aliases)]
    owners = [i for i, o in enumerate(expected.orgs) for _ in (o.name, *o.aliases)]
    lookup: dict[str, int] = {}
    for key, owner in zip([*keys, *map(short_name, keys)], owners * 2, strict=True):
        lookup.setdefault(key, owner)
    assert list(roster.lookup.items()) == list(lookup.items())


def outcome(read):
    try:
        return read()
    except InputError as error:
        return str(error)


@settings(settings.get_profile(PROFILE))
@given(roster=rosters())
def test_a_roster_read_by_columns_is_the_roster_read_row_by_row(roster):
    orgs, leaders = roster
    sheets = (([ORG_HEADER, *orgs], "名册", "组织"), ([LEADER_HEADER, *leaders], "名册", "领导干部"))
    expected = outcome(lambda: read_row_by_row(*sheets))
    got = outcome(lambda: roster_from_rows(*sheets))
    if isinstance(expected, str) or isinstance(got, str):
        assert got == expected
    else:
        assert_same(got, expected)
    with tempfile.TemporaryDirectory() as folder:
        write_csv(Path(folder) / "组织.csv", ORG_HEADER, orgs)
        write_csv(Path(folder) / "领导干部.csv", LEADER_HEADER, leaders)
        files = str(Path(folder) / "组织.csv"), str(Path(folder) / "领导干部.csv")
        expected = outcome(lambda: read_row_by_row(([ORG_HEADER, *orgs], files[0], None),
                                                   ([LEADER_HEADER, *leaders], files[1], None)))
        got = outcome(lambda: read_roster(folder))
        if isinstance(expected, str) or isinstance(got, str):
            assert got == expected
        else:
            assert_same(got, expected)


@settings(settings.get_profile(PROFILE))
@given(data=st.data(), n=st.integers(0, 80))
def test_the_tree_a_level_at_a_time_is_the_tree_walked(data, n):
    """``_euler_tour``'s levels against the node-by-node walk, on forests of every shape, chains deeper than the
    levels are taken for included; and ``depths`` (pointer jumping) against steps counted up to each root."""
    parent = np.full(n, -1, dtype=np.int64)
    order = data.draw(st.permutations(range(n)))
    for i in range(1, n):  # each node below one placed before it, or a root: no loop
        if data.draw(st.booleans()):
            parent[order[i]] = order[data.draw(st.integers(max(0, i - 3), i - 1))]
    for got, walked in zip(_euler_tour(parent), _euler_tour_walked(parent), strict=True):
        assert np.array_equal(got, walked)
    steps_up = []  # each node's depth, counted by walking up to its root
    for node in range(n):
        steps, at = 0, parent[node]
        while at >= 0:
            steps, at = steps + 1, parent[at]
        steps_up.append(steps)
    assert depths(parent) == steps_up


def test_a_chain_deeper_than_the_levels_is_walked():
    chain = np.arange(-1, 99, dtype=np.int64)  # organisation i below i - 1
    start, end = _euler_tour(chain)
    assert start.tolist() == list(range(100)) and end.tolist() == [100] * 100
    assert depths(chain) == list(range(100))


def test_the_model_copies_the_dict_it_is_given():
    """The read hands one dict of extra columns to every row that has the same cells: the model must copy it (as
    pydantic validation does), or one organisation's attributes would be every such organisation's."""
    shared = {"设党小组": "是"}
    first, second = (Organisation(name=n, type="党支部", attributes=shared) for n in ("一支部", "二支部"))
    assert first.attributes == shared and first.attributes is not shared and first.attributes is not second.attributes
    assert Leader(name="王芳", org="一支部", posts=("书记",)).posts == ("书记",)

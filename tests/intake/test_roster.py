"""The roster as districts keep it (issue 15): a parent unit written by its alias, one person on two rows; and a bad
row named exactly, whichever way the sheet is read (issue 20)."""

from __future__ import annotations

import datetime as dt
import difflib
import random
import weakref
from pathlib import Path

import numpy as np
import pytest

from benchmarks.generate import build_tree
from compliance.errors import InputError
from compliance.intake.roster import read_roster, roster_from_rows
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


# ---- a bad row: the message names its row and column (read column by column, the first bad row as before) ----

GOOD = [["区委教育工委", "党工委", "", "2000-01-01", "教育工委", ""],
        ["一中党委", "党委", "教育工委", "2000-01-01", "一中", ""],
        ["一支部", "党支部", "一中党委", "2000-01-01", "", "是"]]
LEADER = ["王芳", "一中党委", "校长", "2020-01-01", ""]
TYPES = "应为 '党工委', '党组', '党委', '党总支', '党支部' 之一"


@pytest.mark.parametrize(("orgs", "leaders", "message"), [
    pytest.param([*GOOD[:2], ["一支部", "党小组", "一中党委", "", "", ""]], [LEADER],
                 f"文件 名册，工作表“组织”，第 4 行，列“组织类型”：取值“党小组”无效，{TYPES}", id="an unknown type"),
    pytest.param([*GOOD, ["", "党支部", "一中党委", "", "", ""]], [LEADER],
                 "文件 名册，工作表“组织”，第 5 行，列“组织名称”：不能为空", id="no name"),
    pytest.param([*GOOD, ["二支部", " ", "一中党委", "", "", ""]], [LEADER],
                 f"文件 名册，工作表“组织”，第 5 行，列“组织类型”：取值“”无效，{TYPES}", id="a blank type"),
    pytest.param([*GOOD, ["", "党支部", "一中党委", "2024-02-30", "", ""]], [LEADER],
                 "文件 名册，工作表“组织”，第 5 行，列“成立日期”：日期“2024-02-30”不存在",
                 id="a date that does not exist, before a missing name"),
    pytest.param([*GOOD, ["二支部", "党支部", "一中党委", "2024年3月", "", ""]], [LEADER],
                 "文件 名册，工作表“组织”，第 5 行，列“成立日期”：日期“2024年3月”只有年月，缺少日", id="a month without a day"),
    pytest.param([*GOOD, ["一 支部", "党支部", "一中党委", "", "", ""]], [LEADER],
                 "文件 名册，工作表“组织”，第 5 行，列“组织名称”：组织“一支部”重复（第 4 行已有）", id="the same organisation twice"),
    pytest.param([*GOOD, ["二支部", "党小组", "一中党委", "", "", ""], ["", "党支部", "", "", "", ""]], [LEADER],
                 f"文件 名册，工作表“组织”，第 5 行，列“组织类型”：取值“党小组”无效，{TYPES}", id="the first of two bad rows"),
    pytest.param([*GOOD, [None] * 6, ["二支部", "党支部", "二中党委", "", "", ""]], [LEADER],
                 "文件 名册，工作表“组织”，第 6 行，列“上级组织”：上级组织“二中党委”不在名册中",
                 id="a parent not in the roster, after a blank row"),
    pytest.param([*GOOD, ["二支部", "党支部", "一中党委", "", "一中", ""]], [LEADER],
                 "文件 名册，工作表“组织”，第 5 行，列“别名”：别名“一中”同时指向多个组织", id="an alias of two"),
    pytest.param([["甲党委", "党委", "乙党委", "", "", ""], ["乙党委", "党委", "甲党委", "", "", ""]], [],
                 "文件 名册，工作表“组织”，第 2 行，列“上级组织”：上级组织形成了循环", id="a loop"),
    pytest.param([[*GOOD[0]], ["丙支部", "党支部", "甲党委", "", "", ""], ["甲党委", "党委", "乙党委", "", "", ""],
                  ["乙党委", "党委", "甲党委", "", "", ""]], [],
                 "文件 名册，工作表“组织”，第 3 行，列“上级组织”：上级组织形成了循环", id="a branch below a loop, first"),
    pytest.param([*GOOD, ["甲党委", "党委", "甲党委", "", "", ""]], [],
                 "文件 名册，工作表“组织”，第 5 行，列“上级组织”：上级组织形成了循环", id="its own parent"),
    pytest.param(GOOD, [LEADER, ["李明", "二中党委", "书记", "", ""]],
                 "文件 名册，工作表“领导干部”，第 3 行，列“所在单位”：所在单位“二中党委”不在名册的组织表中",
                 id="a leader's unit not in the roster"),
    pytest.param(GOOD, [LEADER, [" ", "一中党委", "书记", "", ""]],
                 "文件 名册，工作表“领导干部”，第 3 行，列“姓名”：不能为空", id="a leader without a name"),
    pytest.param(GOOD, [LEADER, ["李明", "", "书记", "", ""]],
                 "文件 名册，工作表“领导干部”，第 3 行，列“所在单位”：不能为空", id="a leader without a unit"),
    pytest.param(GOOD, [LEADER, ["李明", "一中党委", "书记", "去年", ""]],
                 "文件 名册，工作表“领导干部”，第 3 行，列“任职日期”：无法识别的日期“去年”，应写作 2024-03-05、2024年3月5日 或 20240305",
                 id="a leader's start that is no date"),
    pytest.param(GOOD, [LEADER, ["李明", "一中", "书记", "2020-09-01", "2019-08-31"]],
                 "文件 名册，工作表“领导干部”，第 3 行，列“离任日期”：离任日期早于任职日期", id="a leader's end before the start"),
    pytest.param(GOOD, [LEADER, ["", "一中党委", "书记", "2020-09-01", "2019-02-30"]],
                 "文件 名册，工作表“领导干部”，第 3 行，列“离任日期”：日期“2019-02-30”不存在",
                 id="a leader's impossible end, before a missing name"),
])
def test_a_bad_row_is_named_exactly(orgs, leaders, message):
    with pytest.raises(InputError) as caught:
        roster_from_rows(([ORG_HEADER, *orgs], "名册", "组织"), ([LEADER_HEADER, *leaders], "名册", "领导干部"))
    assert str(caught.value) == message


@pytest.mark.parametrize("break_", ["\r\n", "\n", "\r"])
def test_a_bad_row_of_a_csv_roster_is_named_by_its_line(tmp_path, break_):
    """A quoted cell holding a line break (an alias, two posts) moves the rows after it down: the
    message names the line a text editor shows the bad row on (issue 36), as a ledger's rejected rows do."""
    org_lines = ["组织名称,组织类型,上级组织,成立日期,别名,设党小组",
                 "区委教育工委,党工委,,2000-01-01,教育工委,",  # line 2
                 f'一中党委,党委,教育工委,2000-01-01,"一中{break_}第一中学",',  # lines 3-4
                 "一支部,党支部,一中党委,2000-01-01,,是"]  # line 5
    leader_lines = ["姓名,所在单位,职务,任职日期,离任日期",
                    f'王芳,一中党委,"书记、{break_}校长",2020-01-01,',  # lines 2-3
                    "李明,二中党委,副校长,2021-01-01,"]  # line 4: a unit not in the roster
    (tmp_path / "组织.csv").write_bytes("\r\n".join(org_lines).encode("utf-8") + b"\r\n")
    (tmp_path / "领导干部.csv").write_bytes("\r\n".join(leader_lines).encode("utf-8") + b"\r\n")
    with pytest.raises(InputError) as caught:
        read_roster(tmp_path)
    assert str(caught.value) == (f"文件 {tmp_path / '领导干部.csv'}，第 4 行，列“所在单位”：所在单位“二中党委”不在名册的"
                                 "组织表中")
    (tmp_path / "领导干部.csv").write_bytes("\r\n".join(leader_lines[:2]).encode("utf-8"))
    (tmp_path / "组织.csv").write_bytes("\r\n".join([*org_lines, "一支部,党支部,一中党委,,,"]).encode("utf-8"))
    with pytest.raises(InputError) as caught:
        read_roster(tmp_path)
    assert str(caught.value) == (f"文件 {tmp_path / '组织.csv'}，第 6 行，列“组织名称”：组织“一支部”重复（第 5 行已有）")
    (tmp_path / "组织.csv").write_bytes("\r\n".join(org_lines).encode("utf-8"))
    roster = read_roster(tmp_path)
    assert roster.places["一支部"]["row"] == 5
    assert [(p.name, p.posts) for p in roster.leaders] == [("王芳", ("书记", "校长"))]


def test_read_column_by_column_as_row_by_row():
    """Cells of every kind a workbook gives, blank rows and columns, two columns under one header, an extra column:
    the organisations and leaders as the models say."""
    orgs = [
        ["区委教育工委", "党工委", None, dt.datetime(2000, 1, 1, 8, 30), "教育工委、 工委", "", "甲"],
        [None, None, None, None, None, None, None],
        ["  第一中学 党委 ", "党委", "教育工委", 36526, None, None, "  "],
        ["第一中學第一黨支部", "党支部", "第一中学党委", 20050901, "", "是", float("nan")],
    ]
    leaders = [["李  明", "工委", "书记、校长", "2016年9月1日", None], ["王芳", "第一中学党委", "书记", "", "2024.8.31"]]
    roster = roster_from_rows(([[*ORG_HEADER, "备注"], *orgs], "名册", "组织"),
                              ([LEADER_HEADER, *leaders], "名册", "领导干部"))
    assert [(o.name, o.type.value, o.parent, o.founded, o.aliases, o.attributes) for o in roster.orgs] == [
        ("区委教育工委", "党工委", None, dt.date(2000, 1, 1), ("教育工委", "工委"), {"备注": "甲"}),
        ("第一中学党委", "党委", "区委教育工委", dt.date(2000, 1, 1), (), {}),
        ("第一中学第一党支部", "党支部", "第一中学党委", dt.date(2005, 9, 1), (), {"设党小组": "是"}),
    ]
    assert roster.places["第一中学第一党支部"] == {"source": "名册", "sheet": "组织", "row": 5}
    assert [(p.name, p.org, p.posts, p.start, p.end) for p in roster.leaders] == [
        ("李明", "区委教育工委", ("书记", "校长"), dt.date(2016, 9, 1), None),
        ("王芳", "第一中学党委", ("书记",), None, dt.date(2024, 8, 31)),
    ]


def test_a_csv_read_as_columns_as_its_rows_read(tmp_path):
    """A CSV roster's cells are taken as string columns (``Sheet.frame``), a workbook's as rows of values: the same
    cells give the same roster — organisations, leaders (one person on two rows merged), places, lookup and arrays —
    on a district's roster with a title line, blank lines, traditional characters, padded names and aliases."""
    tree = build_tree(60, np.random.default_rng(3), 2024)
    orgs = [list(row) for row in tree.orgs]
    orgs[5][0] = orgs[5][0].replace("党支部", "黨支部")
    orgs[7][2] = tree.orgs[2][4] or orgs[7][2]  # a parent by its alias
    orgs.insert(10, [""] * len(ORG_HEADER))
    leaders = [list(row) for row in tree.leaders]
    leaders[3][0] = leaders[3][0][0] + " " + leaders[3][0][1:]
    leaders.append([leaders[3][0].replace(" ", ""), leaders[3][1], "副书记", "2019-09-01", ""])  # a second post
    title = [["2024年组织名册", *[""] * (len(ORG_HEADER) - 1)]]
    folder = tmp_path
    write_csv(folder / "组织.csv", title[0], [ORG_HEADER, *orgs])
    write_csv(folder / "领导干部.csv", LEADER_HEADER, leaders)
    from_csv = read_roster(folder)
    from_rows = roster_from_rows(([*title, ORG_HEADER, *orgs], str(folder / "组织.csv"), None),
                                 ([LEADER_HEADER, *leaders], str(folder / "领导干部.csv"), None))
    assert len(from_csv.orgs) == len(tree.orgs) and len(from_csv.leaders) == len(tree.leaders)
    assert from_csv.orgs == from_rows.orgs and from_csv.leaders == from_rows.leaders
    assert from_csv.places == from_rows.places and from_csv.places[orgs[11][0]]["row"] == 14
    assert list(from_csv.lookup.items()) == list(from_rows.lookup.items())
    for array in ("parent", "subtree_start", "subtree_end", "founded", "leader_names", "leader_org", "leader_start"):
        assert np.array_equal(getattr(from_csv, array), getattr(from_rows, array)), array
    assert from_csv.leaders[3].posts == (tree.leaders[3][2], "副书记")


def test_a_roster_read_keeps_nothing_of_its_caller(tmp_path):
    """Reading a roster (blank dates, a CSV read as columns) leaves nothing that holds on to its caller's frame:
    a ValueProblem kept with its traceback did, and with it the pipeline's ledgers until a full collection."""
    write_csv(tmp_path / "组织.csv", ORG_HEADER, [["区委教育工委", "党工委", "", "", "", ""],
                                                 ["一中党委", "党委", "区委教育工委", "2000-01-01", "", ""]])
    write_csv(tmp_path / "领导干部.csv", LEADER_HEADER, [["王芳", "一中党委", "书记", "", ""]])

    class Ledgers:
        pass

    def caller():
        ledgers = Ledgers()
        read_roster(tmp_path)
        return weakref.ref(ledgers)

    assert caller()() is None


def test_closest_names_as_difflib_finds_them_among_all():
    """An unknown name's nearest roster names: difflib's answer over every spelling, found without comparing with
    every spelling of a province."""
    tree = build_tree(400, np.random.default_rng(5), 2024)
    roster = roster_from_rows(([ORG_HEADER, *tree.orgs], "名册", "组织"), ([LEADER_HEADER], "名册", "领导干部"))
    spellings = list(roster.lookup)
    rng = random.Random(5)
    words = ["不存在的党支部", "第1区委教育工委", "党", "区第", "3区12中第2党支"]
    for _ in range(40):
        name = rng.choice(spellings)
        at = rng.randrange(len(name))
        words.append(name[:at] + rng.choice("一二三党支部中学区") + name[at + 1:])
        words.append(name[:rng.randrange(1, len(name))])
    for word in words:
        assert roster._close_matches(word, 6, 0.5) == difflib.get_close_matches(word, spellings, n=6, cutoff=0.5), word


def test_closest_names_with_a_nul_and_a_very_long_spelling():
    """Spellings are compared as Python strings: a trailing NUL is kept (a fixed-width array dropped it and the
    lookup failed), and one 30,000-character name costs its characters, not a row that wide for every spelling."""
    rows = [ORG_HEADER, ("区委教育工委", "党工委", "", "", "", ""),
            ("光明路小学党支部\x00", "党支部", "区委教育工委", "", "", ""),
            ("实验小学党支部", "党支部", "区委教育工委", "", "", ""),
            ("长" * 30_000 + "党支部", "党支部", "区委教育工委", "", "", "")]
    roster = roster_from_rows((rows, "名册", "组织"), ([LEADER_HEADER], "名册", "领导干部"))
    spellings = list(roster.lookup)
    for word in ("光明路小学党支", "实验小学党总支", "长长长党支部"):
        assert roster._close_matches(word, 6, 0.5) == difflib.get_close_matches(word, spellings, n=6, cutoff=0.5)
    assert roster.closest("光明路小学党支") == ["光明路小学党支部\x00", "实验小学党支部"]



def test_a_check_in_json_reads_the_roster_as_columns_and_makes_no_model(tmp_path):
    """Issue 32: the rules, the gate and findings.json read the roster's columns and arrays; its pydantic models
    (``roster.orgs``, ``roster.leaders``) are made only when a page or the workbook asks — and are then the rows as
    the file has them."""
    from compliance.pipeline import run_check
    from compliance.render import findings_json

    demo = Path(__file__).resolve().parents[2] / "fixtures" / "demo"
    roster = read_roster(demo / "roster")
    result = run_check([demo / "ledgers"], roster, as_of=dt.date(2024, 11, 15))
    findings_json.render(result, tmp_path)
    assert "orgs" not in vars(roster) and "leaders" not in vars(roster)
    assert len(result.judgements.reported) > 0 and roster.names[:3] == ["区委教育工委", "区教育局党组", "第一中学党委"]
    assert [o.name for o in roster.orgs] == roster.names
    assert [p.name for p in roster.leaders] == roster.leader_table.names
    assert roster.orgs[2].parent == "区委教育工委" and roster.orgs[2].type.value == "党委"


def test_a_title_above_the_header_is_no_cell_of_the_roster(tmp_path):
    """A CSV roster's title row is not read as cells of its columns (the reader's distinct values of a column hold
    it: they are taken only where a data row holds them) — not even a title a date column cannot parse; and a date
    written in Chinese numerals no number is written as is that row's message, not a traceback."""
    write_csv(tmp_path / "组织.csv", ["", "", "", "二十十年度名册", "", ""], [
        ORG_HEADER,
        ["第一中学党委", "党委", "", "2000-01-01", "一中党委", ""],
        ["第一中学第一党支部", "党支部", "一中党委", "二〇〇五年九月一日", "", "是"],
    ])
    write_csv(tmp_path / "领导干部.csv", ["", "", "", "十一二年", ""], [
        LEADER_HEADER, ["李明", "一中党委", "书记", "2016-09-01", ""]])
    roster = read_roster(tmp_path)
    assert roster.names == ["第一中学党委", "第一中学第一党支部"]
    assert roster.founded.tolist() == [dt.date(2000, 1, 1), dt.date(2005, 9, 1)]
    assert roster.places["第一中学第一党支部"]["row"] == 4 and roster.org_table.attributes[1] == {"设党小组": "是"}
    assert [(p.name, p.start) for p in roster.leaders] == [("李明", dt.date(2016, 9, 1))]
    write_csv(tmp_path / "领导干部.csv", LEADER_HEADER, [["李明", "一中党委", "书记", "二十十年三月一日", ""]])
    with pytest.raises(InputError) as raised:
        read_roster(tmp_path)
    assert (raised.value.row, raised.value.column) == (2, "任职日期")
    assert "无法识别的日期“二十十年三月一日”" in str(raised.value)

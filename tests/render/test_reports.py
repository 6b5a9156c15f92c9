"""HTML pages and findings.xlsx: escaping of ledger text, isolation between organisations, the calendar grid, the
index matrix and the problem list's exact rows."""

import json
import re
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from compliance.cli import main
from compliance.render import html, xlsx
from tests.helpers import check, row

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "fixtures" / "demo"

LECTURES = {
    "id": "lecture-twice-a-quarter", "title": "每季度至少上2次党课", "kind": "frequency",
    "applies_to": {"org_types": ["党支部"]}, "types": ["党课"], "period": "quarter", "min": 2,
    "source": [{"doc": "2020武进", "clause": "一.3"}],
}
HOSTILE = '<script>alert("x")</script> & \'引号\' </script><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def year_end(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    result = CliRunner().invoke(main, ["check", str(DEMO / "ledgers"), "--roster", str(DEMO / "roster"),
                                       "--as-of", "2024-12-31", "--out", str(out)])
    assert result.exit_code == 1, result.output
    return out


def page(out: Path, name: str) -> str:
    return (out / "orgs" / f"{name}.html").read_text(encoding="utf-8")


def test_ledger_text_arrives_escaped(tmp_path):
    ledger = [row("一支部", "2024-01-10", "党课", {"主题": HOSTILE}),
              row("<b>不存在的支部</b>", "2024-02-10", "党课", {"主题": "x"})]
    result = check(tmp_path, LECTURES, ledger, as_of="2024-03-31", period="2024-01..2024-03")
    html.render(result, tmp_path / "out")
    branch = (tmp_path / "out" / "orgs" / "一支部.html").read_text(encoding="utf-8")
    escaped = ("「&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;引号&#39; &lt;/script&gt;"
               "&lt;img src=x onerror=alert(1)&gt;」")
    assert escaped in branch  # the evidence of the Q1 shortfall shows the topic, inert
    assert "<script>alert" not in branch and "<img" not in branch and "</script>" not in branch
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;不存在的支部&lt;/b&gt;" in index  # the rejected row's value, unassigned
    assert "<b>不存在的支部" not in index
    assert index.count("<script>") == 1  # ours: sorting and filtering


def test_a_branch_page_holds_nothing_of_another_branch(year_end):
    mine, other = "第一中学第一党支部", "第一中学第二党支部"
    book = openpyxl.load_workbook(DEMO / "ledgers" / "第一中学.xlsx", read_only=True)
    topics = {}
    for sheet, org in (("第一党支部", mine), ("第二党支部", other)):
        rows = list(book[sheet].iter_rows(values_only=True))
        column = rows[0].index("主题")
        topics[org] = {r[column] for r in rows[1:] if isinstance(r[column], str) and r[column]}
    theirs = topics[other] - topics[mine]
    assert theirs == {"志愿服务进社区", "教师节联谊", "日期写错的一行", "清廉学校建设专题学习"}
    text = page(year_end, mine)
    assert other not in text and "第二党支部" not in text and "一中第二党支部" not in text
    assert [t for t in theirs if t in text] == []
    assert "第一中学.xlsx · 工作表“第一党支部” · 第 17 行 · 2024-05-08 主题党日" in text  # its own evidence


def test_a_unit_page_holds_only_its_subtree(year_end):
    text = page(year_end, "第一中学党委")
    for outsider in ("实验小学", "区教育局党组", "陈静", "刘洋", "实验小学.csv", "区委教育工委.csv"):
        assert outsider not in text, outsider
    below = text[text.index("<h2>下级组织</h2>"):text.index("<h2>检查日历</h2>")]
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', below)
    assert [name for _, name in links] == ["第一中学第一党支部", "第一中学第二党支部", "第一中学退休党支部"]
    assert links[0][0] == "%E7%AC%AC%E4%B8%80%E4%B8%AD%E5%AD%A6%E7%AC%AC%E4%B8%80%E5%85%9A%E6%94%AF%E9%83%A8.html"
    assert "赵强" in text  # the unit's own leader and his per-person rules
    assert "区委教育工委" in text  # the parent, named once as such
    assert text.count("区委教育工委") == 2  # navigation and the meta line


def test_the_calendar_grid_of_a_branch(year_end):
    text = page(year_end, "第一中学第二党支部")
    grid = text[text.index('<table class="grid">'):text.index("</table>", text.index('<table class="grid">'))]
    rows = {r[len('title="'):r.index('">')]: r for r in grid.split('<tr><th class="rule" ')[1:] if r.startswith("title")}
    cells = lambda r: re.findall(r'<td(?: colspan="(\d+)")? class="s-(\w+)" title="[^"]*">([^<]*)</td>', r)  # noqa: E731
    assert cells(rows["branch-committee-monthly"]) == [("", "met", "1"), ("", "violation", "0")] + [("", "met", "1")] * 10
    assert cells(rows["member-meeting-quorum"]) == [
        ("", "met", "1"), ("2", "none", ""), ("", "met", "1"), ("2", "none", ""), ("", "violation", "1"),
        ("2", "none", ""), ("", "met", "1"), ("2", "none", ""),
    ]
    assert cells(rows["party-lecture-quarterly"]) == [("3", "met", "1")] * 4
    assert cells(rows["theme-day-fixed-day"]) == [("12", "violation", "17")]
    assert cells(rows["branch-election-term"]) == [("12", "violation", "0")]


def test_the_index_matrix_and_totals(year_end):
    text = (year_end / "index.html").read_text(encoding="utf-8")
    body = text[text.index('<table class="matrix"'):text.index("</table>", text.index('<table class="matrix"'))]
    line = body[body.index('data-name="第一中学第二党支部"'):]
    line = line[:line.index("</tr>")]
    assert 'data-light="red"' in line
    cells = re.findall(r'<td class="c s-(\w+)" data-v="(-?\d+)"', line)
    assert sum(int(v) for _, v in cells if int(v) > 0) == 5
    assert sorted({status for status, _ in cells}) == ["met", "na", "violation"]
    assert re.search(r'<td class="num" data-v="5">5</td>', line)
    assert "<svg" in text and "各规则违规数" in text and "各单位违规数（含下级）" in text
    assert "8 个组织： 红 8 ·  黄 0 ·  绿 0" in re.sub("<[^>]+>", "", text)
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in text


def test_the_index_matrix_puts_each_organisations_name_in_its_own_cells():
    """html.Matrix renders each distinct cell of each rule once, with a stand-in for the organisation's name that
    each row replaces with its own, escaped as the template escapes it."""
    from types import SimpleNamespace

    import numpy as np

    rules = [SimpleNamespace(title="每月主题党日"), SimpleNamespace(title="<季度>党课")]
    judged, failing, worst = np.array([[3, 0], [3, 4]]), np.array([[1, 0], [1, 0]]), np.array([[4, -1], [4, 0]])
    matrix = html.Matrix(judged, failing, worst, rules,
                         html._environment().get_template("matrix.html.j2").module.cell)

    def line(position, name):
        return matrix(SimpleNamespace(org=SimpleNamespace(name=name), position=position))

    assert line(0, 'A&B "一支部"') == (
        '<td class="c s-violation" data-v="1" title="A&amp;B &#34;一支部&#34; · 每月主题党日：违规（检查 3 项）">1</td>\n'
        '<td class="c s-na" data-v="-1"></td>\n')
    assert line(1, "二支部") == (
        '<td class="c s-violation" data-v="1" title="二支部 · 每月主题党日：违规（检查 3 项）">1</td>\n'
        '<td class="c s-met" data-v="0" title="二支部 · &lt;季度&gt;党课：符合（检查 4 项）">✓</td>\n')


def test_findings_xlsx_is_the_problem_list(year_end):
    book = openpyxl.load_workbook(year_end / "findings.xlsx")
    assert book.sheetnames == ["问题清单", "拒收的行", "统计", "出席率"]
    sheet = book["问题清单"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("序号", "单位", "上级单位", "领导干部", "规则", "规则编号", "依据", "期间", "问题描述", "严重程度",
                       "状态", "整改责任人", "整改时限", "整改情况")
    document = json.loads((year_end / "findings.json").read_text(encoding="utf-8"))
    assert len(rows) - 1 == len(document["findings"]) == 21
    quorum = next(r for r in rows if r[5] == "member-meeting-quorum")
    assert quorum[1:] == ("第一中学第二党支部", "第一中学党委", None, "支部党员大会实到人数须超过应到人数的一半",
                          "member-meeting-quorum", "《中国共产党支部工作条例（试行）》第十一条", "2024-07-25",
                          "2024-07-25 的支部党员大会应到 40 人、实到 20 人，实到须超过应到的 1/2（至少 21 人）", "错误", "违规",
                          None, None, None)
    lecture = next(r for r in rows if r[5] == "leader-lecture-yearly")
    assert (lecture[1], lecture[2], lecture[3]) == ("第一中学党委", "区委教育工委", "赵强")
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:N22"
    assert sheet.column_dimensions["I"].width == 26  # widths for paper: tests/render/test_print.py
    assert sheet.column_dimensions["B"].width == 13
    rejected = list(book["拒收的行"].iter_rows(values_only=True))
    assert rejected[1] == ("第一中学.xlsx", "第二党支部", 37, "日期", "2024年13月5日", "日期“2024年13月5日”不存在",
                           "第一中学第二党支部")


def test_xlsx_cells_that_look_like_formulas_stay_text(tmp_path):
    ledger = [row("=HYPERLINK(\"http://x\",\"点我\")", "2024-01-10", "党课"), row("+1+2", "2024-01-11", "党课"),
              row("一支部", "2024-01-12", "@SUM(A1)")]
    result = check(tmp_path, LECTURES, ledger, as_of="2024-03-31", period="2024-01..2024-03")
    xlsx.render(result, tmp_path)
    sheet = openpyxl.load_workbook(tmp_path / "findings.xlsx")["拒收的行"]
    values = [(c.value, c.data_type, c.quotePrefix) for c in sheet["E"][1:]]
    assert values == [('=HYPERLINK("http://x","点我")', "s", True), ("+1+2", "s", True), ("@SUM(A1)", "s", True)]


def test_hostile_names_topics_and_file_names_are_inert_in_every_page_and_cell(tmp_path):
    """Organisation and leader names from the roster, topics, speakers and the ledger's file name, each carrying
    markup, quotes, a closing </script> or a formula: every HTML page shows them as text (no element of theirs,
    no script but ours), every text cell of findings.xlsx that could start a formula is quote-prefixed."""
    from tests.helpers import LEADER_HEADER, ORG_HEADER, rules_file, write_csv

    unit = '一中"党委'
    branch = "</script><script>alert(1)</script>党支部"
    orgs = [[unit, "党委", "", "2000-01-01", "", ""], [branch, "党支部", unit, "2000-01-01", "", "是"],
            ["=cmd|' /C calc'!A0党支部", "党支部", unit, "2000-01-01", "", "否"]]
    leaders = [['<img src=x onerror=alert(2)>', unit, "书记", "2020-01-01", ""],
               ["-2+3", unit, "校长", "2020-01-01", ""]]
    roster = tmp_path / "roster"
    roster.mkdir()
    write_csv(roster / "组织.csv", ORG_HEADER, orgs)
    write_csv(roster / "领导干部.csv", LEADER_HEADER, leaders)
    ledgers = tmp_path / "ledgers"
    ledgers.mkdir()
    write_csv(ledgers / "<b>台账.csv", ["组织", "日期", "类型", "主题", "主讲人"], [
        [branch, "2024-01-10", "党课", HOSTILE, "<img src=x onerror=alert(2)>"],
        [orgs[2][0], "2024-01-11", "党课", "\t=1+1", "@SUM(A1)"],
        ["<i>无此支部</i>", "2024-01-12", "党课", "x", ""],
    ])
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["check", str(ledgers), "--roster", str(roster), "--as-of", "2024-12-31",
                                       "--out", str(out), "--quiet",
                                       "--rules", str(rules_file(tmp_path, LECTURES, LEADER_LECTURE))])
    assert result.exit_code == 1, result.output
    pages = [out / "index.html", *sorted((out / "orgs").iterdir())]
    assert len(pages) == 4
    for path in pages:
        text = path.read_text(encoding="utf-8")
        assert text.count("<script") == (1 if path.name == "index.html" else 0), path.name
        for markup in ("<img", "<b>台账", "<i>无此支部", "alert(1)</script>", "onerror=alert(2)>"):
            assert markup not in text, (path.name, markup)
    assert "&lt;b&gt;台账.csv" in pages[0].read_text(encoding="utf-8")  # the ledgers read, listed in the index
    unit_page = next(p for p in pages if p.name.startswith("一中"))
    assert "&lt;imgsrc=xonerror=alert(2)&gt;" in unit_page.read_text(encoding="utf-8")  # the leader, by name
    branch_page = next(p for p in pages if p.name.startswith("_script"))
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;党支部" in branch_page.read_text(encoding="utf-8")
    book = openpyxl.load_workbook(out / "findings.xlsx")
    active = [(sheet.title, cell.coordinate, cell.value, cell.quotePrefix) for sheet in book for line in sheet.iter_rows()
              for cell in line if isinstance(cell.value, str) and cell.value[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert active and all(prefix for *_, prefix in active), active
    assert {value for _, _, value, _ in active} >= {"=cmd|'/Ccalc'!A0党支部", "-2+3"}, active


LEADER_LECTURE = {
    "id": "leader-lecture-yearly", "title": "党员领导干部每年至少上1次党课", "kind": "per-person",
    "applies_to": {"leaders": "all"}, "types": ["党课"], "period": "year", "min": 1,
    "source": [{"doc": "2013南通", "clause": "一.1"}],
}

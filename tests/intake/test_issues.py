"""One type for what the intake says about a row (``compliance.intake.issues.Issue``): its table, the gate that
counts without changing its input, and no module spelling an issue out by hand."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

from compliance.engine.kinds import load_catalogue
from compliance.intake.gate import count_sources, gate
from compliance.intake.issues import ISSUE_COLUMNS, Issue, issues_frame
from compliance.intake.normalise import normalise
from compliance.intake.roster import roster_from_rows
from compliance.intake.sheets import Sheet, SourceFile, to_table
from tests.helpers import LEADER_HEADER, LEDGER_HEADER, ORG_HEADER, ORGS, REPO


class Where:
    source, sheet = "台账.xlsx", "2024年"


def test_issues_make_one_table_in_the_columns_order():
    frame = issues_frame([
        Issue.at(Where, 7, "日期为空", column="日期", org="一支部"),
        Issue.at(Where, None, "隐藏的工作表，已读取（其中的行同样计入）"),
        Issue("台账.csv", None, 3, "实到", "12", "实到人数多于应到人数（应到 10）", None),
    ])
    assert tuple(frame.columns) == ISSUE_COLUMNS == ("source", "sheet", "row", "column", "value", "reason", "org")
    assert str(frame["row"].dtype) == "Int64"
    assert frame.astype(object).where(frame.notna(), None).values.tolist() == [
        ["台账.xlsx", "2024年", 7, "日期", None, "日期为空", "一支部"],
        ["台账.xlsx", "2024年", None, None, None, "隐藏的工作表，已读取（其中的行同样计入）", None],
        ["台账.csv", None, 3, "实到", "12", "实到人数多于应到人数（应到 10）", None],
    ]
    assert issues_frame([]).columns.tolist() == list(ISSUE_COLUMNS) and len(issues_frame()) == 0


def test_the_gate_counts_each_file_in_its_result_and_leaves_the_summaries_to_the_caller():
    catalogue = load_catalogue()
    roster = roster_from_rows(([ORG_HEADER, *ORGS], "名册", "组织"), ([LEADER_HEADER], "名册", "领导干部"))
    sources = [
        SourceFile(name, Path(name), "", [to_table(Sheet([LEDGER_HEADER, *rows]), 0, name, None)])
        for name, rows in (
            ("一支部.csv", [["一支部", "2024-03-12", "主题党日", "学习", "", "", "", ""],
                           ["三支部", "2024-03-13", "主题党日", "学习", "", "", "", ""]]),
            ("二支部.csv", [["二支部", "2024-04-02", "支委会", "", "", "", "", ""],
                           ["二支部", "", "支委会", "", "", "", "", ""],
                           ["二支部", "2024-05-02", "茶话会", "", "", "", "", ""]]),
        )
    ]
    candidates = normalise(sources, catalogue, roster)
    result = gate(candidates, roster, catalogue, dt.date(2024, 12, 31))
    assert [(s.accepted, s.rejected) for s in candidates.sources] == [(0, 0), (0, 0)]  # not written by the gate
    assert result.per_source.tolist() == [[1, 1], [1, 2]]
    count_sources(candidates.sources, result)
    assert [(s.source, s.accepted, s.rejected) for s in candidates.sources] == [("一支部.csv", 1, 1),
                                                                               ("二支部.csv", 1, 2)]
    assert result.rejected[["source", "row", "column"]].values.tolist() == [
        ["一支部.csv", 3, "组织"], ["二支部.csv", 3, "日期"], ["二支部.csv", 4, "类型"]]


def test_no_module_spells_an_issue_out_as_a_dict():
    """Every rejected row and warning is an ``Issue``: a dict literal with an issue's keys anywhere in the package
    is one built by hand again."""
    assert spelled_out(REPO) == []


def spelled_out(root: Path) -> list[str]:
    """file:line of every dict literal in ``root/compliance`` with a ``reason`` and two more of an issue's keys."""
    where = {"source", "sheet", "row", "column", "value"}
    found = []
    for path in sorted((root / "compliance").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
                if "reason" in keys and len(keys & where) >= 2:
                    found.append(f"{path.relative_to(root).as_posix()}:{node.lineno}")
    return found

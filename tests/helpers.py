"""The one helper rule tests go through: a tiny roster, a tiny ledger and one rule in, exact findings out."""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict

from compliance.config.catalogue import parse_catalogue
from compliance.engine.context import Context
from compliance.engine.evaluate import evaluate
from compliance.engine.kinds import RulesFile
from compliance.engine.periods import AuditRange, parse_period
from compliance.findings.result import CheckResult
from compliance.findings.table import Judgements
from compliance.findings.view import finding_dicts
from compliance.intake.gate import gate
from compliance.intake.minutes import MINUTES
from compliance.intake.normalise import normalise
from compliance.intake.roster import roster_from_rows
from compliance.intake.sheets import Sheet, SourceFile, to_table
from compliance.pipeline import run_check

REPO = Path(__file__).resolve().parent.parent
DEFAULT_RULES = REPO / "compliance" / "rules.yaml"
DEMO = REPO / "fixtures" / "demo"
LEDGER_HEADER = ["组织", "日期", "类型", "主题", "主讲人", "应到", "实到", "会前说纪"]
ORG_HEADER = ["组织名称", "组织类型", "上级组织", "成立日期", "别名", "设党小组"]
LEADER_HEADER = ["姓名", "所在单位", "职务", "任职日期", "离任日期"]

# The demo's August theme day, waived for 第一中学's branches (tests of waivers and of the example pipelines).
AUGUST_WAIVER = """\
waivers:
  - rule: theme-day-monthly
    orgs: [第一中学*]
    from: 2024-08
    to: 2024-08
    reason: 暑期教师集中培训，经党委批准顺延
    approved_by: 第一中学党委
    expires: 2025-06-30
"""

# A small default tree: a 工委 over one 党委 with two branches.
ORGS = [
    ["区委教育工委", "党工委", "", "2000-01-01", "", ""],
    ["一中党委", "党委", "区委教育工委", "2000-01-01", "", ""],
    ["一支部", "党支部", "一中党委", "2000-01-01", "", "是"],
    ["二支部", "党支部", "一中党委", "2000-01-01", "", "否"],
]


def alias_roster(tmp: Path) -> Path:
    """The small default tree as a roster folder under ``tmp``, 一支部 with the alias 一中一支部 and one leader."""
    folder = tmp / "roster"
    folder.mkdir(exist_ok=True)
    orgs = [*ORGS[:2], ["一支部", "党支部", "一中党委", "2000-01-01", "一中一支部", "是"], ORGS[3]]
    write_csv(folder / "组织.csv", ORG_HEADER, orgs)
    write_csv(folder / "领导干部.csv", LEADER_HEADER, [["王芳", "一中党委", "校长", "2020-01-01", ""]])
    return folder


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def rules_text(*rules: dict) -> str:
    """The default catalogue's vocabulary and documents with only ``rules``, as a rules file."""
    catalogue = yaml.safe_load(DEFAULT_RULES.read_text(encoding="utf-8"))
    catalogue["rules"] = list(rules)
    return yaml.safe_dump(catalogue, allow_unicode=True, sort_keys=False)


def rules_file(tmp: Path, *rules: dict) -> Path:
    """``rules_text`` written to ``tmp``/rules.yaml."""
    path = tmp / "rules.yaml"
    path.write_text(rules_text(*rules), encoding="utf-8")
    return path


def check(
    tmp: Path,
    rule: dict,
    ledger: list[list],
    *,
    as_of: str,
    period: str | None = None,
    orgs: list[list] | None = None,
    leaders: list[list] | None = None,
    header: list[str] | None = None,
) -> CheckResult:
    """Run one rule over one ledger (rows in ``header`` order, canonical by default)."""
    roster = tmp / "roster"
    roster.mkdir(exist_ok=True)
    write_csv(roster / "组织.csv", ORG_HEADER, orgs if orgs is not None else ORGS)
    write_csv(roster / "领导干部.csv", LEADER_HEADER, leaders or [])
    ledgers = tmp / "ledgers"
    ledgers.mkdir(exist_ok=True)
    write_csv(ledgers / "台账.csv", header or LEDGER_HEADER, ledger)
    return run_check(
        [ledgers],
        roster,
        rules=rules_file(tmp, rule),
        as_of=date.fromisoformat(as_of),
        audit=parse_period(period) if period else None,
    )


class ActivityRecord(BaseModel):
    """One record the rules saw, as a reader of the ledger would write it down."""

    model_config = ConfigDict(frozen=True)

    org: str
    date: date
    type: str
    topic: str | None = None
    person: str | None = None
    expected: int | None = None
    present: int | None = None
    discipline: bool | None = None
    absent: str | None = None  # 缺席: the names of those who did not come, 张三、李四
    source: str
    sheet: str | None = None
    row: int


def activity_records(result: CheckResult) -> list[ActivityRecord]:
    """The records the rules saw, one model each, in ledger order (the engine itself works on the table)."""
    names = result.roster.names
    types = result.catalogue.activity_types

    def value(x):
        return None if x is None or (not isinstance(x, str) and pd.isna(x)) else x

    return [
        ActivityRecord(
            org=names[r.org], date=pd.Timestamp(r.date).date(), type=types[r.type], topic=value(r.topic),
            person=value(r.person), expected=value(r.expected), present=value(r.present),
            discipline=value(r.discipline), absent=value(r.absent), source=result.tables[r.table].source,
            sheet=result.tables[r.table].sheet, row=r.row,
        )
        for r in result.records.itertuples(index=False)
    ]


@dataclass
class Judged:
    """What ``judge`` gives: the judgements and findings of one rule, as a CheckResult has them."""

    judgements: Judgements
    finding_list: list[dict]

    def findings(self) -> list[dict]:
        return self.finding_list


def judge(rule: dict, ledger: list[list], *, as_of: str, period: str | None = None, orgs: list[list] | None = None,
          leaders: list[list] | None = None, header: list[str] | None = None,
          minutes: list[list] | None = None) -> Judged:
    """``check`` without files: the ledger's rows are read in memory, parsed as the intake parses them and put
    through the data-quality gate (``compliance.intake.gate``), whose counted records the rule judges — what
    ``run_check`` does with a ledger file, less the reading of files and the outputs. ``minutes``: rows read as
    meeting minutes (会议记录.docx, one record each), held against the ledger as the gate holds them."""
    catalogue = parse_catalogue(rules_text(rule).encode("utf-8"), "rules.yaml", RulesFile)
    roster = roster_from_rows(([ORG_HEADER, *(orgs if orgs is not None else ORGS)], "名册", "组织"),
                              ([LEADER_HEADER, *(leaders or [])], "名册", "领导干部"))
    sources = [SourceFile("台账.csv", Path("台账.csv"), "", [to_table(Sheet([header or LEDGER_HEADER, *ledger]), 0,
                                                                   "台账.csv", None)])]
    for number, cells in enumerate(minutes or [], start=1):
        shown = f"会议记录{number}.docx"
        table = replace(to_table(Sheet([header or LEDGER_HEADER, cells]), 0, shown, None), kind=MINUTES)
        sources.append(SourceFile(shown, Path(shown), "", [table]))
    candidates = normalise(sources, catalogue, roster)
    day = date.fromisoformat(as_of)
    gated = gate(candidates, roster, catalogue, day)
    records = gated.records[gated.counted].reset_index(drop=True)
    audit = parse_period(period) if period else AuditRange.year_of(day)
    ctx = Context(records, candidates.tables, roster, np.datetime64(day, "D"), audit, catalogue.activity_types)
    evaluation = evaluate(catalogue, ctx)
    judgements = Judgements.from_evaluation(evaluation)
    return Judged(judgements, finding_dicts(judgements, records, candidates.tables, catalogue))


def findings(result: CheckResult) -> list[tuple]:
    """(status, org, person, period, expected, actual) per finding, in output order."""
    return [
        (f["status"], f["org"], f["person"], f["period"], f["expected"], f["actual"]) for f in result.findings()
    ]


def judged(result: CheckResult) -> list[tuple]:
    """(status, org, person, period) for every judged cell, met ones included."""
    frame = result.judgements.frame()
    return list(zip(frame["status"], frame["org"], frame["person"].where(frame["person"].notna(), None),
                    frame["period"], strict=True))


def row(org: str, day: str, kind: str, cells: dict[str, object] | None = None) -> list[str]:
    """A ledger row in the canonical header's order: organisation, date, type, then any other columns by name."""
    given = {"组织": org, "日期": day, "类型": kind, **(cells or {})}
    unknown = set(given) - set(LEDGER_HEADER)
    assert not unknown, f"not canonical ledger columns: {unknown}"
    return ["" if given.get(column) is None else str(given[column]) for column in LEDGER_HEADER]


def warnings(result: CheckResult) -> list[tuple]:
    """(source, sheet, row, column, value, reason) per data-quality warning, in output order."""
    frame = result.warnings
    return [
        (w["source"], w["sheet"], int(w["row"]), w["column"], w["value"], w["reason"])
        for w in frame.to_dict("records")
    ]


def without_pointer(output: str) -> str:
    """An error output less the line under it that points to the manual's 常见问题 (compliance.manual.pointer)."""
    return "".join(line for line in output.splitlines(keepends=True) if not line.startswith("说明：见使用说明"))

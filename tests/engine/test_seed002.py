"""Seed 002 (the 2010 卢湾 创先争优 plan) checked from a rules file: examples/rules/2010卢湾创先争优.yaml on the small
district of fixtures/seed002, 2010–2012 — rules in force for a time, themed activities, one-off deadlines."""

from __future__ import annotations

from datetime import date

from compliance.engine.periods import parse_period
from compliance.pipeline import run_check
from tests.helpers import REPO

SEED002 = REPO / "fixtures" / "seed002"
RULES = REPO / "examples" / "rules" / "2010卢湾创先争优.yaml"


def check(as_of: date, period: str):
    return run_check([SEED002 / "ledgers"], SEED002 / "roster", rules=RULES, as_of=as_of, audit=parse_period(period))


def campaign(result) -> list[tuple]:
    return [(f["rule"], f["org"], f["period"], f["status"], f["expected"], f["actual"], f["message"])
            for f in result.findings() if f["rule"].startswith("cxcy-")]


def test_the_campaign_findings_for_2010_to_2012():
    result = check(date(2012, 12, 31), "2010..2012")
    assert result.rejected.empty
    expo, ninetieth, eighteenth = "（只计主题含“世博”或“世博先锋”的记录）", \
        "（只计主题含“90周年”或“九十周年”或“建党90”或“建党九十”的记录）", "（只计主题含“十八大”的记录）"
    assert campaign(result) == [
        ("cxcy-plan-reported", "卢湾实验小学党总支", "2010-07-31", "violation", 1, 0,
         "2010-06-10 至 2010-07-31 创先争优实施方案报送 0 次，应至少 1 次"),
        ("cxcy-2010-expo-quarterly", "卢湾实验小学教工党支部", "2010-Q3", "violation", 1, 0,
         f"2010-Q3 创先争优活动 0 次，应至少 1 次{expo}"),
        ("cxcy-2011-90th-yearly", "卢湾实验小学教工党支部", "2011", "violation", 1, 0,
         f"2011 创先争优活动 0 次，应至少 1 次{ninetieth}"),
        ("cxcy-2010-expo-quarterly", "卢湾第一中学第二党支部", "2010-Q4", "violation", 1, 0,
         f"2010-Q4 创先争优活动 0 次，应至少 1 次{expo}"),
        ("cxcy-2012-18th-yearly", "卢湾第一中学第二党支部", "2012", "violation", 1, 0,
         f"2012 创先争优活动 0 次，应至少 1 次{eighteenth}"),
    ]
    document_rules = {rule.id for rule in result.catalogue.rules if rule.effective is not None}
    assert {"cxcy-2010-expo-quarterly", "cxcy-2011-90th-yearly", "cxcy-2012-18th-yearly"} <= document_rules
    # 2010 Q2 ends before the campaign's first day (2010-06-10 lies inside it): not judged; a 2018 rule is silent
    judged = {(r, p) for r, p in zip(result.judgements["rule"], result.judgements["period"], strict=True)}
    assert ("cxcy-2010-expo-quarterly", "2010-Q2") not in judged
    assert not any(rule == "member-meeting-quorum" for rule, _ in judged)


def test_while_the_deadline_is_open_it_is_due_and_nothing_later_is_judged():
    result = check(date(2010, 7, 20), "2010-06..2010-07")
    assert campaign(result) == [
        ("cxcy-plan-reported", "卢湾实验小学党总支", "2010-07-31", "due", 1, 0,
         "尚未完成：2010-06-10 至 2010-07-31 创先争优实施方案报送 0 次，应至少 1 次，截止 2010-07-31"),
    ]

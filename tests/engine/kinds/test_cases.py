"""Pass/fail cases of every rule kind, as data: tests/engine/kinds/cases/<kind>.yml, one parametrised test.

A case names a rule (an id of the packaged catalogue, or a whole rule mapping), a tiny ledger (rows as mappings from
canonical column to value), optionally meeting ``minutes`` (rows the same way, each read as one .docx's record), a
roster (``orgs``, ``leaders``), a ledger ``header``, an audited ``period``, and the ``as_of`` date; then the exact ``findings`` as (status, org, person, period, expected, actual) and, where it
matters that a subject was judged and met rather than skipped, the exact ``judged`` cells (status, org, person,
period). Expected values are written by hand from DOMAIN.md, never computed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.helpers import DEFAULT_RULES, LEDGER_HEADER, findings, judge, judged

CASES = Path(__file__).parent / "cases"
CASE_KEYS = {"name", "rule", "ledger", "minutes", "orgs", "leaders", "header", "period", "as_of", "findings",
             "judged"}


def packaged_rule(rule_id: str) -> dict:
    rules = yaml.safe_load(DEFAULT_RULES.read_text(encoding="utf-8"))["rules"]
    (rule,) = (r for r in rules if r["id"] == rule_id)
    return rule


def load_cases() -> list:
    params = []
    for file in sorted(CASES.glob("*.yml")):
        for case in yaml.safe_load(file.read_text(encoding="utf-8")):
            params.append(pytest.param(file.stem, case, id=f"{file.stem}: {case['name']}"))
    return params


def text(value: object) -> str:
    """A cell as written in the CSV: dates as ISO, nothing as empty."""
    return "" if value is None else str(value)


def ledger_rows(rows: list[dict], header: list[str]) -> list[list[str]]:
    unknown = {key for row in rows for key in row} - set(header)
    assert not unknown, f"ledger columns {unknown} are not in the header {header}"
    return [[text(row.get(column)) for column in header] for row in rows]


def tuples(rows: list[list]) -> list[tuple]:
    return [tuple(row) for row in rows]


@pytest.mark.parametrize(("kind", "case"), load_cases())
def test_case(kind, case):
    assert set(case) <= CASE_KEYS, f"unknown keys {set(case) - CASE_KEYS}"
    rule = packaged_rule(case["rule"]) if isinstance(case["rule"], str) else case["rule"]
    rule = {**rule, "enabled": True}  # an opt-in rule (enabled: false in the catalogue) is judged as when switched on
    assert rule["kind"] == kind, f"a {rule['kind']} rule in the {kind} cases"
    header = case.get("header", LEDGER_HEADER)
    result = judge(
        rule,
        ledger_rows(case["ledger"], header),
        as_of=text(case["as_of"]),
        period=text(case["period"]) if "period" in case else None,
        orgs=[[text(v) for v in row] for row in case["orgs"]] if "orgs" in case else None,
        leaders=[[text(v) for v in row] for row in case["leaders"]] if "leaders" in case else None,
        header=header,
        minutes=ledger_rows(case["minutes"], header) if "minutes" in case else None,
    )
    assert findings(result) == tuples(case["findings"])
    if "judged" in case:
        assert judged(result) == tuples(case["judged"])

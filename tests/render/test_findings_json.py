"""findings.json through orjson (issue 32): compact JSON, one finding, rejected row, warning and statistic a line,
the same document as the findings' and statistics' dicts — with waivers, baseline marks, people, sheets and
evidence — and the same bytes for the same inputs, however the findings are cut into blocks."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pytest

from compliance.findings.stats import rows
from compliance.pipeline import run_check
from compliance.render import findings_json
from compliance.render.findings_json import FindingLines
from tests.helpers import AUGUST_WAIVER, DEMO


@pytest.fixture(scope="module")
def waived(tmp_path_factory):
    """The demo at the year's end, with the August waiver and the November run's findings.json as baseline."""
    folder = tmp_path_factory.mktemp("waived")
    (folder / "waivers.yaml").write_text(AUGUST_WAIVER, encoding="utf-8")
    first = run_check([DEMO / "ledgers"], DEMO / "roster", as_of=date(2024, 11, 15))
    findings_json.render(first, folder)
    return run_check([DEMO / "ledgers"], DEMO / "roster", as_of=date(2024, 12, 31),
                     waivers=folder / "waivers.yaml", baseline=folder / "findings.json")


def test_the_document_is_the_findings_and_statistics_dicts(waived):
    findings = waived.findings()
    assert {f["baseline"] for f in findings} == {"new", "known"}
    assert any(f["waiver"] for f in findings) and any(f["person"] for f in findings)
    assert any(e["sheet"] for f in findings for e in f["evidence"])
    assert any(e["sheet"] is None for f in findings for e in f["evidence"])
    written = json.loads(findings_json.dumps(waived))
    assert written["findings"] == json.loads(json.dumps(findings, ensure_ascii=False))
    assert written["summary"]["findings"] == len(findings)
    assert written["stats"] == json.loads(json.dumps(waived.stats, ensure_ascii=False))
    for name, columns in waived.stat_columns.items():
        assert (rows(columns) if isinstance(columns, dict) else columns) == waived.stats[name]
    assert any("months_on_time" in item for item in written["stats"]["by_rule"])
    assert any("months_on_time" not in item for item in written["stats"]["by_rule"])
    assert written["rejected"][0] == {"source": "第一中学.xlsx", "sheet": "第二党支部", "row": 37, "column": "日期",
                                      "value": "2024年13月5日", "reason": "日期“2024年13月5日”不存在",
                                      "org": "第一中学第二党支部"}


def test_compact_with_one_item_a_line(waived):
    text = findings_json.dumps(waived).decode("utf-8")
    lines = text.split("\n")
    assert lines[:3] == ["{", '"tool":{"name":"compliance","version":"0.1.0"},', '"as_of":"2024-12-31",']
    at = lines.index('"findings":[')
    closing = lines.index("],", at)
    compact = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in waived.findings()]
    assert lines[at + 1:closing] == [line + "," for line in compact[:-1]] + compact[-1:]
    assert '"stats":{' in lines and '"by_org":[' in lines
    assert lines[-2:] == ["}", ""]


def test_the_same_bytes_for_the_same_inputs_whatever_the_blocks(waived, tmp_path):
    findings_json.render(waived, tmp_path)
    written = (tmp_path / "findings.json").read_bytes()
    again = run_check([DEMO / "ledgers"], DEMO / "roster", as_of=date(2024, 12, 31),
                      waivers=waived.waivers.path, baseline=waived.baseline.path)
    assert findings_json.dumps(again) == written
    for size in (1, 7, 20_000):
        lines = FindingLines(waived)
        lines.BLOCK = size
        document = findings_json.document(waived)
        document["findings"] = lines
        assert b"".join(findings_json.chunks(document)) == written
    columns = waived.stat_columns["by_org"]
    one_block = b"".join(findings_json._lines(findings_json._column_blocks(columns)))
    assert b"".join(findings_json._lines(findings_json._column_blocks(columns, block=5))) == one_block
    # attendance: columns with the lowest meeting's as columns within, in blocks as the dicts are in one
    attendance = waived.stat_columns["attendance"]
    assert isinstance(attendance["lowest"], dict) and len(rows(attendance)) > 3
    as_dicts = b"".join(findings_json._lines([rows(attendance)]))
    assert b"".join(findings_json._lines(findings_json._column_blocks(attendance, block=3))) == as_dicts


def test_a_check_early_in_the_year_and_empty_lists():
    result = run_check([DEMO / "ledgers"], DEMO / "roster", as_of=date(2024, 1, 1))
    assert len(FindingLines(result)) == len(result.findings())
    written = json.loads(findings_json.dumps(result))
    assert written["findings"] == json.loads(json.dumps(result.findings(), ensure_ascii=False))
    assert b"".join(findings_json._lines([[], []])) == b"[]"
    assert b"".join(findings_json._lines([[{"a": 1}], [], [{"b": None}]])) == b'[\n{"a":1},\n{"b":null}\n]'


def test_numbers_and_text_as_json_readers_read_them():
    """Integers beyond 2**53, floats, text with quotes, backslashes, control characters, the line and paragraph
    separators and characters outside the basic plane: every reader gets the values back."""
    value = {"big": 2**62, "small": -1, "rate": 0.1, "third": round(1 / 3, 4), "zero": 0.0, "none": None,
             "text": '引号"、反斜杠\\、换行\n、制表\t、\x01\u2028\u2029𠀀'}
    encoded = findings_json.encode(value)
    assert json.loads(encoded) == value
    assert b"\n" not in encoded  # an item is one line, whatever its text holds
    assert findings_json.encode(np.int64(3).item()) == b"3"


@pytest.mark.parametrize("waivers", [False, True])
def test_the_engines_codes_and_whole_columns_give_the_same_bytes(waived, waivers):
    # run_check hands over the engine's columns taken by code (rule, status, organisation … as distinct values and
    # codes; messages, days and counts as the unsorted column and the sorted order); the same table with every
    # column made whole — what a reader of table[name] sees — must give the same findings.json, statistics,
    # findings and exit code. With waivers the status is a whole column again (its codes found by factorising).
    from dataclasses import replace

    from compliance.engine.evaluate import Taken
    from compliance.findings.table import COLUMNS, Judgements

    result = waived if waivers else run_check([DEMO / "ledgers"], DEMO / "roster", as_of=date(2024, 11, 15))
    taken = result.judgements
    assert isinstance(taken.columns["org"], Taken) and isinstance(taken.columns["message"], Taken)
    assert isinstance(taken.columns["status"], Taken) is not waivers
    whole = Judgements({name: taken[name] for name in COLUMNS}, taken.evidence_judgement, taken.evidence_record)
    plain = replace(result, judgements=whole)
    fresh = replace(result, judgements=Judgements(dict(taken.columns), taken.evidence_judgement,
                                                  taken.evidence_record))
    written = findings_json.dumps(fresh)
    # findings.json read the codes and the findings' rows: no taken column of the fresh table was made whole but
    # the days the statistics count years from
    assert {name for name in fresh.judgements._made if isinstance(name, str)} == {"end"}
    assert written == findings_json.dumps(plain)
    assert fresh.stats == plain.stats and fresh.findings() == plain.findings()
    for fail_on in ("error", "warning"):
        assert fresh.exit_code(fail_on, fail_on_due=True) == plain.exit_code(fail_on, fail_on_due=True)
    assert fresh.exit_code("error") == 1  # the demo has violations: the comparison above is not of two zeros
    for name in ("rule", "severity", "status", "org", "person", "period"):
        codes, values = fresh.judgements.codes(name)
        assert len(set(map(str, values.tolist()))) == len(values)  # distinct: equal codes exactly where equal values
        assert values[codes].tolist() == whole[name].tolist()
    assert fresh.judgements.reported.tolist() == whole.reported.tolist()

"""findings.json written column by column (issue 20): the findings and the statistics have exactly the bytes the
json module gives their dicts — with waivers, baseline marks, people, sheets and evidence."""

from __future__ import annotations

import json
from datetime import date

import numpy as np

from compliance.findings.stats import rows
from compliance.pipeline import run_check
from compliance.render import findings_json
from compliance.render.findings_json import FindingLines, _encoded
from tests.helpers import AUGUST_WAIVER, DEMO


def _as_dicts(items: list, inner: str, outer: str) -> str:
    encode = json.JSONEncoder(ensure_ascii=False).encode
    return "".join(findings_json._items(items, encode, inner, outer)) if items else "[]"


def test_findings_and_statistics_as_the_json_module_writes_their_dicts(tmp_path):
    (tmp_path / "waivers.yaml").write_text(AUGUST_WAIVER, encoding="utf-8")
    first = run_check([DEMO / "ledgers"], DEMO / "roster", as_of=date(2024, 11, 15))
    findings_json.render(first, tmp_path)
    result = run_check([DEMO / "ledgers"], DEMO / "roster", as_of=date(2024, 12, 31),
                       waivers=tmp_path / "waivers.yaml", baseline=tmp_path / "findings.json")
    findings = result.findings()
    assert {f["baseline"] for f in findings} == {"new", "known"}
    assert any(f["waiver"] for f in findings) and any(f["person"] for f in findings)
    assert any(e["sheet"] for f in findings for e in f["evidence"])
    assert any(e["sheet"] is None for f in findings for e in f["evidence"])
    lines = FindingLines(result)
    for size in (1, 7, 20_000):  # blocks of any size join to the same text
        lines.BLOCK = size
        assert "".join(lines.pieces("    ", "  ")) == _as_dicts(findings, "    ", "  ")
    for name, columns in result.stat_columns.items():
        listed = result.stats[name]
        assert (rows(columns) if isinstance(columns, dict) else columns) == listed
        if isinstance(columns, dict):
            assert "".join(findings_json._column_items(columns, "      ", "    ", block=5)) == _as_dicts(
                listed, "      ", "    ")
    assert any("months_on_time" in item for item in result.stats["by_rule"])
    assert any("months_on_time" not in item for item in result.stats["by_rule"])
    written = json.loads(findings_json.dumps(result))
    assert written["findings"] == json.loads(json.dumps(findings, ensure_ascii=False))
    assert written["summary"]["findings"] == len(findings)


def test_a_check_early_in_the_year():
    result = run_check([DEMO / "ledgers"], DEMO / "roster", as_of=date(2024, 1, 1))
    lines = FindingLines(result)
    assert len(lines) == len(result.findings())
    assert "".join(lines.pieces("    ", "  ")) == _as_dicts(result.findings(), "    ", "  ")


def test_numbers_are_written_as_the_json_module_writes_them():
    """A float column with NaN, infinities and a negative zero (none of today's columns has them; a new one may)
    is written as json.dumps writes each value; integers as their repr."""
    floats = np.array([0.5, np.nan, np.inf, -np.inf, 0.5, 1e300, 0.1, 92.1])
    assert _encoded(floats) == [json.dumps(v) for v in floats.tolist()]
    zeros = np.array([0.0, -0.0, 1.5])
    assert _encoded(zeros) == ["0.0", "-0.0", "1.5"]
    integers = np.array([3, -1, 2**62, 3], dtype=np.int64)
    assert _encoded(integers) == [json.dumps(v) for v in integers.tolist()]

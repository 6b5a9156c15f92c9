"""The gate makes no temporary folder: the server's workers need not point ``tempfile.tempdir`` (a process-wide
setting) into each check's folder to keep great-expectations' ephemeral data-docs folders there."""

from __future__ import annotations

import tempfile

from tests.helpers import check, findings, row


def test_a_check_through_the_gate_makes_no_temporary_folder(tmp_path, monkeypatch):
    made: list[str] = []
    real = tempfile.mkdtemp

    def recorded(*args, **kwargs):
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(tempfile, "mkdtemp", recorded)  # (TemporaryDirectory makes its folder through it too)
    result = check(tmp_path, {"id": "r", "kind": "frequency", "title": "每月主题党日", "types": ["主题党日"],
                              "applies_to": {"org_types": ["党支部"]}, "period": "month", "min": 1,
                              "source": [{"doc": "2020武进", "clause": "一.3"}]},
                   [row("一支部", "2024-01-05", "主题党日"), row("二支部", "2024-01-09", "主题党日")],
                   as_of="2024-02-29", period="2024-01..2024-02")
    assert findings(result) == [("violation", "一支部", None, "2024-02", 1, 0),
                                ("violation", "二支部", None, "2024-02", 1, 0)]
    assert made == []

"""Progress: bars only on a terminal, stage timings always, the one-line summary on standard error."""

from __future__ import annotations

import re

from click.testing import CliRunner

from compliance.cli import main
from compliance.progress import Progress
from tests.helpers import DEMO

SUMMARY = re.compile(
    r"用时 \d+\.\d 秒（读取 \d+\.\d · 规范化 \d+\.\d · 数据校验 \d+\.\d · 评估 \d+\.\d · json \d+\.\d · html \d+\.\d），"
    r"内存峰值 \d+ MB"
)


def run(tmp_path, *extra):
    return CliRunner().invoke(main, ["check", str(DEMO / "ledgers"), "--roster", str(DEMO / "roster"),
                                     "--as-of", "2024-12-31", "--out", str(tmp_path), "--format", "json,html",
                                     "--fail-on", "none", *extra])


def test_the_timing_summary_is_the_last_line_on_standard_error_and_not_in_standard_output(tmp_path):
    result = run(tmp_path)
    assert result.exit_code == 0, result.output
    assert SUMMARY.fullmatch(result.stderr.strip()), result.stderr
    assert "用时" not in result.stdout
    assert result.stdout.splitlines()[-1] == f"报告（json、html）已写入 {tmp_path}/"


def test_quiet_leaves_standard_error_empty(tmp_path):
    result = run(tmp_path, "--quiet")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout.splitlines()[0].startswith("检查期间 2024，检查日 2024-12-31：6 个台账文件")


def test_bars_only_on_a_terminal_outside_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    assert Progress.for_terminal().show is True
    assert Progress.for_terminal(quiet=True).show is False
    monkeypatch.setenv("CI", "true")
    assert Progress.for_terminal().show is False
    monkeypatch.delenv("CI")
    monkeypatch.setattr("sys.stderr.isatty", lambda: False, raising=False)
    assert Progress.for_terminal().show is False


def test_a_shown_stage_draws_its_bar_on_standard_error_and_records_its_time(capsys):
    progress = Progress(show=True)
    with progress.stage("评估", total=3, unit="条规则") as tick:
        for _ in range(3):
            tick(1)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("\r评估:   0%|          | 0/3 [00:00<?, ?条规则/s]")
    assert captured.err.endswith(" \r")  # the bar is cleared when its stage ends (leave=False)
    assert [label for label, _, _ in progress.timings] == ["评估"]
    assert progress.seconds("评估") >= 0


def test_a_hidden_stage_writes_nothing_but_still_times(capsys):
    progress = Progress()
    with progress.stage("读取") as tick:
        tick(5)
    assert capsys.readouterr() == ("", "")
    label, seconds, peak = progress.timings[0]
    assert label == "读取" and seconds >= 0 and peak > 10 * 2**20

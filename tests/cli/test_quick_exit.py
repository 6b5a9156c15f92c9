"""``compliance.cli.run``: a check, validate or plan process ends without freeing what it built (``os._exit``),
after flushing what it wrote; its exit code and output are those of the command run in process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from compliance.cli import main

REPO = Path(__file__).resolve().parents[2]
DEMO = ["fixtures/demo/ledgers", "--roster", "fixtures/demo/roster"]


def _process(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "compliance", *args], cwd=REPO, capture_output=True, timeout=300)


def test_a_check_process_says_and_exits_what_the_command_does(tmp_path, monkeypatch):
    args = ["check", *DEMO, "--as-of", "2024-11-15", "--format", "json,text", "--out", str(tmp_path / "out"),
            "--quiet"]
    done = _process(args)
    written = (tmp_path / "out" / "findings.json").read_bytes()
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(main, args)
    assert done.returncode == result.exit_code == 1, done.stderr.decode()
    assert done.stdout == result.stdout_bytes  # the text format's lines, then the summary: all flushed
    assert len(done.stdout.decode().splitlines()) > 20
    assert (tmp_path / "out" / "findings.json").read_bytes() == written


def test_validate_and_an_error_exit_as_before(tmp_path):
    done = _process(["validate", *DEMO, "--as-of", "2024-11-15", "--format", "json"])
    assert done.returncode == 1, done.stderr.decode()  # (the demo has rejected rows)
    assert json.loads(done.stdout)["quality_gate"][-1]["column"] == "会前说纪"  # the whole document, flushed
    missing = _process(["check", str(tmp_path / "没有"), "--out", str(tmp_path / "out")])
    assert missing.returncode == 2
    assert "不存在" in missing.stderr.decode()

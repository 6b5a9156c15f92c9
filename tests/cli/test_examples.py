"""The example CI pipelines in examples/ run as written: their compliance commands, replayed in a repository laid
out as the comments describe (台账/, 名册.xlsx, waivers.yaml, baseline/), write the files the next steps upload."""

import csv
import os
import re
import shlex
import shutil
from pathlib import Path

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from compliance.cli import main
from tests.helpers import AUGUST_WAIVER

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "fixtures" / "demo"


def commands(workflow: dict) -> list[list[str]]:
    """Every ``compliance`` command line of a GitHub or GitLab workflow, split as the shell would."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str):
            for line in node.replace("\\\n", " ").splitlines():
                if line.strip().startswith("compliance "):
                    found.append(shlex.split(line)[1:])

    walk(workflow)
    return found


def uploaded(workflow: dict) -> set[str]:
    """The report files later steps pick up (SARIF upload, JUnit report)."""
    text = yaml.safe_dump(workflow, allow_unicode=True)
    return set(re.findall(r"reports/[\w.]+\.(?:sarif|xml)", text))


@pytest.fixture
def district(tmp_path):
    """A ledger repository as the examples expect it, built from the demo district."""
    shutil.copytree(DEMO / "ledgers", tmp_path / "台账")
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name in ("组织", "领导干部"):
        sheet = book.create_sheet(name)
        with (DEMO / "roster" / f"{name}.csv").open(encoding="utf-8") as handle:
            for row in csv.reader(handle):
                sheet.append(row)
    book.save(tmp_path / "名册.xlsx")
    (tmp_path / "waivers.yaml").write_text(AUGUST_WAIVER, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml"])
def test_the_example_pipeline_runs_as_written(district, name):
    workflow = yaml.safe_load((REPO / "examples" / name).read_text(encoding="utf-8"))
    (args,) = commands(workflow)
    assert args[0] == "check"
    runner = CliRunner()
    cwd = os.getcwd()
    os.chdir(district)
    try:
        # the baseline, written as the comment in examples/github-actions.yml says
        first = runner.invoke(main, ["check", "台账/", "--roster", "名册.xlsx", "--format", "json", "--out", "baseline",
                                     "--as-of", "2024-12-31"])
        assert first.exit_code == 1, first.output
        result = runner.invoke(main, [*args, "--as-of", "2024-12-31"])
    finally:
        os.chdir(cwd)
    # nothing is new since the baseline (the waived finding is new, but a waived finding never fails)
    assert result.exit_code == 0, result.output
    assert "与基线 baseline/findings.json（检查日 2024-12-31）相比：新增 1 项，已知 20 项，已整改 0 项。" in result.output
    reports = district / "reports"
    for path in uploaded(workflow):
        assert (district / path).is_file(), path
    assert uploaded(workflow) == {"github-actions.yml": {"reports/findings.sarif"},
                                  "gitlab-ci.yml": {"reports/findings.xml"}}[name]
    assert (reports / "index.html").is_file() and (reports / "findings.json").is_file()
    assert "问题清单（检查期间 2024，检查日 2024-12-31）：" in result.output

"""Atomic output: a failed or interrupted run leaves the previous reports intact; nothing else in --out is touched."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli import main
from compliance.render import FORMATS
from compliance.render.staging import MANIFEST, OURS
from tests.helpers import DEMO


def run(out, *extra):
    return CliRunner().invoke(main, ["check", str(DEMO / "ledgers"), "--roster", str(DEMO / "roster"),
                                     "--as-of", "2024-11-15", "--out", str(out), "--fail-on", "none", "--quiet",
                                     *extra])


def snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def siblings(out):
    return sorted(p.name for p in out.parent.iterdir() if p.name != out.name)


@pytest.fixture
def previous(tmp_path):
    """A folder with a finished run's reports, and a file of the user's own."""
    out = tmp_path / "reports"
    out.mkdir()
    (out / ".gitkeep").write_text("")
    (out / "说明.txt").write_text("本文件夹由 compliance 生成", encoding="utf-8")
    assert run(out, "--format", "json,html").exit_code == 0
    return out


def failing_xlsx(monkeypatch, error):
    """findings.xlsx writes half a file, then fails as a full disk or Ctrl-C would."""
    def render(result, out_dir):
        (out_dir / "findings.xlsx").write_bytes(b"PK\x03\x04 half")
        raise error

    monkeypatch.setattr(FORMATS["xlsx"], "render", render)


def test_a_full_disk_leaves_the_previous_reports_intact_and_no_partial_set(previous, monkeypatch):
    before = snapshot(previous)
    failing_xlsx(monkeypatch, OSError(errno.ENOSPC, "No space left on device"))
    result = run(previous, "--format", "json,html,xlsx", "--as-of", "2024-12-31")
    assert result.exit_code == 2
    assert result.output == f"错误：无法把报告写入 {previous}：磁盘空间不足\n"  # --out, never the staging folder
    assert snapshot(previous) == before  # not even the new findings.json, written before xlsx failed
    assert siblings(previous) == []
    assert not [p for p in previous.iterdir() if p.name.startswith(".compliance-") and p.is_dir()]  # staging gone


def test_ctrl_c_while_writing_leaves_the_previous_reports_intact(previous, monkeypatch):
    before = snapshot(previous)
    failing_xlsx(monkeypatch, KeyboardInterrupt())
    result = run(previous, "--format", "json,html,xlsx")
    assert result.exit_code == 1 and result.output == "\n已中止。\n"
    assert snapshot(previous) == before
    assert siblings(previous) == []


def test_a_killed_runs_staging_folder_is_swept_by_the_next_run(previous):
    dead = previous / ".compliance-new-999999999-abc"  # no such process
    dead.mkdir()
    (dead / "findings.json").write_text("{}")
    alive = previous / f".compliance-old-{os.getppid()}-abc"  # a run still going: left alone
    alive.mkdir()
    beside = previous.parent / ".reports.new-999999999-abc"  # where earlier versions staged
    beside.mkdir()
    assert run(previous, "--format", "json").exit_code == 0
    assert siblings(previous) == []
    assert sorted(p.name for p in previous.iterdir() if p.is_dir()) == [alive.name]


def test_out_on_another_file_system_is_published_by_renames_inside_it(previous, monkeypatch):
    """A mount point, a Docker volume, a USB stick: a rename from outside --out into it fails (EXDEV). The run
    stages inside --out, so it never needs one."""
    from compliance.render import staging

    rename = os.replace

    def across_devices(src, dst):
        inside = [previous.resolve() in Path(p).resolve().parents for p in (src, dst)]
        if not all(inside):  # --out is the mount point: only renames within it work
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        rename(src, dst)

    monkeypatch.setattr(staging.os, "replace", across_devices)
    result = run(previous, "--format", "json,html", "--as-of", "2024-12-31")
    assert result.exit_code == 0, result.output
    assert '"as_of":"2024-12-31"' in (previous / "findings.json").read_text(encoding="utf-8")
    assert not [p for p in previous.iterdir() if p.name.startswith(".compliance-") and p.is_dir()]


def test_a_rerun_replaces_exactly_what_the_previous_run_wrote(previous):
    assert (previous / MANIFEST).read_text(encoding="utf-8") == "findings.json\nindex.html\norgs\n"
    assert run(previous, "--format", "json,xlsx").exit_code == 0
    names = sorted(p.name for p in previous.iterdir())
    # the HTML of the earlier run is gone (it was ours), the user's files stay
    assert names == [".compliance-manifest", ".gitkeep", "findings.json", "findings.xlsx", "说明.txt"]
    assert (previous / "说明.txt").read_text(encoding="utf-8") == "本文件夹由 compliance 生成"


def test_the_names_a_run_may_replace_are_what_the_formats_write():
    from compliance.render import html

    written = {module.FILENAME for module in FORMATS.values() if hasattr(module, "FILENAME")} | {html.PAGES}
    assert written == OURS


def test_a_rerun_of_findings_json_imports_no_other_format(previous):
    """Publishing reads the previous run's manifest without importing the formats that wrote it (the pages'
    module, the workbook's and openpyxl: jinja2 comes with great-expectations anyway)."""
    code = ("import sys; from click.testing import CliRunner; from compliance.cli import main; "
            f"result = CliRunner().invoke(main, ['check', {str(DEMO / 'ledgers')!r}, '--roster', "
            f"{str(DEMO / 'roster')!r}, '--as-of', '2024-11-15', '--out', {str(previous)!r}, '--format', 'json', "
            "'--fail-on', 'none', '-q']); assert result.exit_code == 0, result.output; "
            "print(sorted({'openpyxl', 'compliance.render.html', 'compliance.render.xlsx', 'compliance.render.sarif', "
            "'compliance.render.junit', 'compliance.render.markdown'} & set(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.stdout == "[]\n", done.stderr
    assert (previous / MANIFEST).read_text(encoding="utf-8") == "findings.json\n"
    assert not (previous / "index.html").exists() and (previous / "说明.txt").exists()


def test_rerunning_is_idempotent(previous):
    first = snapshot(previous)
    assert run(previous, "--format", "json,html").exit_code == 0
    assert snapshot(previous) == first


def test_out_as_the_working_folder_touches_nothing_but_the_reports(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "台账.csv").write_text("组织,日期\n", encoding="utf-8")
    (tmp_path / MANIFEST).write_text("../escape\n台账.csv\n台账.csv/..\n..\n", encoding="utf-8")  # hostile
    assert run(".", "--format", "json").exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [MANIFEST, "findings.json", "台账.csv"]
    assert (tmp_path / "台账.csv").read_text(encoding="utf-8") == "组织,日期\n"

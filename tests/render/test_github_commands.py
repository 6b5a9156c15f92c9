"""Ledger text never becomes a GitHub Actions workflow command.

The runner reads a step's standard output and error line by line (a line ends at CR, LF or CRLF) and takes a line
for a command when, after leading white space, it begins with ``::name`` of a registered command — or when it holds
``##[name`` anywhere (the older syntax, still parsed when the first fails). ``runner_commands`` does what
actions/runner's ``ActionCommand.TryParseV2``/``TryParse`` do; the test feeds every command the runner registers,
in both syntaxes, through every field of a ledger that reaches the output, and only the tool's own annotations may
come out as commands.
"""

import re
import shutil
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli import main

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "fixtures" / "demo"

# every command the runner registers (ActionCommandManager and its extensions)
REGISTERED = ["stop-commands", "set-env", "set-output", "save-state", "add-mask", "add-path", "add-matcher",
              "remove-matcher", "debug", "warning", "error", "notice", "group", "endgroup", "echo"]


def _net_white_space(ch: str) -> bool:
    """.NET's char.IsWhiteSpace, which string.TrimStart uses."""
    return unicodedata.category(ch) in ("Zs", "Zl", "Zp") or ch in "\t\n\v\f\r\x85\xa0"


def _unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def runner_commands(log: str) -> list[tuple[str, dict[str, str], str]]:
    """(command, properties, data) of every line of ``log`` the runner would take for a workflow command."""
    found = []
    for line in re.split("\r\n|\r|\n", log):
        trimmed = line
        while trimmed and _net_white_space(trimmed[0]):
            trimmed = trimmed[1:]
        if trimmed.startswith("::") and (end := trimmed.find("::", 2)) >= 0:
            name, _, props = trimmed[2:end].partition(" ")
            if name.lower() in REGISTERED:
                properties = dict(p.split("=", 1) for p in props.strip().split(",") if "=" in p)
                found.append((name, properties, _unescape_data(trimmed[end + 2:])))
                continue
        if (start := line.find("##[")) >= 0 and (close := line.find("]", start)) >= 0:
            name = line[start + 3:close].split(" ")[0]
            if name.lower() in REGISTERED:
                found.append((name, {}, line[close + 1:]))
    return found


def test_the_runner_model_finds_both_syntaxes():
    assert runner_commands("a\n  ::add-mask::2024\r::stop-commands::t\r\nx ##[set-output name=a]b\n::nope::c") == [
        ("add-mask", {}, "2024"), ("stop-commands", {}, "t"), ("set-output", {}, "b")]
    assert runner_commands("\u3000::debug::x\n\u200b::debug::x\n::error file=a%2Cb.csv,line=3::m%0An") == [
        ("debug", {}, "x"), ("error", {"file": "a%2Cb.csv", "line": "3"}, "m\nn")]


def payloads() -> list[str]:
    """Every registered command after each kind of line break (and after white space the runner trims), and in the
    older syntax anywhere in a line."""
    out = []
    for i, name in enumerate(REGISTERED):
        brk = ["\n", "\r", "\r\n", "\n \u3000"][i % 4]
        out.append(f"{brk}::{name}::2024")
        out.append(f"备注##[{name}]2024")
    return out


def hostile_ledger(folder: Path) -> list[str]:
    """A branch's meeting export (a title row, phrases for headers) whose type, date, branch and attendance cells
    carry the payloads, in a file whose name carries one too; returns them."""
    attacks = payloads()
    lines = ["实验小学教工党支部2024年组织生活记录（导出）", "所在党支部,实际会议时间,会议类型,会议议题,主持人姓名,应到人数,实到人数"]
    for i, attack in enumerate(attacks):
        field = i % 4
        cells = ["实小教工党支部", f"2024-03-{i % 28 + 1:02d}", "支委会", f"研究3月工作{i}", "王 芳", "5", "5"]
        cells[[2, 1, 0, 6][field]] = ["支委会", "2024-03-05", "实小教工党支部", "5"][field] + attack
        lines.append(",".join('"' + c.replace('"', '""') + '"' for c in cells))
    name = "教工支部\n::add-mask::2024##[add-mask]x台账.csv"
    (folder / name).write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return attacks


@pytest.fixture
def hostile_run(tmp_path, monkeypatch):
    ledgers = tmp_path / "台账"
    shutil.copytree(DEMO / "ledgers", ledgers)
    attacks = hostile_ledger(ledgers)
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "waivers:\n  - rule: theme-day-monthly\n    orgs: [第一中学第一党支部]\n    from: 2024-01\n    to: 2024-12\n"
        '    reason: "暑期培训\\n::add-mask::2024 ##[stop-commands]t"\n'
        '    approved_by: "第一中学党委\\r::set-output name=x::y"\n', encoding="utf-8")
    summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "台账", "--roster", str(DEMO / "roster"), "--as-of", "2024-12-31",
                                       "--waivers", str(waivers), "--out", str(tmp_path / "out"),
                                       "--format", "github,text,markdown"])
    assert result.exit_code == 1, result.output
    return result.output, attacks


def test_no_ledger_text_becomes_a_workflow_command(hostile_run):
    output, attacks = hostile_run
    commands = runner_commands(output)
    # only the tool's own annotations: the demo's error violations and the rejected rows fill their levels
    levels = [name for name, _, _ in commands]
    assert levels == ["error"] * 10 + ["warning"] * 10 + ["notice"] * 10
    assert len([line for line in output.split("\n") if line.startswith("::")]) == 30
    # the payloads did reach the log: every one of them, in the annotations and the plain lines below them
    for attack in attacks:
        shown = attack.replace("\r", "%0D").replace("\n", "%0A").replace("##[", "##%5B")
        assert shown in output, attack
    # an annotation's text is the cell as written: GitHub unescapes %0A back to the line break it shows
    messages = [data for name, _, data in commands if name == "warning"]
    assert "列“类型”：未知的活动类型“支委会 ::stop-commands::2024”（值：支委会\n::stop-commands::2024）" in messages


def test_plain_lines_hold_the_escaped_cell_exactly(hostile_run):
    output, _ = hostile_run
    lines = output.split("\n")
    # a rejected row past the 10th warning, in the github format's plain lines: GitHub's own escapes
    assert lines[lines.index("未作为注释显示的 26 条：") + 8] == (
        "  [警告] 文件 教工支部%0A::add-mask::2024##%5Badd-mask]x台账.csv，第 15 行：列“类型”："
        "未知的活动类型“支委会 ::add-mask::2024”（值：支委会%0A::add-mask::2024）")
    # the same row in --format text: one line, the break shown as ⏎; ##[ broken there too, this being a github run
    assert ("  文件 教工支部⏎::add-mask::2024##%5Badd-mask]x台账.csv，第 15 行，列“类型”："
            "未知的活动类型“支委会 ::add-mask::2024”（值：支委会⏎::add-mask::2024）") in lines
    # the waiver's reason and approver, from the waivers file, in a notice and in the text listing
    assert ("      豁免第 1 项：暑期培训⏎::add-mask::2024 ##%5Bstop-commands]t（批准：第一中学党委⏎::set-output name=x::y）"
            in lines)


def test_a_message_on_standard_error_is_guarded_too(tmp_path, monkeypatch):
    bad = tmp_path / "台账"
    bad.mkdir()
    (bad / "支部\n::add-mask::2024.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "台账", "--format", "github", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "::add-mask::2024" in result.output
    assert runner_commands(result.output) == []



def test_validate_lists_each_row_on_one_line_and_in_a_github_step_runs_no_command(tmp_path, monkeypatch):
    """compliance validate in a CI step: its listing is read line by line too."""
    folder = tmp_path / "台账"
    folder.mkdir()
    hostile_ledger(folder)
    args = ["validate", str(folder), "--roster", str(DEMO / "roster"), "--as-of", "2024-12-31"]
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    plain = CliRunner().invoke(main, args)
    assert plain.exit_code == 1, plain.output
    assert ("  文件 教工支部⏎::add-mask::2024##[add-mask]x台账.csv，第 3 行，列“类型”：未知的活动类型“支委会 ::stop-commands::2024”"
            "（值：支委会⏎::stop-commands::2024）") in plain.output.splitlines()
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    in_github = CliRunner().invoke(main, args)
    assert in_github.exit_code == 1, in_github.output
    assert runner_commands(in_github.output) == []
    assert ("  文件 教工支部%0A::add-mask::2024##%5Badd-mask]x台账.csv，第 3 行，列“类型”：未知的活动类型“支委会 ::stop-commands::2024”"
            "（值：支委会%0A::stop-commands::2024）") in in_github.output.splitlines()

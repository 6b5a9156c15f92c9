"""click's own help and usage errors in Chinese: exact lines, exit codes, and no English left over."""

import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from compliance import __version__
from compliance.cli import main
from compliance.cli.chinese import ChineseCommand, ChinesePath, option

REPO = Path(__file__).resolve().parents[2]
ENGLISH = ("Usage:", "Error:", "Options:", "Commands:", "Show this message", "Show the version", "Try '",
           "[default", "[required]", "Invalid value", "No such", "Missing", "Aborted")


def _invoke(args, command=main):
    result = CliRunner().invoke(command, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    for english in ENGLISH:
        assert english not in result.output, result.output
    return result


def _usage_error(args, *lines, command=main):
    """A usage error: exit code 2, nothing on stdout, exactly these lines on stderr."""
    result = _invoke(args, command)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.splitlines() == list(lines)


CHECK = ("用法：compliance check [选项] PATHS...", "（提示：运行 “compliance check -h” 查看帮助）")
GROUP = ("用法：compliance [选项] 命令 [参数]...", "（提示：运行 “compliance -h” 查看帮助）")


def test_unknown_option_with_a_suggestion():
    _usage_error(["check", "x", "--as-off", "2024-01-01"], *CHECK, "错误：没有选项 --as-off，是否想用：--as-of？")


def test_unknown_short_option():
    _usage_error(["check", "x", "-Z"], *CHECK, "错误：没有选项 -Z")


def test_missing_argument():
    _usage_error(["check"], *CHECK, "错误：缺少参数 PATHS")


def test_invalid_choice():
    _usage_error(["check", "x", "--fail-on", "bad"], *CHECK,
                 "错误：参数 --fail-on 的值无效：“bad”不在可选值中：error、warning、none")


def test_option_without_its_value_at_the_end():
    _usage_error(["check", "x", "--out"], *CHECK, "错误：选项 --out 需要一个值")


def test_flag_given_a_value():
    _usage_error(["check", "x", "--quiet=yes"], *CHECK, "错误：选项 --quiet 不接受值")


def test_unknown_command():
    _usage_error(["nope"], *GROUP, "错误：没有命令“nope”")


def test_unknown_command_with_a_suggestion():
    _usage_error(["chek", "x"], *GROUP, "错误：没有命令“chek”，是否想用：check？")


def test_no_command_after_the_options():
    _usage_error(["--"], *GROUP, "错误：缺少命令")


def test_extra_argument():
    _usage_error(["template", "a.xlsx", "b.xlsx"],
                 "用法：compliance template [选项] OUT", "（提示：运行 “compliance template -h” 查看帮助）",
                 "错误：多余的参数：b.xlsx")


def test_the_projects_own_message_keeps_its_text_in_the_chinese_frame():
    _usage_error(["check", "x", "--as-of", "2024-13-01"], *CHECK,
                 "错误：参数 --as-of 的值无效：“2024-13-01”不是有效日期，应写作 YYYY-MM-DD（如 2024-12-31）")


def test_a_bad_parameter_raised_inside_the_command():
    _usage_error(["check", str(REPO / "fixtures" / "demo" / "ledgers"), "--format", "pdf"], *CHECK,
                 "错误：参数 --format 的值无效：未知的格式 pdf，可选：json、html、xlsx、junit、sarif、markdown、github、text")


def test_a_directory_where_a_file_is_expected(tmp_path):
    _usage_error(["template", str(tmp_path)],
                 "用法：compliance template [选项] OUT", "（提示：运行 “compliance template -h” 查看帮助）",
                 f"错误：参数 OUT 的值无效：“{tmp_path}”是文件夹，应为文件")


@click.command("demo", cls=ChineseCommand, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("source", type=ChinesePath(exists=True))
@option("--name", required=True, help="名称。")
def demo(source, name):
    """演示。"""


def test_a_path_that_does_not_exist_and_a_missing_required_option(tmp_path):
    frame = ("用法：demo [选项] SOURCE", "（提示：运行 “demo -h” 查看帮助）")
    _usage_error([str(tmp_path / "无")], *frame, f"错误：参数 SOURCE 的值无效：路径“{tmp_path / '无'}”不存在",
                 command=demo)
    _usage_error([str(tmp_path)], *frame, "错误：缺少选项 --name", command=demo)
    result = _invoke(["-h"], demo)
    assert result.exit_code == 0
    assert "  --name TEXT  名称。  [必填]" in result.output.splitlines()


def test_check_help_is_chinese():
    result = _invoke(["check", "-h"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "用法：compliance check [选项] PATHS..."
    assert "选项：" in lines
    assert any(line.startswith("  --out DIRECTORY ") and line.endswith("报告输出文件夹。  [默认：reports]")
               for line in lines), result.output
    assert any(line.endswith("[默认：error]") for line in lines)
    assert any(line.startswith("  -h, --help ") and line.endswith("显示此帮助并退出。") for line in lines)


def test_group_help_is_chinese():
    result = _invoke(["-h"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "用法：compliance [选项] 命令 [参数]..."
    assert "选项：" in lines and "命令：" in lines
    assert "  -V, --version  显示版本并退出。" in lines
    assert "  -h, --help     显示此帮助并退出。" in lines
    assert any(line.startswith("  check ") for line in lines)


def test_no_arguments_print_the_chinese_help_like_click():
    result = _invoke([])
    assert result.exit_code == 2  # click's no_args_is_help: the help, as a usage error
    assert result.stderr.splitlines()[0] == "用法：compliance [选项] 命令 [参数]..."
    assert "命令：" in result.stderr.splitlines()


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(flag):
    result = _invoke([flag])
    assert result.exit_code == 0
    assert result.output == f"compliance {__version__}\n"


def test_ctrl_c_aborts_in_chinese(monkeypatch):
    import compliance.engine.kinds

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(compliance.engine.kinds, "load_catalogue", interrupted)
    result = _invoke(["rules"])
    assert result.exit_code == 1
    assert result.stderr == "\n已中止。\n"


def test_without_standalone_mode_click_exceptions_reach_the_caller():
    with pytest.raises(click.NoSuchOption) as caught:
        main.main(["check", "x", "--as-off", "2024-01-01"], prog_name="compliance", standalone_mode=False)
    assert caught.value.possibilities == ["--as-of"]


def test_help_does_not_import_the_heavy_modules():
    code = ("import sys; from click.testing import CliRunner; from compliance.cli import main; "
            "assert CliRunner().invoke(main, ['check', '-h']).exit_code == 0; "
            "heavy = {'pandas', 'numpy', 'great_expectations', 'dask', 'openpyxl'} & set(sys.modules); "
            "assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_the_gate_helper_starts_before_numpy_is_imported_with_as_of_given(tmp_path):
    """``--as-of`` is read without importing the engine: the check starts the gate's helper (to import
    great-expectations on the other core) with nothing heavy imported yet."""
    code = ("import sys, os; from compliance.intake import expectations; "
            "expectations.start_helper = lambda paths: (print(sorted({'numpy', 'pandas'} & set(sys.modules))), "
            "os._exit(0)); "
            "from compliance.cli import main; main(['check', 'fixtures/demo/ledgers', '--as-of', '2024-12-31'])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.stdout == "[]\n", done.stderr


@pytest.mark.parametrize("text", ["2024-12-31", "2024-02-29", "20241231"])
def test_as_of_reads_a_date_as_parse_as_of_reads_it(text):
    from compliance.cli.commands import _as_of
    from compliance.engine.periods import parse_as_of

    assert _as_of(None, None, text) == parse_as_of(text)


@pytest.mark.parametrize("text", ["2023-02-29", "2024-13-01", "2024-1-5", "２０２４-１２-３１", " 2024-12-31"])
def test_as_of_refuses_what_parse_as_of_refuses_with_its_message(text):
    from compliance.cli.commands import _as_of
    from compliance.engine.periods import parse_as_of
    from compliance.errors import InputError

    with pytest.raises(InputError) as refused:
        parse_as_of(text)
    with pytest.raises(click.BadParameter) as bad:
        _as_of(None, None, text)
    assert bad.value.message == refused.value.message == f"“{text}”不是有效日期，应写作 YYYY-MM-DD（如 2024-12-31）"

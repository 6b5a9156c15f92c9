"""click in Chinese: help headings, option extras and usage errors, built on click's public hooks
(formatter_class, context_class, command_class, an Option class, ParamType subclasses, Command.main).

Only an error not foreseen in ``_usage_message`` still shows click's own (English) message, after “错误：”.
"""

from __future__ import annotations

import functools
import os
import stat
import sys
from typing import TYPE_CHECKING

import click
from click.exceptions import NoArgsIsHelpError


class ChineseFormatter(click.HelpFormatter):
    """“用法：” as the usage prefix; headings end in a full-width colon (“选项：”)."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "用法：" if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")


class ChineseContext(click.Context):
    formatter_class = ChineseFormatter


class ChineseOption(click.Option):
    """An option whose help ends in “[默认：X]” / “[必填]” instead of click's “[default: X]” / “[required]”."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        record = super().get_help_record(ctx)
        if record is None:
            return None
        extra = self.get_help_extra(ctx)
        items = []
        if "envvars" in extra:
            items.append(f"环境变量：{'、'.join(extra['envvars'])}")
        if "default" in extra:
            items.append(f"默认：{extra['default']}")
        if "range" in extra:
            items.append(extra["range"])
        if "required" in extra:
            items.append("必填")
        text = self.help or ""
        if items:
            text = f"{text}  [{'；'.join(items)}]" if text else f"[{'；'.join(items)}]"
        return record[0], text


option = functools.partial(click.option, cls=ChineseOption)


class ChineseChoice(click.Choice):
    def get_invalid_choice_message(self, value, ctx) -> str:
        return f"“{value}”不在可选值中：{'、'.join(map(str, self.choices))}"


class ChinesePath(click.Path):
    """click.Path whose complaints (does not exist, is a directory, …) are in Chinese."""

    def convert(self, value, param, ctx):
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as exc:
            self.fail(self._problem(value) or exc.message, param, ctx)

    def _problem(self, value) -> str | None:
        name = "文件" if not self.dir_okay else "文件夹" if not self.file_okay else "路径"
        shown = os.fsdecode(value)
        try:
            mode = os.stat(os.path.realpath(value) if self.resolve_path else value).st_mode
        except OSError:
            return f"{name}“{shown}”不存在"
        if not self.file_okay and stat.S_ISREG(mode):
            return f"“{shown}”是文件，应为文件夹"
        if not self.dir_okay and stat.S_ISDIR(mode):
            return f"“{shown}”是文件夹，应为文件"
        for wanted, access, problem in ((self.readable, os.R_OK, "不可读"), (self.writable, os.W_OK, "不可写"),
                                        (self.executable, os.X_OK, "不可执行")):
            if wanted and not os.access(value, access):
                return f"{name}“{shown}”{problem}"
        return None


class ExtraArguments(click.UsageError):
    """Arguments left over after parsing (click's “Got unexpected extra arguments”)."""

    def __init__(self, extra: list[str], ctx: click.Context) -> None:
        super().__init__(f"多余的参数：{' '.join(map(str, extra))}", ctx)
        self.extra = list(extra)


if TYPE_CHECKING:
    _Mixed = click.Command  # what the mixin is mixed into: its super() is click's Command or Group
else:
    _Mixed = object


class _ChineseParts(_Mixed):
    """What click.Command and click.Group share: usage metavar, help option, “选项” section, parse errors, and
    main(): click's standalone mode with usage errors shown as 用法 / 提示 / 错误 (exit code 2)."""

    context_class: type[click.Context] = ChineseContext

    def __init__(self, *args, options_metavar: str | None = "[选项]", **kwargs) -> None:
        kwargs["options_metavar"] = options_metavar
        super().__init__(*args, **kwargs)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        help_option = super().get_help_option(ctx)
        if help_option is not None:
            help_option.help = "显示此帮助并退出。"
        return help_option

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        records = [record for param in self.get_params(ctx) if (record := param.get_help_record(ctx))]
        if records:
            with formatter.section("选项"):
                formatter.write_dl(records)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Extra arguments are allowed while click parses and refused here, so that the error carries them
        # (click's own refusal is a bare English message). Parser errors raised without a context get this one.
        allowed = ctx.allow_extra_args
        ctx.allow_extra_args = True
        try:
            rest = super().parse_args(ctx, args)
        except click.UsageError as exc:
            if exc.ctx is None:
                exc.ctx, exc.cmd = ctx, ctx.command
            raise
        finally:
            ctx.allow_extra_args = allowed
        if rest and not allowed and not ctx.resilient_parsing:
            raise ExtraArguments(rest, ctx)
        return rest

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        # click's standalone mode, with its messages in Chinese
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except NoArgsIsHelpError as exc:  # `compliance` alone: the (Chinese) help, exit code 2 as in click
            exc.show()
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            _show_usage_error(exc)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            show_error(exc.format_message())
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("已中止。", err=True)
            sys.exit(1)
        # without standalone mode click returns ctx.exit()'s code (--help, --version) or the command's result
        sys.exit(result if isinstance(result, int) else 0)


def show_error(message: str) -> None:
    """“错误：…” on standard error and, when the manual's 常见问题 explains the message, a line saying where."""
    from compliance.manual import pointer

    click.echo(f"错误：{message}", err=True)
    if explained := pointer(message):
        click.echo(explained, err=True)


class ChineseCommand(_ChineseParts, click.Command):
    """Every command of the group (Group.command_class)."""


class ChineseGroup(_ChineseParts, click.Group):
    """The command group: “命令 [参数]...” in its usage line and a “命令” section in its help."""

    command_class = ChineseCommand
    group_class = type

    def __init__(self, *args, subcommand_metavar: str | None = "命令 [参数]...", **kwargs) -> None:
        super().__init__(*args, subcommand_metavar=subcommand_metavar, **kwargs)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_options(ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        commands = [(name, command) for name in self.list_commands(ctx)
                    if (command := self.get_command(ctx, name)) is not None and not command.hidden]
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            with formatter.section("命令"):
                formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in commands])

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            # the one bare UsageError click raises for the group itself before a command is chosen (`compliance --`)
            if type(exc) is click.UsageError and exc.ctx is ctx and ctx.invoked_subcommand is None:
                raise click.UsageError("缺少命令", ctx) from None
            raise


def _show_usage_error(exc: click.UsageError) -> None:
    ctx = exc.ctx
    lines = []
    if ctx is not None:
        lines.append(ctx.get_usage())
        names = ctx.command.get_help_option_names(ctx)
        if names and ctx.command.get_help_option(ctx) is not None:
            lines.append(f"（提示：运行 “{ctx.command_path} {min(names, key=len)}” 查看帮助）")
    lines.append(f"错误：{_usage_message(exc)}")
    click.echo("\n".join(lines), err=True, color=ctx.color if ctx is not None else None)


def _usage_message(exc: click.UsageError) -> str:
    """click's usage errors in Chinese, from their type and attributes; click's message for anything else."""
    if isinstance(exc, click.MissingParameter):
        kind = exc.param_type or (exc.param.param_type_name if exc.param is not None else "parameter")
        text = f"缺少{'选项' if kind == 'option' else '参数'}"
        name = _param_name(exc)
        if name:
            text += f" {name}"
        if exc.message:
            text += f"：{exc.message}"
        if exc.param is not None and isinstance(exc.param.type, click.Choice):
            text += f"，可选：{'、'.join(map(str, exc.param.type.choices))}"
        return text
    if isinstance(exc, click.BadParameter):
        name = _param_name(exc)
        return f"参数 {name} 的值无效：{exc.message}" if name else f"值无效：{exc.message}"
    if isinstance(exc, click.NoSuchOption):
        return f"没有选项 {exc.option_name}{_did_you_mean(exc.possibilities)}"
    if isinstance(exc, click.NoSuchCommand):
        return f"没有命令“{exc.command_name}”{_did_you_mean(exc.possibilities)}"
    if isinstance(exc, click.BadOptionUsage):
        used = _option_named(exc.ctx, exc.option_name)
        if used is not None:
            if used.is_flag or used.count:
                return f"选项 {exc.option_name} 不接受值"
            return f"选项 {exc.option_name} 需要{'一个值' if used.nargs == 1 else f' {used.nargs} 个值'}"
    return exc.format_message()


def _param_name(exc: click.BadParameter) -> str | None:
    if exc.param_hint is not None:
        return exc.param_hint if isinstance(exc.param_hint, str) else " / ".join(exc.param_hint)
    if exc.param is None:
        return None
    if isinstance(exc.param, click.Argument):
        return exc.param.human_readable_name
    return " / ".join(exc.param.opts)


def _did_you_mean(possibilities) -> str:
    return f"，是否想用：{'、'.join(possibilities)}？" if possibilities else ""


def _option_named(ctx: click.Context | None, name: str) -> click.Option | None:
    if ctx is None:
        return None
    for param in ctx.command.get_params(ctx):
        if isinstance(param, click.Option) and name in (*param.opts, *param.secondary_opts):
            return param
    return None

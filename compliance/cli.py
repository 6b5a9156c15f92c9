"""The ``compliance`` command: a thin click layer over compliance.pipeline.

Commands parse options, call one library function and turn ``InputError`` into a Chinese message with exit
code 2. Heavy modules (pandas, the engine, great-expectations) are imported inside the commands so that
``compliance --help`` answers at once.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from compliance import __version__
from compliance.errors import InputError

EXIT_CODES = "退出码：0 没有达到 --fail-on 级别的违规；1 有；2 输入或用法错误。"


class UserError(click.ClickException):
    """A domain error shown as “错误：…” with exit code 2."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"错误：{self.format_message()}", err=True)


def _as_of(ctx, param, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"“{value}”不是有效日期，应写作 YYYY-MM-DD（如 2024-12-31）") from None


def rules_option(function):
    return click.option(
        "--rules",
        "rules",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="规则文件（默认：内置 rules.yaml）。",
    )(function)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="compliance", message="%(prog)s %(version)s")
def main() -> None:
    """检查党组织活动台账是否符合党建制度规定。

    \b
    例：
      compliance check fixtures/demo/ledgers --roster fixtures/demo/roster --as-of 2024-12-31
      compliance rules
    """


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--roster", required=True, type=click.Path(path_type=Path),
              help="名册：含“组织”“领导干部”两个工作表的 xlsx，或含 组织.csv、领导干部.csv 的文件夹。")
@rules_option
@click.option("--as-of", "as_of", callback=_as_of, metavar="YYYY-MM-DD", help="检查日（默认：今天）。")
@click.option("--period", metavar="2024|2024-01..2024-06", help="检查期间，按整月（默认：检查日所在年度）。")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("reports"),
              show_default=True, help="报告输出文件夹。")
@click.option("--format", "formats", default="json,html", show_default=True, metavar="json,html",
              help="输出格式，可用逗号分隔多个。")
@click.option("--fail-on", type=click.Choice(["error", "warning", "none"]), default="error", show_default=True,
              help="达到该严重程度的违规时以退出码 1 结束。")
def check(paths, roster, rules, as_of, period, out, formats, fail_on) -> None:
    """检查台账并写出报告（findings.json、index.html 和每个组织的页面）。

    PATHS 是台账文件或文件夹（递归查找 .csv、.xlsx、.xlsm、.xls、.ods）。

    \b
    例：
      compliance check fixtures/demo/ledgers --roster fixtures/demo/roster --as-of 2024-11-15
      compliance check 台账/ --roster 名册.xlsx --period 2024-01..2024-06 --fail-on warning

    退出码：0 没有达到 --fail-on 级别的违规；1 有；2 输入或用法错误。
    """
    from compliance.periods import parse_period
    from compliance.pipeline import run_check
    from compliance.render import FORMATS

    chosen = [f.strip() for f in formats.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise click.BadParameter(f"未知的格式 {'、'.join(unknown) or '（空）'}，可选：{'、'.join(FORMATS)}",
                                 param_hint="--format")
    try:
        audit = parse_period(period) if period else None
        result = run_check(paths, roster, rules=rules, as_of=as_of, audit=audit)
        out.mkdir(parents=True, exist_ok=True)
        for name in chosen:
            FORMATS[name].render(result, out)
    except InputError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"无法写入报告：{exc}") from None
    _summary(result, out)
    sys.exit(result.exit_code(fail_on))


def _summary(result, out: Path) -> None:
    findings = result.findings()
    count = {s: sum(1 for f in findings if f["status"] == s) for s in ("violation", "due", "unverifiable")}
    read = sum(s.read for s in result.sources)
    accepted = sum(s.accepted for s in result.sources)
    rejected = sum(s.rejected for s in result.sources)
    blank = sum(s.blank for s in result.sources)
    click.echo(
        f"检查期间 {result.audit.label}，检查日 {result.as_of}：{len(result.sources)} 个台账文件，"
        f"读取 {read} 行 = 接受 {accepted} + 拒收 {rejected} + 空行 {blank}；数据质量提醒 {len(result.warnings)} 条。"
    )
    click.echo(
        f"{len(result.roster.orgs)} 个组织、{len(result.roster.leaders)} 名领导干部：违规 {count['violation']} 项，"
        f"待完成 {count['due']} 项，无法核验 {count['unverifiable']} 项。报告已写入 {out}/"
    )


@main.command("rules")
@rules_option
def list_rules(rules) -> None:
    """列出规则目录：编号、标题、适用对象、周期和依据。

    \b
    例：
      compliance rules
      compliance rules --rules 本区规则.yaml
    """
    from compliance.catalogue import load_catalogue

    try:
        catalogue = load_catalogue(rules)
    except InputError as exc:
        raise UserError(str(exc)) from None
    for rule in catalogue.rules:
        click.echo(f"{rule.id}  {rule.title}")
        click.echo(f"    适用：{rule.applies_to.describe()}；周期：{rule.period_text()}；"
                   f"严重程度：{rule.severity.chinese}")
        click.echo(f"    依据：{catalogue.source_text(rule)}")
